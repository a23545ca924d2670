import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/kernel/checks.js';
import { storesModule } from '../src/modules/stores/index.js';
import { aStockedItem, buy } from './support/commerce.js';
import { markOrderPaid } from './support/orders.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * The store's twin (docs/STORES.md): a storefront's store page shows that store's own stock, its
 * distance and whether it is open; consumers write to a store's guides and read the answers;
 * merchants never see each other's threads; a store's figures stand beside the chain's others.
 */
let platform: TestPlatform;
const db = () => platform.database.db;

beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(async () => platform.close());

const allDay = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [{ opens: '00:00', closes: '00:00' }]]));
let codes = 0;

async function aStore(m: TestMerchant, at: { latitude: number; longitude: number }, opening_hours: Record<string, unknown> = allDay): Promise<string> {
  const res = await m.call('POST', '/v1/locations', {
    body: { kind: 'store', code: `TW${process.pid}-${++codes}`, name: `Store ${codes}`, address: { line1: '1 Road', city: 'Shanghai', country: 'CN' }, ...at, timezone: 'Asia/Shanghai', opening_hours },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

let people = 0;
async function aConsumer(m: TestMerchant): Promise<{ token: string; email: string; id: string }> {
  const email = `twin-${process.pid}-${++people}@example.com`;
  const res = await m.call('POST', '/v1/account', { key: m.publishableKey, body: { email, name: `Shopper ${people}`, password: 'correct horse battery' } });
  expect(res.status, res.text).toBe(201);
  return { token: res.body.token as string, email, id: res.body.account.id as string };
}

async function aGuide(m: TestMerchant, location_id: string, name = 'Wang Fang'): Promise<string> {
  const res = await m.call('POST', '/v1/store-guides', { body: { location_id, name, title: 'Tea specialist' } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

const send = (m: TestMerchant, token: string, location_id: string, body: Record<string, unknown>) =>
  m.call('POST', `/v1/stores/${location_id}/messages`, { key: m.publishableKey, headers: { 'x-consumer-token': token }, body });

const count = async (table: string, merchant_id: string) => Number((await sql<{ n: string }>`select count(*)::text as n from ${sql.table(table)} where merchant_id = ${merchant_id}`.execute(db())).rows[0]!.n);

describe('the store page on a storefront', () => {
  it('shows only this store’s stock, its distance from the shopper, whether it is open, its offers and guides', async () => {
    const m = await platform.merchant();
    const peoples = await aStore(m, { latitude: 31.2336, longitude: 121.4726 });
    // Declares Mondays with no interval: closed every day.
    const closed = await aStore(m, { latitude: 31.1955, longitude: 121.4377 }, { '1': [] });
    const here = await aStockedItem(m, { location_id: peoples, units: 7, price_minor: 2_500 });
    const there = await aStockedItem(m, { location_id: closed, units: 3 });
    const unpublished = await aStockedItem(m, { location_id: peoples, units: 4, status: 'draft' });
    const soldOut = await aStockedItem(m, { location_id: peoples, units: 1 });
    expect((await m.call('POST', '/v1/stock/adjustments', { body: { variant_id: soldOut.variant_id, location_id: peoples, on_hand_delta: -1, note: 'sold' } })).status).toBe(201);

    const promo = async (body: Record<string, unknown>) => {
      const res = await m.call('POST', '/v1/promotions', { body: { currency: 'CNY', effect: { type: 'amount_off', amount_minor: 500 }, ...body } });
      expect(res.status, res.text).toBe(201);
      return res.body.id as string;
    };
    const everywhere = await promo({ name: 'Everywhere', kind: 'automatic' });
    const thisStore = await promo({ name: 'Here only', kind: 'automatic', conditions: { location_ids: [peoples], channels: ['store'] } });
    const otherStore = await promo({ name: 'There only', kind: 'automatic', conditions: { location_ids: [closed] } });
    const onlineOnly = await promo({ name: 'Online only', kind: 'automatic', conditions: { channels: ['online'] } });
    const coupon = await promo({ name: 'Claim me', kind: 'coupon', claimable: true, issue_limit: 10 });
    const guide = await aGuide(m, peoples);
    await aGuide(m, closed, 'Somebody else');
    expect((await m.call('PATCH', `/v1/store-guides/${guide}`, { body: { online: true } })).status).toBe(200);

    // The shopper stands at People's Square metro, a few hundred metres away.
    const res = await m.call('GET', `/v1/stores/${peoples}?near=31.2304,121.4737&currency=CNY`, { key: m.publishableKey });
    expect(res.status, res.text).toBe(200);
    expect(res.body.distance_m).toBeGreaterThan(300);
    expect(res.body.distance_m).toBeLessThan(400);
    expect(res.body.open_now).toBe(true);
    expect(res.body.stock.items.map((i: { variant_id: string }) => i.variant_id)).toEqual([here.variant_id]);
    expect(res.body.stock.items[0]).toMatchObject({ available: 7, unit_price_minor: 2_500, currency: 'CNY' });
    expect(res.body.stock.total).toBe(2); // the unpublished one is held here but not for sale
    expect(JSON.stringify(res.body)).not.toContain(there.variant_id);
    expect(JSON.stringify(res.body)).not.toContain(unpublished.variant_id);
    expect(res.body.offers.map((o: { promotion_id: string }) => o.promotion_id).sort()).toEqual([everywhere, thisStore].sort());
    expect(JSON.stringify(res.body.offers)).not.toContain(otherStore);
    expect(JSON.stringify(res.body.offers)).not.toContain(onlineOnly);
    expect(res.body.claimable_coupons).toEqual([expect.objectContaining({ promotion_id: coupon, left: 10 })]);
    expect(res.body.guides).toEqual([{ id: guide, name: 'Wang Fang', title: 'Tea specialist', online: true }]);

    const shut = await m.call('GET', `/v1/stores/${closed}?currency=CNY`, { key: m.publishableKey });
    expect(shut.status).toBe(200);
    expect(shut.body).toMatchObject({ open_now: false, distance_m: null });
    expect(shut.body.stock.items.map((i: { variant_id: string }) => i.variant_id)).toEqual([there.variant_id]);

    const list = await m.call('GET', '/v1/stores?near=31.19,121.43', { key: m.publishableKey });
    expect(list.status, list.text).toBe(200);
    expect(list.body.data.map((s: { location_id: string }) => s.location_id)).toEqual([closed, peoples]);
    expect(list.body.data.map((s: { open_now: boolean }) => s.open_now)).toEqual([false, true]);

    const bad = await m.call('GET', '/v1/stores?near=north', { key: m.publishableKey });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ field: 'near', location: 'query' });

    // A warehouse is no store, and another merchant's store is not found through this storefront.
    const other = await platform.merchant();
    const theirs = await aStore(other, { latitude: 31.2, longitude: 121.4 });
    expect((await m.call('GET', `/v1/stores/${theirs}`, { key: m.publishableKey })).status).toBe(404);
    expect((await m.call('GET', `/v1/stores/${here.location_id}x`, { key: m.publishableKey })).status).toBe(404);
  });
});

describe('messages between consumers and a store', () => {
  it('a consumer writes to a guide, the guide answers, the consumer reads the answer and is mailed', async () => {
    const m = await platform.merchant();
    const store = await aStore(m, { latitude: 31.23, longitude: 121.47 });
    const guide = await aGuide(m, store);
    const shopper = await aConsumer(m);

    const sent = await send(m, shopper.token, store, { guide_id: guide, body: '  Do you have Longjing today?  ' });
    expect(sent.status, sent.text).toBe(201);
    expect(sent.body.thread).toMatchObject({ location_id: store, guide_id: guide, status: 'waiting' });
    expect(sent.body.messages).toEqual([expect.objectContaining({ author: 'consumer', body: 'Do you have Longjing today?', guide: null })]);
    const thread_id = sent.body.thread.id as string;

    const waiting = await m.call('GET', `/v1/store-threads?location_id=${store}&status=waiting`);
    expect(waiting.status, waiting.text).toBe(200);
    expect(waiting.body.data).toEqual([expect.objectContaining({ id: thread_id, consumer_id: shopper.id, status: 'waiting', overdue: false, last_message: expect.objectContaining({ body: 'Do you have Longjing today?' }) })]);
    expect((await m.call('GET', '/v1/store-threads?status=overdue')).body.data).toEqual([]);
    // Waiting for more than 15 minutes, the thread is overdue.
    await sql`update store_thread set waiting_since = now() - interval '20 minutes' where id = ${thread_id}`.execute(db());
    const overdue = await m.call('GET', '/v1/store-threads?status=overdue');
    expect(overdue.body.data).toEqual([expect.objectContaining({ id: thread_id, overdue: true })]);

    const replied = await m.call('POST', `/v1/store-threads/${thread_id}/replies`, { body: { guide_id: guide, body: 'Yes, on the shelf by the door.' } });
    expect(replied.status, replied.text).toBe(201);
    expect(replied.body).toMatchObject({ status: 'answered', overdue: false, waiting_since: null });
    expect((await m.call('GET', '/v1/store-threads?status=overdue')).body.data).toEqual([]);

    const mine = await m.call('GET', '/v1/account/store-messages', { key: m.publishableKey, headers: { 'x-consumer-token': shopper.token } });
    expect(mine.status, mine.text).toBe(200);
    expect(mine.body.data).toHaveLength(1);
    expect(mine.body.data[0].thread).toMatchObject({ id: thread_id, status: 'answered' });
    expect(mine.body.data[0].messages.map((x: { author: string; body: string }) => [x.author, x.body])).toEqual([
      ['consumer', 'Do you have Longjing today?'],
      ['guide', 'Yes, on the shelf by the door.'],
    ]);
    expect(mine.body.data[0].messages[1].guide).toEqual({ id: guide, name: 'Wang Fang', title: 'Tea specialist' });
    const mail = await sql<{ to_address: string; text_body: string }>`select to_address, text_body from mail_message where merchant_id = ${m.id} and kind = 'store_reply'`.execute(db());
    expect(mail.rows).toEqual([expect.objectContaining({ to_address: shopper.email, text_body: expect.stringContaining('Yes, on the shelf by the door.') })]);

    // The guide answered, so they are online on the store's page.
    const page = await m.call('GET', `/v1/stores/${store}`, { key: m.publishableKey });
    expect(page.body.guides).toEqual([expect.objectContaining({ id: guide, online: true })]);

    // A second message goes into the same thread, which waits again.
    expect((await send(m, shopper.token, store, { body: 'Thanks! Until when are you open?' })).status).toBe(201);
    const detail = await m.call('GET', `/v1/store-threads/${thread_id}`);
    expect(detail.body).toMatchObject({ status: 'waiting' });
    expect(detail.body.messages).toHaveLength(3);

    const checks = await runChecks(db(), storesModule.checks ?? []);
    expect(checks.filter((r) => r.violations.length > 0)).toEqual([]);
  });

  it('refuses bad messages whole: no consumer, empty body, a guide of another store, and too many', async () => {
    const m = await platform.merchant();
    const store = await aStore(m, { latitude: 31.23, longitude: 121.47 });
    const elsewhere = await aStore(m, { latitude: 31.2, longitude: 121.4 });
    const otherGuide = await aGuide(m, elsewhere);
    const shopper = await aConsumer(m);

    const anonymous = await m.call('POST', `/v1/stores/${store}/messages`, { key: m.publishableKey, body: { body: 'hello' } });
    expect(anonymous.status).toBe(401);
    expect((await send(m, shopper.token, store, { body: '   ' })).status).toBe(400);
    expect((await send(m, shopper.token, store, { body: 'x'.repeat(1_001) })).status).toBe(400);
    const wrongGuide = await send(m, shopper.token, store, { guide_id: otherGuide, body: 'hello' });
    expect(wrongGuide.status).toBe(404);
    expect(await count('store_thread', m.id)).toBe(0);

    for (let i = 0; i < 5; i++) expect((await send(m, shopper.token, store, { body: `message ${i}` })).status).toBe(201);
    const sixth = await send(m, shopper.token, store, { body: 'one too many' });
    expect(sixth.status).toBe(429);
    expect(sixth.body.code).toBe('store_messages_throttled');
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await count('store_message', m.id)).toBe(5);
  });
});

describe('tenancy of threads and guides', () => {
  it('another merchant can neither read nor answer a thread, nor put a guide in another’s store', async () => {
    const a = await platform.merchant();
    const b = await platform.merchant();
    const store = await aStore(a, { latitude: 31.23, longitude: 121.47 });
    const shopper = await aConsumer(a);
    const sent = await send(a, shopper.token, store, { body: 'For A only' });
    expect(sent.status).toBe(201);
    const thread_id = sent.body.thread.id as string;

    expect((await b.call('GET', `/v1/store-threads/${thread_id}`)).status).toBe(404);
    expect((await b.call('GET', '/v1/store-threads')).body.data).toEqual([]);
    const answer = await b.call('POST', `/v1/store-threads/${thread_id}/replies`, { body: { body: 'hijack' } });
    expect(answer.status).toBe(404);
    expect(await count('store_message', a.id)).toBe(1);
    expect((await b.call('POST', '/v1/store-guides', { body: { location_id: store, name: 'Intruder' } })).status).toBe(404);
    expect((await b.call('GET', `/v1/stores/${store}/figures`)).status).toBe(404);
    // Through B's storefront, A's store does not exist, and the consumer's threads there are B's (none).
    expect((await b.call('POST', `/v1/stores/${store}/messages`, { key: b.publishableKey, headers: { 'x-consumer-token': shopper.token }, body: { body: 'via B' } })).status).toBe(404);
    const viaB = await b.call('GET', '/v1/account/store-messages', { key: b.publishableKey, headers: { 'x-consumer-token': shopper.token } });
    expect(viaB.status).toBe(200);
    expect(viaB.body.data).toEqual([]);
    const console = await b.signIn();
    expect((await console.call('GET', `/v1/store-threads/${thread_id}`)).status).toBe(404);
  });
});

describe('a store’s figures', () => {
  const hourIn = (at: Date) => Number(new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', hour: '2-digit', hourCycle: 'h23' }).format(at));

  async function sale(m: TestMerchant, location_id: string, price_minor: number): Promise<void> {
    const item = await aStockedItem(m, { price_minor, location_id });
    const placed = await buy(m, [{ variant_id: item.variant_id, quantity: 1 }], { fulfilment: { [m.id]: location_id } });
    expect(placed.status, placed.text).toBe(201);
    await markOrderPaid(db(), m.id, placed.body.orders[0].id as string);
  }

  async function visit(m: TestMerchant, userId: string, location_id: string, at: Date): Promise<void> {
    const res = await m.call('POST', '/v1/track', { key: null, headers: { authorization: `Basic ${Buffer.from(`${m.publishableKey}:`).toString('base64')}` }, body: { userId, event: 'Store Visited', properties: { location_id }, timestamp: at.toISOString() } });
    expect(res.status, res.text).toBe(200);
  }

  it('counts visits, orders, basket, conversion, best sellers and hours of one store, beside the chain’s other stores', async () => {
    const m = await platform.merchant();
    const main = await aStore(m, { latitude: 31.23, longitude: 121.47 });
    const second = await aStore(m, { latitude: 31.2, longitude: 121.4 });
    await sale(m, main, 3_000);
    await sale(m, main, 1_000);
    await sale(m, second, 500);
    const at = new Date(Date.now() - 3_600_000);
    for (const user of ['u1', 'u2', 'u3', 'u4']) await visit(m, `${m.id}-${user}`, main, at);
    await visit(m, `${m.id}-u1`, main, new Date(at.getTime() + 60_000)); // the same visitor, the same hour and day: one
    await visit(m, `${m.id}-u5`, second, at);

    const res = await m.call('GET', `/v1/stores/${main}/figures?days=7&currency=CNY`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.store).toMatchObject({ location_id: main, visits: 4, orders: 2, gross_minor: 4_000, net_minor: 4_000, average_basket_minor: 2_000, conversion: 0.5 });
    expect(res.body.top_products.map((p: { revenue_minor: number }) => p.revenue_minor)).toEqual([3_000, 1_000]);
    expect(res.body.by_hour).toHaveLength(24);
    expect(res.body.by_hour[hourIn(at)].visitors).toBe(4);
    expect(res.body.by_hour[hourIn(new Date())].orders).toBeGreaterThanOrEqual(1);
    expect(res.body.by_hour.reduce((n: number, h: { orders: number }) => n + h.orders, 0)).toBe(2);
    expect(res.body.chain).toEqual([
      expect.objectContaining({ location_id: main, this_store: true, rank: 1, orders: 2, visits: 4 }),
      expect.objectContaining({ location_id: second, this_store: false, rank: 2, orders: 1, visits: 1, conversion: 1, net_minor: 500 }),
    ]);

    for (const days of [6, 91]) {
      const bad = await m.call('GET', `/v1/stores/${main}/figures?days=${days}`);
      expect(bad.status).toBe(400);
    }
  });
});
