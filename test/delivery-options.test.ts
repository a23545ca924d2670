import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aLocation, aStockedItem, buy } from './support/commerce.js';
import { markOrderPaid } from './support/orders.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * POST /v1/delivery-options through a storefront's publishable key, on real PostgreSQL: the
 * options come from where the seller really holds stock, per seller, and bad input changes
 * nothing and says why.
 */

let platform: TestPlatform;
let chain: TestMerchant;
let brand: TestMerchant;

// Three Shanghai stores and a warehouse, as in the demo.
const peoplesSquare = { latitude: 31.2336, longitude: 121.4726 };
const lujiazui = { latitude: 31.2397, longitude: 121.4998 };
const xujiahui = { latitude: 31.1955, longitude: 121.4377 };
const pudong = { latitude: 31.2035, longitude: 121.5906 };
const buyerNearPeoplesSquare = { latitude: 31.2304, longitude: 121.4737 };

let stores: { peoples: string; lujiazui: string; xujiahui: string; warehouse: string };

beforeAll(async () => {
  platform = await createTestPlatform();
  chain = await platform.merchant(undefined, 'retailer');
  brand = await platform.merchant(undefined, 'brand');
  stores = {
    peoples: await aLocation(chain, 'store', peoplesSquare),
    lujiazui: await aLocation(chain, 'store', lujiazui),
    xujiahui: await aLocation(chain, 'store', xujiahui),
    warehouse: await aLocation(chain, 'warehouse', pudong),
  };
  // Stores open every day around the clock, so the test does not depend on the hour it runs.
  for (const id of [stores.peoples, stores.lujiazui, stores.xujiahui]) {
    const allDay = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [{ opens: '00:00', closes: '00:00' }]]));
    expect((await chain.call('PATCH', `/v1/locations/${id}`, { body: { opening_hours: allDay } })).status).toBe(200);
  }
});
afterAll(async () => platform.close());

const ask = (storefront: TestMerchant, body: unknown) => storefront.call('POST', '/v1/delivery-options', { key: storefront.publishableKey, body });

async function receive(m: TestMerchant, variant_id: string, location_id: string, quantity: number) {
  const res = await m.call('POST', '/v1/stock/receipts', { body: { variant_id, location_id, quantity } });
  expect(res.status, res.text).toBe(201);
}

