import { expect } from 'vitest';
import { sellInStore } from '../../src/flows/sell-in-store/index.js';
import { aLocation, aStockedItem } from './commerce.js';
import type { TestMerchant, TestPlatform } from './platform.js';

let sources = 0;

/**
 * An in-store sale that is paid at once: a free item (price 0) sold at a new store of the
 * merchant, so there is nothing to charge; the order is handed over and the sale paid in the
 * sale's own transaction. Returns the order's ID.
 */
export async function aFreeInStoreSale(platform: TestPlatform, m: TestMerchant, consumer_id?: string): Promise<string> {
  const store = await aLocation(m, 'store');
  const item = await aStockedItem(m, { price_minor: 0, units: 5, location_id: store });
  const sold = await sellInStore(platform.ctx, {
    merchant_id: m.id,
    location_id: store,
    source: { kind: 'pos', id: `pos_fixture_${process.pid}_${++sources}` },
    lines: [{ variant_id: item.variant_id, quantity: 1 }],
    buyer: consumer_id === undefined ? null : { consumer_id },
    payment: { method: 'card', card: '4242424242424242' },
    coupons: 'none',
    actor: 'user:fixture',
  });
  expect(sold.ok && sold.sale.status).toBe('paid');
  return sold.ok ? sold.sale.order_id : '';
}
