import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { getJob } from '../src/kernel/jobs.js';
import { modules } from '../src/platform/modules.js';
import { aLocation, aStockedItem, buy, stockOf, type ShopItem } from './support/commerce.js';
import { markOrderPaid } from './support/orders.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Fulfilments (issue 15) on real PostgreSQL: a paid order opens one at the location that holds its
 * stock, the store works it from a pick list (most urgent first), picking and packing move it on,
 * the order follows it out of the door and to the buyer, the escrow's clock starts at delivery,
 * stock moves only when the goods leave, and every wrong move is refused with nothing changed.
 */
let platform: TestPlatform;
let seller: TestMerchant;
let other: TestMerchant;
let item: ShopItem;
let store: string;

beforeAll(async () => {
  platform = await createTestPlatform();
  seller = await platform.merchant(undefined, 'retailer');
  other = await platform.merchant(undefined, 'retailer');
  store = await aLocation(seller, 'store', { latitude: 31.2336, longitude: 121.4726 });
  item = await aStockedItem(seller, { location_id: store, units: 50, price_minor: 1_200 });
});
afterAll(async () => platform.close());

async function paidOrder(quantity = 2): Promise<string> {
  const res = await buy(seller, [{ variant_id: item.variant_id, quantity }]);
  expect(res.status, res.text).toBe(201);
  const id = res.body.orders[0].id as string;
  await markOrderPaid(platform.database.db, seller.id, id);
  return id;
}

async function fulfilmentsOf(order_id: string, m: TestMerchant = seller) {
  const res = await m.call('GET', `/v1/orders/${order_id}/fulfilments`);
  expect(res.status, res.text).toBe(200);
  return res.body.data as { id: string; status: string; method: string; location_id: string; lines: { line_no: number; quantity: number; picked_quantity: number | null }[]; transitions: { to_status: string; actor: string }[] }[];
}

const act = (id: string, segment: string, body: Record<string, unknown> = {}, m: TestMerchant = seller) => m.call('POST', `/v1/fulfilments/${id}/${segment}`, { body });
const stock = () => stockOf(seller, { variant_id: item.variant_id, location_id: store });

