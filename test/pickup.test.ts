import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { getJob, runDueJobs } from '../src/kernel/jobs.js';
import { inTransaction } from '../src/kernel/db.js';
import { expirePickup } from '../src/modules/fulfilment/index.js';
import { testCards, TestPaymentProvider } from '../src/modules/payments/index.js';
import { eventHandlers, jobHandlers, modules } from '../src/platform/modules.js';
import { aLocation, aStockedItem, stockOf, type ShopItem } from './support/commerce.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Pickup (issue 15) on real PostgreSQL: a parcel put at the desk gets a code only its buyer sees;
 * the desk hands it over against that code (the order is delivered, the stock sold, the escrow
 * clock started); wrong codes change nothing and are throttled; a parcel nobody collects within
 * the hold window is cancelled, its stock released and its money refunded through escrow, once.
 */
const secret = 'whsec_test_secret_for_pickup_tests';
let platform: TestPlatform;
let seller: TestMerchant;
let other: TestMerchant;
let item: ShopItem;
let store: string;
let dispatcher: OutboxDispatcher;
const recipient = { name: 'Wang Xiaoming', phone: '+86 138 0013 8000' };

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_TEST_PROVIDER_SECRET: secret });
  seller = await platform.merchant(undefined, 'retailer');
  other = await platform.merchant(undefined, 'retailer');
  store = await aLocation(seller, 'store', { latitude: 31.1955, longitude: 121.4377 });
  const allDay = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [{ opens: '00:00', closes: '00:00' }]]));
  expect((await seller.call('PATCH', `/v1/locations/${store}`, { body: { opening_hours: allDay } })).status).toBe(200);
  item = await aStockedItem(seller, { location_id: store, units: 40, price_minor: 2_500 });
  dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
});
afterAll(async () => platform.close());

const storefront = (method: string, path: string, token?: string, body?: unknown) =>
  seller.call(method, path, { key: seller.publishableKey, headers: token === undefined ? {} : { 'x-consumer-token': token }, ...(body === undefined ? {} : { body }) });

async function signUp(): Promise<string> {
  const res = await storefront('POST', '/v1/account', undefined, { email: `buyer-${Math.random().toString(36).slice(2, 10)}@example.com`, name: 'Mei Buyer', password: 'a long password 1' });
  expect(res.status, res.text).toBe(201);
  return res.body.token as string;
}

/** A pickup order of `quantity` placed by the signed-in buyer, paid through the test provider, and put at the desk. */
async function atTheDesk(token: string, quantity = 2): Promise<{ order_id: string; fulfilment_id: string; hold_until: string }> {
  const placed = await storefront('POST', '/v1/checkouts', token, { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity }], delivery: { recipient, option: { kind: 'pickup', location_id: store, expected_price_minor: 0 } } });
  expect(placed.status, placed.text).toBe(201);
  const order_id = placed.body.orders[0].id as string;
  const paid = await storefront('POST', `/v1/checkouts/${placed.body.checkout_id as string}/payments`, token, { payment_method: testCards.succeeds });
  expect(paid.status, paid.text).toBe(202);
  await new TestPaymentProvider(platform.database.db, { secret, deliver: async (body, headers) => (await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body })).status }).deliverDue();
  const [f] = (await seller.call('GET', `/v1/orders/${order_id}/fulfilments`)).body.data as { id: string; method: string }[];
  expect(f!.method).toBe('pickup');
  expect((await seller.call('POST', `/v1/fulfilments/${f!.id}/pack`, { body: {} })).status).toBe(200);
  const ready = await seller.call('POST', `/v1/fulfilments/${f!.id}/ready`, { body: {} });
  expect(ready.status, ready.text).toBe(200);
  expect(ready.body).toMatchObject({ status: 'ready_for_pickup' });
  expect(ready.text).not.toMatch(/"code"/);
  return { order_id, fulfilment_id: f!.id, hold_until: ready.body.pickup_hold_until as string };
}

const collect = (fulfilment_id: string, code: string, m: TestMerchant = seller) => m.call('POST', `/v1/fulfilments/${fulfilment_id}/collect`, { body: { code } });
const stock = () => stockOf(seller, { variant_id: item.variant_id, location_id: store });
const order = async (id: string) => (await seller.call('GET', `/v1/orders/${id}`)).body as { status: string };
const fulfilment = async (id: string) => (await seller.call('GET', `/v1/fulfilments/${id}`)).body as { status: string };
const wrongOf = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function codeFor(token: string, order_id: string): Promise<string> {
  const mine = await storefront('GET', `/v1/account/orders/${order_id}/pickup`, token);
  expect(mine.status, mine.text).toBe(200);
  return mine.body.data[0].code as string;
}

