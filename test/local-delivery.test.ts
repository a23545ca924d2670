import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { getJob } from '../src/kernel/jobs.js';
import { modules } from '../src/platform/modules.js';
import { aLocation, aStockedItem, buy, stockOf, type ShopItem } from './support/commerce.js';
import { markOrderPaid } from './support/orders.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Local delivery (issue 15) on real PostgreSQL: a store's riders take its packed express
 * fulfilments out on routes; the planner batches nearby deliveries into one rider's route and
 * keeps one apart when batching would break a promise, every ETA within its promise; what no
 * rider can keep is left packed with the reason; the rider's departure sells the stock at the
 * store and ships the orders, a handover delivers the order and starts the escrow clock.
 */
let platform: TestPlatform;
let seller: TestMerchant;
let other: TestMerchant;
let store: string;
let item: ShopItem;

const peoplesSquare = { latitude: 31.2336, longitude: 121.4726 };
// Two buyers about 1.2 km north of the store, 200 m apart, and one 2.6 km south.
const north1 = { latitude: 31.2444, longitude: 121.4726 };
const north2 = { latitude: 31.2458, longitude: 121.4741 };
const south = { latitude: 31.2100, longitude: 121.4700 };

beforeAll(async () => {
  platform = await createTestPlatform();
  seller = await platform.merchant(undefined, 'retailer');
  other = await platform.merchant(undefined, 'retailer');
  store = await aLocation(seller, 'store', peoplesSquare);
  const allDay = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [{ opens: '00:00', closes: '00:00' }]]));
  expect((await seller.call('PATCH', `/v1/locations/${store}`, { body: { opening_hours: allDay } })).status).toBe(200);
  item = await aStockedItem(seller, { location_id: store, units: 100, price_minor: 2_000 });
});
afterAll(async () => platform.close());

const db = () => platform.database.db;

/** An express order to `to`, paid and packed at the store; its promise set to `promised_in_min` from now. */
async function packedExpress(to: { latitude: number; longitude: number }, promised_in_min: number, quantity = 1): Promise<{ order_id: string; fulfilment_id: string }> {
  const items = [{ variant_id: item.variant_id, quantity }];
  const options = await seller.call('POST', '/v1/delivery-options', { key: seller.publishableKey, body: { items, destination: to } });
  expect(options.status, options.text).toBe(200);
  const express = (options.body.sellers[0].options as { kind: string; location_id: string; price_minor: number }[]).find((o) => o.kind === 'express')!;
  expect(express.location_id).toBe(store);
  const placed = await buy(seller, items, { delivery: { recipient: { name: 'Wang Fang', phone: '+86 138 0000 0000' }, address: { line1: '1 Test Road', city: 'Shanghai', country: 'CN', ...to }, option: { kind: 'express', location_id: store, expected_price_minor: express.price_minor } } });
  expect(placed.status, placed.text).toBe(201);
  const order_id = placed.body.orders[0].id as string;
  await markOrderPaid(db(), seller.id, order_id);
  const list = await seller.call('GET', `/v1/orders/${order_id}/fulfilments`);
  const fulfilment_id = list.body.data[0].id as string;
  expect((await seller.call('POST', `/v1/fulfilments/${fulfilment_id}/pack`, { body: {} })).status).toBe(200);
  await sql`update fulfilment set promised_by = ${new Date(Date.now() + promised_in_min * 60_000)} where id = ${fulfilment_id}`.execute(db());
  return { order_id, fulfilment_id };
}

type Stop = { fulfilment_id: string; order_id: string; eta: string; promised_by: string; minutes_to_spare: number; sequence: number; status: string };
type Route = { id: string; rider_id: string; status: string; distance_m: number; stops: Stop[] };

async function addRider(name: string, location_id = store, m = seller) {
  return m.call('POST', `/v1/locations/${location_id}/riders`, { body: { name, phone: '+86 139 1234 5678' } });
}