async function expectChecksClean(): Promise<void> {
  const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

describe('fulfilments', () => {
  it('opens one fulfilment per paid order at its location, with every line, and none before payment', async () => {
    const res = await buy(seller, [{ variant_id: item.variant_id, quantity: 3 }]);
    const order_id = res.body.orders[0].id as string;
    expect(await fulfilmentsOf(order_id)).toEqual([]);
    await markOrderPaid(platform.database.db, seller.id, order_id);
    const [f, ...more] = await fulfilmentsOf(order_id);
    expect(more).toEqual([]);
    expect(f).toMatchObject({ status: 'awaiting_pick', method: 'seller', location_id: store, lines: [{ line_no: 1, quantity: 3, picked_quantity: null }] });
    expect(f!.transitions.map((t) => t.to_status)).toEqual(['awaiting_pick']);
    // The order's three units stay reserved at the store until they leave it.
    expect(await stock()).toMatchObject({ reserved: expect.any(Number) });
    const order = await sql<{ stock_by_fulfilment: boolean }>`select stock_by_fulfilment from sales_order where id = ${order_id}`.execute(platform.database.db);
    expect(order.rows[0]!.stock_by_fulfilment).toBe(true);
    await expectChecksClean();
  });

  it('lists a location’s pick list most urgent first, and another seller sees none of it', async () => {
    const a = await paidOrder(1);
    const b = await paidOrder(1);
    // Make b the more urgent one.
    await sql`update fulfilment set pick_by = ${new Date(Date.now() - 5 * 60_000)} where order_id = ${b}`.execute(platform.database.db);
    const list = await seller.call('GET', `/v1/fulfilments?location_id=${store}&status=awaiting_pick,picking&limit=100`);
    expect(list.status, list.text).toBe(200);
    const orders = (list.body.data as { order_id: string; minutes_to_pick_by: number }[]).map((f) => f.order_id);
    expect(orders.indexOf(b)).toBeLessThan(orders.indexOf(a));
    expect((list.body.data as { order_id: string; minutes_to_pick_by: number }[]).find((f) => f.order_id === b)!.minutes_to_pick_by).toBeLessThan(0);
    const paged = await seller.call('GET', `/v1/fulfilments?location_id=${store}&limit=1`);
    expect(paged.body.data).toHaveLength(1);
    const next = await seller.call('GET', `/v1/fulfilments?location_id=${store}&limit=1&cursor=${paged.body.next_cursor as string}`);
    expect(next.status, next.text).toBe(200);
    expect(next.body.data[0].id).not.toBe(paged.body.data[0].id);
    expect((await other.call('GET', `/v1/fulfilments?location_id=${store}`)).body.data).toEqual([]);
    const [fa] = await fulfilmentsOf(a);
    expect((await other.call('GET', `/v1/fulfilments/${fa!.id}`)).status).toBe(404);
    expect((await act(fa!.id, 'start-pick', {}, other)).status).toBe(404);
    const bad = await seller.call('GET', '/v1/fulfilments?status=flying');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
  });

  it('picks, packs and ships: the stock is sold at the store when the goods leave, the order follows to delivered, and the escrow clock starts then', async () => {
    const order_id = await paidOrder(2);
    const [f] = await fulfilmentsOf(order_id);
    const before = await stock();
    expect((await act(f!.id, 'start-pick')).body.status).toBe('picking');
    const packed = await act(f!.id, 'pack', { lines: [{ line_no: 1, picked_quantity: 2 }] });
    expect(packed.status, packed.text).toBe(200);
    expect(packed.body).toMatchObject({ status: 'packed', lines: [{ picked_quantity: 2, fulfilled_quantity: 2 }] });
    // Packing moves nothing yet: the goods are still in the store.
    expect(await stock()).toEqual(before);
    // A packed parcel is not waiting at the pickup desk: that is for pickup fulfilments.
    const wrong = await act(f!.id, 'ready');
    expect(wrong.status).toBe(409);
    expect(wrong.body.code).toBe('illegal_fulfilment_transition');

    const shipped = await seller.call('POST', `/v1/orders/${order_id}/ship`, { body: { tracking_number: 'SF-FUL-1' } });
    expect(shipped.status, shipped.text).toBe(200);
    const [out] = await fulfilmentsOf(order_id);
    expect(out!.status).toBe('handed_to_carrier');
    const after = await stock();
    expect(after.on_hand).toBe(before.on_hand - 2);
    expect(after.reserved).toBe(before.reserved - 2);

    // The escrow's clock: a fallback from shipment, the real one from delivery.
    const shippedJob = await getJob(platform.database.db, `orders.auto_confirm:${order_id}`);
    expect((await seller.call('POST', `/v1/orders/${order_id}/deliver`)).body.status).toBe('delivered');
    const deliveredJob = await getJob(platform.database.db, `orders.auto_confirm:${order_id}`);
    expect(deliveredJob!.run_at.getTime()).toBeLessThan(shippedJob!.run_at.getTime());
    const [done] = await fulfilmentsOf(order_id);
    expect(done!.transitions.map((t) => t.to_status)).toEqual(['awaiting_pick', 'picking', 'packed', 'handed_to_carrier', 'delivered']);
    await expectChecksClean();
  });

  it('cancels the fulfilments of an order refunded before it left, releasing the stock where it was held', async () => {
    const order_id = await paidOrder(2);
    const [f] = await fulfilmentsOf(order_id);
    await act(f!.id, 'start-pick');
    const before = await stock();
    expect((await seller.call('POST', `/v1/orders/${order_id}/refund-request`, { body: { reason: 'changed my mind' } })).status).toBe(200);
    expect((await seller.call('POST', `/v1/orders/${order_id}/refund-approve`)).status).toBe(200);
    const [cancelled] = await fulfilmentsOf(order_id);
    expect(cancelled!.status).toBe('cancelled');
    const after = await stock();
    expect(after.reserved).toBe(before.reserved - 2);
    expect(after.on_hand).toBe(before.on_hand);
    await expectChecksClean();
  });

  it('refuses every wrong move with a problem and changes nothing', async () => {
    const order_id = await paidOrder(1);
    const [f] = await fulfilmentsOf(order_id);
    const twice = await Promise.all([act(f!.id, 'start-pick'), act(f!.id, 'start-pick')]);
    expect(twice.map((r) => r.status).sort()).toEqual([200, 409]);
    const bad = [
      await act(f!.id, 'pack', { lines: [{ line_no: 1, picked_quantity: 5 }] }),
      await act(f!.id, 'pack', { lines: [{ line_no: 9, picked_quantity: 1 }] }),
      await act(f!.id, 'pack', { lines: [{ line_no: 1, picked_quantity: 1 }, { line_no: 1, picked_quantity: 1 }] }),
      await act(f!.id, 'cancel', {}),
      await act(f!.id, 'return'),
      await act('ful_01JAAAAAAAAAAAAAAAAAAAAAAA', 'start-pick'),
    ];
    // Out of range or unknown lines are business refusals (422); a malformed body is a validation error (400).
    expect(bad.map((r) => r.status)).toEqual([422, 422, 400, 400, 409, 404]);
    for (const r of bad) expect(r.headers.get('content-type')).toContain('application/problem+json');
    const [same] = await fulfilmentsOf(order_id);
    expect(same!.status).toBe('picking');
    expect(same!.lines[0]!.picked_quantity).toBeNull();
    expect(same!.transitions.map((t) => t.to_status)).toEqual(['awaiting_pick', 'picking']);
    // The database itself refuses a state entered twice.
    await expect(sql`insert into fulfilment_transition (merchant_id, id, fulfilment_id, order_id, from_status, to_status, action, actor) values (${seller.id}, 'ftr_dup', ${f!.id}, ${order_id}, 'awaiting_pick', 'picking', 'start_pick', 'test')`.execute(platform.database.db)).rejects.toThrow(/fulfilment_transition_once/);
    await expectChecksClean();
  });
});
