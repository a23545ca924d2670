import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkLanes, rebuildRouter, ShipmentRouter, shipmentRouterOf, shipping, SimulatedCarrierNetwork } from '../src/modules/logistics/index.js';
import { aLocation, aStockedItem, buy, type ShopItem } from './support/commerce.js';
import { markOrderPaid } from './support/orders.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * The process's one router (issue 15): its lane state (today's hand-overs, recent transit times,
 * overdue parcels) is rebuilt from the shipments and their tracking at start, so a restarted
 * process routes as the one before it did; the delivery promise quotes with the same router as
 * shipping, so a congested lane shows in the promise. And shipping an order by default to the
 * delivery address chosen at checkout, with the recipient shown to the seller only.
 */
const secret = 'whsec_test_secret_for_router_state_tests_0123456789';
const shanghaiWarehouse = { latitude: 31.2035, longitude: 121.5906 };
const beijing = { latitude: 39.9, longitude: 116.4 };
const guangzhou = { latitude: 23.13, longitude: 113.26 };
const recipient = { name: 'Wang Xiaoming', phone: '+86 138 0013 8000' };

let platform: TestPlatform;
let seller: TestMerchant;
let item: ShopItem;

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_SIM_CARRIER_SECRET: secret, OPENBOS_SIM_CARRIER_HOUR_MS: '0', OPENBOS_SIM_CARRIER_LOSSES: 'none' });
  seller = await platform.merchant(undefined, 'retailer');
  const warehouse = await aLocation(seller, 'warehouse', shanghaiWarehouse);
  item = await aStockedItem(seller, { units: 200, location_id: warehouse });
});
afterAll(async () => platform.close());

function carriers(): SimulatedCarrierNetwork {
  return new SimulatedCarrierNetwork(platform.database.db, networkLanes, {
    secret,
    hour_ms: 0,
    noRandomLoss: true,
    async deliver(carrier, body, headers) {
      return (await platform.app.request(`/v1/logistics/webhooks/${carrier}`, { method: 'POST', headers, body })).status;
    },
  });
}

async function paidOrder(extra: Record<string, unknown> = {}): Promise<string> {
  const res = await buy(seller, [{ variant_id: item.variant_id, quantity: 1 }], extra);
  expect(res.status, res.text).toBe(201);
  const id = res.body.orders[0].id as string;
  await markOrderPaid(platform.database.db, seller.id, id);
  return id;
}

async function standardPromiseTo(destination: { latitude: number; longitude: number }): Promise<{ price_minor: number; shipments: { carrier: string; lane: string }[] }> {
  const res = await seller.call('POST', '/v1/delivery-options', { key: seller.publishableKey, body: { items: [{ variant_id: item.variant_id, quantity: 1 }], destination } });
  expect(res.status, res.text).toBe(200);
  return (res.body.sellers[0].options as { kind: string; price_minor: number; shipments: { carrier: string; lane: string }[] }[]).find((o) => o.kind === 'standard')!;
}

describe('the router of a process', () => {
  it('is one per process: shipping and the delivery promise use the same router', () => {
    expect(shipmentRouterOf(platform.database.db)).toBe(shipping(platform.ctx).router);
  });

  it('rebuilt from the shipments, knows what the live router knows: hand-overs per lane, queues and delays', async () => {
    for (const destination of [beijing, beijing, beijing, guangzhou, guangzhou, beijing]) {
      const res = await seller.call('POST', `/v1/orders/${await paidOrder()}/shipments`, { body: { destination, weight_g: 1_200 } });
      expect(res.status, res.text).toBe(201);
    }
    // The carriers' tracking arrives (every event at once: departures and deliveries).
    const network = carriers();
    while ((await network.deliverDue()) > 0);
    const delivered = await sql<{ n: number }>`select count(*)::int as n from shipment where merchant_id = ${seller.id} and status = 'delivered'`.execute(platform.database.db);
    expect(delivered.rows[0]!.n).toBe(6);
    const now = new Date();
    const live = shipping(platform.ctx).router.snapshot(now);
    const rebuilt = new ShipmentRouter(2_500);
    const replayed = await rebuildRouter(platform.database.db, rebuilt, now);
    expect(replayed.shipments).toBe(6);
    const fresh = rebuilt.snapshot(now);
    expect(fresh.map((l) => [l.lane, l.handed])).toEqual(live.map((l) => [l.lane, l.handed]));
    expect(fresh.reduce((a, l) => a + l.handed, 0)).toBe(6);
    for (const [i, lane] of fresh.entries()) {
      expect(lane.wait_h).toBeCloseTo(live[i]!.wait_h, 2);
      expect(lane.delay_factor).toBeCloseTo(live[i]!.delay_factor, 2);
    }
    // Nothing at all to replay: a router as published.
    expect(await rebuildRouter(platform.database.db, new ShipmentRouter(2_500), new Date('2020-01-01T00:00:00Z'))).toEqual({ shipments: 0, scans: 0 });
  });

  it('rebuilt from the shipments, sees a congested lane: its queue and the parcels overdue on it', async () => {
    const m = await platform.merchant(undefined, 'retailer');
    const at = new Date();
    // Two days of a lane's capacity were handed to it in the last hour, none has left yet.
    const lane = networkLanes.find((l) => l.key.startsWith('jingtu:SHA>PEK'))!;
    await sql`
      insert into shipment (merchant_id, id, order_id, location_id, carrier, lane, origin_region, destination_region, destination, weight_g, label_request_key, label_id, tracking_number, price_minor, currency, status, promise_h, promised_by, candidates, reason, created_at)
      select ${m.id}, 'shp_cong' || g, 'ord_cong' || g, 'loc_x', ${lane.carrier.code}, ${lane.key}, 'SHA', 'PEK', '{"latitude":39.9,"longitude":116.4}'::jsonb, 1000, 'k' || g, 'lbl_cong' || g, 'TCONG' || g, 1000, 'CNY', 'label_created', 24,
        ${at}::timestamptz + interval '24 hours', '[]'::jsonb, 'test', ${at}::timestamptz - interval '1 hour' + g * interval '1 second'
      from generate_series(1, ${lane.capacity_per_day * 2}) g`.execute(platform.database.db);
    const rebuilt = new ShipmentRouter(2_500);
    await rebuildRouter(platform.database.db, rebuilt, at);
    const congested = rebuilt.snapshot(at).find((l) => l.lane === lane.key)!;
    expect(congested.handed).toBeGreaterThanOrEqual(lane.capacity_per_day * 2);
    expect(congested.wait_h).toBeGreaterThan(24);
    // A fresh router knows none of it, and would quote the congested lane as published.
    expect(new ShipmentRouter(2_500).snapshot(at).find((l) => l.lane === lane.key)).toBeUndefined();
    await sql`delete from shipment where merchant_id = ${m.id}`.execute(platform.database.db);
  });

  it('makes the delivery promise shift off a lane congested by today’s hand-overs', async () => {
    const before = await standardPromiseTo(beijing);
    const favourite = before.shipments[0]!;
    const router = shipping(platform.ctx).router;
    const lane = networkLanes.find((l) => l.key === favourite.lane)!;
    // Shipping hands two days of the favourite lane's capacity to it: the queue reaches past the promise.
    for (let i = 0; i < lane.capacity_per_day * 2; i++) router.route(shanghaiWarehouse, beijing, 1_000, new Set([favourite.carrier]));
    const after = await standardPromiseTo(beijing);
    expect(after.shipments[0]!.lane).not.toBe(favourite.lane);
  });
});

