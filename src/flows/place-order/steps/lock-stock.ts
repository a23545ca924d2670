import type { AnyTrx } from '../../../kernel/db.js';
import type { LockTurn } from '../../../kernel/group-commit.js';
import { lockStock as lockStockLevels, type StockLevel } from '../../../modules/inventory/index.js';

/**
 * Step 2: lock the stock levels of every variant the batch wants, at every location, in the
 * batch's lock turn: batches lock in the order they were formed, so earlier buyers always come
 * first, and in one global key order, so batches of several processes never deadlock.
 *
 * Undo: nothing to undo; the locks end with the transaction, whether it commits or rolls back.
 */
export async function lockStock(trx: AnyTrx, variants: readonly { merchant_id: string; variant_id: string }[], turn: LockTurn | undefined): Promise<StockLevel[]> {
  await turn?.wait;
  const levels = await lockStockLevels(trx, variants);
  turn?.done();
  return levels;
}
