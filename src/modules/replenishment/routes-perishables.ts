import { z } from '@hono/zod-openapi';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { variantLabels } from '../catalog/index.js';
import type { AnyDb } from '../../kernel/db.js';
import { approveMarkdown, computeMarkdowns, getMarkdown, listMarkdowns, markdownStatuses, rejectMarkdown, type Markdown } from './markdowns.js';
import { stockHealth } from './stock-health.js';

const read = { scope: 'replenishment:read', tenancy: 'merchant' } as const;
const write = { scope: 'replenishment:write', tenancy: 'merchant' } as const;
const tags = ['Replenishment'];

/** Items per store in one health answer, worst first. */
export const health_items_max = 1_000;

const healthItemSchema = z
  .object({
    variant_id: z.string(),
    sku: z.string(),
    title: z.string(),
    available: z.number().int().openapi({ description: 'on hand less reserved' }),
    arriving_units: z.number().int().openapi({ description: 'on approved purchase orders not yet received; they count from the day they are expected' }),
    shelf_life_days: z.number().int().nullable(),
    daily_demand: z.number().nullable().openapi({ description: 'forecast units per day over the next 7 days; null without a forecast' }),
    days_of_cover: z.number().nullable().openapi({ description: 'days the stock lasts, counting units that expire before they sell; null when nothing is forecast to sell' }),
    stockout_date: z.string().nullable().openapi({ description: 'first day the forecast is not met, within the forecast horizon' }),
    expected_stockout_units: z.number().nullable().openapi({ description: 'forecast units not met over the next 7 days' }),
    expiring_units: z.number().int().openapi({ description: 'units on hand whose last day falls within the next 7 days' }),
    expected_waste_units: z.number().nullable().openapi({ description: 'units that reach their last day unsold (first in, first out against the forecast)' }),
  })
  .openapi('StockHealthItem');

const storeHealthSchema = z
  .object({
    location_id: z.string(),
    code: z.string(),
    name: z.string(),
    items: z.array(healthItemSchema).openapi({ description: 'worst first: most expected waste, then the earliest stock-out' }),
    totals: z.object({
      items: z.number().int(),
      at_risk_of_stockout: z.number().int().openapi({ description: 'items whose stock-out date falls within 7 days' }),
      expected_waste_units: z.number(),
      expiring_units: z.number().int(),
      days_of_cover_median: z.number().nullable(),
    }),
  })
  .openapi('StoreStockHealth');

const markdownSchema = z
  .object({
    id: z.string(),
    variant_id: z.string(),
    location_id: z.string(),
    sku: z.string(),
    title: z.string(),
    expires_on: z.string().openapi({ description: 'the lot’s last day on sale, in the merchant’s time zone' }),
    expiring_units: z.number().int(),
    expected_unsold_units: z.number().int().openapi({ description: 'units the forecast leaves unsold by then' }),
    percent_off: z.number().int(),
    status: z.enum(markdownStatuses),
    promotion_id: z.string().nullable().openapi({ description: 'the automatic promotion an approval created' }),
    reason: z.string().nullable(),
    created_at: z.string(),
    decided_at: z.string().nullable(),
    sold_out_at: z.string().nullable().openapi({ description: 'when the marked-down stock sold out at the store and the promotion was ended early (approved markdowns only), else null' }),
  })
  .openapi('Markdown');

async function markdownsJson(db: AnyDb, merchant_id: string, rows: readonly Markdown[]) {
  const labels = await variantLabels(db, merchant_id, rows.map((r) => r.variant_id));
  return rows.map((r) => ({
    id: r.id,
    variant_id: r.variant_id,
    location_id: r.location_id,
    sku: labels.get(r.variant_id)?.sku ?? '',
    title: labels.get(r.variant_id)?.display_title ?? '',
    expires_on: r.expires_on,
    expiring_units: r.expiring_units,
    expected_unsold_units: r.expected_unsold_units,
    percent_off: r.percent_off,
    status: r.status,
    promotion_id: r.promotion_id,
    reason: r.reason,
    created_at: new Date(r.created_at).toISOString(),
    decided_at: r.decided_at === null ? null : new Date(r.decided_at).toISOString(),
    sold_out_at: r.sold_out_at === null ? null : new Date(r.sold_out_at).toISOString(),
  }));
}

const markdownParams = z.object({ markdown_id: z.string().max(64).openapi({ param: { name: 'markdown_id', in: 'path' } }) });

export const getStockHealthRoute = defineRoute({
  operationId: 'getStockHealth',
  method: 'get',
  path: '/v1/replenishment/health',
  tags,
  summary: 'Stock health per store: days of cover, expected stock-outs, expiring units and expected waste per item, from the stock’s age and the current forecast',
  access: read,
  request: {
    query: z.object({
      location_id: z.string().max(64).optional().openapi({ description: 'one location (store or warehouse); absent: every active store' }),
      limit: z.coerce.number().int().min(1).max(health_items_max).default(200).openapi({ description: `items per store, worst first, at most ${health_items_max}; totals count them all` }),
    }),
  },
  responses: { 200: jsonResponse(z.object({ as_of: z.string().openapi({ description: 'the merchant’s today' }), stores: z.array(storeHealthSchema) }).openapi('StockHealth'), 'Stock health') },
});

