import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { currencySchema } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { localDay } from '../../kernel/time-zone.js';
import { consumerToken, consumerTokenHeader, requireConsumer } from '../accounts/index.js';
import { getMerchant, merchantTimeZone } from '../merchants/index.js';
import { allPlacements, dailyFigures, dayAfter, daily_days_max, daysBetween, placementFigures, placement_days_max } from './figures.js';
import { touchKinds } from './tables.js';
import { attributionSecret } from './token.js';
import { recordTouches, touches_per_batch_max } from './touches.js';

/**
 * The storefront reports touches (publishable key, or a secret key from the shop's server); the
 * merchant reads the figures (secret key or console, `attribution:read`).
 */
const storefrontWrite = { scope: ['events:write', 'storefront:read', 'attribution:write'], tenancy: 'merchant', keyKinds: ['publishable', 'secret'] } as const;
const merchantRead = { scope: 'attribution:read', tenancy: 'merchant' } as const;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine((d) => {
    const t = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d && t.getUTCFullYear() >= 2000 && t.getUTCFullYear() <= 2999;
  }, 'must be a real calendar day between the years 2000 and 2999');

const touchSchema = z
  .object({
    attribution_token: z.string().min(1).max(2_000).openapi({ description: 'the `attribution_token` of the recommendation or search answer that showed the product' }),
    kind: z.enum(touchKinds).openapi({ description: '`view` (the product page opened), `click` (the item in the answer clicked), `cart` (added to a cart), `purchase` (an order placed with it: name the order)' }),
    product_id: z.string().min(1).max(64),
    order_id: z.string().min(1).max(64).optional().openapi({ description: 'a purchase’s order (required for `purchase`, refused for the others)' }),
    anonymous_id: z.string().min(1).max(200).optional().openapi({ description: 'the shopper’s anonymous ID in the data bank (the Segment SDK’s), so the touch is filed under them' }),
    occurred_at: z.string().datetime({ offset: true }).optional().openapi({ description: 'when it happened (ISO 8601); taken between the answer and now; absent: now' }),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.kind === 'purchase' && t.order_id === undefined) ctx.addIssue({ code: 'custom', path: ['order_id'], message: 'a purchase names its order' });
    if (t.kind !== 'purchase' && t.order_id !== undefined) ctx.addIssue({ code: 'custom', path: ['order_id'], message: 'only a purchase names an order' });
  });

const itemProblem = z.object({ status: z.number().int(), code: z.string(), title: z.string(), detail: z.string().nullable() });
const touchResultSchema = z
  .object({
    index: z.number().int().openapi({ description: 'the touch’s place in the batch, from 0' }),
    ok: z.boolean(),
    touch_id: z.string().nullable(),
    recorded: z.boolean().nullable().openapi({ description: 'true: recorded now; false: the same touch (answer, kind, product, order) was recorded before and counts once' }),
    source: z.enum(['recommendation', 'search']).nullable(),
    placement: z.enum(allPlacements).nullable(),
    attributed_lines: z.number().int().openapi({ description: 'a purchase of a paid order: the order lines attributed now' }),
    problem: itemProblem.nullable().openapi({ description: 'why this touch was refused (`token_malformed`, `token_forged`, `token_expired`, `token_other_merchant`, `product_not_in_answer` when the answer is recorded and did not show the product, `not_found` for an unknown order, `product_not_in_order`); nothing of it was recorded' }),
  })
  .openapi('AttributionTouchResult');

export const recordTouchesRoute = defineRoute({
  operationId: 'recordAttributionTouches',
  method: 'post',
  path: '/v1/attribution/events',
  tags: ['Attribution'],
  summary: `Report views, clicks, carts and purchases that followed a recommendation or search answer, at most ${touches_per_batch_max} at once, each with the answer’s token. Each touch is answered on its own (a refused token refuses that touch only); a malformed batch is a 400 and records nothing. A touch sent again counts once`,
  access: storefrontWrite,
  request: {
    headers: consumerToken,
    ...jsonBody(z.object({ events: z.array(touchSchema).min(1).max(touches_per_batch_max) }).strict()),
  },
  responses: { 200: jsonResponse(z.object({ data: z.array(touchResultSchema) }), 'One result per touch, in the batch’s order') },
});

const figuresSchema = z
  .object({
    answers: z.number().int().openapi({ description: 'answers served' }),
    items: z.number().int().openapi({ description: 'items shown in them' }),
    views: z.number().int(),
    clicks: z.number().int(),
    carts: z.number().int(),
    orders: z.number().int().openapi({ description: 'paid orders with a line attributed' }),
    sales_minor: z.number().int().openapi({ description: 'what the buyers paid for the attributed lines, net of refunds, in `currency`' }),
  })
  .openapi('AttributionFigures');
