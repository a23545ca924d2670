import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { toJsonAmount } from '../../kernel/money.js';
import { problems } from '../../kernel/problem.js';
import { consumerToken, consumerTokenHeader, requireConsumer } from '../../modules/accounts/index.js';
import { basketJson, basketSchema, consumersBasket, getBasket, tillSale } from '../../modules/instore/index.js';
import { payBasket, refundAtTill, type PayPorts } from './pay-baskets.js';

/**
 * The routes that pay a scan-and-pay basket or a till sale, and refund at a till
 * (docs/STORES.md, "Scan-and-pay and tills").
 */
const id = z.string().min(1).max(64);
const consumerCode = z.string().min(1).max(40).openapi({ description: 'the member’s consumer code (digits, as shown or scanned)' });
const basketParams = z.object({ basket_id: id.openapi({ param: { name: 'basket_id', in: 'path' } }) });
const saleParams = z.object({ sale_id: id.openapi({ param: { name: 'sale_id', in: 'path' } }) });
const sessionParams = z.object({ session_id: id.openapi({ param: { name: 'session_id', in: 'path' } }) });
const waitMs = z.number().int().min(0).max(10_000).optional().openapi({ description: 'how long to wait for the provider’s capture before answering (default 5000); the sale answers `processing` until then' });
const default_wait_ms = 5_000;
const card = z.string().min(1).max(64).openapi({ description: 'a card of the test provider' });

export const payBasketRoute = defineRoute({
  operationId: 'payStoreBasket',
  method: 'post',
  path: '/v1/baskets/{basket_id}/pay',
  tags: ['Scan and pay'],
  summary: 'Pays a scan-and-pay basket: the signed-in consumer with their payment authorisation, or a self-checkout (`instore:write`) with the member’s consumer code; answers the sale',
  access: { scope: ['checkout:write', 'instore:write'], tenancy: 'public', keyKinds: ['publishable', 'secret'] },
  request: {
    params: basketParams,
    headers: consumerToken,
    ...jsonBody(
      z
        .object({
          code: consumerCode.optional().openapi({ description: 'at a self-checkout (secret key with `instore:write`): the member’s consumer code; without it, the signed-in consumer pays' }),
          device_id: id.optional().openapi({ description: 'the self-checkout, for throttling wrong codes (default: the key)' }),
          wait_ms: waitMs,
        })
        .strict(),
    ),
  },
  responses: { 200: jsonResponse(basketSchema, 'The basket, paid, with its sale and receipt (a declined charge is a problem, and the basket stays open)') },
});

export const payTillSaleRoute = defineRoute({
  operationId: 'payPosSale',
  method: 'post',
  path: '/v1/pos/sales/{sale_id}/pay',
  tags: ['Tills'],
  summary: 'Takes payment for a till sale: the member’s consumer code (their authorisation, their wallet’s best coupons) or a card',
  access: { scope: 'pos:write', tenancy: 'merchant' },
  request: {
    params: saleParams,
    ...jsonBody(z.discriminatedUnion('method', [z.object({ method: z.literal('code'), code: consumerCode, wait_ms: waitMs }).strict(), z.object({ method: z.literal('card'), card, wait_ms: waitMs }).strict()])),
  },
  responses: { 200: jsonResponse(basketSchema, 'The sale, paid, with its receipt (a declined charge is a problem, and the sale stays open)') },
});

const refundLine = z.object({ variant_id: id, quantity: z.number().int().min(1).max(10_000) }).strict();
export const refundAtTillRoute = defineRoute({
  operationId: 'refundAtPosSession',
  method: 'post',
  path: '/v1/pos/sessions/{session_id}/refunds',
  tags: ['Tills'],
  summary: 'Refunds an in-store order of this store at the till (all of it, or these lines); the stock goes back to the store',
  access: { scope: 'pos:write', tenancy: 'merchant' },
  request: { params: sessionParams, ...jsonBody(z.object({ order_id: id, lines: z.array(refundLine).min(1).max(200).optional() }).strict()) },
  responses: {
    201: jsonResponse(
      z
        .object({ id: z.string(), session_id: z.string(), order_id: z.string(), currency: z.string(), amount_minor: z.number().int(), lines: z.array(z.object({ variant_id: z.string(), quantity: z.number().int(), amount_minor: z.number().int() })) })
        .openapi('PosRefund'),
      'The refund',
    ),
  },
});

export function registerPayBasketRoutes(router: ModuleRouter, ctx: ModuleContext, ports: PayPorts): void {
  const { db } = ctx;
  router.route(payBasketRoute, async (c) => {
    const caller = c.get('caller');
    const { basket_id } = c.req.valid('param');
    const body = c.req.valid('json');
    if (body.code !== undefined) {
      // A self-checkout of the store: a secret key (or console) that holds `instore:write`.
      if (caller.kind === 'publishable' || !caller.scopes.has('instore:write')) throw problems.forbidden('instore:write');
      const basket = await getBasket(db, caller.merchant_id, basket_id);
      if (basket === undefined || basket.kind !== 'scan') throw problems.notFound('The basket');
      const paid = await payBasket(ctx, ports, caller.merchant_id, basket_id, { kind: 'code', code: body.code, device_id: body.device_id ?? caller.key_id }, caller.actor, body.wait_ms ?? default_wait_ms);
      return c.json(await basketJson(db, paid, null), 200);
    }
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    await consumersBasket(db, caller.merchant_id, basket_id, consumer);
    const paid = await payBasket(ctx, ports, caller.merchant_id, basket_id, { kind: 'consumer', consumer_id: consumer.id }, `consumer:${consumer.id}`, body.wait_ms ?? default_wait_ms);
    return c.json(await basketJson(db, paid, consumer), 200);
  });

  router.route(payTillSaleRoute, async (c) => {
    const caller = c.get('caller');
    const sale = await tillSale(db, caller, c.req.valid('param').sale_id);
    const body = c.req.valid('json');
    const payer = body.method === 'code' ? { kind: 'code' as const, code: body.code, device_id: sale.pos_session_id! } : { kind: 'card' as const, card: body.card };
    const paid = await payBasket(ctx, ports, caller.merchant_id, sale.id, payer, caller.actor, body.wait_ms ?? default_wait_ms);
    return c.json(await basketJson(db, paid, null), 200);
  });

  router.route(refundAtTillRoute, async (c) => {
    const caller = c.get('caller');
    const { session_id } = c.req.valid('param');
    const refund = await refundAtTill(ctx, ports, caller.merchant_id, session_id, c.req.valid('json'), caller.actor);
    return c.json(
      {
        id: refund.refund_id,
        session_id,
        order_id: c.req.valid('json').order_id,
        currency: refund.currency,
        amount_minor: toJsonAmount(refund.amount_minor),
        lines: refund.lines.map((l) => ({ variant_id: l.variant_id, quantity: l.quantity, amount_minor: toJsonAmount(l.amount_minor) })),
      },
      201,
    );
  });
}
