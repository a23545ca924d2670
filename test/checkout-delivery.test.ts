import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { placeBatch } from '../src/flows/place-order/index.js';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { eventHandlers, modules } from '../src/platform/modules.js';
import { aLocation, aStockedItem, buy, stockOf } from './support/commerce.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Checkout with a chosen delivery (issue 15), on real PostgreSQL: the server recomputes the
 * promise, reserves stock where the option is served from (one order per place of a split carrier
 * delivery), never where the stock is not, refuses a changed price or an option that can no
 * longer be kept with nothing reserved, and records the recipient and address as personal data:
 * for the seller, not in the buyer's answer nor in events, masked when the buyer is erased.
 */
let platform: TestPlatform;
let chain: TestMerchant;
let other: TestMerchant;
let dispatcher: OutboxDispatcher;

const peoplesSquare = { latitude: 31.2336, longitude: 121.4726 };
const lujiazui = { latitude: 31.2397, longitude: 121.4998 };
const xujiahui = { latitude: 31.1955, longitude: 121.4377 };
const pudong = { latitude: 31.2035, longitude: 121.5906 };
const buyerNearPeoplesSquare = { latitude: 31.2304, longitude: 121.4737 };
const beijing = { latitude: 39.9, longitude: 116.4 };

let stores: { peoples: string; lujiazui: string; xujiahui: string; warehouse: string };

const recipient = { name: 'Wang Xiaoming', phone: '+86 138 0013 8000' };
const address = (at: { latitude: number; longitude: number }) => ({ line1: '88 Nanjing Road East, Flat 1702', city: 'Shanghai', country: 'CN', postal_code: '200001', ...at });

beforeAll(async () => {
  platform = await createTestPlatform();
  chain = await platform.merchant(undefined, 'retailer');
  other = await platform.merchant(undefined, 'retailer');
  stores = {
    peoples: await aLocation(chain, 'store', peoplesSquare),
    lujiazui: await aLocation(chain, 'store', lujiazui),
    xujiahui: await aLocation(chain, 'store', xujiahui),
    warehouse: await aLocation(chain, 'warehouse', pudong),
  };
  const allDay = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [{ opens: '00:00', closes: '00:00' }]]));
  for (const id of [stores.peoples, stores.lujiazui, stores.xujiahui]) {
    expect((await chain.call('PATCH', `/v1/locations/${id}`, { body: { opening_hours: allDay } })).status).toBe(200);
  }
  dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
});
afterAll(async () => platform.close());

async function receive(m: TestMerchant, variant_id: string, location_id: string, quantity: number) {
  const res = await m.call('POST', '/v1/stock/receipts', { body: { variant_id, location_id, quantity } });
  expect(res.status, res.text).toBe(201);
}

type Option = { kind: string; location_id?: string; price_minor: number; window_to?: string; ready_by?: string; deliver_by?: string; shipments?: { location_id: string; lines: { variant_id: string; quantity: number }[]; price_minor: number }[] };

async function optionsFor(items: { variant_id: string; quantity: number }[], destination: { latitude: number; longitude: number }): Promise<Option[]> {
  const res = await chain.call('POST', '/v1/delivery-options', { key: chain.publishableKey, body: { items, destination } });
  expect(res.status, res.text).toBe(200);
  return res.body.sellers[0].options as Option[];
}

const reserved = async (variant_id: string, location_id: string) => (await stockOf(chain, { variant_id, location_id })).reserved;
const orderCount = async () => Number((await sql<{ n: number }>`select count(*)::int as n from sales_order where merchant_id = ${chain.id}`.execute(platform.database.db)).rows[0]!.n);

