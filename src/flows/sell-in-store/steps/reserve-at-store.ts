import type { AnyTrx } from '../../../kernel/db.js';
import { Problem } from '../../../kernel/problem.js';
import { applyStockChanges, lockStock } from '../../../modules/inventory/index.js';
import type { PlacedOrder, PricedLine } from '../../../modules/orders/index.js';

/**
 * Step 4a: lock the lines' stock and check that the store itself has them (never another place
 * of the merchant: the goods are in the buyer's hands at this store). A line the store lacks
 * refuses the sale, 409 `insufficient_stock` naming it.
 *
 * Undo: nothing; the locks end with the transaction.
 */
export async function checkStoreStock(trx: AnyTrx, merchant_id: string, location_id: string, lines: readonly PricedLine[]): Promise<Problem | undefined> {
  const levels = await lockStock(trx, lines.map((l) => ({ merchant_id, variant_id: l.variant_id })));
  const wanted = new Map<string, number>();
  for (const l of lines) wanted.set(l.variant_id, (wanted.get(l.variant_id) ?? 0) + l.quantity);
  for (const [i, l] of lines.entries()) {
    const level = levels.find((s) => s.variant_id === l.variant_id && s.location_id === location_id);
    const available = level?.available ?? 0n;
    if (available < BigInt(wanted.get(l.variant_id)!)) {
      return new Problem(409, 'insufficient_stock', 'Not enough stock at this store', `${l.sku} (${l.title}): ${available} available at this store, ${wanted.get(l.variant_id)} wanted`, [{ field: `lines.${i}.quantity`, location: 'body', message: `${available} available at this store` }]);
    }
  }
  return undefined;
}

/**
 * Step 4b: reserve the order's units at the store, in the stock journal with the order as
 * reference; the hand-over turns the reservation into a sale, a close releases it.
 *
 * Undo: the transaction; once committed, the order's transitions.
 */
export async function reserveAtStore(trx: AnyTrx, placed: PlacedOrder): Promise<void> {
  const { order, lines } = placed;
  await applyStockChanges(trx, lines.map((l) => ({ merchant_id: order.merchant_id, variant_id: l.variant_id, location_id: order.location_id, reason: 'reservation' as const, on_hand_delta: 0n, reserved_delta: BigInt(l.quantity), reference: order.id })));
}
