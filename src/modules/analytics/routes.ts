import { z } from '@hono/zod-openapi';
import { defineRoute, jsonResponse } from '../../kernel/http/route.js';
import { currencySchema, toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { canonicalTimeZone, timeZoneSchema } from '../../kernel/time-zone.js';
import { getMerchant } from '../merchants/index.js';
import { lifecycleReport } from './lifecycle.js';
import { merchantOverview, type SalesTotal } from './overview.js';
import { daysBetween, netIn, period_days_max, placesReport, type Figures, type Period, type PlaceReport } from './places.js';

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

const localDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day, YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'must be a calendar day')
  .openapi({ example: '2026-12-01' });

const periodQuery = z.object({
  period: z.enum(['today', '7d', '30d']).default('today').openapi({ description: 'today, or the last 7 or 30 days with today; ignored when `from` and `to` are given' }),
  from: localDaySchema.optional().openapi({ description: 'first local day of an explicit period (with `to`)' }),
  to: localDaySchema.optional().openapi({ description: 'last local day of an explicit period (with `from`), at most 366 days after `from`' }),
});

function periodOf(q: z.infer<typeof periodQuery>): Period {
  if (q.from === undefined && q.to === undefined) return { kind: q.period };
  if (q.from === undefined || q.to === undefined) throw problems.validation([{ field: q.from === undefined ? 'from' : 'to', location: 'query', message: '`from` and `to` go together' }]);
  const days = daysBetween(q.from, q.to);
  if (days < 1 || days > period_days_max) throw problems.validation([{ field: 'to', location: 'query', message: `must be on or after \`from\` and at most ${period_days_max} days from it` }]);
  return { kind: 'range', from: q.from, to: q.to };
}

const currencySalesSchema = z.object({ currency: z.string(), orders: z.number().int(), gross_minor: amount, refunded_minor: amount, net_minor: amount, average_order_minor: amount.openapi({ description: 'gross ÷ orders, rounded down' }) });
const figuresSchema = z.object({
  orders: z.number().int().openapi({ description: 'sales: orders past payment, in every currency' }),
  sales: z.array(currencySalesSchema).openapi({ description: 'per currency, the requested one first' }),
  net_minor: amount.openapi({ description: 'net sales in the requested currency' }),
  visits: z.number().int().nullable().openapi({ description: 'consumer-days seen at the place (docs/ANALYTICS.md); null when unknown (a partner’s storefront) or without the `consumers:read` scope' }),
  conversion_rate: z.number().nullable().openapi({ description: 'orders ÷ visits; null without visits' }),
});
const changeSchema = z.object({
  orders_pct: z.number().nullable().openapi({ description: 'change in orders against the period before, in percent; null when there were none before' }),
  net_pct: z.number().nullable().openapi({ description: 'change in net sales in the requested currency, in percent; null when there were none before' }),
});
const placeFields = {
  time_zone: z.string().openapi({ description: 'the days of this row are counted here' }),
  today: z.string().openapi({ description: 'the local day it is now in `time_zone`' }),
  first_day: z.string(),
  last_day: z.string(),
  current: figuresSchema,
  previous: figuresSchema.openapi({ description: 'the period of the same length just before' }),
  change: changeSchema,
  last_sale_at: z.string().datetime().nullable().openapi({ description: 'the latest sale in this period or the one before' }),
  share: z.number().nullable().openapi({ description: 'of the net sales in the requested currency, 0 to 1; null when nothing sold' }),
  rank: z.number().int().openapi({ description: '1 = the most net sales in the requested currency (ties: more orders)' }),
};
const placesSchema = z
  .object({
    currency: z.string(),
    time_zone: z.string().openapi({ description: 'the merchant’s; channels’ days are counted here' }),
    period: z.enum(['today', '7d', '30d', 'range']),
    stores: z.array(z.object({ location_id: z.string(), code: z.string(), name: z.string(), kind: z.enum(['store', 'warehouse']), active: z.boolean(), ...placeFields })),
    channels: z.array(z.object({ channel_merchant_id: z.string(), name: z.string(), handle: z.string().nullable(), own: z.boolean().openapi({ description: 'the merchant’s own storefront, not a partner’s shelf' }), ...placeFields })),
    total: z.object({ current: figuresSchema, previous: figuresSchema, change: changeSchema, last_sale_at: z.string().datetime().nullable().openapi({ description: 'the latest sale ever' }) }),
  })
  .openapi('StoresReport');

export const storesRoute = defineRoute({
  operationId: 'getStoresReport',
  method: 'get',
  path: '/v1/analytics/stores',
  tags: ['Analytics'],
  summary: 'Stores compared, and channels: sales, orders, average order value, visits and conversion over a period, each store’s days in its own time zone, with share, rank and change',
  description: 'Definitions (what is a sale, a visit, a store’s day, a channel) are in docs/ANALYTICS.md. A store is the location whose stock an order reserved; a channel is the storefront the order came through.',
  access: { scope: 'orders:read', tenancy: 'merchant' },
  request: { query: periodQuery.extend({ currency: currencySchema.optional().openapi({ description: 'shares, ranks and `net_minor` are in this currency; the merchant’s default when absent' }) }) },
  responses: { 200: jsonResponse(placesSchema, 'Stores and channels compared') },
});