async function balance() {
  const res = await seller.call('GET', '/v1/balance');
  return res.body.data[0] ?? { available_minor: 0, held_minor: 0, paid_out_minor: 0 };
}

async function expectChecksClean(): Promise<void> {
  const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

describe('pickup', () => {
  // First, while no other parcel waits at the desk (the timer is run for all due jobs).
  it('cancels a parcel nobody collects within the hold, releases its stock and refunds the buyer through escrow, once', async () => {
    const me = await signUp();
    await dispatcher.drain();
    const heldBefore = (await balance()).held_minor as number;
    const before = await stock();
    const { order_id, fulfilment_id } = await atTheDesk(me, 2);
    await dispatcher.drain();
    expect((await balance()).held_minor).toBe(heldBefore + 5_000);
    const handlers = jobHandlers(platform.ctx);
    // Not yet: two days in, the parcel still waits.
    await runDueJobs(platform.database.db, handlers, silentLogger, new Date(Date.now() + 48 * 3_600_000));
    expect(await fulfilment(fulfilment_id)).toMatchObject({ status: 'ready_for_pickup' });
    await runDueJobs(platform.database.db, handlers, silentLogger, new Date(Date.now() + 73 * 3_600_000));
    expect(await fulfilment(fulfilment_id)).toMatchObject({ status: 'cancelled' });
    expect((await order(order_id)).status).toBe('refunded');
    expect(await stock()).toEqual(before);
    const released = await sql<{ n: string }>`select coalesce(sum(reserved_delta), 0)::text as n from stock_movement where reference = ${order_id}`.execute(platform.database.db);
    expect(released.rows[0]!.n).toBe('0');
    const after = await stock();
    expect((await getJob(platform.database.db, `fulfilment.pickup_hold:${fulfilment_id}`))?.state).toBe('done');
    const transitions = (await seller.call('GET', `/v1/orders/${order_id}/fulfilments`)).body.data[0].transitions as { to_status: string; actor: string; reason: string }[];
    expect(transitions.at(-1)).toMatchObject({ to_status: 'cancelled', actor: 'system:pickup-hold', reason: 'not collected within the 72 h pickup hold' });
    await dispatcher.drain();
    expect((await balance()).held_minor).toBe(heldBefore);
    expect((await seller.call('GET', `/v1/payments?order_id=${order_id}`)).body.data[0]).toMatchObject({ status: 'refunded' });
    // The buyer sees no code any more, and a code typed at the desk opens nothing.
    expect((await storefront('GET', `/v1/account/orders/${order_id}/pickup`, me)).body.data[0]).toMatchObject({ status: 'cancelled', code: null });
    // The timer firing again (a retried job) changes nothing.
    expect(await inTransaction(platform.database.db, (trx) => expirePickup(trx, seller.id, fulfilment_id))).toBe('not_waiting');
    expect((await order(order_id)).status).toBe('refunded');
    expect(await stock()).toEqual(after);
    await expectChecksClean();
  });
  it('issues a code when the parcel is ready, which only its buyer sees (and by mail)', async () => {
    const me = await signUp();
    const { order_id, fulfilment_id, hold_until } = await atTheDesk(me);
    const mine = await storefront('GET', `/v1/account/orders/${order_id}/pickup`, me);
    expect(mine.status, mine.text).toBe(200);
    expect(mine.body.data).toEqual([{ fulfilment_id, status: 'ready_for_pickup', location: { id: store, name: expect.any(String) }, ready_by: expect.any(String), hold_until, code: expect.stringMatching(/^[0-9]{6}$/) }]);
    // About 72 hours from now, the default hold.
    expect(Math.round((new Date(hold_until).getTime() - Date.now()) / 3_600_000)).toBe(72);
    const code = mine.body.data[0].code as string;
    const someoneElse = await storefront('GET', `/v1/account/orders/${order_id}/pickup`, await signUp());
    expect(someoneElse.status).toBe(404);
    expect(someoneElse.text).not.toContain(code);
    expect((await storefront('GET', `/v1/account/orders/${order_id}/pickup`)).status).toBe(401);
    // The seller sees the parcel waiting, not its code; the code is not stored.
    const waiting = await seller.call('GET', `/v1/locations/${store}/pickups`);
    expect(waiting.status).toBe(200);
    expect(waiting.body.data).toContainEqual({ fulfilment_id, order_id, hold_until, ready_at: expect.any(String), recipient_name: 'W*** X***', units: 2 });
    expect(JSON.stringify((await sql`select * from pickup_code where fulfilment_id = ${fulfilment_id}`.execute(platform.database.db)).rows)).not.toContain(code);
    const mail = await sql<{ text_body: string }>`select text_body from mail_message where merchant_id = ${seller.id} and kind = 'pickup_code' order by created_at desc limit 1`.execute(platform.database.db);
    expect(mail.rows[0]!.text_body).toContain(code);
  });

  it('hands the parcel over with the right code: picked up, the order delivered, the stock sold at the store', async () => {
    const me = await signUp();
    const before = await stock();
    const { order_id, fulfilment_id } = await atTheDesk(me, 3);
    expect(await stock()).toMatchObject({ on_hand: before.on_hand, reserved: before.reserved + 3 });
    const code = await codeFor(me, order_id);
    // The desk may type the code first to find the parcel.
    const found = await seller.call('POST', `/v1/locations/${store}/pickups/verify`, { body: { code } });
    expect(found.status, found.text).toBe(200);
    expect(found.body).toMatchObject({ fulfilment_id, order_id, recipient_name: 'W*** X***', lines: [{ line_no: 1, quantity: 3 }] });
    const res = await collect(fulfilment_id, code);
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('picked_up');
    expect((await order(order_id)).status).toBe('delivered');
    expect(await stock()).toMatchObject({ on_hand: before.on_hand - 3, reserved: before.reserved });
    // The escrow clock runs from the pickup; the hold timer is gone.
    expect((await getJob(platform.database.db, `orders.auto_confirm:${order_id}`))?.state).toBe('scheduled');
    expect((await getJob(platform.database.db, `fulfilment.pickup_hold:${fulfilment_id}`))?.state).toBe('cancelled');
    // The buyer no longer sees a code; a second hand-over is refused.
    expect((await storefront('GET', `/v1/account/orders/${order_id}/pickup`, me)).body.data[0]).toMatchObject({ status: 'picked_up', code: null });
    expect((await collect(fulfilment_id, code)).status).toBe(409);
    await dispatcher.drain();
    await expectChecksClean();
  });

  it('refuses a wrong code with nothing changed, throttles the sixth wrong guess, and hides other sellers’ parcels', async () => {
    const me = await signUp();
    const { order_id, fulfilment_id } = await atTheDesk(me, 1);
    const code = await codeFor(me, order_id);
    const before = await stock();
    for (let i = 0; i < 5; i++) {
      const wrong = await collect(fulfilment_id, wrongOf(code));
      expect(wrong.status, wrong.text).toBe(422);
      expect(wrong.body.code).toBe('pickup_code_wrong');
    }
    expect(await fulfilment(fulfilment_id)).toMatchObject({ status: 'ready_for_pickup' });
    expect((await order(order_id)).status).toBe('paid');
    expect(await stock()).toEqual(before);
    const sixth = await collect(fulfilment_id, wrongOf(code));
    expect(sixth.status).toBe(429);
    expect(sixth.body.code).toBe('rate_limited');
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    // Throttled means throttled: even the right code waits for the window.
    expect((await collect(fulfilment_id, code)).status).toBe(429);
    expect(await fulfilment(fulfilment_id)).toMatchObject({ status: 'ready_for_pickup' });
    // Bad input and other sellers.
    expect((await collect(fulfilment_id, '12ab')).status).toBe(400);
    expect((await collect(fulfilment_id, code, other)).status).toBe(404);
    expect((await other.call('POST', `/v1/locations/${store}/pickups/verify`, { body: { code } })).status).toBe(404);
    expect((await other.call('GET', `/v1/locations/${store}/pickups`)).status).toBe(404);
    const wrongAtDesk = await seller.call('POST', `/v1/locations/${store}/pickups/verify`, { body: { code: wrongOf(code) } });
    expect(wrongAtDesk.status).toBe(422);
  });

});