describe('shipping to the order’s delivery address', () => {
  it('defaults the destination to the address chosen at checkout and shows the recipient to the seller only', async () => {
    const standard = await standardPromiseTo(guangzhou);
    const order_id = await paidOrder({ delivery: { recipient, address: { line1: '1 Tianhe Road', city: 'Guangzhou', country: 'CN', postal_code: '510000', ...guangzhou }, option: { kind: 'standard', expected_price_minor: standard.price_minor } } });
    const res = await seller.call('POST', `/v1/orders/${order_id}/shipments`, { body: { weight_g: 800 } });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ destination: guangzhou, destination_region: 'CAN', recipient: { name: recipient.name, phone: recipient.phone, address: { line1: '1 Tianhe Road', city: 'Guangzhou', country: 'CN', postal_code: '510000' }, erased: false } });
    const listed = await seller.call('GET', `/v1/shipments?order_id=${order_id}`);
    expect(listed.body.data[0].recipient.name).toBe(recipient.name);
    expect((await seller.call('GET', `/v1/shipments/${res.body.id as string}`)).body.recipient.phone).toBe(recipient.phone);
  });

  it('refuses an order without a delivery address and without a destination with 422, buying no label', async () => {
    const order_id = await paidOrder();
    const res = await seller.call('POST', `/v1/orders/${order_id}/shipments`, { body: { weight_g: 800 } });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe('destination_required');
    const labels = await sql<{ n: number }>`select count(*)::int as n from sim_carrier_label where reference = ${order_id}`.execute(platform.database.db);
    expect(labels.rows[0]!.n).toBe(0);
    expect((await seller.call('GET', `/v1/orders/${order_id}`)).body.status).toBe('paid');
    // Given a destination, the same order ships; it has no recipient to show.
    const shipped = await seller.call('POST', `/v1/orders/${order_id}/shipments`, { body: { destination: beijing } });
    expect(shipped.status, shipped.text).toBe(201);
    expect(shipped.body.recipient).toBeNull();
  });
});

describe('the list of shipments', () => {
  it('filters by status, carrier and overdue, a page at a time', async () => {
    const all = (await seller.call('GET', '/v1/shipments?limit=100')).body.data as { id: string; status: string; carrier: string; overdue: boolean }[];
    expect(all.length).toBeGreaterThanOrEqual(8);
    const delivered = (await seller.call('GET', '/v1/shipments?status=delivered&limit=100')).body.data as typeof all;
    expect(delivered.map((s) => s.id).sort()).toEqual(all.filter((s) => s.status === 'delivered').map((s) => s.id).sort());
    const carrier = all[0]!.carrier;
    const byCarrier = (await seller.call('GET', `/v1/shipments?carrier=${carrier}&limit=100`)).body.data as typeof all;
    expect(byCarrier.length).toBeGreaterThan(0);
    expect(byCarrier.every((s) => s.carrier === carrier)).toBe(true);
    await sql`update shipment set promised_by = now() - interval '1 hour' where merchant_id = ${seller.id} and id = ${all.find((s) => s.status !== 'delivered')!.id}`.execute(platform.database.db);
    const overdue = (await seller.call('GET', '/v1/shipments?overdue=true')).body.data as typeof all;
    expect(overdue).toHaveLength(1);
    expect(overdue[0]!.overdue).toBe(true);
    expect(((await seller.call('GET', '/v1/shipments?overdue=false&limit=100')).body.data as typeof all).length).toBe(all.length - 1);
    const first = await seller.call('GET', '/v1/shipments?limit=3');
    const second = await seller.call('GET', `/v1/shipments?limit=3&cursor=${encodeURIComponent(first.body.next_cursor as string)}`);
    expect([...first.body.data, ...second.body.data].map((s: { id: string }) => s.id)).toEqual(all.slice(0, 6).map((s) => s.id));
    expect((await seller.call('GET', '/v1/shipments?status=teleported')).status).toBe(400);
  });
});
