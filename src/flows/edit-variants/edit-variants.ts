import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { adjustStock } from './steps/adjust-stock.js';
import { checkLocations } from './steps/check-locations.js';
import { checkVariants } from './steps/check-variants.js';
import { setPrices } from './steps/set-prices.js';
import type { StockResult, VariantEdit } from './types.js';

export interface EditResult {
  edit_id: string;
  prices_set: number;
  stock: StockResult[];
}

/**
 * A merchant edits many variants at once (the console's bulk-edit grid): new base prices and
 * stock counts, all in one transaction, so one bad row leaves every variant as it was.
 */
export async function editVariants(db: AnyDb, merchant_id: string, rows: readonly VariantEdit[], note: string): Promise<EditResult> {
  const edit_id = newId('bulk');
  return inTransaction(db, async (trx) => {
    await checkVariants(trx, merchant_id, rows);
    await checkLocations(trx, merchant_id, rows);
    const prices_set = await setPrices(trx, merchant_id, rows);
    const stock = await adjustStock(trx, merchant_id, rows, note, edit_id);
    return { edit_id, prices_set, stock };
  });
}
