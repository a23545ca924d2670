import type { AnyTrx } from '../../../kernel/db.js';
import { lockStock } from '../../../modules/inventory/index.js';

/**
 * Step 2: lock the sample's stock levels at every location and give each consumer, in rank
 * order, one unit from the location with the most left. A consumer past the stock gets none.
 *
 * Undo: nothing; the locks end with the transaction.
 */
export async function chooseStock(trx: AnyTrx, merchant_id: string, variant_id: string, consumers: number): Promise<(string | undefined)[]> {
  const levels = await lockStock(trx, [{ merchant_id, variant_id }]);
  const left = new Map(levels.filter((l) => l.available > 0n).map((l) => [l.location_id, l.available]));
  const chosen: (string | undefined)[] = [];
  for (let i = 0; i < consumers; i++) {
    let best: string | undefined;
    for (const [location, n] of left) if (n > 0n && (best === undefined || n > left.get(best)! || (n === left.get(best)! && location < best))) best = location;
    if (best !== undefined) left.set(best, left.get(best)! - 1n);
    chosen.push(best);
  }
  return chosen;
}
