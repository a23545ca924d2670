import type { AnyTrx } from '../../../kernel/db.js';
import { applyStockChanges, type StockChange } from '../../../modules/inventory/index.js';
import type { PlacedOrder } from '../../../modules/orders/index.js';

/**
 * Step 5: reserve each order's units at the location it ships from, in the stock journal with
 * the order as reference. The database refuses a reservation beyond what is on hand (CHECK
 * constraints), whatever the allocation decided.
 *
 * Undo: the batch's transaction. Once committed, the order's transitions release the
 * reservation (closed, refunded before shipment) or turn it into a sale (shipped).
 */
export async function reserveStock(trx: AnyTrx, placed: readonly PlacedOrder[]): Promise<void> {
  const reservations: StockChange[] = placed.flatMap(({ order, lines }) =>
    lines.map((l) => ({ merchant_id: order.merchant_id, variant_id: l.variant_id, location_id: order.location_id, reason: 'reservation' as const, on_hand_delta: 0n, reserved_delta: BigInt(l.quantity), reference: order.id })),
  );
  await applyStockChanges(trx, reservations);
}
