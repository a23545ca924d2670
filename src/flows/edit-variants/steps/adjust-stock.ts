import type { AnyTrx } from '../../../kernel/db.js';
import { Problem } from '../../../kernel/problem.js';
import { applyStockChanges, lockStock, type StockChange } from '../../../modules/inventory/index.js';
import type { StockResult, VariantEdit } from '../types.js';

/**
 * Step 4: the rows' stock is adjusted, one `adjustment` journal row each. The levels are locked
 * first, so a count set with `on_hand` becomes the difference to what is there now, and a row
 * that would take on hand below zero or below what orders have reserved is refused by row before
 * anything is booked.
 *
 * Undo: the flow's transaction.
 */
export async function adjustStock(trx: AnyTrx, merchant_id: string, rows: readonly VariantEdit[], note: string, reference: string): Promise<StockResult[]> {
  const stocked = rows.map((row, index) => ({ row, index })).filter(({ row }) => row.stock !== undefined);
  if (stocked.length === 0) return [];
  const levels = await lockStock(trx, stocked.map(({ row }) => ({ merchant_id, variant_id: row.variant_id })));
  const levelOf = (variant_id: string, location_id: string) => levels.find((l) => l.variant_id === variant_id && l.location_id === location_id);
  const changes: StockChange[] = [];
  for (const { row, index } of stocked) {
    const { location_id, on_hand, on_hand_delta } = row.stock!;
    const level = levelOf(row.variant_id, location_id);
    const before = level?.on_hand ?? 0n;
    const reserved = level?.reserved ?? 0n;
    const delta = on_hand !== undefined ? BigInt(on_hand) - before : BigInt(on_hand_delta ?? 0);
    if (before + delta < reserved) {
      const field = on_hand !== undefined ? 'on_hand' : 'on_hand_delta';
      throw new Problem(409, 'insufficient_stock', 'Conflict', `Row ${index} would leave ${before + delta} on hand where ${reserved} ${reserved === 1n ? 'is' : 'are'} reserved`, [{ field: `rows.${index}.stock.${field}`, location: 'body', message: `on hand may not go below zero or below the ${reserved} reserved` }]);
    }
    if (delta !== 0n) changes.push({ merchant_id, variant_id: row.variant_id, location_id, reason: 'adjustment', on_hand_delta: delta, reserved_delta: 0n, reference, note });
  }
  await applyStockChanges(trx, changes);
  const after = await lockStock(trx, stocked.map(({ row }) => ({ merchant_id, variant_id: row.variant_id })));
  return stocked.map(({ row }) => {
    const level = after.find((l) => l.variant_id === row.variant_id && l.location_id === row.stock!.location_id);
    const on_hand_now = Number(level?.on_hand ?? 0n);
    const reserved_now = Number(level?.reserved ?? 0n);
    return { variant_id: row.variant_id, location_id: row.stock!.location_id, on_hand: on_hand_now, reserved: reserved_now, available: on_hand_now - reserved_now };
  });
}
