import { expect } from 'vitest';
import type { TestMerchant } from './platform.js';

/** Builds a seller's shop through the API, the way a merchant would. */
let counter = 0;
const unique = () => `${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 7)}`;

export async function aLocation(m: TestMerchant, kind: 'store' | 'warehouse' = 'warehouse', at: { latitude: number; longitude: number } = { latitude: 31.23, longitude: 121.47 }): Promise<string> {
  const res = await m.call('POST', '/v1/locations', {
    body: { kind, code: `L${unique()}`.slice(0, 32), name: `Location ${unique()}`, address: { line1: '1 Road', city: 'Shanghai', country: 'CN' }, ...at, timezone: 'Asia/Shanghai' },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

export interface ShopItem {
  product_id: string;
  variant_id: string;
  location_id: string;
}

/** A published product with one variant priced in CNY, stocked at a new location. */
export async function aStockedItem(m: TestMerchant, options: { price_minor?: number; units?: number; location_id?: string; status?: string; extra?: Record<string, unknown> } = {}): Promise<ShopItem> {
  const location_id = options.location_id ?? (await aLocation(m));
  const sku = `SKU-${unique()}`;
  const res = await m.call('POST', '/v1/products', {
    body: { title: `Product ${sku}`, status: options.status ?? 'published', variants: [{ sku, prices: [{ currency: 'CNY', amount_minor: options.price_minor ?? 1_000 }] }], ...options.extra },
  });
  expect(res.status, res.text).toBe(201);
  const variant_id = res.body.variants[0].id as string;
  if ((options.units ?? 10) > 0) {
    const stocked = await m.call('POST', '/v1/stock/receipts', { body: { variant_id, location_id, quantity: options.units ?? 10 } });
    expect(stocked.status, stocked.text).toBe(201);
  }
  return { product_id: res.body.id as string, variant_id, location_id };
}

export async function stockOf(m: TestMerchant, item: { variant_id: string; location_id: string }): Promise<{ on_hand: number; reserved: number; available: number }> {
  const res = await m.call('GET', `/v1/stock?variant_id=${item.variant_id}&location_id=${item.location_id}`);
  expect(res.status).toBe(200);
  return res.body.data[0] ?? { on_hand: 0, reserved: 0, available: 0 };
}

/** Buys through a storefront (publishable key), the way a buyer's app would. */
export async function buy(storefront: TestMerchant, items: { variant_id: string; quantity: number; expected_unit_price_minor?: number }[], extra: Record<string, unknown> = {}) {
  return storefront.call('POST', '/v1/checkouts', { key: storefront.publishableKey, body: { currency: 'CNY', items, ...extra } });
}
