import { inTransaction } from '../../kernel/db.js';
import type { SeedContext } from '../../kernel/module.js';
import { listProducts } from '../catalog/index.js';
import { listLocations } from '../locations/index.js';
import { listMerchants } from '../merchants/index.js';
import { applyStockChanges, type StockChange } from './stock.js';

/**
 * Stocks every demo variant at every location of its merchant: 40 units in each store, 500 in
 * each warehouse, and a single unit of an individual seller's second-hand item.
 */
export async function seedStock({ db }: SeedContext): Promise<void> {
  const changes: StockChange[] = [];
  for (const merchant of await listMerchants(db)) {
    const locations = await listLocations(db, merchant.id, { limit: 100 });
    const products = await listProducts(db, merchant.id, { limit: 100 });
    for (const variant of products.flatMap((p) => p.variants)) {
      for (const location of locations) {
        const units = merchant.kind === 'individual' ? 1n : location.kind === 'store' ? 40n : 500n;
        changes.push({ merchant_id: merchant.id, variant_id: variant.id, location_id: location.id, reason: 'receipt', on_hand_delta: units, reserved_delta: 0n, note: 'demo opening stock' });
      }
    }
  }
  await inTransaction(db, (trx) => applyStockChanges(trx, changes));
}
