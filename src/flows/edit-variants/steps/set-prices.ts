import type { AnyTrx } from '../../../kernel/db.js';
import { setBasePrices } from '../../../modules/catalog/index.js';
import type { VariantEdit } from '../types.js';

/**
 * Step 3: the rows' base prices are set (other currencies and quantity tiers stay), publishing
 * `catalog.prices_changed` per variant.
 *
 * Undo: the flow's transaction.
 */
export async function setPrices(trx: AnyTrx, merchant_id: string, rows: readonly VariantEdit[]): Promise<number> {
  const prices = rows.flatMap((r) => (r.price === undefined ? [] : [{ variant_id: r.variant_id, ...r.price }]));
  await setBasePrices(trx, merchant_id, prices);
  return prices.length;
}