async function expectChecksClean(): Promise<void> {
  const reports = await runChecks(db(), [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

describe('riders', () => {
  it('adds, lists and changes a store’s riders; refuses bad input and other merchants with nothing changed', async () => {
    const created = await addRider('Li Wei');
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ location_id: store, name: 'Li Wei', active: true });
    const rider_id = created.body.id as string;
    const changed = await seller.call('PATCH', `/v1/riders/${rider_id}`, { body: { active: false, phone: '+86 139 0000 0001' } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({ active: false, phone: '+86 139 0000 0001', name: 'Li Wei' });
    expect((await seller.call('PATCH', `/v1/riders/${rider_id}`, { body: { active: true } })).body.active).toBe(true);

    const count = async () => (await seller.call('GET', `/v1/locations/${store}/riders`)).body.data.length as number;
    const before = await count();
    const badPhone = await seller.call('POST', `/v1/locations/${store}/riders`, { body: { name: 'X', phone: 'call me' } });
    expect(badPhone.status).toBe(400);
    expect(badPhone.headers.get('content-type')).toContain('application/problem+json');
    expect((await seller.call('POST', `/v1/locations/${store}/riders`, { body: { name: '', phone: '+86 1' } })).status).toBe(400);
    const unknown = await addRider('Nobody', 'loc_unknown');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    // Another merchant can neither see, add to, nor change this store's riders.
    expect((await other.call('GET', `/v1/locations/${store}/riders`)).status).toBe(404);
    expect((await addRider('Intruder', store, other)).status).toBe(404);
    expect((await other.call('PATCH', `/v1/riders/${rider_id}`, { body: { active: false } })).status).toBe(404);
    // Nor move a rider of theirs into it.
    const theirStore = await aLocation(other, 'store');
    const theirs = await addRider('Theirs', theirStore, other);
    expect((await other.call('PATCH', `/v1/riders/${theirs.body.id as string}`, { body: { location_id: store } })).status).toBe(404);
    expect(await count()).toBe(before);
    expect((await seller.call('GET', `/v1/riders/${rider_id}`)).status).toBe(404);
  });
});

describe('local delivery routes', () => {
  let near: Route;
  let far: Route;
  let n1: { order_id: string; fulfilment_id: string };
  let n2: { order_id: string; fulfilment_id: string };
  let s1: { order_id: string; fulfilment_id: string };
  let late: { order_id: string; fulfilment_id: string };

  it('batches two nearby deliveries into one route, keeps a far one apart when batching would break a promise, and leaves an unkeepable one packed with the reason', async () => {
    expect((await addRider('Zhang Min')).status).toBe(201);
    n1 = await packedExpress(north1, 15);
    n2 = await packedExpress(north2, 15);
    s1 = await packedExpress(south, 15);
    late = await packedExpress(south, 2);

    const plan = await seller.call('POST', `/v1/locations/${store}/local-routes/plan`, { body: {} });
    expect(plan.status, plan.text).toBe(200);
    const routes = plan.body.routes as Route[];
    expect(routes).toHaveLength(2);
    near = routes.find((r) => r.stops.some((s) => s.fulfilment_id === n1.fulfilment_id))!;
    far = routes.find((r) => r.stops.some((s) => s.fulfilment_id === s1.fulfilment_id))!;
    expect(near.stops.map((s) => s.fulfilment_id).sort()).toEqual([n1.fulfilment_id, n2.fulfilment_id].sort());
    expect(far.stops.map((s) => s.fulfilment_id)).toEqual([s1.fulfilment_id]);
    expect(near.rider_id).not.toBe(far.rider_id);
    // Every stop arrives by its promise, in order of the route.
    for (const r of routes) {
      for (const s of r.stops) {
        expect(Date.parse(s.eta)).toBeLessThanOrEqual(Date.parse(s.promised_by));
        expect(s.minutes_to_spare).toBeGreaterThanOrEqual(0);
      }
      expect(r.stops.map((s) => s.sequence)).toEqual(r.stops.map((_, i) => i + 1));
      expect(Date.parse(r.stops.at(-1)!.eta)).toBeGreaterThanOrEqual(Date.parse(r.stops[0]!.eta));
    }
    expect(near.distance_m).toBeGreaterThan(1_000);
    expect(near.distance_m).toBeLessThan(2_000);
    // Two minutes is less than any rider needs to ride 2.6 km: it stays packed, and says why.
    expect(plan.body.unplanned).toEqual([{ fulfilment_id: late.fulfilment_id, order_id: late.order_id, reason: expect.stringContaining('no rider can keep the promise') }]);
    const board = await seller.call('GET', `/v1/locations/${store}/local-delivery`);
    expect(board.status, board.text).toBe(200);
    expect(board.body.waiting.find((w: { fulfilment_id: string }) => w.fulfilment_id === late.fulfilment_id)).toMatchObject({ planned: false, hold_reason: expect.stringContaining('promise') });
    expect((await seller.call('GET', `/v1/fulfilments/${late.fulfilment_id}`)).body.status).toBe('packed');

    // Planning again replaces the proposal rather than adding to it.
    const again = await seller.call('POST', `/v1/locations/${store}/local-routes/plan`);
    expect(again.status, again.text).toBe(200);
    expect(again.body.routes).toHaveLength(2);
    const planned = await sql<{ n: number }>`select count(*)::int as n from local_route where location_id = ${store} and status = 'planned'`.execute(db());
    expect(planned.rows[0]!.n).toBe(2);
    near = (again.body.routes as Route[]).find((r) => r.stops.some((s) => s.fulfilment_id === n1.fulfilment_id))!;
    far = (again.body.routes as Route[]).find((r) => r.stops.some((s) => s.fulfilment_id === s1.fulfilment_id))!;
  });

  it('dispatches a route: its fulfilments go out, the stock is sold at the store and the orders ship', async () => {
    const before = await stockOf(seller, { variant_id: item.variant_id, location_id: store });
    const out = await seller.call('POST', `/v1/local-routes/${near.id}/dispatch`);
    expect(out.status, out.text).toBe(200);
    expect(out.body).toMatchObject({ status: 'out', dispatched_at: expect.any(String) });
    const after = await stockOf(seller, { variant_id: item.variant_id, location_id: store });
    expect(after.on_hand).toBe(before.on_hand - 2);
    expect(after.reserved).toBe(before.reserved - 2);
    for (const x of [n1, n2]) {
      expect((await seller.call('GET', `/v1/fulfilments/${x.fulfilment_id}`)).body.status).toBe('out_for_delivery');
      expect((await seller.call('GET', `/v1/orders/${x.order_id}`)).body.status).toBe('shipped');
    }
    // The far one is still at the store.
    expect((await seller.call('GET', `/v1/fulfilments/${s1.fulfilment_id}`)).body.status).toBe('packed');
    // A route leaves once; its rider is out and not planned again.
    const twice = await seller.call('POST', `/v1/local-routes/${near.id}/dispatch`);
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('route_not_planned');
    expect(await stockOf(seller, { variant_id: item.variant_id, location_id: store })).toEqual(after);
    const replan = await seller.call('POST', `/v1/locations/${store}/local-routes/plan`);
    expect((replan.body.routes as Route[]).every((r) => r.rider_id !== near.rider_id)).toBe(true);
    far = (replan.body.routes as Route[]).find((r) => r.stops.some((s) => s.fulfilment_id === s1.fulfilment_id))!;
    await expectChecksClean();
  });

  it('delivers a stop: the order is delivered and its auto-confirm is scheduled; a failed stop records why; the route is done', async () => {
    const early = await seller.call('POST', `/v1/local-routes/${far.id}/stops/${s1.fulfilment_id}/delivered`);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('route_not_out');
    expect((await seller.call('POST', `/v1/local-routes/${near.id}/stops/${s1.fulfilment_id}/delivered`)).status).toBe(404);

    const done = await seller.call('POST', `/v1/local-routes/${near.id}/stops/${n1.fulfilment_id}/delivered`);
    expect(done.status, done.text).toBe(200);
    expect(done.body.status).toBe('out');
    expect((await seller.call('GET', `/v1/orders/${n1.order_id}`)).body.status).toBe('delivered');
    const job = await getJob(db(), `orders.auto_confirm:${n1.order_id}`);
    expect(job).toBeDefined();
    expect(job!.run_at.getTime()).toBeGreaterThan(Date.now());
    expect((await seller.call('POST', `/v1/local-routes/${near.id}/stops/${n1.fulfilment_id}/delivered`)).body.code).toBe('stop_already_recorded');

    const noReason = await seller.call('POST', `/v1/local-routes/${near.id}/stops/${n2.fulfilment_id}/failed`, { body: {} });
    expect(noReason.status).toBe(400);
    const failed = await seller.call('POST', `/v1/local-routes/${near.id}/stops/${n2.fulfilment_id}/failed`, { body: { reason: 'nobody home' } });
    expect(failed.status, failed.text).toBe(200);
    expect(failed.body.status).toBe('done');
    expect(failed.body.stops.map((s: Stop) => s.status)).toEqual(expect.arrayContaining(['delivered', 'failed']));
    expect((await seller.call('GET', `/v1/fulfilments/${n2.fulfilment_id}`)).body.status).toBe('delivery_failed');
    const events = await sql<{ type: string }>`select type from bos_outbox_event where merchant_id = ${seller.id} and type like 'local_route.%' and payload->>'route_id' = ${near.id}`.execute(db());
    expect(events.rows.map((e) => e.type).sort()).toEqual(['local_route.dispatched', 'local_route.done', 'local_route.planned']);
    await expectChecksClean();
  });

  it('keeps another merchant out of a store’s routes', async () => {
    expect((await other.call('POST', `/v1/locations/${store}/local-routes/plan`)).status).toBe(404);
    expect((await other.call('GET', `/v1/locations/${store}/local-delivery`)).status).toBe(404);
    expect((await other.call('GET', `/v1/local-routes/${far.id}`)).status).toBe(404);
    expect((await other.call('POST', `/v1/local-routes/${far.id}/dispatch`)).status).toBe(404);
    expect((await seller.call('GET', `/v1/fulfilments/${s1.fulfilment_id}`)).body.status).toBe('packed');
    expect((await seller.call('GET', `/v1/local-routes/${far.id}`)).body.status).toBe('planned');
    expect((await seller.call('POST', `/v1/locations/loc_nope/local-routes/plan`)).status).toBe(404);
  });
  it('refuses to dispatch a route whose rider went off duty since the plan, with nothing changed', async () => {
    expect((await seller.call('PATCH', `/v1/riders/${far.rider_id}`, { body: { active: false } })).status).toBe(200);
    const before = await stockOf(seller, { variant_id: item.variant_id, location_id: store });
    const refused = await seller.call('POST', `/v1/local-routes/${far.id}/dispatch`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('rider_unavailable');
    expect((await seller.call('GET', `/v1/fulfilments/${s1.fulfilment_id}`)).body.status).toBe('packed');
    expect((await seller.call('GET', `/v1/local-routes/${far.id}`)).body.status).toBe('planned');
    expect(await stockOf(seller, { variant_id: item.variant_id, location_id: store })).toEqual(before);
    expect((await seller.call('PATCH', `/v1/riders/${far.rider_id}`, { body: { active: true } })).status).toBe(200);
    await expectChecksClean();
  });
});
