import { z } from '@hono/zod-openapi';
import { clientAddress } from '../../kernel/http/client-address.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { currencySchema } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { consumerToken } from '../../modules/accounts/index.js';
import { buyerEmail, deliverySummaryJson, deliverySummarySchema, cart_lines_max, cartAccess, cartParams, cartToken, orderJson, orderSchema, orderSettings, signedInConsumer } from '../../modules/orders/index.js';
import { CouponGuesses, pricingJson, pricingSchema } from '../../modules/promotions/index.js';
import { CheckoutCommitter } from './committer.js';
import { checkoutCart, chooseDelivery, placeOrder, type PlacedCheckout } from './place-order.js';
import { checkoutItem, coupons, delivery, fulfilment } from './checkout-body.js';
import { registerQuoteRoutes } from './quote-routes.js';

const checkoutOrder = orderSchema.extend({ delivery: deliverySummarySchema.nullable().openapi({ description: 'the delivery chosen, without the recipient and address' }) }).openapi('CheckoutOrder');
const checkoutOut = z.object({ checkout_id: z.string(), orders: z.array(checkoutOrder), promotions: pricingSchema.openapi({ description: 'every discount applied (allocated to lines and deliveries) and every promotion considered that was not, with the reason' }) }).openapi('Checkout');

export const checkoutRoute = defineRoute({
  operationId: 'createCheckout',
  method: 'post',
  path: '/v1/checkouts',
  tags: ['Checkout'],
  summary: 'Buy now: price, reserve stock and create one order per seller, awaiting payment',
  access: { scope: 'checkout:write', tenancy: 'public', keyKinds: ['publishable', 'secret'] },
  request: { headers: consumerToken, ...jsonBody(z.object({ currency: currencySchema, items: z.array(checkoutItem).min(1).max(cart_lines_max), buyer_email: buyerEmail, fulfilment, delivery, coupons, expected_total_minor: z.number().int().min(0).optional().openapi({ description: 'the total the buyer saw (goods and delivery less discounts); a different total refuses the checkout (422 price_changed)' }) }).strict()) },
  responses: { 201: jsonResponse(checkoutOut, 'The orders, awaiting payment') },
});

export const checkoutCartRoute = defineRoute({
  operationId: 'checkoutCart',
  method: 'post',
  path: '/v1/carts/{cart_id}/checkout',
  tags: ['Checkout'],
  summary: 'Check out a cart: one order per seller, awaiting payment',
  access: cartAccess,
  request: { params: cartParams, headers: cartToken, ...jsonBody(z.object({ buyer_email: buyerEmail, fulfilment, expected_total_minor: z.number().int().min(0).optional().openapi({ description: 'the total the buyer saw: goods and delivery of every seller less discounts; a different total refuses the checkout (422 price_changed)' }), delivery, coupons }).strict()) },
  responses: { 201: jsonResponse(checkoutOut, 'The orders, awaiting payment') },
});

const checkoutJson = (r: PlacedCheckout): z.infer<typeof checkoutOut> => ({
  checkout_id: r.checkout_id,
  promotions: pricingJson(r.pricing, (i) => r.variant_ids[i]!),
  orders: r.orders.map((p) => ({ ...orderJson({ ...p.order, lines: p.lines }), delivery: p.delivery === undefined ? null : deliverySummaryJson(p.delivery) })),
});

/** The two ways to check out; one group commit per process serves both. */
export function registerRoutes(router: ModuleRouter, { db, config, logger }: ModuleContext): void {
  const committer = new CheckoutCommitter(db, logger.child({ component: 'checkout' }));
  const unpaid_ttl_s = orderSettings.of(config).OPENBOS_UNPAID_ORDER_TTL_S;
  // Codes that match no coupon are counted per buyer; too many, and codes are refused for a while (brute force).
  const guesses = new CouponGuesses(db);

  router.route(checkoutRoute, async (c) => {
    const input = c.req.valid('json');
    const variants = input.items.map((i) => i.variant_id);
    if (new Set(variants).size !== variants.length) throw problems.validation([{ field: 'items', location: 'body', message: 'each variant may appear once; raise its quantity instead' }]);
    const consumer = await signedInConsumer(db, c.req.valid('header'));
    const deliveries = await chooseDelivery(db, input.items, input.delivery, input.fulfilment);
    const storefront_id = c.get('caller').merchant_id;
    const guesser = { storefront_id, address: clientAddress(c, config.OPENBOS_TRUSTED_PROXIES, logger), consumer_id: consumer?.id };
    const placed = await guesses.guard(input.coupons?.codes, guesser, () => placeOrder(committer, { ...input, deliveries, buyer_email: input.buyer_email ?? consumer?.email, consumer_id: consumer?.id, channel_merchant_id: storefront_id }, unpaid_ttl_s));
    return c.json(checkoutJson(placed), 201);
  });

  router.route(checkoutCartRoute, async (c) => {
    const headers = c.req.valid('header');
    const consumer = await signedInConsumer(db, headers);
    const key = { token: headers['x-cart-token'], consumer_id: consumer?.id };
    const input = c.req.valid('json');
    const { cart_id } = c.req.valid('param');
    const guesser = { storefront_id: c.get('caller').merchant_id, address: clientAddress(c, config.OPENBOS_TRUSTED_PROXIES, logger), consumer_id: consumer?.id, cart_id };
    return c.json(checkoutJson(await guesses.guard(input.coupons?.codes, guesser, () => checkoutCart(db, committer, cart_id, key, { ...input, consumer }, unpaid_ttl_s))), 201);
  });

  registerQuoteRoutes(router, db, guesses, (c) => clientAddress(c, config.OPENBOS_TRUSTED_PROXIES, logger));
}