export const listMarkdownsRoute = defineRoute({
  operationId: 'listMarkdowns',
  method: 'get',
  path: '/v1/replenishment/markdowns',
  tags,
  summary: 'Markdown suggestions for perishables the forecast will not sell before they expire, newest first',
  access: read,
  request: { query: pageQuerySchema.extend({ status: z.enum(markdownStatuses).optional(), location_id: z.string().max(64).optional() }) },
  responses: { 200: jsonResponse(pageSchema(markdownSchema), 'A page of markdowns') },
});

export const getMarkdownRoute = defineRoute({
  operationId: 'getMarkdown',
  method: 'get',
  path: '/v1/replenishment/markdowns/{markdown_id}',
  tags,
  summary: 'One markdown suggestion',
  access: read,
  request: { params: markdownParams },
  responses: { 200: jsonResponse(markdownSchema, 'The markdown') },
});

export const computeMarkdownsRoute = defineRoute({
  operationId: 'computeMarkdowns',
  method: 'post',
  path: '/v1/replenishment/markdowns/compute',
  tags,
  summary: 'Suggest markdowns now from the current stock and forecast (also done daily); never duplicates an open one, never brings back a decided one',
  access: write,
  request: jsonBody(z.object({}).strict().openapi({ description: 'empty: `{}`' })),
  responses: {
    200: jsonResponse(
      z.object({ as_of: z.string(), suggested: z.number().int().openapi({ description: 'new' }), updated: z.number().int().openapi({ description: 'open ones with new figures' }), withdrawn: z.number().int(), sold_out: z.number().int().openapi({ description: 'approved markdowns whose stock sold out: their promotions ended now' }), open: z.number().int() }).openapi('MarkdownComputation'),
      'What changed',
    ),
  },
});

export const approveMarkdownRoute = defineRoute({
  operationId: 'approveMarkdown',
  method: 'post',
  path: '/v1/replenishment/markdowns/{markdown_id}/approve',
  tags,
  summary: 'Approve an open markdown: an automatic promotion, percent off the variant in that store until the end of the lot’s last day',
  access: write,
  request: { params: markdownParams, ...jsonBody(z.object({ percent_off: z.number().int('must be a whole percent').min(1).max(90).optional().openapi({ description: 'another percent than the suggested one, 1 to 90' }) }).strict()) },
  responses: { 200: jsonResponse(markdownSchema, 'The approved markdown, with its promotion') },
});

export const rejectMarkdownRoute = defineRoute({
  operationId: 'rejectMarkdown',
  method: 'post',
  path: '/v1/replenishment/markdowns/{markdown_id}/reject',
  tags,
  summary: 'Reject an open markdown; later computations do not suggest it again',
  access: write,
  request: { params: markdownParams, ...jsonBody(z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict()) },
  responses: { 200: jsonResponse(markdownSchema, 'The rejected markdown') },
});

/** Stock health and markdowns (owner: perishables helper). docs/REPLENISHMENT.md "Perishables and stock health". */
export function registerPerishablesRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(getStockHealthRoute, async (c) => {
    const { location_id, limit } = c.req.valid('query');
    const health = await stockHealth(db, c.get('caller').merchant_id, { location_id, items_max: limit });
    if (health === undefined) throw problems.notFound('The location');
    return c.json(health, 200);
  });
  router.route(listMarkdownsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { limit, cursor, status, location_id } = c.req.valid('query');
    const page = toPage(await listMarkdowns(db, merchant_id, { status, location_id, before_id: decodeCursor(cursor), limit: limit + 1 }), limit);
    return c.json({ data: await markdownsJson(db, merchant_id, page.items), next_cursor: page.next_cursor }, 200);
  });
  router.route(getMarkdownRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const md = await getMarkdown(db, merchant_id, c.req.valid('param').markdown_id);
    if (md === undefined) throw problems.notFound('The markdown');
    return c.json((await markdownsJson(db, merchant_id, [md]))[0]!, 200);
  });
  router.route(computeMarkdownsRoute, async (c) => c.json(await computeMarkdowns(db, c.get('caller').merchant_id), 200));
  router.route(approveMarkdownRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const md = await approveMarkdown(db, merchant_id, c.req.valid('param').markdown_id, { percent_off: c.req.valid('json').percent_off });
    return c.json((await markdownsJson(db, merchant_id, [md]))[0]!, 200);
  });
  router.route(rejectMarkdownRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const md = await rejectMarkdown(db, merchant_id, c.req.valid('param').markdown_id, c.req.valid('json').reason);
    return c.json((await markdownsJson(db, merchant_id, [md]))[0]!, 200);
  });
}