const flowStage = z.enum(['none', 'aware', 'interested', 'purchased', 'loyal']);
const lifecycleSchema = z
  .object({
    time_zone: z.string(),
    day: z.string().openapi({ description: 'today, where the merchant is' }),
    whole_history: stageCounts.openapi({ description: 'the highest stage each consumer ever reached, over the brand’s whole history' }),
    today: stageCounts.openapi({ description: 'the stage each consumer holds today, within the lifecycle windows (purchase 365 days, interest and awareness 30); this call refreshes today’s record' }),
    flow: z.object({
      from_day: z.string().openapi({ description: 'stages at the end of this day (the day before the period) …' }),
      to_day: z.string().openapi({ description: '… against stages at the end of this one' }),
      transitions: z.array(z.object({ from: flowStage, to: flowStage, consumers: z.number().int() })).openapi({ description: 'every pair, staying included; `none` is in no stage' }),
      entered: z.number().int(),
      moved_on: stageCounts.openapi({ description: 'per stage, consumers who left it for a higher one' }),
      fell_back: z.number().int(),
      lost: z.number().int().openapi({ description: 'left every stage: no longer active within the windows' }),
    }),
  })
  .openapi('LifecycleReport');

export const lifecycleRoute = defineRoute({
  operationId: 'getLifecycleReport',
  method: 'get',
  path: '/v1/analytics/lifecycle',
  tags: ['Analytics'],
  summary: 'A-I-P-L over the brand’s whole history and today, with the flow between stages over a period',
  access: { scope: 'consumers:read', tenancy: 'merchant' },
  request: { query: periodQuery },
  responses: { 200: jsonResponse(lifecycleSchema, 'The lifecycle') },
});

const pct = (now: number | bigint, before: number | bigint): number | null => (Number(before) === 0 ? null : Math.round(((Number(now) - Number(before)) / Number(before)) * 1000) / 10);

function figuresJson(f: Figures, currency: string) {
  return {
    orders: f.orders,
    sales: f.sales.map((s) => ({ currency: s.currency, orders: s.orders, gross_minor: toJsonAmount(s.gross_minor), refunded_minor: toJsonAmount(s.refunded_minor), net_minor: toJsonAmount(s.gross_minor - s.refunded_minor), average_order_minor: toJsonAmount(s.orders === 0 ? 0n : s.gross_minor / BigInt(s.orders)) })),
    net_minor: toJsonAmount(netIn(f, currency)),
    visits: f.visits,
    conversion_rate: f.visits === null || f.visits === 0 ? null : Math.round((f.orders / f.visits) * 10_000) / 10_000,
  };
}

const changeJson = (current: Figures, previous: Figures, currency: string) => ({ orders_pct: pct(current.orders, previous.orders), net_pct: pct(netIn(current, currency), netIn(previous, currency)) });

function placeJson(p: PlaceReport, currency: string) {
  return {
    time_zone: p.time_zone, today: p.today, first_day: p.first_day, last_day: p.last_day,
    current: figuresJson(p.current, currency), previous: figuresJson(p.previous, currency), change: changeJson(p.current, p.previous, currency),
    last_sale_at: p.last_sale_at?.toISOString() ?? null, share: p.share, rank: p.rank,
  };
}

export function registerRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(storesRoute, async (c) => {
    const caller = c.get('caller');
    const q = c.req.valid('query');
    const period = periodOf(q);
    const merchant = await getMerchant(db, caller.merchant_id);
    if (merchant === undefined) throw problems.notFound('The merchant');
    const currency = q.currency ?? merchant.default_currency;
    const r = await placesReport(db, { merchant_id: caller.merchant_id, currency, time_zone: merchant.time_zone, period, include_visits: caller.scopes.has('consumers:read') });
    return c.json(
      {
        currency, time_zone: r.time_zone, period: r.period,
        stores: r.stores.map((s) => ({ location_id: s.location_id, code: s.code, name: s.name, kind: s.kind, active: s.active, ...placeJson(s, currency) })),
        channels: r.channels.map((ch) => ({ channel_merchant_id: ch.channel_merchant_id, name: ch.name, handle: ch.handle, own: ch.own, ...placeJson(ch, currency) })),
        total: { current: figuresJson(r.total.current, currency), previous: figuresJson(r.total.previous, currency), change: changeJson(r.total.current, r.total.previous, currency), last_sale_at: r.total.last_sale_at?.toISOString() ?? null },
      },
      200,
    );
  });

  router.route(lifecycleRoute, async (c) => {
    const caller = c.get('caller');
    const period = periodOf(c.req.valid('query'));
    const merchant = await getMerchant(db, caller.merchant_id);
    if (merchant === undefined) throw problems.notFound('The merchant');
    return c.json(await lifecycleReport(db, { merchant_id: caller.merchant_id, time_zone: merchant.time_zone, period }), 200);
  });

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
