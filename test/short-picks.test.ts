import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { sendPendingRefunds, TestPaymentProvider, testCards } from '../src/modules/payments/index.js';
import { eventHandlers, modules } from '../src/platform/modules.js';
import { aLocation, aStockedItem, buy, stockOf, type ShopItem } from './support/commerce.js';
import { autoConfirm, markOrderPaid } from './support/orders.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Short picks (issue 15) on real PostgreSQL: packing finds the shelf emptier than the books said.
 * The missing units leave the store's stock, and are re-routed to another of the seller's
 * locations that has them, or refunded to the buyer from escrow while the order goes on; a
 * fulfilment that packed nothing ends cancelled and an order left with nothing is refunded whole.
 * Never silently: transitions with reasons, events, and `bos check` clean throughout.
 */
const secret = 'whsec_test_secret_for_short_pick_tests';
let platform: TestPlatform;
let seller: TestMerchant;
let storefront: TestMerchant;
let other: TestMerchant;
let storeA: string;
let storeB: string;
let dispatcher: OutboxDispatcher;

function provider(): TestPaymentProvider {
  return new TestPaymentProvider(platform.database.db, {
    secret,
    async deliver(body, headers) {
      const res = await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body });
      return res.status;
    },
  });
}

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_TEST_PROVIDER_SECRET: secret, OPENBOS_COMMISSION_BPS: '500' });
  seller = await platform.merchant(undefined, 'retailer');
  storefront = await platform.merchant();
  other = await platform.merchant(undefined, 'retailer');
  storeA = await aLocation(seller, 'store', { latitude: 31.2336, longitude: 121.4726 });
  storeB = await aLocation(seller, 'store', { latitude: 31.2200, longitude: 121.4500 });
  dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
});
afterAll(async () => platform.close());

/** An order bought through another storefront and paid through the test provider: its money is in escrow. */
async function paidOrder(item: ShopItem, quantity: number): Promise<string> {
  const res = await buy(storefront, [{ variant_id: item.variant_id, quantity }]);
  expect(res.status, res.text).toBe(201);
  const paid = await storefront.call('POST', `/v1/checkouts/${res.body.checkout_id as string}/payments`, { key: storefront.publishableKey, body: { payment_method: testCards.succeeds } });
  expect(paid.status, paid.text).toBe(202);
  await provider().deliverDue();
  const order_id = res.body.orders[0].id as string;
  expect((await seller.call('GET', `/v1/orders/${order_id}`)).body.status).toBe('paid');
  return order_id;
}

type Line = { line_no: number; quantity: number; picked_quantity: number | null; refunded_quantity: number };
type Ful = { id: string; status: string; location_id: string; rerouted_from: string | null; lines: Line[]; transitions: { to_status: string; action: string; reason: string | null }[] };

async function fulfilmentsOf(order_id: string): Promise<Ful[]> {
  const res = await seller.call('GET', `/v1/orders/${order_id}/fulfilments`);
  expect(res.status, res.text).toBe(200);
  return res.body.data as Ful[];
}

const act = (id: string, segment: string, body: Record<string, unknown> = {}, m: TestMerchant = seller) => m.call('POST', `/v1/fulfilments/${id}/${segment}`, { body });

async function balance() {
  const res = await seller.call('GET', '/v1/balance');
  return (res.body.data[0] ?? { available_minor: 0, held_minor: 0 }) as { available_minor: number; held_minor: number };
}

