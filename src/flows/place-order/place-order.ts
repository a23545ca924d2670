import type { AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { viewCart, type CartKey, type PlacedOrder } from '../../modules/orders/index.js';
import type { CheckoutCommitter } from './committer.js';
import { claimCart, releaseCart } from './steps/claim-cart.js';
import { promiseDelivery } from './steps/promise-delivery.js';
import type { Pricing } from '../../modules/promotions/index.js';
import type { CheckoutCoupons, CheckoutItem, ChosenDelivery, DeliveryInput } from './types.js';

/**
 * Placing an order, as the buyer lives it: a checkout (buy now, or a cart) becomes one order per
 * seller, priced by the server, with its stock reserved, awaiting payment. The checkout joins the
 * group commit and the buyer hears the outcome once its batch committed (place-batch.ts has the
 * steps inside that transaction).
 */
export interface PlaceOrderInput {
  channel_merchant_id: string;
  currency: string;
  /** `'cart'`: the claimed cart's items, read inside the batch (read-cart-items.ts). */
  items: readonly CheckoutItem[] | 'cart';
  buyer_email?: string | undefined;
  consumer_id?: string | undefined;
  /** Location per seller chosen by the buyer; by default the location with most stock. */
  fulfilment?: Readonly<Record<string, string>> | undefined;
  /** The delivery chosen per seller, its promise recomputed (`chooseDelivery`); none: as before, no delivery recorded. */
  deliveries?: ReadonlyMap<string, ChosenDelivery> | undefined;
  cart_id?: string | undefined;
  coupons?: CheckoutCoupons | undefined;
  /** The total the buyer saw: goods and delivery less discounts, checked after the promotions. */
  expected_total_minor?: number | undefined;
}

/**
 * The buyer's delivery choice checked against the promise as it stands now (steps/promise-delivery.ts),
 * before the checkout joins a batch; a checkout cannot both choose a delivery and name locations.
 */
export async function chooseDelivery(db: AnyDb, items: readonly CheckoutItem[], delivery: DeliveryInput | undefined, fulfilment: Readonly<Record<string, string>> | undefined): Promise<Map<string, ChosenDelivery> | undefined> {
  if (delivery === undefined) return undefined;
  if (fulfilment !== undefined && Object.keys(fulfilment).length > 0) throw problems.validation([{ field: 'fulfilment', location: 'body', message: 'send either delivery (its option names the serving store) or fulfilment, not both' }]);
  if (delivery.option === undefined && delivery.sellers === undefined) throw problems.validation([{ field: 'delivery.option', location: 'body', message: 'choose an option for the checkout (option) or per seller (sellers)' }]);
  return promiseDelivery(db, items, delivery);
}

/** The delivery prices the buyer pays over all sellers of a checkout (each seller's option, all its parcels). */
export function deliveryCharge(deliveries: ReadonlyMap<string, ChosenDelivery> | undefined): bigint {
  return [...(deliveries?.values() ?? [])].reduce((sum, d) => sum + BigInt(d.option.price_minor), 0n);
}

export interface PlacedCheckout {
  checkout_id: string;
  orders: PlacedOrder[];
  /** Every discount applied and every promotion considered that was not, with the reason. */
  pricing: Pricing;
  /** The checkout's lines in order (the pricing names lines by their index). */
  variant_ids: string[];
}

export async function placeOrder(committer: CheckoutCommitter, input: PlaceOrderInput, unpaid_ttl_s: number): Promise<PlacedCheckout> {
  const checkout_id = newId('chk');
  const result = await committer.submit({
    checkout_id,
    channel_merchant_id: input.channel_merchant_id,
    currency: input.currency,
    buyer_email: input.buyer_email ?? null,
    consumer_id: input.consumer_id ?? null,
    cart_id: input.cart_id ?? null,
    items: input.items,
    locations: input.fulfilment ?? {},
    deliveries: input.deliveries,
    coupons: input.coupons,
    expected_total_minor: input.expected_total_minor === undefined ? undefined : BigInt(input.expected_total_minor),
    unpaid_ttl_s,
  });
  if (!result.ok) throw result.problem;
  return { checkout_id, orders: result.orders, pricing: result.pricing, variant_ids: result.variant_ids };
}

export interface CartCheckoutInput {
  buyer_email?: string | undefined;
  consumer?: { id: string; email: string } | undefined;
  fulfilment?: Readonly<Record<string, string>> | undefined;
  /** The total the buyer saw, goods and delivery; a different current total refuses the checkout (422 `price_changed`). */
  expected_total_minor?: number | undefined;
  delivery?: DeliveryInput | undefined;
  coupons?: CheckoutCoupons | undefined;
}

/**
 * Checks out a cart: at most once, and if it fails the cart is open again for the buyer to fix.
 * One statement before the batch, the claim, which also opens the cart with the buyer's key; the
 * batch reads the items of all its claimed carts in one statement. A buyer who sent the total they
 * saw has the cart priced first (two more statements) and is refused if it changed.
 */
export async function checkoutCart(db: AnyDb, committer: CheckoutCommitter, cart_id: string, key: CartKey, input: CartCheckoutInput, unpaid_ttl_s: number): Promise<PlacedCheckout> {
  const cart = await claimCart(db, cart_id, key);
  try {
    let items: PlaceOrderInput['items'] = 'cart';
    let deliveries: Map<string, ChosenDelivery> | undefined;
    if (input.delivery !== undefined) {
      // The promise needs the items: read here (the cart is claimed, they no longer change).
      const view = await viewCart(db, cart);
      if (view.items.length === 0) throw problems.unprocessable('cart_empty', 'The cart has no items');
      const listed = view.items.map(({ variant_id, quantity }) => ({ variant_id, quantity }));
      items = listed;
      deliveries = await chooseDelivery(db, listed, input.delivery, input.fulfilment);
    }
    // The total the buyer saw (goods and delivery less discounts) is checked in the batch, once the promotions are priced.
    return await placeOrder(
      committer,
      {
        channel_merchant_id: cart.channel_merchant_id,
        currency: cart.currency,
        items,
        buyer_email: input.buyer_email ?? cart.buyer_email ?? input.consumer?.email,
        consumer_id: cart.consumer_id ?? input.consumer?.id,
        fulfilment: input.fulfilment,
        deliveries,
        cart_id: cart.id,
        coupons: input.coupons,
        expected_total_minor: input.expected_total_minor,
      },
      unpaid_ttl_s,
    );
  } catch (error) {
    await releaseCart(db, cart.id);
    throw error;
  }
}