describe('checkout with a chosen delivery', () => {
  it('reserves express at the store that serves it, records the delivery, and shows the recipient to the seller only', async () => {
    const item = await aStockedItem(chain, { location_id: stores.warehouse, units: 20, price_minor: 3_000 });
    await receive(chain, item.variant_id, stores.lujiazui, 5);
    const items = [{ variant_id: item.variant_id, quantity: 2 }];
    const express = (await optionsFor(items, buyerNearPeoplesSquare)).find((o) => o.kind === 'express')!;
    expect(express.location_id).toBe(stores.lujiazui);

    const placed = await buy(chain, items, { buyer_email: 'express.buyer@example.com', delivery: { recipient, address: address(buyerNearPeoplesSquare), option: { kind: 'express', location_id: stores.lujiazui, expected_price_minor: express.price_minor, expected_by: express.window_to } } });
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body.orders).toHaveLength(1);
    const [order] = placed.body.orders;
    // Without a delivery the warehouse (most stock) would ship it; the express store does.
    expect(order.location_id).toBe(stores.lujiazui);
    expect(order.delivery).toMatchObject({ kind: 'express', location_id: stores.lujiazui, price_minor: express.price_minor, window_to: expect.any(String) });
    // The buyer pays the goods and the delivery: the total the payment captures.
    expect(order).toMatchObject({ subtotal_minor: 6_000, delivery_minor: express.price_minor, total_minor: 6_000 + express.price_minor });
    expect(await reserved(item.variant_id, stores.lujiazui)).toBe(2);
    expect(await reserved(item.variant_id, stores.warehouse)).toBe(0);
    // The buyer's answer carries the promise, not the recipient or the address.
    expect(placed.text).not.toContain(recipient.name);
    expect(placed.text).not.toContain('Nanjing Road');
    expect(placed.text).not.toContain('138 0013');

    const seen = await chain.call('GET', `/v1/orders/${order.id as string}`);
    expect(seen.status).toBe(200);
    expect(seen.body.delivery).toMatchObject({ kind: 'express', recipient, address: { line1: '88 Nanjing Road East, Flat 1702', city: 'Shanghai', country: 'CN', postal_code: '200001', ...buyerNearPeoplesSquare }, erased: false });
    // Events (outbox, hence webhooks and the data bank) carry neither.
    const inEvents = await sql<{ n: number }>`select count(*)::int as n from bos_outbox_event where payload::text ilike ${`%${recipient.name}%`} or payload::text ilike '%Nanjing Road%'`.execute(platform.database.db);
    expect(inEvents.rows[0]!.n).toBe(0);
    // Another merchant cannot read the order.
    expect((await other.call('GET', `/v1/orders/${order.id as string}`)).status).toBe(404);
    // Checkout without a delivery records none.
    const plain = await buy(chain, items);
    expect(plain.status, plain.text).toBe(201);
    expect(plain.body.orders[0].delivery).toBeNull();
    expect((await chain.call('GET', `/v1/orders/${plain.body.orders[0].id as string}`)).body.delivery).toBeNull();
  });

  it('splits a standard delivery into one order per place, each reserving exactly what that place sends', async () => {
    const a = await aStockedItem(chain, { location_id: stores.warehouse, units: 1, price_minor: 1_000 });
    const b = await aStockedItem(chain, { location_id: stores.xujiahui, units: 4, price_minor: 500 });
    await receive(chain, a.variant_id, stores.xujiahui, 1);
    const items = [{ variant_id: a.variant_id, quantity: 2 }, { variant_id: b.variant_id, quantity: 1 }];
    const standard = (await optionsFor(items, beijing)).find((o) => o.kind === 'standard')!;
    expect(standard.shipments).toHaveLength(2);

    const placed = await buy(chain, items, { delivery: { recipient, address: { line1: '1 Chang’an Ave', city: 'Beijing', country: 'CN', ...beijing }, option: { kind: 'standard', expected_price_minor: standard.price_minor } } });
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body.orders).toHaveLength(2);
    const byPlace = new Map(placed.body.orders.map((o: { location_id: string }) => [o.location_id, o]));
    const warehouseOrder = byPlace.get(stores.warehouse) as { lines: { variant_id: string; quantity: number }[]; total_minor: number; delivery: { price_minor: number; kind: string } };
    const storeOrder = byPlace.get(stores.xujiahui) as typeof warehouseOrder;
    expect(warehouseOrder.lines.map((l) => [l.variant_id, l.quantity])).toEqual([[a.variant_id, 1]]);
    expect(warehouseOrder.total_minor).toBe(1_000 + warehouseOrder.delivery.price_minor);
    expect(storeOrder.lines.map((l) => [l.variant_id, l.quantity]).sort()).toEqual([[a.variant_id, 1], [b.variant_id, 1]].sort());
    expect(storeOrder.total_minor).toBe(1_500 + storeOrder.delivery.price_minor);
    expect(warehouseOrder.delivery.price_minor + storeOrder.delivery.price_minor).toBe(standard.price_minor);
    expect(await reserved(a.variant_id, stores.warehouse)).toBe(1);
    expect(await reserved(a.variant_id, stores.xujiahui)).toBe(1);
    expect(await reserved(b.variant_id, stores.xujiahui)).toBe(1);
    expect(await reserved(b.variant_id, stores.warehouse)).toBe(0);
    // The orders' reservations match their lines: bos check's order invariants hold.
    const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
  });

  it('refuses a changed delivery price, and a store that no longer holds the stock, reserving nothing', async () => {
    const item = await aStockedItem(chain, { location_id: stores.peoples, units: 2 });
    await receive(chain, item.variant_id, stores.warehouse, 10);
    const items = [{ variant_id: item.variant_id, quantity: 2 }];
    const express = (await optionsFor(items, buyerNearPeoplesSquare)).find((o) => o.kind === 'express')!;
    expect(express.location_id).toBe(stores.peoples);
    const before = await orderCount();
    const choose = (price: number) => ({ recipient, address: address(buyerNearPeoplesSquare), option: { kind: 'express', location_id: stores.peoples, expected_price_minor: price } });

    const wrongPrice = await buy(chain, items, { delivery: choose(express.price_minor - 100) });
    expect(wrongPrice.status).toBe(422);
    expect(wrongPrice.body.code).toBe('delivery_price_changed');
    expect(wrongPrice.headers.get('content-type')).toMatch(/application\/problem\+json/);

    // A promise later than the one the buyer saw (beyond the grace) is refused too.
    const seenEarlier = { ...choose(express.price_minor), option: { kind: 'express', location_id: stores.peoples, expected_price_minor: express.price_minor, expected_by: new Date(Date.parse(express.window_to!) - 3_600_000).toISOString() } };
    const later = await buy(chain, items, { delivery: seenEarlier });
    expect([later.status, later.body.code]).toEqual([409, 'delivery_promise_changed']);
    expect(await reserved(item.variant_id, stores.peoples)).toBe(0);

    // Someone else buys the store's two units (picking them up there).
    const rival = await buy(chain, items, { fulfilment: { [chain.id]: stores.peoples } });
    expect(rival.status, rival.text).toBe(201);
    const gone = await buy(chain, items, { delivery: choose(express.price_minor) });
    expect(gone.status).toBe(409);
    expect(gone.body.code).toBe('delivery_option_unavailable');
    // Nothing reserved at the warehouse instead, no order written.
    expect(await reserved(item.variant_id, stores.warehouse)).toBe(0);
    expect(await reserved(item.variant_id, stores.peoples)).toBe(2);
    expect(await orderCount()).toBe(before + 1);
  });

  it('refuses inside the batch, under its locks, a serving place that lacks the stock, without falling back elsewhere', async () => {
    const item = await aStockedItem(chain, { location_id: stores.warehouse, units: 10 });
    const now = new Date();
    const [result] = await placeBatch(platform.database.db, [
      {
        checkout_id: 'chk_test_lacking',
        channel_merchant_id: chain.id,
        currency: 'CNY',
        buyer_email: null,
        consumer_id: null,
        cart_id: null,
        unpaid_ttl_s: 900,
        items: [{ variant_id: item.variant_id, quantity: 1 }],
        locations: {},
        // A promise made when Lujiazui held the item (it holds none now).
        deliveries: new Map([[chain.id, { option: { kind: 'express', location_id: stores.lujiazui, location_code: 'LJZ', distance_m: 2_700, price_minor: 800, window_from: now, window_to: new Date(now.getTime() + 1_800_000), confidence: 0.9 }, recipient, address: address(buyerNearPeoplesSquare) }]]),
      },
    ]);
    expect(result!.ok).toBe(false);
    if (!result!.ok) expect(result!.problem.code).toBe('delivery_option_unavailable');
    expect(await reserved(item.variant_id, stores.warehouse)).toBe(0);
    expect(await reserved(item.variant_id, stores.lujiazui)).toBe(0);
  });

  it('takes pickup with only the recipient, and refuses bad or foreign choices with a clear problem', async () => {
    const item = await aStockedItem(chain, { location_id: stores.xujiahui, units: 3 });
    const items = [{ variant_id: item.variant_id, quantity: 1 }];
    const pickup = await buy(chain, items, { delivery: { recipient, option: { kind: 'pickup', location_id: stores.xujiahui, expected_price_minor: 0 } } });
    expect(pickup.status, pickup.text).toBe(201);
    expect(pickup.body.orders[0]).toMatchObject({ location_id: stores.xujiahui, delivery: { kind: 'pickup', ready_by: expect.any(String), price_minor: 0 } });
    const seen = await chain.call('GET', `/v1/orders/${pickup.body.orders[0].id as string}`);
    expect(seen.body.delivery).toMatchObject({ recipient, address: null });
    expect(await reserved(item.variant_id, stores.xujiahui)).toBe(1);

    const before = await orderCount();
    const noAddress = await buy(chain, items, { delivery: { recipient, option: { kind: 'standard', expected_price_minor: 0 } } });
    expect([noAddress.status, noAddress.body.code]).toEqual([422, 'delivery_address_required']);
    const badPhone = await buy(chain, items, { delivery: { recipient: { name: 'X', phone: 'call me' }, option: { kind: 'pickup', location_id: stores.xujiahui, expected_price_minor: 0 } } });
    expect(badPhone.status).toBe(400);
    const offGlobe = await buy(chain, items, { delivery: { recipient, address: { ...address(buyerNearPeoplesSquare), latitude: 95 }, option: { kind: 'standard', expected_price_minor: 0 } } });
    expect(offGlobe.status).toBe(400);
    // Another merchant's store cannot serve this seller's pickup.
    const foreignStore = await aLocation(other, 'store', xujiahui);
    const foreign = await buy(chain, items, { delivery: { recipient, option: { kind: 'pickup', location_id: foreignStore, expected_price_minor: 0 } } });
    expect([foreign.status, foreign.body.code]).toEqual([409, 'delivery_option_unavailable']);
    const unknownSeller = await buy(chain, items, { delivery: { recipient, option: { kind: 'pickup', location_id: stores.xujiahui, expected_price_minor: 0 }, sellers: { [other.id]: { kind: 'standard', expected_price_minor: 0 } } } });
    expect([unknownSeller.status, unknownSeller.body.code]).toEqual([422, 'delivery_seller_unknown']);
    const both = await buy(chain, items, { fulfilment: { [chain.id]: stores.xujiahui }, delivery: { recipient, option: { kind: 'pickup', location_id: stores.xujiahui, expected_price_minor: 0 } } });
    expect(both.status).toBe(400);
    expect(await orderCount()).toBe(before);
    expect(await reserved(item.variant_id, stores.xujiahui)).toBe(1);
  });

  it('checks out a cart with a delivery', async () => {
    const item = await aStockedItem(chain, { location_id: stores.xujiahui, units: 3 });
    const cart = await chain.call('POST', '/v1/carts', { key: chain.publishableKey, body: { currency: 'CNY' } });
    expect(cart.status, cart.text).toBe(201);
    const headers = { 'x-cart-token': cart.body.token as string };
    expect((await chain.call('POST', `/v1/carts/${cart.body.id as string}/items`, { key: chain.publishableKey, headers, body: { variant_id: item.variant_id, quantity: 2 } })).status).toBeLessThan(300);
    const wrong = await chain.call('POST', `/v1/carts/${cart.body.id as string}/checkout`, { key: chain.publishableKey, headers, body: { delivery: { recipient, option: { kind: 'pickup', location_id: stores.xujiahui, expected_price_minor: 5 } } } });
    expect([wrong.status, wrong.body.code]).toEqual([422, 'delivery_price_changed']);
    // The cart is open again: the buyer fixes the choice and checks out.
    const placed = await chain.call('POST', `/v1/carts/${cart.body.id as string}/checkout`, { key: chain.publishableKey, headers, body: { delivery: { recipient, option: { kind: 'pickup', location_id: stores.xujiahui, expected_price_minor: 0 } } } });
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body.orders[0]).toMatchObject({ location_id: stores.xujiahui, delivery: { kind: 'pickup' } });
    expect(await reserved(item.variant_id, stores.xujiahui)).toBe(2);
  });

  it('masks the recipient and address when the buyer is erased, keeping the option, promise and price', async () => {
    const email = 'deliver.erase@example.com';
    const person = { name: 'Li Erasable', phone: '+86 139 9999 0001' };
    const item = await aStockedItem(chain, { location_id: stores.lujiazui, units: 3 });
    const items = [{ variant_id: item.variant_id, quantity: 1 }];
    const express = (await optionsFor(items, buyerNearPeoplesSquare)).find((o) => o.kind === 'express')!;
    const placed = await buy(chain, items, { buyer_email: email, delivery: { recipient: person, address: { ...address(buyerNearPeoplesSquare), line1: '7 Secret Lane' }, option: { kind: 'express', location_id: stores.lujiazui, expected_price_minor: express.price_minor } } });
    expect(placed.status, placed.text).toBe(201);
    await dispatcher.drain();
    const profiles = await chain.call('GET', `/v1/consumers?email=${encodeURIComponent(email)}`);
    expect(profiles.body.data).toHaveLength(1);
    expect((await chain.call('DELETE', `/v1/consumers/${profiles.body.data[0].id as string}`)).status).toBe(200);
    await dispatcher.drain();

    const seen = await chain.call('GET', `/v1/orders/${placed.body.orders[0].id as string}`);
    expect(seen.body.delivery).toMatchObject({ kind: 'express', price_minor: express.price_minor, location_id: stores.lujiazui, erased: true, recipient: { name: 'erased', phone: 'erased' }, address: { line1: 'erased', city: 'erased', country: 'CN', postal_code: null, latitude: null, longitude: null } });
    const left = await sql<{ n: number }>`select count(*)::int as n from order_delivery where recipient_name = ${person.name} or recipient_phone = ${person.phone} or address_line1 = '7 Secret Lane'`.execute(platform.database.db);
    expect(left.rows[0]!.n).toBe(0);
    const inEvents = await sql<{ n: number }>`select count(*)::int as n from bos_outbox_event where payload::text ilike '%Li Erasable%' or payload::text ilike '%Secret Lane%'`.execute(platform.database.db);
    expect(inEvents.rows[0]!.n).toBe(0);
  });
});
