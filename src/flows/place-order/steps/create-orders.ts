import type { AnyTrx } from '../../../kernel/db.js';
import { insertPlacedOrders, splitIntoOrders, type CheckoutHeader, type Discount, type OrderPart, type PlacedOrder, type PricedLine } from '../../../modules/orders/index.js';

/** A checkout that got its stock: its priced lines and the place(s) each seller ships from. */
export interface AllocatedCheckout {
  checkout: CheckoutHeader;
  lines: readonly PricedLine[];
  parts_by_merchant: ReadonlyMap<string, readonly OrderPart[]>;
  /** Each seller's delivery discounts, per promotion (free shipping). */
  delivery_discounts?: ReadonlyMap<string, readonly Discount[]> | undefined;
}

/**
 * Step 4: split each allocated checkout into one order per seller (per serving place of a split
 * delivery), awaiting payment, and write every order of the batch with its lines, its first
 * transition and its chosen delivery in one statement.
 *
 * Undo: the batch's transaction; nothing is visible before it commits. Once committed, an order
 * is undone by its own state machine (closed when unpaid in time, or cancelled).
 */
export async function createOrders(trx: AnyTrx, allocated: readonly AllocatedCheckout[]): Promise<PlacedOrder[][]> {
  const orders = allocated.map((a) => splitIntoOrders(a.checkout, a.lines, a.parts_by_merchant, a.delivery_discounts));
  await insertPlacedOrders(trx, orders.flat());
  return orders;
}
