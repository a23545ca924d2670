import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { carrierSignatureHeader, networkLanes, signTracking, SimulatedCarrierNetwork } from '../src/modules/logistics/index.js';
import { testCards, TestPaymentProvider } from '../src/modules/payments/index.js';
import { eventHandlers, modules } from '../src/platform/modules.js';
import { aLocation, aStockedItem, buy, stockOf, type ShopItem } from './support/commerce.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Returns and tracking moving fulfilments, end to end on real PostgreSQL: an order paid into
 * escrow, shipped by carrier (the shipment recorded on its fulfilment), delivered by the
 * carrier's signed webhooks; a refund that needs the goods back posts nothing until they are
 * received, by the return shipment's own tracking or by the store's hand; goods back on the
 * shelf where they left; a lost or failed parcel moving its fulfilment; and `bos check` clean.
 */
const paySecret = 'whsec_test_secret_for_returns_tests';
const carrierSecret = 'whsec_test_secret_for_returns_carriers_0123456789';
const shanghai = { latitude: 31.23, longitude: 121.47 };
const beijing = { latitude: 39.9, longitude: 116.4 };
const recipient = { name: 'Li Na', phone: '+86 139 0000 0000' };
let platform: TestPlatform;
let seller: TestMerchant;
let warehouse: string;
let item: ShopItem;
let dispatcher: OutboxDispatcher;

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_TEST_PROVIDER_SECRET: paySecret, OPENBOS_SIM_CARRIER_SECRET: carrierSecret, OPENBOS_SIM_CARRIER_HOUR_MS: '0', OPENBOS_SIM_CARRIER_LOSSES: 'none' });
  seller = await platform.merchant(undefined, 'retailer');
  warehouse = await aLocation(seller, 'warehouse', shanghai);
  item = await aStockedItem(seller, { price_minor: 10_000, units: 50, location_id: warehouse });
  dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
});
afterAll(async () => platform.close());

const db = () => platform.database.db;

function payments(): TestPaymentProvider {
  return new TestPaymentProvider(db(), {
    secret: paySecret,
    async deliver(body, headers) {
      return (await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body })).status;
    },
  });
}

function carriers(): SimulatedCarrierNetwork {
  return new SimulatedCarrierNetwork(db(), networkLanes, {
    secret: carrierSecret,
    hour_ms: 0,
    noRandomLoss: true,
    async deliver(carrier, body, headers) {
      return (await platform.app.request(`/v1/logistics/webhooks/${carrier}`, { method: 'POST', headers, body })).status;
    },
  });
}

async function deliverAllTracking(): Promise<void> {
  const network = carriers();
  while ((await network.deliverDue()) > 0);
}

/** A paid order (money held in escrow) with a standard delivery to Beijing. */
async function paidOrder(quantity = 2): Promise<string> {
  const items = [{ variant_id: item.variant_id, quantity }];
  const options = await seller.call('POST', '/v1/delivery-options', { key: seller.publishableKey, body: { items, destination: beijing } });
  expect(options.status, options.text).toBe(200);
  const standard = (options.body.sellers[0].options as { kind: string; price_minor: number }[]).find((o) => o.kind === 'standard')!;
  expect(standard).toBeDefined();
  const placed = await buy(seller, items, { delivery: { recipient, address: { line1: '1 Chang’an Ave', city: 'Beijing', country: 'CN', ...beijing }, option: { kind: 'standard', expected_price_minor: standard.price_minor } } });
  expect(placed.status, placed.text).toBe(201);
  const pay = await seller.call('POST', `/v1/checkouts/${placed.body.checkout_id as string}/payments`, { key: seller.publishableKey, body: { payment_method: testCards.succeeds } });
  expect(pay.status, pay.text).toBe(202);
  await payments().deliverDue();
  const order_id = placed.body.orders[0].id as string;
  expect((await seller.call('GET', `/v1/orders/${order_id}`)).body.status).toBe('paid');
  return order_id;
}