describe('delivery options', () => {
  it('offers express from the nearest store that holds the items, pickup at the stores near the buyer, and standard from the warehouse', async () => {
    const item = await aStockedItem(chain, { location_id: stores.warehouse, units: 20 });
    await receive(chain, item.variant_id, stores.lujiazui, 5);
    await receive(chain, item.variant_id, stores.xujiahui, 5);
    const res = await ask(chain, { items: [{ variant_id: item.variant_id, quantity: 2 }], destination: buyerNearPeoplesSquare });
    expect(res.status, res.text).toBe(200);
    const [seller] = res.body.sellers;
    expect(seller.merchant_id).toBe(chain.id);
    const byKind = (k: string) => seller.options.filter((o: { kind: string }) => o.kind === k);
    // People's Square is nearest but holds none: express comes from Lujiazui, 2.7 km away.
    expect(byKind('express')).toHaveLength(1);
    expect(byKind('express')[0]).toMatchObject({ location_id: stores.lujiazui });
    expect(byKind('express')[0].distance_m).toBeGreaterThan(2_000);
    expect(byKind('pickup').map((o: { location_id: string }) => o.location_id).sort()).toEqual([stores.lujiazui, stores.xujiahui].sort());
    const [standard] = byKind('standard');
    expect(standard.shipments).toHaveLength(1);
    expect(standard.shipments[0].location_id).toBe(stores.warehouse);
    expect(standard.target_h).toBe(24);
    expect(standard.price_minor).toBeGreaterThan(0);
  });

  it('adds a store’s waiting paid orders to its express promise', async () => {
    const item = await aStockedItem(chain, { location_id: stores.peoples, units: 30 });
    const before = (await ask(chain, { items: [{ variant_id: item.variant_id, quantity: 1 }], destination: buyerNearPeoplesSquare })).body.sellers[0].options.find((o: { kind: string }) => o.kind === 'express');
    const minutes = (o: { window_from: string; window_to: string }) => (Date.parse(o.window_to) - Date.parse(o.window_from)) / 60_000;
    expect(minutes(before)).toBe(30);
    for (let i = 0; i < 3; i++) {
      const placed = await buy(chain, [{ variant_id: item.variant_id, quantity: 1 }]);
      expect(placed.status, placed.text).toBe(201);
      await markOrderPaid(platform.database.db, chain.id, placed.body.orders[0].id);
    }
    const after = (await ask(chain, { items: [{ variant_id: item.variant_id, quantity: 1 }], destination: buyerNearPeoplesSquare })).body.sellers[0].options.find((o: { kind: string }) => o.kind === 'express');
    expect(minutes(after)).toBeGreaterThan(30);
  });

  it('splits standard delivery over places only when no single one holds everything, never beyond what each holds', async () => {
    const a = await aStockedItem(chain, { location_id: stores.warehouse, units: 1 });
    const b = await aStockedItem(chain, { location_id: stores.xujiahui, units: 4 });
    await receive(chain, a.variant_id, stores.xujiahui, 1);
    const res = await ask(chain, { items: [{ variant_id: a.variant_id, quantity: 2 }, { variant_id: b.variant_id, quantity: 1 }], destination: { latitude: 39.9, longitude: 116.4 } });
    const standard = res.body.sellers[0].options.find((o: { kind: string }) => o.kind === 'standard');
    expect(standard.shipments).toHaveLength(2);
    const from = (loc: string) => standard.shipments.find((s: { location_id: string }) => s.location_id === loc).lines as { variant_id: string; quantity: number }[];
    expect(from(stores.warehouse)).toEqual([{ variant_id: a.variant_id, quantity: 1 }]);
    expect(from(stores.xujiahui).sort((x, y) => x.variant_id.localeCompare(y.variant_id))).toEqual([{ variant_id: a.variant_id, quantity: 1 }, { variant_id: b.variant_id, quantity: 1 }].sort((x, y) => x.variant_id.localeCompare(y.variant_id)));
    // Beijing is far from every store: no express, no pickup.
    expect(res.body.sellers[0].options.map((o: { kind: string }) => o.kind)).toEqual(['standard']);
  });

  it('answers per seller when a marketplace storefront sells another seller’s items, and offers nothing a seller cannot send', async () => {
    const own = await aStockedItem(chain, { location_id: stores.peoples, units: 5 });
    const theirs = await aStockedItem(brand, { units: 0 });
    const res = await ask(chain, { items: [{ variant_id: own.variant_id, quantity: 1 }, { variant_id: theirs.variant_id, quantity: 1 }], destination: buyerNearPeoplesSquare });
    expect(res.status).toBe(200);
    const seller = (id: string) => res.body.sellers.find((s: { merchant_id: string }) => s.merchant_id === id);
    expect(seller(chain.id).options.length).toBeGreaterThan(0);
    // The brand holds none anywhere: no option can be kept.
    expect(seller(brand.id).options).toEqual([]);
  });

  it('refuses what is not for sale with 422 and a destination off the globe with 400', async () => {
    const hidden = await aStockedItem(chain, { status: 'draft', units: 3 });
    const notForSale = await ask(chain, { items: [{ variant_id: hidden.variant_id, quantity: 1 }], destination: buyerNearPeoplesSquare });
    expect(notForSale.status).toBe(422);
    expect(notForSale.body.code).toBe('variant_not_for_sale');
    expect((await ask(chain, { items: [{ variant_id: 'var_nope', quantity: 1 }], destination: buyerNearPeoplesSquare })).status).toBe(422);
    const offGlobe = await ask(chain, { items: [{ variant_id: hidden.variant_id, quantity: 1 }], destination: { latitude: 91, longitude: 0 } });
    expect(offGlobe.status).toBe(400);
    expect(offGlobe.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await ask(chain, { items: [], destination: buyerNearPeoplesSquare })).status).toBe(400);
    expect((await ask(chain, { items: [{ variant_id: hidden.variant_id, quantity: 0 }], destination: buyerNearPeoplesSquare })).status).toBe(400);
  });
});