const shareSchema = z.object({ clicks: z.number().nullable(), sales: z.number().nullable() }).openapi({ description: 'recommendations’ share (0..1) of the clicks and sales from recommendations and search together; null when both are 0' });
const dailyRowSchema = z.object({ day: z.string(), recommendation: figuresSchema, search: figuresSchema, recommendation_share: shareSchema }).openapi('AttributionDay');

export const dailyRoute = defineRoute({
  operationId: 'getAttributionDaily',
  method: 'get',
  path: '/v1/attribution/daily',
  tags: ['Attribution'],
  summary: `Per day of the brand (its time zone), traffic and sales from recommendations against those from search: answers served, items shown, views, clicks, carts, orders and sales. Every day of the range, at most ${daily_days_max}`,
  access: merchantRead,
  request: {
    query: z.object({
      from: day.optional().openapi({ description: 'first day (default: 29 days before `to`)' }),
      to: day.optional().openapi({ description: 'last day (default: today in the brand’s time zone)' }),
      currency: currencySchema.optional().openapi({ description: 'sales in this currency; the brand’s default when absent' }),
    }),
  },
  responses: { 200: jsonResponse(z.object({ from: z.string(), to: z.string(), time_zone: z.string(), currency: z.string(), totals: dailyRowSchema.omit({ day: true }), data: z.array(dailyRowSchema) }).openapi('AttributionDaily'), 'The days, oldest first') },
});

const placementRowSchema = figuresSchema
  .extend({ placement: z.enum(allPlacements), source: z.enum(['recommendation', 'search']), click_through: z.number().nullable().openapi({ description: 'clicks per answer served; null without answers' }) })
  .openapi('AttributionPlacement');

export const placementsRoute = defineRoute({
  operationId: 'getAttributionPlacements',
  method: 'get',
  path: '/v1/attribution/placements',
  tags: ['Attribution'],
  summary: 'Per recommendation placement, and search, over the brand’s last days: answers, items, clicks, click-through, views, carts, orders and sales',
  access: merchantRead,
  request: {
    query: z.object({
      days: z.coerce.number().int().min(1).max(placement_days_max).default(7).openapi({ description: `the last days, today included (1 to ${placement_days_max})` }),
      currency: currencySchema.optional(),
    }),
  },
  responses: { 200: jsonResponse(z.object({ from: z.string(), to: z.string(), time_zone: z.string(), currency: z.string(), data: z.array(placementRowSchema) }).openapi('AttributionPlacements'), 'Every placement, search last') },
});

export function registerRoutes(router: ModuleRouter, { db, config }: ModuleContext): void {
  const secret = attributionSecret(config);

  router.route(recordTouchesRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const token = c.req.valid('header')[consumerTokenHeader];
    const consumer = token === undefined ? undefined : await requireConsumer(db, token);
    const { events } = c.req.valid('json');
    const results = await recordTouches(
      db,
      secret,
      merchant_id,
      events.map((e) => ({ ...e, occurred_at: e.occurred_at === undefined ? undefined : new Date(e.occurred_at) })),
      consumer?.id ?? null,
    );
    return c.json(
      {
        data: results.map((r) =>
          r.ok
            ? { index: r.index, ok: true, touch_id: r.touch_id, recorded: r.recorded, source: r.source, placement: r.placement, attributed_lines: r.attributed_lines, problem: null }
            : { index: r.index, ok: false, touch_id: null, recorded: null, source: null, placement: null, attributed_lines: 0, problem: { status: r.problem.status, code: r.problem.code, title: r.problem.title, detail: r.problem.detail ?? null } },
        ),
      },
      200,
    );
  });

  router.route(dailyRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const q = c.req.valid('query');
    const merchant = await getMerchant(db, merchant_id);
    if (merchant === undefined) throw problems.notFound('The merchant');
    const time_zone = await merchantTimeZone(db, merchant_id);
    const to = q.to ?? (q.from === undefined ? localDay(new Date(), time_zone) : dayAfter(q.from, 29));
    const from = q.from ?? dayAfter(to, -29);
    if (from > to) throw problems.validation([{ field: 'from', location: 'query', message: 'must not be after `to`' }]);
    if (daysBetween(from, to) > daily_days_max) throw problems.validation([{ field: 'to', location: 'query', message: `at most ${daily_days_max} days from \`from\`` }]);
    const currency = q.currency ?? merchant.default_currency;
    const { days, totals } = await dailyFigures(db, merchant_id, { from, to, currency });
    return c.json({ from, to, time_zone, currency, totals, data: days }, 200);
  });

  router.route(placementsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const q = c.req.valid('query');
    const merchant = await getMerchant(db, merchant_id);
    if (merchant === undefined) throw problems.notFound('The merchant');
    const currency = q.currency ?? merchant.default_currency;
    const figures = await placementFigures(db, merchant_id, { days: q.days, currency });
    return c.json({ ...figures, currency }, 200);
  });
}