async function expectChecksClean(): Promise<void> {
  const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

async function eventsOf(type: string, order_id: string) {
  const rows = await sql<{ payload: Record<string, unknown> }>`select payload from bos_outbox_event where type = ${type} and payload->>'order_id' = ${order_id} order by id`.execute(platform.database.db);
  return rows.rows.map((r) => r.payload);
}

describe('short picks', () => {
  it('re-routes the missing units to another location that has them: stock corrected at the store, reserved there, a new fulfilment for the order', async () => {
    const item = await aStockedItem(seller, { location_id: storeA, units: 3, price_minor: 5_000 });
    const order_id = await paidOrder(item, 3);
    // The other store got some meanwhile.
    expect((await seller.call('POST', '/v1/stock/receipts', { body: { variant_id: item.variant_id, location_id: storeB, quantity: 5 } })).status).toBe(201);
    const [f] = await fulfilmentsOf(order_id);
    expect(f!.location_id).toBe(storeA);
    const a0 = await stockOf(seller, { variant_id: item.variant_id, location_id: storeA });
    const b0 = await stockOf(seller, { variant_id: item.variant_id, location_id: storeB });
    await act(f!.id, 'start-pick');
    const packed = await act(f!.id, 'pack', { lines: [{ line_no: 1, picked_quantity: 1 }] });
    expect(packed.status, packed.text).toBe(200);
    expect(packed.body).toMatchObject({ status: 'packed', lines: [{ quantity: 3, picked_quantity: 1, fulfilled_quantity: 1, refunded_quantity: 0 }] });

    // At the store: the two missing units left on hand, and the order holds only the one packed.
    const a1 = await stockOf(seller, { variant_id: item.variant_id, location_id: storeA });
    expect(a1).toMatchObject({ on_hand: a0.on_hand - 2, reserved: a0.reserved - 2 });
    const adj = await seller.call('GET', `/v1/stock/movements?variant_id=${item.variant_id}&location_id=${storeA}`);
    expect((adj.body.data as { reason: string; note: string | null; on_hand_delta: number }[]).find((m) => m.reason === 'adjustment')).toMatchObject({ on_hand_delta: -2, note: `short pick: ${f!.id}` });
    // At the other store: reserved for the order, for the new fulfilment.
    const b1 = await stockOf(seller, { variant_id: item.variant_id, location_id: storeB });
    expect(b1).toMatchObject({ on_hand: b0.on_hand, reserved: b0.reserved + 2 });
    const list = await fulfilmentsOf(order_id);
    const rerouted = list.find((x) => x.id !== f!.id)!;
    expect(rerouted).toMatchObject({ status: 'awaiting_pick', location_id: storeB, rerouted_from: f!.id, lines: [{ line_no: 1, quantity: 2, picked_quantity: null }] });
    expect(rerouted.transitions[0]).toMatchObject({ action: 'reroute', to_status: 'awaiting_pick' });
    expect(list.find((x) => x.id === f!.id)!.transitions.at(-1)!.reason).toContain('2 re-routed');
    expect(await eventsOf('fulfilment.short_picked', order_id)).toMatchObject([{ fulfilment_id: f!.id, lines: [{ picked_quantity: 1, rerouted_quantity: 2, refunded_quantity: 0 }], rerouted_to: [{ fulfilment_id: rerouted.id, location_id: storeB }] }]);
    expect(await eventsOf('fulfilment.line_refunded', order_id)).toEqual([]);
    await expectChecksClean();

    // The order ships once both have left, and each store sells what it sent.
    expect((await act(rerouted.id, 'pack')).body.status).toBe('packed');
    expect((await seller.call('POST', `/v1/orders/${order_id}/ship`, { body: { tracking_number: 'SP-1' } })).status).toBe(200);
    expect((await stockOf(seller, { variant_id: item.variant_id, location_id: storeA })).on_hand).toBe(a0.on_hand - 3);
    expect((await stockOf(seller, { variant_id: item.variant_id, location_id: storeB })).on_hand).toBe(b0.on_hand - 2);
    await expectChecksClean();
  });

  it('refunds the missing units from escrow when nobody else has them: the order goes on, and the release later pays the seller only the rest', async () => {
    const item = await aStockedItem(seller, { location_id: storeA, units: 3, price_minor: 10_000 });
    const before = await balance();
    const order_id = await paidOrder(item, 3);
    expect((await balance()).held_minor).toBe(before.held_minor + 30_000);
    const [f] = await fulfilmentsOf(order_id);
    const packed = await act(f!.id, 'pack', { lines: [{ line_no: 1, picked_quantity: 1 }] });
    expect(packed.body).toMatchObject({ status: 'packed', lines: [{ picked_quantity: 1, refunded_quantity: 2 }] });
    expect(await fulfilmentsOf(order_id)).toHaveLength(1);
    expect(await eventsOf('fulfilment.line_refunded', order_id)).toMatchObject([{ fulfilment_id: f!.id, currency: 'CNY', amount_minor: 20_000, lines: [{ line_no: 1, refunded_quantity: 2, unit_price_minor: 10_000 }] }]);
    await dispatcher.drain();
    // Two units' worth went back to the buyer; the order goes on with the third.
    expect((await balance()).held_minor).toBe(before.held_minor + 10_000);
    const payment = (await seller.call('GET', `/v1/payments?order_id=${order_id}`)).body.data[0];
    expect(payment.status).toBe('captured');
    const refunds = await sql<{ amount_minor: string; sent_at: Date | null }>`select amount_minor, sent_at from payment_line_refund where order_id = ${order_id}`.execute(platform.database.db);
    expect(refunds.rows.map((r) => Number(r.amount_minor))).toEqual([20_000]);
    expect((await seller.call('GET', `/v1/orders/${order_id}`)).body.status).toBe('paid');
    await expectChecksClean();
    // The provider is asked once to send it back.
    expect(await sendPendingRefunds(platform.database.db, provider())).toBeGreaterThanOrEqual(1);
    expect((await sql<{ sent_at: Date | null }>`select sent_at from payment_line_refund where order_id = ${order_id}`.execute(platform.database.db)).rows[0]!.sent_at).not.toBeNull();
    await provider().deliverDue();

    // Shipped, delivered, confirmed: the seller gets the rest less commission, nothing more.
    expect((await seller.call('POST', `/v1/orders/${order_id}/ship`, { body: { tracking_number: 'SP-2' } })).status).toBe(200);
    expect((await seller.call('POST', `/v1/orders/${order_id}/deliver`)).status).toBe(200);
    await autoConfirm(platform.database.db, seller.id, order_id);
    await dispatcher.drain();
    const after = await balance();
    expect(after.held_minor).toBe(before.held_minor);
    expect(after.available_minor).toBe(before.available_minor + 9_500);
    expect((await seller.call('GET', `/v1/payments?order_id=${order_id}`)).body.data[0].status).toBe('released');
    await expectChecksClean();
  });

  it('cancels a fulfilment that packed nothing and refunds an order left with nothing to send', async () => {
    const item = await aStockedItem(seller, { location_id: storeA, units: 2, price_minor: 7_000 });
    const before = await balance();
    const order_id = await paidOrder(item, 2);
    const [f] = await fulfilmentsOf(order_id);
    const a0 = await stockOf(seller, { variant_id: item.variant_id, location_id: storeA });
    const packed = await act(f!.id, 'pack', { lines: [{ line_no: 1, picked_quantity: 0 }] });
    expect(packed.status, packed.text).toBe(200);
    expect(packed.body).toMatchObject({ status: 'cancelled', lines: [{ picked_quantity: 0, refunded_quantity: 2 }] });
    const [done] = await fulfilmentsOf(order_id);
    expect(done!.transitions.map((t) => t.to_status)).toEqual(['awaiting_pick', 'packed', 'cancelled']);
    expect(done!.transitions.at(-1)!.reason).toContain('short pick');
    expect(await stockOf(seller, { variant_id: item.variant_id, location_id: storeA })).toMatchObject({ on_hand: a0.on_hand - 2, reserved: a0.reserved - 2 });
    const order = (await seller.call('GET', `/v1/orders/${order_id}`)).body;
    expect(order.status).toBe('refunded');
    await dispatcher.drain();
    expect(await balance()).toEqual(before);
    expect((await seller.call('GET', `/v1/payments?order_id=${order_id}`)).body.data[0].status).toBe('refunded');
    await expectChecksClean();
  });

  it('refuses a pick of more than the line or of an unknown line, with nothing changed', async () => {
    const item = await aStockedItem(seller, { location_id: storeA, units: 2 });
    const order_id = await paidOrder(item, 2);
    const [f] = await fulfilmentsOf(order_id);
    const a0 = await stockOf(seller, { variant_id: item.variant_id, location_id: storeA });
    expect((await act(f!.id, 'pack', { lines: [{ line_no: 1, picked_quantity: 3 }] })).status).toBe(422);
    expect((await act(f!.id, 'pack', { lines: [{ line_no: 9, picked_quantity: 0 }] })).status).toBe(422);
    expect((await act(f!.id, 'pack', { lines: [{ line_no: 1, picked_quantity: 0 }] }, other)).status).toBe(404);
    expect(await stockOf(seller, { variant_id: item.variant_id, location_id: storeA })).toEqual(a0);
    expect((await fulfilmentsOf(order_id))[0]!.status).toBe('awaiting_pick');
  });
});

describe('pick list', () => {
  it('gathers a location’s open lines per variant, most urgent first, with the orders needing them and the time left; another seller gets 404', async () => {
    const shelf = await aLocation(seller, 'store', { latitude: 31.24, longitude: 121.48 });
    const x = await aStockedItem(seller, { location_id: shelf, units: 20 });
    const y = await aStockedItem(seller, { location_id: shelf, units: 20 });
    const o1 = await paidOrder(x, 2);
    const o2 = await paidOrder(x, 3);
    const o3 = await paidOrder(y, 1);
    // y's order is the most urgent: its promise is already at risk.
    await sql`update fulfilment set pick_by = ${new Date(Date.now() - 10 * 60_000)} where order_id = ${o3}`.execute(platform.database.db);
    const [f2] = await fulfilmentsOf(o2);
    await act(f2!.id, 'start-pick');
    const res = await seller.call('GET', `/v1/locations/${shelf}/pick-list`);
    expect(res.status, res.text).toBe(200);
    const data = res.body.data as { variant_id: string; sku: string; quantity: number; minutes_to_pick_by: number; at_risk: boolean; fulfilments: { order_id: string; quantity: number; status: string }[] }[];
    expect(data.map((e) => e.variant_id)).toEqual([y.variant_id, x.variant_id]);
    expect(data[0]).toMatchObject({ quantity: 1, at_risk: true, fulfilments: [{ order_id: o3, quantity: 1 }] });
    expect(data[0]!.minutes_to_pick_by).toBeLessThan(0);
    expect(data[1]!.quantity).toBe(5);
    expect(data[1]!.fulfilments.map((f) => f.order_id).sort()).toEqual([o1, o2].sort());
    expect(data[1]!.fulfilments.find((f) => f.order_id === o2)!.status).toBe('picking');
    // Packed lines are off the list.
    const [f1] = await fulfilmentsOf(o1);
    await act(f1!.id, 'pack');
    const after = (await seller.call('GET', `/v1/locations/${shelf}/pick-list`)).body.data as { variant_id: string; quantity: number }[];
    expect(after.find((e) => e.variant_id === x.variant_id)!.quantity).toBe(3);

    const theirs = await other.call('GET', `/v1/locations/${shelf}/pick-list`);
    expect(theirs.status).toBe(404);
    expect(theirs.headers.get('content-type')).toContain('application/problem+json');
    expect((await seller.call('GET', '/v1/locations/loc_nope/pick-list')).status).toBe(404);
  });
});

describe('short picks by delivery method', () => {
  const buyer = { latitude: 31.2304, longitude: 121.4737 };
  const recipient = { name: 'Wang Xiaoming', phone: '+86 138 0013 8000' };
  const address = { line1: '88 Nanjing Road East', city: 'Shanghai', country: 'CN', postal_code: '200001', ...buyer };
  let chain: TestMerchant;
  let near: string;
  let nearToo: string;
  let far: string;

  beforeAll(async () => {
    chain = await platform.merchant(undefined, 'retailer');
    near = await aLocation(chain, 'store', { latitude: 31.2336, longitude: 121.4726 });
    nearToo = await aLocation(chain, 'store', { latitude: 31.22, longitude: 121.46 });
    far = await aLocation(chain, 'store', { latitude: 31.1, longitude: 121.3 });
    const allDay = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [{ opens: '00:00', closes: '00:00' }]]));
    for (const id of [near, nearToo, far]) expect((await chain.call('PATCH', `/v1/locations/${id}`, { body: { opening_hours: allDay } })).status).toBe(200);
  });

  async function placeAndPay(item: ShopItem, quantity: number, option: Record<string, unknown>): Promise<string> {
    const placed = await buy(chain, [{ variant_id: item.variant_id, quantity }], { delivery: { recipient, address, option } });
    expect(placed.status, placed.text).toBe(201);
    const order_id = placed.body.orders[0].id as string;
    await markOrderPaid(platform.database.db, chain.id, order_id);
    return order_id;
  }

  const receive = async (variant_id: string, location_id: string, quantity: number) => expect((await chain.call('POST', '/v1/stock/receipts', { body: { variant_id, location_id, quantity } })).status).toBe(201);
  const fulfilmentsOfChain = async (order_id: string) => (await chain.call('GET', `/v1/orders/${order_id}/fulfilments`)).body.data as (Ful & { method: string })[];

  it('re-routes an express line only to another open store within the express radius of the buyer', async () => {
    const item = await aStockedItem(chain, { location_id: near, units: 2 });
    const options = (await chain.call('POST', '/v1/delivery-options', { key: chain.publishableKey, body: { items: [{ variant_id: item.variant_id, quantity: 2 }], destination: buyer } })).body.sellers[0].options as { kind: string; price_minor: number; window_to?: string }[];
    const express = options.find((o) => o.kind === 'express')!;
    const order_id = await placeAndPay(item, 2, { kind: 'express', location_id: near, expected_price_minor: express.price_minor, expected_by: express.window_to });
    await receive(item.variant_id, far, 10);
    await receive(item.variant_id, nearToo, 1);
    const [f] = await fulfilmentsOfChain(order_id);
    expect(f).toMatchObject({ method: 'express', location_id: near });
    const packed = await chain.call('POST', `/v1/fulfilments/${f!.id}/pack`, { body: { lines: [{ line_no: 1, picked_quantity: 1 }] } });
    expect(packed.status, packed.text).toBe(200);
    const list = await fulfilmentsOfChain(order_id);
    // The far store has plenty but cannot keep a 30-minute promise; the near one can.
    expect(list.find((x) => x.id !== f!.id)).toMatchObject({ method: 'express', location_id: nearToo, rerouted_from: f!.id, lines: [{ quantity: 1 }] });
    expect((await stockOf(chain, { variant_id: item.variant_id, location_id: far })).reserved).toBe(0);
    await expectChecksClean();
  });

  it('never re-routes a pickup line: the buyer comes to this store, so the missing units are refunded', async () => {
    const item = await aStockedItem(chain, { location_id: near, units: 3 });
    const order_id = await placeAndPay(item, 3, { kind: 'pickup', location_id: near, expected_price_minor: 0 });
    await receive(item.variant_id, nearToo, 10);
    const [f] = await fulfilmentsOfChain(order_id);
    expect(f!.method).toBe('pickup');
    const packed = await chain.call('POST', `/v1/fulfilments/${f!.id}/pack`, { body: { lines: [{ line_no: 1, picked_quantity: 2 }] } });
    expect(packed.body).toMatchObject({ status: 'packed', lines: [{ picked_quantity: 2, refunded_quantity: 1 }] });
    expect(await fulfilmentsOfChain(order_id)).toHaveLength(1);
    expect((await stockOf(chain, { variant_id: item.variant_id, location_id: nearToo })).reserved).toBe(0);
    await expectChecksClean();
  });
});
