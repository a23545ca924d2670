import type { Problem } from '../../kernel/problem.js';
import type { CheckoutHeader, PlacedOrder } from '../../modules/orders/index.js';

/** One line of a checkout, as the buyer sent it. */
export interface CheckoutItem {
  variant_id: string;
  quantity: number;
  /** What the buyer saw; if the server's price differs, the checkout is refused, never repriced silently. */
  expected_unit_price_minor?: number | undefined;
}

/**
 * One buyer's checkout, waiting in the group commit for its batch. `items: 'cart'` is a claimed
 * cart whose items the batch reads itself, for all its carts in one statement.
 */
export interface CheckoutRequest extends CheckoutHeader {
  items: readonly CheckoutItem[] | 'cart';
  /** The location chosen by the buyer per seller (pick-up store, ship-from-store). */
  locations: Readonly<Record<string, string>>;
}

/** A checkout with its items known, whether the buyer sent them or its cart held them. */
export interface ItemizedCheckout extends CheckoutRequest {
  items: readonly CheckoutItem[];
}

/** What a buyer hears once their batch committed: their orders, or why there are none. */
export type CheckoutResult = { ok: true; orders: PlacedOrder[] } | { ok: false; problem: Problem };
