import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { currencySchema } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { consumerToken } from '../../modules/accounts/index.js';
import { quantity_max } from '../../modules/inventory/index.js';
import { buyerEmail, cart_lines_max, cartAccess, cartParams, cartToken, orderJson, orderSchema, orderSettings, signedInConsumer } from '../../modules/orders/index.js';
import { CheckoutCommitter } from './committer.js';
import { checkoutCart, placeOrder, type PlacedCheckout } from './place-order.js';

const id = z.string().min(1).max(64);
const quantity = z.number().int('must be a whole number of units').min(1, 'must be at least 1').max(quantity_max, `must be at most ${quantity_max}`);

const checkoutItem = z
  .object({
    variant_id: id,
    quantity,
    expected_unit_price_minor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().openapi({ description: 'the price the buyer saw; a different server price refuses the checkout' }),
  })
  .strict();
const fulfilment = z.record(id, id).optional().openapi({ description: 'location per seller: `{ "mer_...": "loc_..." }`; by default the location with most stock' });
const checkoutOut = z.object({ checkout_id: z.string(), orders: z.array(orderSchema) }).openapi('Checkout');

export const checkoutRoute = defineRoute({
  operationId: 'createCheckout',
  method: 'post',
  path: '/v1/checkouts',
  tags: ['Checkout'],
  summary: 'Buy now: price, reserve stock and create one order per seller, awaiting payment',
  access: { scope: 'checkout:write', tenancy: 'public', keyKinds: ['publishable', 'secret'] },
  request: { headers: consumerToken, ...jsonBody(z.object({ currency: currencySchema, items: z.array(checkoutItem).min(1).max(cart_lines_max), buyer_email: buyerEmail, fulfilment }).strict()) },
  responses: { 201: jsonResponse(checkoutOut, 'The orders, awaiting payment') },
});

export const checkoutCartRoute = defineRoute({
  operationId: 'checkoutCart',
  method: 'post',
  path: '/v1/carts/{cart_id}/checkout',
  tags: ['Checkout'],
  summary: 'Check out a cart: one order per seller, awaiting payment',
  access: cartAccess,
  request: { params: cartParams, headers: cartToken, ...jsonBody(z.object({ buyer_email: buyerEmail, fulfilment, expected_total_minor: z.number().int().min(0).optional() }).strict()) },
  responses: { 201: jsonResponse(checkoutOut, 'The orders, awaiting payment') },
});

const checkoutJson = (r: PlacedCheckout): z.infer<typeof checkoutOut> => ({ checkout_id: r.checkout_id, orders: r.orders.map((p) => orderJson({ ...p.order, lines: p.lines })) });

/** The two ways to check out; one group commit per process serves both. */
export function registerRoutes(router: ModuleRouter, { db, config, logger }: ModuleContext): void {
  const committer = new CheckoutCommitter(db, logger.child({ component: 'checkout' }));
  const unpaid_ttl_s = orderSettings.of(config).OPENBOS_UNPAID_ORDER_TTL_S;

  router.route(checkoutRoute, async (c) => {
    const input = c.req.valid('json');
    const variants = input.items.map((i) => i.variant_id);
    if (new Set(variants).size !== variants.length) throw problems.validation([{ field: 'items', location: 'body', message: 'each variant may appear once; raise its quantity instead' }]);
    const consumer = await signedInConsumer(db, c.req.valid('header'));
    const placed = await placeOrder(committer, { ...input, buyer_email: input.buyer_email ?? consumer?.email, consumer_id: consumer?.id, channel_merchant_id: c.get('caller').merchant_id }, unpaid_ttl_s);
    return c.json(checkoutJson(placed), 201);
  });

  router.route(checkoutCartRoute, async (c) => {
    const headers = c.req.valid('header');
    const consumer = await signedInConsumer(db, headers);
    const key = { token: headers['x-cart-token'], consumer_id: consumer?.id };
    const input = c.req.valid('json');
    return c.json(checkoutJson(await checkoutCart(db, committer, c.req.valid('param').cart_id, key, { ...input, consumer }, unpaid_ttl_s)), 201);
  });
}
