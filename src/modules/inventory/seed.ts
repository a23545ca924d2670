import { inTransaction, tablesOf } from '../../kernel/db.js';
import type { SeedContext } from '../../kernel/module.js';
import { listProducts } from '../catalog/index.js';
import { listLocations, type Location } from '../locations/index.js';
import { listMerchants } from '../merchants/index.js';
import { applyStockChanges, type StockChange } from './stock.js';
import type { InventoryTables } from './tables.js';

/**
 * Opening stock for every demo variant at every location of its merchant, with low-stock
 * thresholds set the way a merchant would: enough to cover the expected sales while the next
 * delivery is on its way (`reorder point = daily sales × lead time`). Then a few levels are sold
 * down as a shop's would be, so that the console, the overview's low-stock list and the
 * `inventory.stock_low` events have something to show on the first start: demo-mart's lotus
 * mooncakes are sold out at Lujiazui and low at Xujiahui, its water low at People's Square, the
 * tea brand's gift tins and the wholesaler's cups low at their warehouses.
 */

/** Days until a delivery arrives: a store is restocked from the warehouse, a warehouse by its supplier. */
const lead_days = { store: 3, warehouse: 10 } as const;
/** Stock received at the start, in days of expected sales. */
const opening_days = { store: 12, warehouse: 40 } as const;

/** Expected units sold per day at one location of each kind; SKUs not listed sell the default. */
const daily_units: Record<string, { store: number; warehouse: number }> = {
  'MC-LOTUS': { store: 4, warehouse: 12 },
  'WATER-550': { store: 24, warehouse: 60 },
  'LJ-100': { store: 2, warehouse: 6 },
  'LJ-250': { store: 1, warehouse: 4 },
  'OO-GIFT': { store: 1, warehouse: 4 },
  'CUP-12-CTN': { store: 2, warehouse: 15 },
};
const default_daily_units = { store: 3, warehouse: 10 };

/** Levels sold down after the opening stock arrived: SKU and location code to units left. */
const soldDownTo: Record<string, number> = {
  'MC-LOTUS@ST-LUJIAZUI': 0,
  'MC-LOTUS@ST-XUJIAHUI': 7,
  'WATER-550@ST-PEOPLES-SQ': 50,
  'OO-GIFT@WH-HANGZHOU': 36,
  'CUP-12-CTN@WH-YIWU': 120,
};

function plan(sku: string, location: Location, individual: boolean): { opening: number; threshold: number } {
  // An individual seller's second-hand item is one of a kind: one unit, nothing to reorder.
  if (individual) return { opening: 1, threshold: 0 };
  const daily = (daily_units[sku] ?? default_daily_units)[location.kind];
  return { opening: daily * opening_days[location.kind], threshold: daily * lead_days[location.kind] };
}

export async function seedStock({ db }: SeedContext): Promise<void> {
  const thresholds: { merchant_id: string; variant_id: string; location_id: string; on_hand: bigint; reserved: bigint; low_stock_threshold: number }[] = [];
  const receipts: StockChange[] = [];
  const sales: StockChange[] = [];
  for (const merchant of await listMerchants(db)) {
    const locations = await listLocations(db, merchant.id, { limit: 100 });
    const products = await listProducts(db, merchant.id, { limit: 100 });
    for (const variant of products.flatMap((p) => p.variants)) {
      for (const location of locations) {
        const key = { merchant_id: merchant.id, variant_id: variant.id, location_id: location.id };
        const { opening, threshold } = plan(variant.sku, location, merchant.kind === 'individual');
        thresholds.push({ ...key, on_hand: 0n, reserved: 0n, low_stock_threshold: threshold });
        receipts.push({ ...key, reason: 'receipt', on_hand_delta: BigInt(opening), reserved_delta: 0n, note: 'demo opening stock' });
        const left = soldDownTo[`${variant.sku}@${location.code}`];
        if (left !== undefined && left < opening) sales.push({ ...key, reason: 'adjustment', on_hand_delta: BigInt(left - opening), reserved_delta: 0n, note: 'demo: sales before the shop moved to OpenBOS' });
      }
    }
  }
  await inTransaction(db, async (trx) => {
    // Thresholds first, so that selling down through one raises `inventory.stock_low` as it would.
    if (thresholds.length > 0) await tablesOf<InventoryTables>(trx).insertInto('stock_level').values(thresholds).execute();
    await applyStockChanges(trx, receipts);
    await applyStockChanges(trx, sales);
  });
}
