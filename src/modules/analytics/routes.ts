import { z } from '@hono/zod-openapi';
import { defineRoute, jsonResponse } from '../../kernel/http/route.js';
import { currencySchema, toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { canonicalTimeZone, timeZoneSchema } from '../../kernel/time-zone.js';
import { getMerchant } from '../merchants/index.js';
import { merchantOverview, type SalesTotal } from './overview.js';

const amount = z.number().int();
const totalSchema = z.object({ orders: z.number().int(), gross_minor: amount, refunded_minor: amount, net_minor: amount });
const stageCounts = z.object({ aware: z.number().int(), interested: z.number().int(), purchased: z.number().int(), loyal: z.number().int() });

const overviewSchema = z
  .object({
    currency: z.string(),
    time_zone: z.string(),
    sales: z.object({
      today: totalSchema,
      last_7_days: totalSchema,
      last_30_days: totalSchema,
      daily: z.array(z.object({ day: z.string().openapi({ example: '2026-11-30' }), orders: z.number().int(), gross_minor: amount, refunded_minor: amount })),
    }),
    orders_by_status: z.record(z.string(), z.number().int()),
    top_products: z.array(z.object({ product_id: z.string(), title: z.string(), units: z.number().int(), revenue_minor: amount })),
    lifecycle: z.object({ day: z.string(), counts: stageCounts }).nullable().openapi({ description: 'A-I-P-L counts today; null without the `consumers:read` scope' }),
    low_stock: z
      .array(z.object({ variant_id: z.string(), sku: z.string().nullable(), title: z.string().nullable(), location_id: z.string(), location_name: z.string().nullable(), on_hand: amount, available: amount, low_stock_threshold: z.number().int() }))
      .nullable()
      .openapi({ description: 'stock at or below its threshold, fewest first; null without the `inventory:read` scope' }),
  })
  .openapi('Overview');

export const overviewRoute = defineRoute({
  operationId: 'getOverview',
  method: 'get',
  path: '/v1/analytics/overview',
  tags: ['Analytics'],
  summary: 'Sales today and over 7 and 30 days with a daily series, orders by state, top products, the A-I-P-L funnel and low-stock alerts',
  access: { scope: 'orders:read', tenancy: 'merchant' },
  request: {
    query: z.object({
      currency: currencySchema.optional().openapi({ description: 'the merchant’s default currency when absent' }),
      time_zone: timeZoneSchema.optional().openapi({ description: 'days are counted in this time zone; the merchant’s own (`time_zone` of GET /v1/merchant) when absent' }),
    }),
  },
  responses: { 200: jsonResponse(overviewSchema, 'The overview') },
});

const totalJson = (t: SalesTotal) => ({ orders: t.orders, gross_minor: toJsonAmount(t.gross_minor), refunded_minor: toJsonAmount(t.refunded_minor), net_minor: toJsonAmount(t.gross_minor - t.refunded_minor) });

export function registerRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(overviewRoute, async (c) => {
    const caller = c.get('caller');
    const q = c.req.valid('query');
    const merchant = await getMerchant(db, caller.merchant_id);
    if (merchant === undefined) throw problems.notFound('The merchant');
    const o = await merchantOverview(db, {
      merchant_id: caller.merchant_id,
      currency: q.currency ?? merchant.default_currency,
      time_zone: canonicalTimeZone(q.time_zone ?? merchant.time_zone) ?? merchant.time_zone,
      include_lifecycle: caller.scopes.has('consumers:read'),
      include_stock: caller.scopes.has('inventory:read'),
    });
    return c.json(
      {
        currency: o.currency,
        time_zone: o.time_zone,
        sales: {
          today: totalJson(o.sales.today),
          last_7_days: totalJson(o.sales.last_7_days),
          last_30_days: totalJson(o.sales.last_30_days),
          daily: o.sales.daily.map((d) => ({ day: d.day, orders: d.orders, gross_minor: toJsonAmount(d.gross_minor), refunded_minor: toJsonAmount(d.refunded_minor) })),
        },
        orders_by_status: o.orders_by_status,
        top_products: o.top_products.map((p) => ({ ...p, revenue_minor: toJsonAmount(p.revenue_minor) })),
        lifecycle: o.lifecycle,
        low_stock: o.low_stock?.map((l) => ({ ...l, on_hand: toJsonAmount(l.on_hand), available: toJsonAmount(l.available) })) ?? null,
      },
      200,
    );
  });
}
