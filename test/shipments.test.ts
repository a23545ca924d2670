import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { carrierSignatureHeader, networkLanes, ShipmentRouter, shipping, signTracking, SimulatedCarrierNetwork, simulatedCarriers } from '../src/modules/logistics/index.js';
import { modules } from '../src/platform/modules.js';
import { aStockedItem, buy, type ShopItem } from './support/commerce.js';
import { markOrderPaid } from './support/orders.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Shipping by carrier end to end against real PostgreSQL: the parcel routed over the simulated
 * network, the label bought once, the order shipped; signed tracking webhooks from the simulated
 * carriers (late, twice, out of order, never) moving the shipment forward only and delivering
 * the order; carrier performance from that tracking; and every way of getting it wrong.
 */
const secret = 'whsec_test_secret_for_shipment_tests_0123456789';
const beijing = { latitude: 39.9, longitude: 116.4 };
let platform: TestPlatform;
let seller: TestMerchant;
let item: ShopItem;

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_SIM_CARRIER_SECRET: secret, OPENBOS_SIM_CARRIER_HOUR_MS: '0', OPENBOS_SIM_CARRIER_LOSSES: 'none' });
  seller = await platform.merchant();
  item = await aStockedItem(seller, { units: 100 });
});
afterAll(async () => platform.close());

/** The simulated carriers as seen from outside: they send their webhooks to the platform in process. */
function carriers(options: { duplicate?: boolean; outOfOrder?: boolean } = {}): SimulatedCarrierNetwork {
  return new SimulatedCarrierNetwork(platform.database.db, networkLanes, {
    secret,
    hour_ms: 0,
    noRandomLoss: true,
    ...options,
    async deliver(carrier, body, headers) {
      return (await platform.app.request(`/v1/logistics/webhooks/${carrier}`, { method: 'POST', headers, body })).status;
    },
  });
}

async function paidOrder(m: TestMerchant = seller, shopItem: ShopItem = item): Promise<string> {
  const res = await buy(m, [{ variant_id: shopItem.variant_id, quantity: 1 }]);
  expect(res.status, res.text).toBe(201);
  const id = res.body.orders[0].id as string;
  await markOrderPaid(platform.database.db, m.id, id);
  return id;
}

async function ship(order_id: string, headers: Record<string, string> = {}, m: TestMerchant = seller) {
  return m.call('POST', `/v1/orders/${order_id}/shipments`, { body: { destination: beijing, weight_g: 1_500 }, headers });
}

/** A carrier's queued webhook bodies for one parcel, in the order its events happened. */
async function bodiesOf(tracking_number: string): Promise<{ id: string; carrier: string; body: string }[]> {
  const rows = await sql<{ id: string; carrier: string; body: string }>`
    select w.id, w.carrier, w.body from sim_carrier_webhook w join sim_carrier_label l on l.merchant_id = w.merchant_id and l.id = w.label_id
    where l.tracking_number = ${tracking_number} order by w.body::jsonb->>'occurred_at', w.id`.execute(platform.database.db);
  // The carrier sends about one event in twenty twice: one body per event here.
  return rows.rows.filter((r, i, all) => all.findIndex((o) => o.body === r.body) === i);
}

async function post(carrier: string, body: string, signature = signTracking(secret, body)) {
  return platform.app.request(`/v1/logistics/webhooks/${carrier}`, { method: 'POST', headers: { 'content-type': 'application/json', [carrierSignatureHeader]: signature }, body });
}