async function shipped(order_id: string): Promise<{ id: string; carrier: string; tracking_number: string }> {
  const res = await seller.call('POST', `/v1/orders/${order_id}/shipments`, { body: { destination: beijing, weight_g: 1_200 } });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function fulfilmentsOf(order_id: string): Promise<{ id: string; status: string; shipment_id: string | null; lines: { returned_quantity: number | null }[] }[]> {
  const res = await seller.call('GET', `/v1/orders/${order_id}/fulfilments`);
  expect(res.status, res.text).toBe(200);
  return res.body.data;
}

async function held(): Promise<number> {
  const res = await seller.call('GET', '/v1/balance');
  return (res.body.data[0]?.held_minor as number | undefined) ?? 0;
}

async function onHand(): Promise<number> {
  return (await stockOf(seller, { variant_id: item.variant_id, location_id: warehouse })).on_hand;
}

async function expectChecksClean(): Promise<void> {
  const reports = await runChecks(db(), [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

/** A tracking event signed as the carrier signs it (what a carrier may send that the simulation does not: a lost parcel, a failed attempt). */
async function track(carrier: string, tracking_number: string, status: string, id = `evt_${status}_${tracking_number}`, signature?: string) {
  const body = JSON.stringify({ id, tracking_number, status, occurred_at: new Date().toISOString(), carrier });
  return platform.app.request(`/v1/logistics/webhooks/${carrier}`, { method: 'POST', headers: { 'content-type': 'application/json', [carrierSignatureHeader]: signature ?? signTracking(carrierSecret, body) }, body });
}

describe('returns', () => {
  it('records the shipment on its fulfilment, and the carrier’s delivery delivers both', async () => {
    const order_id = await paidOrder();
    const s = await shipped(order_id);
    const [f] = await fulfilmentsOf(order_id);
    expect(f).toMatchObject({ status: 'handed_to_carrier', shipment_id: s.id });
    await deliverAllTracking();
    expect((await seller.call('GET', `/v1/orders/${order_id}`)).body.status).toBe('delivered');
    expect((await fulfilmentsOf(order_id))[0]).toMatchObject({ status: 'delivered', shipment_id: s.id });
    await expectChecksClean();
  });

  it('refunds nothing until the goods are back; the return shipment’s delivery puts them on the shelf and posts the refund', async () => {
    const order_id = await paidOrder(2);
    await shipped(order_id);
    await deliverAllTracking();
    await dispatcher.drain();
    const heldBefore = await held();
    const stockBefore = await onHand();

    expect((await seller.call('POST', `/v1/orders/${order_id}/refund-request`, { body: { reason: 'wrong size' } })).status).toBe(200);
    const approved = await seller.call('POST', `/v1/orders/${order_id}/returns`, { body: { reason: 'send it back first' } });
    expect(approved.status, approved.text).toBe(201);
    expect(approved.body.data).toHaveLength(1);
    const ret = approved.body.data[0];
    expect(ret).toMatchObject({ order_id, location_id: warehouse, status: 'awaiting', received_at: null });
    expect(ret.shipment_id).toMatch(/^shp_/);
    const order = await seller.call('GET', `/v1/orders/${order_id}`);
    expect(order.body.status).toBe('awaiting_return');
    // The seller cannot approve it twice, and nothing is refunded while the goods are away.
    expect((await seller.call('POST', `/v1/orders/${order_id}/returns`, { body: {} })).status).toBe(409);
    await dispatcher.drain();
    expect(await held()).toBe(heldBefore);
    const refunds = await sql<{ n: number }>`select count(*)::int as n from bos_outbox_event where type = 'order.refunded' and payload->>'order_id' = ${order_id}`.execute(db());
    expect(refunds.rows[0]!.n).toBe(0);
    // The auto-confirm timer stays paused: waiting for a return never releases the escrow to the seller.
    const timer = await sql<{ state: string }>`select state from bos_job where key = ${`orders.auto_confirm:${order_id}`}`.execute(db());
    expect(timer.rows.map((r) => r.state)).toEqual(['paused']);

    // The return shipment runs from the buyer back to the warehouse, tracked like any parcel.
    const shipments = await seller.call('GET', `/v1/shipments?order_id=${order_id}`);
    const back = (shipments.body.data as { id: string; direction: string; fulfilment_id: string; location_id: string; origin_region: string; destination_region: string; tracking_number: string; carrier: string }[]).find((x) => x.direction === 'return')!;
    expect(back).toMatchObject({ id: ret.shipment_id, fulfilment_id: ret.fulfilment_id, location_id: warehouse, origin_region: 'PEK', destination_region: 'SHA' });

    await deliverAllTracking();
    const done = await seller.call('GET', `/v1/orders/${order_id}`);
    expect(done.body.status).toBe('refunded');
    expect(done.body.transitions.at(-1)).toMatchObject({ action: 'receive_return', actor: `system:carrier:${back.carrier}` });
    const received = await seller.call('GET', `/v1/returns/${ret.id as string}`);
    expect(received.body).toMatchObject({ status: 'received', received_by: `system:carrier:${back.carrier}` });
    expect(received.body.lines[0]).toMatchObject({ fulfilled_quantity: 2, returned_quantity: 2 });
    expect((await fulfilmentsOf(order_id))[0]).toMatchObject({ status: 'returned' });
    expect(await onHand()).toBe(stockBefore + 2);
    // order.refunded releases the escrow back to the buyer.
    await dispatcher.drain();
    expect(await held()).toBe(heldBefore - Number(order.body.total_minor));
    // A late duplicate of the return's delivery changes nothing.
    const [delivered] = (await sql<{ body: string }>`select w.body from sim_carrier_webhook w join sim_carrier_label l on l.merchant_id = w.merchant_id and l.id = w.label_id where l.tracking_number = ${back.tracking_number} and w.body like '%"delivered"%'`.execute(db())).rows;
    const again = await platform.app.request(`/v1/logistics/webhooks/${back.carrier}`, { method: 'POST', headers: { 'content-type': 'application/json', [carrierSignatureHeader]: signTracking(carrierSecret, delivered!.body) }, body: delivered!.body });
    expect(await again.json()).toMatchObject({ outcome: 'duplicate', return_received: false });
    expect(await onHand()).toBe(stockBefore + 2);
    await expectChecksClean();
  });

  it('lets the store receive a return by hand; short goods dispute the refund and keep the money in escrow', async () => {
    const order_id = await paidOrder(3);
    await shipped(order_id);
    await deliverAllTracking();
    await seller.call('POST', `/v1/orders/${order_id}/refund-request`, { body: { reason: 'changed my mind' } });
    const ret = (await seller.call('POST', `/v1/orders/${order_id}/returns`, { body: {} })).body.data[0];
    await dispatcher.drain();
    const heldBefore = await held();
    const stockBefore = await onHand();

    // Bad input changes nothing: an unknown line, more than left, a line named twice, another merchant.
    const unknown = await seller.call('POST', `/v1/returns/${ret.id as string}/receive`, { body: { lines: [{ line_no: 9, quantity: 1 }] } });
    expect(unknown.status).toBe(422);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect((await seller.call('POST', `/v1/returns/${ret.id as string}/receive`, { body: { lines: [{ line_no: 1, quantity: 4 }] } })).status).toBe(422);
    expect((await seller.call('POST', `/v1/returns/${ret.id as string}/receive`, { body: { lines: [{ line_no: 1, quantity: 1 }, { line_no: 1, quantity: 1 }] } })).status).toBe(400);
    const stranger = await platform.merchant();
    expect((await stranger.call('POST', `/v1/returns/${ret.id as string}/receive`, { body: {} })).status).toBe(404);
    expect(await onHand()).toBe(stockBefore);
    expect((await seller.call('GET', `/v1/returns/${ret.id as string}`)).body.status).toBe('awaiting');

    const res = await seller.call('POST', `/v1/returns/${ret.id as string}/receive`, { body: { lines: [{ line_no: 1, quantity: 2 }] } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: 'received', order_outcome: 'disputed' });
    expect(res.body.lines[0]).toMatchObject({ fulfilled_quantity: 3, returned_quantity: 2 });
    expect(await onHand()).toBe(stockBefore + 2);
    expect((await seller.call('GET', `/v1/orders/${order_id}`)).body.status).toBe('disputed');
    await dispatcher.drain();
    expect(await held()).toBe(heldBefore);
    expect((await seller.call('POST', `/v1/returns/${ret.id as string}/receive`, { body: {} })).status).toBe(409);
    expect(await onHand()).toBe(stockBefore + 2);
    await expectChecksClean();
  });

  it('refuses a return for an order without an open refund request, buying no label', async () => {
    const order_id = await paidOrder(1);
    const res = await seller.call('POST', `/v1/orders/${order_id}/returns`, { body: {} });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    // Paid, not shipped: nothing left the warehouse, so the refund needs nothing back.
    await seller.call('POST', `/v1/orders/${order_id}/refund-request`, { body: { reason: 'too slow' } });
    const nothing = await seller.call('POST', `/v1/orders/${order_id}/returns`, { body: {} });
    expect(nothing.status).toBe(422);
    expect(nothing.body.code).toBe('nothing_to_return');
    const labels = await sql<{ n: number }>`select count(*)::int as n from sim_carrier_label where reference = ${order_id}`.execute(db());
    expect(labels.rows[0]!.n).toBe(0);
    expect((await seller.call('GET', `/v1/orders/${order_id}`)).body.status).toBe('refund_requested');
  });

  it('loses the fulfilment with a lost parcel, fails it on a failed attempt and still delivers it after; forged and replayed webhooks change nothing', async () => {
    const lostOrder = await paidOrder(1);
    const lost = await shipped(lostOrder);
    const forged = await track(lost.carrier, lost.tracking_number, 'lost', 'evt_forged', signTracking('whsec_not_the_carriers_secret_at_all_000000', '{}'));
    expect(forged.status).toBe(401);
    expect((await fulfilmentsOf(lostOrder))[0]!.status).toBe('handed_to_carrier');
    const first = await track(lost.carrier, lost.tracking_number, 'lost');
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ outcome: 'recorded', status: 'lost' });
    expect(await (await track(lost.carrier, lost.tracking_number, 'lost')).json()).toMatchObject({ outcome: 'duplicate' });
    const [f] = await fulfilmentsOf(lostOrder);
    expect(f!.status).toBe('lost');
    expect((await seller.call('GET', `/v1/orders/${lostOrder}`)).body.status).toBe('shipped');

    const failedOrder = await paidOrder(1);
    const parcel = await shipped(failedOrder);
    expect((await track(parcel.carrier, parcel.tracking_number, 'failed')).status).toBe(200);
    expect((await fulfilmentsOf(failedOrder))[0]!.status).toBe('delivery_failed');
    expect(await (await track(parcel.carrier, parcel.tracking_number, 'delivered')).json()).toMatchObject({ status: 'delivered', order_delivered: true });
    expect((await fulfilmentsOf(failedOrder))[0]!.status).toBe('delivered');
    expect((await seller.call('GET', `/v1/orders/${failedOrder}`)).body.status).toBe('delivered');
    await expectChecksClean();
  });
});
