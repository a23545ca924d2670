import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { sql } from 'kysely';
import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { currencySchema, toJsonAmount } from '../../kernel/money.js';
import type { ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { availableAtLocations, type StockLevel } from '../../modules/inventory/index.js';
import { buyerEmail, cart_lines_max, cartAccess, cartItems, cartToken, openRequestCart, signedInConsumer } from '../../modules/orders/index.js';
import type { CouponGuesses} from '../../modules/promotions/index.js';
import { priceWithPromotions, pricingJson, pricingSchema } from '../../modules/promotions/index.js';
import { checkoutItem, coupons, delivery, fulfilment } from './checkout-body.js';
import { chooseDelivery, deliveryCharge } from './place-order.js';
import { allocateStock } from './steps/allocate-stock.js';
import { promotionCheckout, withDiscounts } from './steps/apply-promotions.js';
import { quotePrices } from './steps/quote-prices.js';
import type { CheckoutItem, ItemizedCheckout } from './types.js';

/**
 * The storefront's price quote: what a checkout with this body would cost now, with every
 * discount and why each other promotion did not apply, computed by the checkout's own steps
 * (catalog prices, the chosen delivery, where the stock would be served from, the promotions
 * with their limits as they stand) in a read-only transaction, so it writes and locks nothing.
 * A checkout sent with `expected_total_minor` = the quoted total goes through unless a price,
 * the stock or a promotion's limits change in between.
 */
const quoteBody = z
  .object({
    currency: currencySchema.optional().openapi({ description: 'with items: the currency to price them in; a cart has its own' }),
    items: z.array(checkoutItem).min(1).max(cart_lines_max).optional(),
    cart_id: z.string().min(1).max(64).optional().openapi({ description: 'instead of items: the cart (its token in x-cart-token, or the signed-in consumer’s own cart)' }),
    buyer_email: buyerEmail,
    fulfilment,
    delivery,
    coupons,
  })
  .strict();

const amount = z.number().int();
const quoteOut = z
  .object({
    currency: z.string(),
    lines: z.array(z.object({ variant_id: z.string(), merchant_id: z.string(), sku: z.string(), title: z.string(), quantity: z.number().int(), unit_price_minor: amount, total_minor: amount.openapi({ description: 'at list price' }), discount_minor: amount })),
    deliveries: z.array(z.object({ merchant_id: z.string(), price_minor: amount, discount_minor: amount })).openapi({ description: 'each seller’s delivery charge and what promotions take off it' }),
    goods_minor: amount.openapi({ description: 'the lines at list price' }),
    delivery_minor: amount,
    discount_minor: amount,
    total_minor: amount.openapi({ description: 'goods and delivery less discounts: send it as expected_total_minor at checkout' }),
    promotions: pricingSchema,
  })
  .openapi('CheckoutQuote');

export const checkoutQuoteRoute = defineRoute({
  operationId: 'quoteCheckout',
  method: 'post',
  path: '/v1/checkout-quotes',
  tags: ['Checkout'],
  summary: 'Price a checkout without placing it: list prices, delivery, every discount and the total a checkout would charge now',
  access: cartAccess,
  request: { headers: cartToken, ...jsonBody(quoteBody) },
  responses: { 200: jsonResponse(quoteOut, 'The price, as a checkout with the same body would charge it now') },
});

/**
 * A quote with codes is as good an oracle for guessing them as a checkout: it is throttled the
 * same way, by the checkout routes' `guard` (unknown codes counted per buyer, then 429).
 */
export function registerQuoteRoutes(router: ModuleRouter, db: AnyDb, guesses: CouponGuesses, addressOf: (c: Context) => string): void {
  router.route(checkoutQuoteRoute, async (c) => {
    const input = c.req.valid('json');
    const headers = c.req.valid('header');
    const consumer = await signedInConsumer(db, headers);
    const buyer = await whatIsBought(db, input, headers, c.get('caller').merchant_id, consumer);
    const deliveries = await chooseDelivery(db, buyer.items, input.delivery, input.fulfilment);
    const request: ItemizedCheckout = {
      checkout_id: 'quote',
      channel_merchant_id: buyer.channel_merchant_id,
      currency: buyer.currency,
      buyer_email: input.buyer_email ?? buyer.buyer_email ?? consumer?.email ?? null,
      consumer_id: buyer.consumer_id ?? consumer?.id ?? null,
      cart_id: buyer.cart_id,
      items: buyer.items,
      locations: input.fulfilment ?? {},
      deliveries,
      coupons: input.coupons,
      unpaid_ttl_s: 0,
    };
    const guesser = { storefront_id: c.get('caller').merchant_id, address: addressOf(c), consumer_id: consumer?.id, cart_id: buyer.cart_id ?? undefined };
    return c.json(await guesses.guard(input.coupons?.codes, guesser, () => quote(db, request)), 200);
  });
}

/** The items, currency and buyer of the quote: the body's items, or the cart's (opened by its token or its consumer). */
async function whatIsBought(
  db: AnyDb,
  input: z.infer<typeof quoteBody>,
  headers: Record<string, string | undefined>,
  channel_merchant_id: string,
  consumer: { id: string } | undefined,
): Promise<{ items: CheckoutItem[]; currency: string; channel_merchant_id: string; buyer_email: string | null; consumer_id: string | null; cart_id: string | null }> {
  if ((input.items === undefined) === (input.cart_id === undefined)) throw problems.validation([{ field: 'items', location: 'body', message: 'send either items or cart_id' }]);
  if (input.items !== undefined) {
    if (input.currency === undefined) throw problems.validation([{ field: 'currency', location: 'body', message: 'items are priced in a currency' }]);
    const variants = input.items.map((i) => i.variant_id);
    if (new Set(variants).size !== variants.length) throw problems.validation([{ field: 'items', location: 'body', message: 'each variant may appear once; raise its quantity instead' }]);
    return { items: input.items, currency: input.currency, channel_merchant_id, buyer_email: null, consumer_id: null, cart_id: null };
  }
  const { cart } = await openRequestCart(db, input.cart_id!, headers);
  if (cart.status !== 'open') throw problems.unprocessable('cart_checked_out', 'The cart is already checked out');
  const items = await cartItems(db, cart.id);
  if (items.length === 0) throw problems.unprocessable('cart_empty', 'The cart has no items');
  return { items, currency: cart.currency, channel_merchant_id: cart.channel_merchant_id, buyer_email: cart.buyer_email, consumer_id: cart.consumer_id ?? consumer?.id ?? null, cart_id: cart.id };
}

/**
 * The checkout's steps, reading only: price the lines (quote-prices.ts), allocate the stock as it
 * stands (allocate-stock.ts, on unlocked levels), then the promotions without locks. Each refusal
 * a checkout would give (an unbuyable line, no stock, a coupon that cannot apply) is the answer.
 */
async function quote(db: AnyDb, request: ItemizedCheckout): Promise<z.infer<typeof quoteOut>> {
  return inTransaction(db, async (trx) => {
    await sql`set transaction read only`.execute(trx);
    const [priced] = await quotePrices(trx, [request]);
    if (!priced!.ok) throw priced!.problem;
    const lines = priced!.lines;
    const [allocation] = allocateStock([{ lines, locations: request.locations, deliveries: request.deliveries }], await stockAsItStands(trx, lines));
    if (!allocation!.ok) throw allocation!.problem;
    const taken = await priceWithPromotions(trx, [promotionCheckout(request, lines, allocation!.parts_by_merchant)], { lock: false });
    const outcome = taken.outcomes[0]!;
    if (!outcome.ok) throw outcome.problem;
    const { pricing } = withDiscounts(lines, outcome.pricing);
    const goods = lines.reduce((s, l) => s + l.unit_price_minor * BigInt(l.quantity), 0n);
    const delivery = deliveryCharge(request.deliveries);
    return {
      currency: request.currency,
      lines: lines.map((l, i) => ({ variant_id: l.variant_id, merchant_id: l.merchant_id, sku: l.sku, title: l.title, quantity: l.quantity, unit_price_minor: toJsonAmount(l.unit_price_minor), total_minor: toJsonAmount(l.unit_price_minor * BigInt(l.quantity)), discount_minor: toJsonAmount(pricing.line_discounts[i] ?? 0n) })),
      deliveries: [...(request.deliveries ?? [])].map(([merchant_id, d]) => ({ merchant_id, price_minor: d.option.price_minor, discount_minor: toJsonAmount(pricing.delivery_discounts.get(merchant_id) ?? 0n) })),
      goods_minor: toJsonAmount(goods),
      delivery_minor: toJsonAmount(delivery),
      discount_minor: toJsonAmount(pricing.discount_minor),
      total_minor: toJsonAmount(goods + delivery - pricing.discount_minor),
      promotions: pricingJson(pricing, (i) => lines[i]!.variant_id),
    };
  });
}

/** The stock levels of the quoted variants, read without locking (the checkout locks them; a quote must not hold a flash sale up). */
async function stockAsItStands(db: AnyDb, lines: readonly { merchant_id: string; variant_id: string }[]): Promise<StockLevel[]> {
  const bySeller = new Map<string, string[]>();
  for (const l of lines) bySeller.set(l.merchant_id, [...(bySeller.get(l.merchant_id) ?? []), l.variant_id]);
  const levels: StockLevel[] = [];
  for (const [merchant_id, variant_ids] of bySeller) {
    for (const r of await availableAtLocations(db, merchant_id, variant_ids)) {
      const available = BigInt(r.available);
      levels.push({ merchant_id, variant_id: r.variant_id, location_id: r.location_id, on_hand: available, reserved: 0n, available, low_stock_threshold: 0 });
    }
  }
  return levels;
}