async function expectChecksClean(): Promise<void> {
  const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

describe('shipments', () => {
  it('routes the parcel, records the reasons, buys the label once under retried requests, and ships the order', async () => {
    const order_id = await paidOrder();
    const first = await ship(order_id, { 'Idempotency-Key': `ship-${order_id}` });
    expect(first.status, first.text).toBe(201);
    const again = await ship(order_id, { 'Idempotency-Key': `ship-${order_id}` });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.label_id).toBe(first.body.label_id);
    // Without the key the order is already shipped: a clear conflict, and no second label.
    const other = await ship(order_id);
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('order_already_shipped');
    const labels = await sql<{ n: number }>`select count(*)::int as n from sim_carrier_label where reference = ${order_id}`.execute(platform.database.db);
    expect(labels.rows[0]!.n).toBe(1);
    // The carrier itself never sells two labels for one request key.
    const s = first.body;
    const adapter = shipping(platform.ctx).carriers.get(s.carrier)!;
    const repeat = await adapter.buyLabel({ request_key: `${order_id}:0`, merchant_id: seller.id, reference: order_id, from_region: s.origin_region, to_region: s.destination_region, weight_g: 1_500 });
    expect(repeat.label_id).toBe(s.label_id);
    const together = await Promise.all(Array.from({ length: 5 }, () => adapter.buyLabel({ request_key: `${order_id}:race`, merchant_id: seller.id, reference: order_id, from_region: s.origin_region, to_region: s.destination_region, weight_g: 1_500 })));
    expect(new Set(together.map((l) => l.label_id)).size).toBe(1);
    // That label is no shipment's: cancelled before pickup, its webhooks are withdrawn.
    expect(await adapter.cancelLabel(seller.id, together[0]!.label_id)).toBe(true);
    expect(await adapter.cancelLabel(seller.id, together[0]!.label_id)).toBe(false);
    const withdrawn = await sql<{ n: number }>`select count(*)::int as n from sim_carrier_webhook where label_id = ${together[0]!.label_id}`.execute(platform.database.db);
    expect(withdrawn.rows[0]!.n).toBe(0);

    expect(s).toMatchObject({ order_id, status: 'label_created', origin_region: 'SHA', destination_region: 'PEK', promise_h: 24, weight_g: 1_500, overdue: false, timeline: [] });
    expect(s.routing.reason.length).toBeGreaterThan(10);
    expect(s.routing.candidates.length).toBeGreaterThanOrEqual(3);
    expect(s.routing.candidates[0].lane).toBe(s.lane);
    expect(s.lane.startsWith(`${s.carrier}:SHA>PEK`)).toBe(true);
    const order = await seller.call('GET', `/v1/orders/${order_id}`);
    expect(order.body.status).toBe('shipped');
    expect(order.body.tracking_number).toBe(s.tracking_number);
    const listed = await seller.call('GET', `/v1/shipments?order_id=${order_id}`);
    expect(listed.body.data.map((x: { id: string }) => x.id)).toEqual([s.id]);
    const created = await sql<{ n: number }>`select count(*)::int as n from bos_outbox_event where type = 'logistics.shipment_created' and payload->>'shipment_id' = ${s.id}`.execute(platform.database.db);
    expect(created.rows[0]!.n).toBe(1);
    await expectChecksClean();
  });

  it('buys one label when the same order is shipped twice at once', async () => {
    const order_id = await paidOrder();
    const answers = await Promise.all([ship(order_id), ship(order_id), ship(order_id)]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    const labels = await sql<{ status: string }>`select status from sim_carrier_label where reference = ${order_id}`.execute(platform.database.db);
    expect(labels.rows).toEqual([{ status: 'active' }]);
    expect((await seller.call('GET', `/v1/shipments?order_id=${order_id}`)).body.data).toHaveLength(1);
    await expectChecksClean();
  });

  it('refuses bad input and orders that cannot ship, changing nothing', async () => {
    const order_id = await paidOrder();
    const off = await seller.call('POST', `/v1/orders/${order_id}/shipments`, { body: { destination: { latitude: 120, longitude: 10 } } });
    expect(off.status).toBe(400);
    expect(off.headers.get('content-type')).toContain('application/problem+json');
    const unpaid = await buy(seller, [{ variant_id: item.variant_id, quantity: 1 }]);
    const res = await ship(unpaid.body.orders[0].id as string);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('order_not_shippable');
    expect((await ship('ord_01J000000000000000000000000')).status).toBe(404);
    const labels = await sql<{ n: number }>`select count(*)::int as n from sim_carrier_label where reference in (${order_id}, ${unpaid.body.orders[0].id as string})`.execute(platform.database.db);
    expect(labels.rows[0]!.n).toBe(0);
    expect((await seller.call('GET', `/v1/orders/${order_id}`)).body.status).toBe('paid');
  });

  it('answers a forged or replayed webhook with 401 and changes nothing', async () => {
    const order_id = await paidOrder();
    const s = (await ship(order_id)).body;
    const [pickup] = await bodiesOf(s.tracking_number);
    const forged = await post(s.carrier, pickup!.body, signTracking('whsec_not_the_carriers_secret_at_all_000000', pickup!.body));
    expect(forged.status).toBe(401);
    expect(forged.headers.get('content-type')).toContain('application/problem+json');
    expect(((await forged.json()) as { code: string }).code).toBe('invalid_signature');
    const tampered = await post(s.carrier, pickup!.body.replace('picked_up', 'delivered'), signTracking(secret, pickup!.body));
    expect(tampered.status).toBe(401);
    const replayed = await post(s.carrier, pickup!.body, signTracking(secret, pickup!.body, Math.floor(Date.now() / 1_000) - 3_600));
    expect(replayed.status).toBe(401);
    expect((await post(s.carrier, pickup!.body, 'garbage')).status).toBe(401);
    const after = await seller.call('GET', `/v1/shipments/${s.id}`);
    expect(after.body.status).toBe('label_created');
    expect(after.body.timeline).toEqual([]);
  });

  it('counts a duplicated event once and never moves back on a late one', async () => {
    const order_id = await paidOrder();
    const s = (await ship(order_id)).body;
    const [pickedUp, inTransit, outForDelivery, delivered] = await bodiesOf(s.tracking_number);
    expect(JSON.parse(delivered!.body).status).toBe('delivered');
    expect((await post(s.carrier, inTransit!.body)).status).toBe(200);
    const late = await post(s.carrier, pickedUp!.body);
    expect(await late.json()).toMatchObject({ outcome: 'recorded', status: 'in_transit' });
    const twice = await post(s.carrier, inTransit!.body);
    expect(await twice.json()).toMatchObject({ outcome: 'duplicate', status: 'in_transit' });
    const mid = await seller.call('GET', `/v1/shipments/${s.id}`);
    expect(mid.body.status).toBe('in_transit');
    expect(mid.body.timeline.map((e: { status: string }) => e.status)).toEqual(['picked_up', 'in_transit']);
    expect((await seller.call('GET', `/v1/orders/${order_id}`)).body.status).toBe('shipped');

    expect(await (await post(s.carrier, delivered!.body)).json()).toMatchObject({ outcome: 'recorded', status: 'delivered', order_delivered: true });
    expect(await (await post(s.carrier, outForDelivery!.body)).json()).toMatchObject({ outcome: 'recorded', status: 'delivered', order_delivered: false });
    const done = await seller.call('GET', `/v1/shipments/${s.id}`);
    expect(done.body.status).toBe('delivered');
    expect(done.body.delivered_at).toBe(JSON.parse(delivered!.body).occurred_at);
    expect(done.body.timeline).toHaveLength(4);
    const changes = await sql<{ to_status: string }>`select payload->>'to_status' as to_status from bos_outbox_event where type = 'logistics.shipment_status_changed' and payload->>'shipment_id' = ${s.id} order by id`.execute(platform.database.db);
    expect(changes.rows.map((r) => r.to_status)).toEqual(['in_transit', 'delivered']);
    await expectChecksClean();
  });

  it('delivers the order when the carrier’s webhooks arrive twice and in reverse', async () => {
    const order_id = await paidOrder();
    const s = (await ship(order_id)).body;
    const network = carriers({ duplicate: true, outOfOrder: true });
    while ((await network.deliverDue()) > 0);
    const done = await seller.call('GET', `/v1/shipments/${s.id}`);
    expect(done.body.status).toBe('delivered');
    expect(done.body.timeline.map((e: { status: string }) => e.status)).toEqual(['picked_up', 'in_transit', 'out_for_delivery', 'delivered']);
    const order = await seller.call('GET', `/v1/orders/${order_id}`);
    expect(order.body.status).toBe('delivered');
    expect(order.body.transitions.at(-1)).toMatchObject({ to_status: 'delivered', actor: `system:carrier:${s.carrier}` });
    const pending = await sql<{ n: number }>`select count(*)::int as n from sim_carrier_webhook w join sim_carrier_label l on l.merchant_id = w.merchant_id and l.id = w.label_id where l.tracking_number = ${s.tracking_number} and w.delivered_at is null`.execute(platform.database.db);
    expect(pending.rows[0]!.n).toBe(0);
    await expectChecksClean();
  });

  it('shows a lost parcel as overdue, never delivered, in carrier performance', async () => {
    const m = await platform.merchant();
    const shopItem = await aStockedItem(m, { units: 10 });
    const lostOrder = await paidOrder(m, shopItem);
    const okOrder = await paidOrder(m, shopItem);
    const lost = (await ship(lostOrder, {}, m)).body;
    const ok = (await ship(okOrder, {}, m)).body;
    const network = carriers();
    await network.loseParcel(lost.tracking_number);
    while ((await network.deliverDue()) > 0);
    // A day and more passes: the lost parcel's promise runs out.
    await sql`update shipment set promised_by = now() - interval '1 hour' where merchant_id = ${m.id} and id = ${lost.id}`.execute(platform.database.db);
    const after = await m.call('GET', `/v1/shipments/${lost.id}`);
    expect(after.body).toMatchObject({ status: 'picked_up', overdue: true, delivered_at: null });
    expect((await m.call('GET', `/v1/orders/${lostOrder}`)).body.status).toBe('shipped');
    const perf = await m.call('GET', '/v1/logistics/performance');
    expect(perf.status, perf.text).toBe(200);
    const lanes = perf.body.data as { lane: string; parcels: number; delivered: number; overdue: number; on_time: number; on_time_rate: number | null; cost_per_parcel_minor: number }[];
    expect(lanes.reduce((a, l) => a + l.parcels, 0)).toBe(2);
    expect(lanes.reduce((a, l) => a + l.overdue, 0)).toBe(1);
    expect(lanes.reduce((a, l) => a + l.delivered, 0)).toBe(1);
    const lostLane = lanes.find((l) => l.lane === lost.lane)!;
    expect(lostLane.overdue).toBe(1);
    expect(lostLane.on_time_rate).toBeLessThan(1);
    expect(lanes.find((l) => l.lane === ok.lane)!.cost_per_parcel_minor).toBeGreaterThan(0);
    expect(perf.body.carriers.reduce((a: number, c: { parcels: number }) => a + c.parcels, 0)).toBe(2);
    expect((await m.call('GET', '/v1/logistics/performance?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z')).status).toBe(400);
    await expectChecksClean();
  });

  it('keeps merchants apart', async () => {
    const other = await platform.merchant();
    const order_id = await paidOrder();
    const s = (await ship(order_id)).body;
    const got = await other.call('GET', `/v1/shipments/${s.id}`);
    expect(got.status).toBe(404);
    expect(got.text).not.toContain(s.tracking_number);
    expect((await other.call('GET', '/v1/shipments')).body.data).toEqual([]);
    const theirs = await paidOrder();
    expect((await ship(theirs, {}, other)).status).toBe(404);
    expect((await seller.call('GET', `/v1/orders/${theirs}`)).body.status).toBe('paid');
  });

  it('routes the next parcels off a lane whose tracking shows it slow', () => {
    const router = new ShipmentRouter(2_500);
    const all = new Set(simulatedCarriers.map((c) => c.code));
    const start = new Date('2026-12-01T08:00:00Z');
    const first = router.route({ latitude: 31.23, longitude: 121.47 }, beijing, 1_000, all, start)!;
    // Thirty parcels on the favourite lane take three times its published transit.
    for (let i = 0; i < 30; i++) {
      const at = new Date(start.getTime() + i * 60_000);
      const plan = router.route({ latitude: 31.23, longitude: 121.47 }, beijing, 1_000, new Set([first.lane.carrier.code]), at)!;
      router.track(plan.lane.carrier.code, `T${i}`, plan);
      const arrived = new Date(at.getTime() + plan.lane.median_h * 3 * 3_600_000);
      router.observe(plan.lane.carrier.code, `T${i}`, 'in_transit', at, at);
      router.observe(plan.lane.carrier.code, `T${i}`, 'delivered', arrived, arrived);
    }
    const later = new Date(start.getTime() + first.lane.median_h * 3 * 3_600_000 + 3_600_000);
    const next = router.route({ latitude: 31.23, longitude: 121.47 }, beijing, 1_000, all, later)!;
    const slow = next.candidates.find((c) => c.lane === first.lane.key)!;
    expect(slow.delay_factor).toBeGreaterThan(1.5);
    expect(next.lane.key).not.toBe(first.lane.key);
  });

  it('lets the signed-in buyer track their order, and no one else', async () => {
    const storefront = (method: string, path: string, token?: string, body?: unknown) =>
      seller.call(method, path, { key: seller.publishableKey, headers: token === undefined ? {} : { 'x-consumer-token': token }, ...(body === undefined ? {} : { body }) });
    const signUp = async () => {
      const res = await storefront('POST', '/v1/account', undefined, { email: `buyer-${Math.random().toString(36).slice(2, 10)}@example.com`, name: 'Mei Buyer', password: 'a long password 1' });
      expect(res.status, res.text).toBe(201);
      return res.body.token as string;
    };
    const me = await signUp();
    const placed = await storefront('POST', '/v1/checkouts', me, { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity: 1 }] });
    expect(placed.status, placed.text).toBe(201);
    const order_id = placed.body.orders[0].id as string;
    await markOrderPaid(platform.database.db, seller.id, order_id);
    const s = (await ship(order_id)).body;
    const mine = await storefront('GET', `/v1/account/orders/${order_id}/shipments`, me);
    expect(mine.status, mine.text).toBe(200);
    expect(mine.body.data).toHaveLength(1);
    expect(mine.body.data[0]).toMatchObject({ id: s.id, tracking_number: s.tracking_number, status: 'label_created', promised_by: s.promised_by });
    expect(mine.body.data[0].routing).toBeUndefined();
    const someoneElse = await storefront('GET', `/v1/account/orders/${order_id}/shipments`, await signUp());
    expect(someoneElse.status).toBe(404);
    expect(someoneElse.text).not.toContain(s.tracking_number);
    expect((await storefront('GET', `/v1/account/orders/${order_id}/shipments`)).status).toBe(401);
  });
});

