import { z } from '@hono/zod-openapi';
import { defineRoute, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { reportCsv } from './csv.js';
import { findingKinds } from './findings.js';
import { insightReport, report_days_default, report_days_max, report_days_min } from './report.js';

const read = { scope: 'insight:read', tenancy: 'merchant' } as const;

const query = z.object({
  days: z.coerce
    .number()
    .int('must be a whole number of days')
    .min(report_days_min)
    .max(report_days_max)
    .default(report_days_default)
    .openapi({ description: `the last days the demand signals are read from, ${report_days_min} to ${report_days_max}`, example: 30 }),
});

const findingSchema = z
  .object({
    kind: z.enum(findingKinds),
    title: z.string(),
    evidence: z.record(z.string(), z.unknown()).openapi({ description: 'what the finding rests on; its fields depend on the kind (docs/INSIGHT.md)' }),
    size: z.object({
      demand: z.number().openapi({ description: 'searches that found nothing, views + cart adds (+ price-filtered searches), or units over the next 14 days' }),
      supply: z.number().openapi({ description: 'products found (0), units available, sellable products, or units available' }),
      ratio: z.number().nullable().openapi({ description: 'demand against supply, 1 is balance (shares for attributes and price bands); null when there is no supply' }),
    }),
    score: z.number().openapi({ description: '0 to 100: (1 − 1/ratio) × (1 − e^(−demand/reference volume of the kind))' }),
  })
  .openapi('InsightFinding');

const reportSchema = z
  .object({
    merchant_id: z.string(),
    generated_at: z.string(),
    days: z.number().int(),
    currency: z.string().openapi({ description: 'the price bands’ currency (the merchant’s default)' }),
    products: z.number().int().openapi({ description: 'products read' }),
    truncated: z.boolean().openapi({ description: 'the brand has more products than one report reads' }),
    took_ms: z.number().int(),
    findings: z.array(findingSchema),
  })
  .openapi('InsightReport');

export const reportRoute = defineRoute({
  operationId: 'getInsightReport',
  method: 'get',
  path: '/v1/insight/report',
  tags: ['Insight'],
  summary: 'The product-insight report: searches with no result, attribute values and price bands with demand and too little offer, stores and regions short of stock, sorted by score',
  access: read,
  request: { query },
  responses: { 200: jsonResponse(reportSchema, 'The report, computed now') },
});

export const reportCsvRoute = defineRoute({
  operationId: 'exportInsightReportCsv',
  method: 'get',
  path: '/v1/insight/report.csv',
  tags: ['Insight'],
  summary: 'The product-insight report as CSV (RFC 4180): `rank,kind,score,title,demand,supply,ratio,evidence`, one row per finding in score order, the evidence as JSON',
  access: read,
  request: { query },
  responses: { 200: { description: 'One header row, then one row per finding', content: { 'text/csv': { schema: z.string() } } } },
});

export function registerInsightRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(reportRoute, async (c) => {
    const report = await insightReport(db, c.get('caller').merchant_id, { days: c.req.valid('query').days });
    return c.json({ ...report, generated_at: report.generated_at.toISOString() }, 200);
  });

  router.route(reportCsvRoute, async (c) => {
    const report = await insightReport(db, c.get('caller').merchant_id, { days: c.req.valid('query').days });
    const day = report.generated_at.toISOString().slice(0, 10);
    return c.body(reportCsv(report), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="insight-${day}.csv"` });
  });
}
