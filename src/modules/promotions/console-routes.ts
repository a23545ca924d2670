import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { currencySchema, toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { previewCart } from './preview.js';
import { promotionReport } from './report.js';
import { pricingJson, pricingSchema } from './routes.js';
import { promotionSettings, setPromotionSettings } from './settings.js';
import { walletSources } from './tables.js';

/**
 * What the merchant's console needs besides the promotions themselves: a promotion's report,
 * the preview of a cart ("this cart would get …"), and the merchant's stacking setting.
 * Registered before the promotion routes, so `/v1/promotions/settings` is never read as a
 * promotion id.
 */
const read = { scope: 'promotions:read', tenancy: 'merchant' } as const;
const write = { scope: 'promotions:write', tenancy: 'merchant' } as const;
const params = z.object({ promotion_id: z.string().max(64).openapi({ param: { name: 'promotion_id', in: 'path' } }) });
const int = z.number().int();

const reportSchema = z
  .object({
    promotion_id: z.string(),
    currency: z.string(),
    time_zone: z.string().openapi({ description: 'the merchant’s: the days below begin at its midnight' }),
    from: z.string(),
    to: z.string(),
    wallet: z
      .array(z.object({ source: z.enum(walletSources), issued: int, available: int, redeemed: int, expired: int, redemption_rate: z.number().nullable().openapi({ description: 'redeemed ÷ issued' }) }))
      .openapi({ description: 'wallet coupons issued in the window, per source (claimed, pushed, won in a screen game), and what became of them' }),
    redemptions: z.object({
      total: int,
      held: int,
      released: int.openapi({ description: 'given back by closed or cancelled (or refunded) orders' }),
      by_code: int,
      by_wallet: int,
      automatic: int,
      discount_minor: int,
      released_minor: int,
      net_discount_minor: int.openapi({ description: 'the discount that stands: given minus given back' }),
    }),
    daily: z.array(z.object({ day: z.string(), redemptions: int, released: int, discount_minor: int, released_minor: int })).openapi({ description: 'every day of the window, in the merchant’s time zone, by the day of the redemption' }),
    orders: z
      .object({ orders: int, closed: int.openapi({ description: 'orders whose discount was given back' }), revenue_minor: int, kept_revenue_minor: int.openapi({ description: 'revenue of the orders not closed' }), discount_minor: int })
      .openapi({ description: 'the orders that carried the discount (a multi-seller checkout has one per seller)' }),
  })
  .openapi('PromotionReport');

const previewSchema = z
  .object({
    currency: z.string(),
    lines: z.array(z.object({ variant_id: z.string(), sku: z.string(), title: z.string(), quantity: int, unit_price_minor: int, list_minor: int, discount_minor: int, total_minor: int })),
    goods_minor: int,
    delivery_minor: int,
    delivery_discount_minor: int,
    discount_minor: int,
    total_minor: int,
    pricing: pricingSchema,
  })
  .openapi('PromotionPreview');

const settingsSchema = z
  .object({
    max_stack: int.min(1).max(20).openapi({ description: 'the most of your promotions one checkout may stack' }),
    updated_at: z.string().nullable().openapi({ description: 'null while the default holds' }),
  })
  .openapi('PromotionSettings');

export const promotionReportRoute = defineRoute({
  operationId: 'getPromotionReport',
  method: 'get',
  path: '/v1/promotions/{promotion_id}/report',
  tags: ['Promotions'],
  summary: 'A promotion’s report: wallet coupons per source and their redemption rate, redemptions and discount per day (held and given back), and the orders and revenue behind them',
  access: read,
  request: {
    params,
    query: z.object({
      from: z.string().optional().openapi({ description: 'first day, YYYY-MM-DD in the merchant’s time zone (default: 29 days before `to`)' }),
      to: z.string().optional().openapi({ description: 'last day, YYYY-MM-DD (default: today); at most 366 days in all' }),
    }),
  },
  responses: { 200: jsonResponse(reportSchema, 'The report') },
});

export const previewPromotionsRoute = defineRoute({
  operationId: 'previewPromotions',
  method: 'post',
  path: '/v1/promotions/preview',
  tags: ['Promotions'],
  summary: 'What a cart of your variants would get right now: each line’s discount, every promotion applied and every reason one did not; nothing is written',
  access: read,
  request: jsonBody(
    z
      .object({
        currency: currencySchema,
        items: z.array(z.object({ variant_id: z.string().min(1).max(64), quantity: int.min(1).max(10_000) }).strict()).min(1).max(100),
        codes: z.array(z.string().min(1).max(64)).max(10).optional(),
        consumer_id: z.string().min(1).max(64).optional().openapi({ description: 'price as for this signed-in consumer, with their wallet’s coupons' }),
        delivery_minor: int.min(0).max(1_000_000_000).optional().openapi({ description: 'the delivery charge, for free-shipping promotions' }),
      })
      .strict(),
  ),
  responses: { 200: jsonResponse(previewSchema, 'What the cart would get') },
});

export const getPromotionSettingsRoute = defineRoute({
  operationId: 'getPromotionSettings',
  method: 'get',
  path: '/v1/promotions/settings',
  tags: ['Promotions'],
  summary: 'How many of your promotions one checkout may stack',
  access: read,
  responses: { 200: jsonResponse(settingsSchema, 'The settings') },
});

export const putPromotionSettingsRoute = defineRoute({
  operationId: 'putPromotionSettings',
  method: 'put',
  path: '/v1/promotions/settings',
  tags: ['Promotions'],
  summary: 'Set how many of your promotions one checkout may stack (1 to 20)',
  access: write,
  request: jsonBody(z.object({ max_stack: int.min(1, 'must be at least 1').max(20, 'must be at most 20') }).strict()),
  responses: { 200: jsonResponse(settingsSchema, 'The settings') },
});

const settingsJson = (s: { max_stack: number; updated_at: Date | null }) => ({ max_stack: s.max_stack, updated_at: s.updated_at?.toISOString() ?? null });

export function registerConsoleRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(getPromotionSettingsRoute, async (c) => c.json(settingsJson(await promotionSettings(db, c.get('caller').merchant_id)), 200));

  router.route(putPromotionSettingsRoute, async (c) => c.json(settingsJson(await setPromotionSettings(db, c.get('caller').merchant_id, c.req.valid('json').max_stack)), 200));

  router.route(previewPromotionsRoute, async (c) => {
    const body = c.req.valid('json');
    const { lines, delivery_minor, pricing } = await previewCart(db, c.get('caller').merchant_id, body);
    const lineDiscounts = lines.map(() => 0n);
    for (const a of pricing.applied) for (const l of a.lines) lineDiscounts[l.index] = lineDiscounts[l.index]! + l.amount_minor;
    const goods = lines.reduce((s, l) => s + l.unit_price_minor * BigInt(l.quantity), 0n);
    const deliveryDiscount = pricing.applied.reduce((s, a) => s + a.deliveries.reduce((t, d) => t + d.amount_minor, 0n), 0n);
    return c.json(
      {
        currency: body.currency,
        lines: lines.map((l, i) => {
          const list = l.unit_price_minor * BigInt(l.quantity);
          return { variant_id: l.variant_id, sku: l.sku, title: l.title, quantity: l.quantity, unit_price_minor: toJsonAmount(l.unit_price_minor), list_minor: toJsonAmount(list), discount_minor: toJsonAmount(lineDiscounts[i]!), total_minor: toJsonAmount(list - lineDiscounts[i]!) };
        }),
        goods_minor: toJsonAmount(goods),
        delivery_minor: toJsonAmount(delivery_minor),
        delivery_discount_minor: toJsonAmount(deliveryDiscount),
        discount_minor: toJsonAmount(pricing.discount_minor),
        total_minor: toJsonAmount(goods + delivery_minor - pricing.discount_minor),
        pricing: pricingJson(pricing, (i) => lines[i]!.variant_id),
      },
      200,
    );
  });

  router.route(promotionReportRoute, async (c) => {
    const report = await promotionReport(db, c.get('caller').merchant_id, c.req.valid('param').promotion_id, c.req.valid('query'));
    if (report === undefined) throw problems.notFound('The promotion');
    return c.json(report, 200);
  });
}