describe('a hurried parcel (the demo)', () => {
  it('compresses the rest of a real-speed journey, its scans’ times alike, and leaves what was sent alone', async () => {
    const network = new SimulatedCarrierNetwork(platform.database.db, networkLanes, { secret, hour_ms: 3_600_000, noRandomLoss: true, deliver: async () => 200 });
    const label = await network.adapter('jingtu').buyLabel({ request_key: `hurry-${Date.now()}`, merchant_id: seller.id, reference: 'ord_hurry', from_region: 'SHA', to_region: 'PEK', weight_g: 1_000 });
    const queued = async () =>
      (await sql<{ deliver_after: Date; occurred_at: string; status: string }>`
        select w.deliver_after, w.body::jsonb->>'occurred_at' as occurred_at, w.body::jsonb->>'status' as status from sim_carrier_webhook w
        join sim_carrier_label l on l.merchant_id = w.merchant_id and l.id = w.label_id where l.tracking_number = ${label.tracking_number} order by w.deliver_after`.execute(platform.database.db)).rows;
    const before = await queued();
    // At real speed the delivery is a day or more away.
    expect(before.at(-1)!.deliver_after.getTime() - Date.now()).toBeGreaterThan(12 * 3_600_000);
    const now = Date.now();
    expect(await network.hurry(label.tracking_number, 1_000)).toBe(before.length);
    const after = await queued();
    // A simulated hour a second: the door within a couple of minutes, the scans in the same order, in the past or the next minutes.
    expect(after.at(-1)!.status).toBe('delivered');
    expect(after.at(-1)!.deliver_after.getTime() - now).toBeLessThan(5 * 60_000);
    expect(after.map((w) => w.status)).toEqual(before.map((w) => w.status));
    for (const w of after) expect(Date.parse(w.occurred_at) - now).toBeLessThan(5 * 60_000);
  });
});
