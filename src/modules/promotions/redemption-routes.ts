import { z } from '@hono/zod-openapi';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonResponse } from '../../kernel/http/route.js';
import { toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { getPromotion } from './promotions.js';
import { listRedemptions, maskConsumerKey, type Redemption } from './redemptions.js';

const promotionParam = z.object({ promotion_id: z.string().min(1).max(64).openapi({ param: { name: 'promotion_id', in: 'path' } }) });

const redemptionSchema = z
  .object({
    id: z.string(),
    checkout_id: z.string(),
    order_ids: z.array(z.string()).openapi({ description: 'the orders it discounted (one per seller of the checkout)' }),
    consumer_key: z.string().nullable().openapi({ description: 'masked: `c:…` a signed-in consumer, `e:…` a guest’s email (kept only hashed); enough to tell buyers apart, not to identify them' }),
    code: z.string().nullable(),
    wallet_coupon_id: z.string().nullable(),
    amount_minor: z.number().int().openapi({ description: 'the discount it gave' }),
    released_minor: z.number().int().openapi({ description: 'what closed (or, by the promotion’s rule, refunded) orders gave back to the budget' }),
    status: z.enum(['held', 'released']).openapi({ description: '`released` once every order it discounted has given it back' }),
    created_at: z.string(),
  })
  .openapi('PromotionRedemption');

function redemptionJson(r: Redemption): z.infer<typeof redemptionSchema> {
  return {
    id: r.id,
    checkout_id: r.checkout_id,
    order_ids: r.order_ids,
    consumer_key: maskConsumerKey(r.consumer_key),
    code: r.code,
    wallet_coupon_id: r.wallet_coupon_id,
    amount_minor: toJsonAmount(r.amount_minor),
    released_minor: toJsonAmount(r.released_minor),
    status: r.status,
    created_at: r.created_at.toISOString(),
  };
}

export const listRedemptionsRoute = defineRoute({
  operationId: 'listPromotionRedemptions',
  method: 'get',
  path: '/v1/promotions/{promotion_id}/redemptions',
  tags: ['Promotions'],
  summary: 'A promotion’s redemptions, newest first: the checkout, its orders, the code or wallet coupon, the discount and what was given back',
  access: { scope: 'promotions:read', tenancy: 'merchant' },
  request: { params: promotionParam, query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(redemptionSchema), 'A page of redemptions') },
});

export function registerRedemptionRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(listRedemptionsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { promotion_id } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    if ((await getPromotion(db, merchant_id, promotion_id)) === undefined) throw problems.notFound('The promotion');
    const page = toPage(await listRedemptions(db, merchant_id, promotion_id, { before_id: decodeCursor(cursor), limit: limit + 1 }), limit);
    return c.json({ data: page.items.map(redemptionJson), next_cursor: page.next_cursor }, 200);
  });
}
