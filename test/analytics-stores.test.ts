import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/kernel/checks.js';
import { importTaobao } from '../src/modules/databank/index.js';
import { locationsModule } from '../src/modules/locations/index.js';
import { aStockedItem, buy } from './support/commerce.js';
import { markOrderPaid } from './support/orders.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Stores compared (GET /v1/analytics/stores) and the A-I-P-L flow (GET /v1/analytics/lifecycle):
 * each store's days are its own, the chain's figures are the sum of its stores', and the flow
 * counts each consumer's move between two days once.
 */
let platform: TestPlatform;

beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(async () => platform.close());

const dayIn = (at: Date, time_zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: time_zone }).format(at);
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

async function aStore(m: TestMerchant, code: string, timezone?: string): Promise<string> {
  const res = await m.call('POST', '/v1/locations', {
    body: { kind: 'store', code, name: `Store ${code}`, address: { line1: '1 Road', city: 'X', country: 'CN' }, latitude: 31.2, longitude: 121.4, ...(timezone === undefined ? {} : { timezone }) },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

/** A paid order of `amount_minor` from a store, placed at `at`. */
async function saleAt(m: TestMerchant, location_id: string, amount_minor: number, at: string): Promise<string> {
  const item = await aStockedItem(m, { price_minor: amount_minor, location_id });
  const placed = await buy(m, [{ variant_id: item.variant_id, quantity: 1 }], { fulfilment: { [m.id]: location_id } });
  expect(placed.status, placed.text).toBe(201);
  const order_id = placed.body.orders[0].id as string;
  await markOrderPaid(platform.database.db, m.id, order_id);
  await platform.database.pool.query(`update sales_order set created_at = $2 where id = $1`, [order_id, at]);
  return order_id;
}

async function track(m: TestMerchant, userId: string, event: string, timestamp: string, properties: Record<string, unknown> = {}): Promise<void> {
  const sent = await m.call('POST', '/v1/track', {
    key: null,
    headers: { authorization: `Basic ${Buffer.from(`${m.publishableKey}:`).toString('base64')}` },
    body: { userId, event, properties, timestamp },
  });
  expect(sent.status, sent.text).toBe(200);
}

interface StoreRow {
  location_id: string;
  time_zone: string;
  today: string;
  current: { orders: number; net_minor: number; visits: number | null; conversion_rate: number | null; sales: { currency: string; average_order_minor: number }[] };
  previous: { orders: number };
  change: { orders_pct: number | null };
  share: number | null;
  rank: number;
}

describe('a store’s time zone', () => {
  it('is the merchant’s unless given, is validated and stored as its IANA name, and can be changed', async () => {
    const m = await platform.merchant(undefined, 'retailer');
    expect((await m.call('PATCH', '/v1/merchant', { body: { time_zone: 'Europe/Berlin' } })).status).toBe(200);
    const plain = await aStore(m, 'PLAIN');
    expect((await m.call('GET', `/v1/locations/${plain}`)).body.timezone).toBe('Europe/Berlin');
    const bad = await m.call('POST', '/v1/locations', { body: { kind: 'store', code: 'BAD', name: 'Bad', address: { line1: '1', city: 'X', country: 'CN' }, latitude: 1, longitude: 1, timezone: '+08:00' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('timezone');
    expect((await m.call('GET', '/v1/locations?kind=store')).body.data).toHaveLength(1);
    const changed = await m.call('PATCH', `/v1/locations/${plain}`, { body: { timezone: 'asia/shanghai' } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.timezone).toBe('Asia/Shanghai');
    expect((await m.call('PATCH', `/v1/locations/${plain}`, { body: { timezone: 'Mars/Olympus' } })).status).toBe(400);
    expect((await m.call('GET', `/v1/locations/${plain}`)).body.timezone).toBe('Asia/Shanghai');
  });
});

describe('a store’s time zone, kept honest', () => {
  it('is named by `bos check` when a stored one is no IANA name, and the report counts that store on the merchant’s days meanwhile', async () => {
    const m = await platform.merchant(undefined, 'retailer');
    const store = await aStore(m, 'OFFSET');
    const mine = async () => (await runChecks(platform.database.db, locationsModule.checks ?? [])).flatMap((r) => r.violations).filter((v) => v.includes(store));
    expect(await mine()).toEqual([]);
    await platform.database.pool.query(`update location set timezone = '+08:00' where id = $1`, [store]);
    try {
      expect(await mine()).toHaveLength(1);
      const row = (await m.call('GET', '/v1/analytics/stores')).body.stores.find((s: StoreRow) => s.location_id === store) as StoreRow;
      expect(row.time_zone).toBe('UTC');
    } finally {
      await platform.database.pool.query(`update location set timezone = 'UTC' where id = $1`, [store]);
    }
  });
});

describe('stores compared', () => {
  it('counts a sale at 23:30 in Los Angeles on that store’s day, though it is the next day in UTC', async () => {
    const m = await platform.merchant(undefined, 'retailer'); // the merchant's days are UTC's
    const la = await aStore(m, 'LA', 'America/Los_Angeles');
    const sh = await aStore(m, 'SH', 'Asia/Shanghai');
    const day = dayIn(new Date(Date.now() - 2 * 86_400_000), 'America/Los_Angeles');
    // December: Los Angeles is at -08:00, so 23:30 there is 07:30 UTC on the next day.
    await saleAt(m, la, 5_000, `${day}T23:30:00-08:00`);
    await saleAt(m, sh, 3_000, `${day}T23:30:00+08:00`);
    const r = (await m.call('GET', `/v1/analytics/stores?from=${day}&to=${day}&currency=CNY`)).body;
    const row = (id: string) => r.stores.find((s: StoreRow) => s.location_id === id) as StoreRow;
    expect(row(la)).toMatchObject({ time_zone: 'America/Los_Angeles', current: { orders: 1, net_minor: 5_000 } });
    expect(row(sh)).toMatchObject({ time_zone: 'Asia/Shanghai', current: { orders: 1, net_minor: 3_000 } });
    // The merchant's own storefront, counted in UTC days, sold on that day only in Shanghai.
    const own = (q: string) => m.call('GET', `/v1/analytics/stores?${q}`).then((res) => res.body.channels.find((c: { own: boolean }) => c.own).current.orders as number);
    expect(await own(`from=${day}&to=${day}`)).toBe(1);
    expect(await own(`from=${addDays(day, 1)}&to=${addDays(day, 1)}`)).toBe(1);
    expect((await m.call('GET', `/v1/analytics/stores?from=${addDays(day, 1)}&to=${addDays(day, 1)}`)).body.stores.find((s: StoreRow) => s.location_id === la).current.orders).toBe(0);
    // "Today" is each store's own.
    const today = (await m.call('GET', '/v1/analytics/stores')).body;
    expect(today.stores.find((s: StoreRow) => s.location_id === la).today).toBe(dayIn(new Date(), 'America/Los_Angeles'));
    expect(today.stores.find((s: StoreRow) => s.location_id === sh).today).toBe(dayIn(new Date(), 'Asia/Shanghai'));
  });

  it('adds the stores up to the chain’s total, ranks them by sales with shares summing to one, and compares with the period before', async () => {
    const m = await platform.merchant(undefined, 'retailer');
    const [a, b, c] = [await aStore(m, 'A'), await aStore(m, 'B'), await aStore(m, 'C')];
    const day = dayIn(new Date(Date.now() - 3 * 86_400_000), 'UTC');
    await saleAt(m, a, 1_000, `${day}T10:00:00Z`);
    await saleAt(m, a, 2_000, `${day}T11:00:00Z`);
    await saleAt(m, b, 6_000, `${day}T12:00:00Z`);
    await saleAt(m, b, 4_000, `${addDays(day, -1)}T12:00:00Z`); // the period before
    // Two visitors at A, one of them twice that day: two visits.
    await track(m, 'v1', 'Store Visited', `${day}T09:00:00Z`, { location_id: a });
    await track(m, 'v1', 'Store Visited', `${day}T15:00:00Z`, { location_id: a });
    await track(m, 'v2', 'Store Visited', `${day}T09:30:00Z`, { location_id: a });
    const r = (await m.call('GET', `/v1/analytics/stores?from=${day}&to=${day}&currency=CNY`)).body;
    const rows = r.stores as StoreRow[];
    const row = (id: string) => rows.find((s) => s.location_id === id)!;
    expect(rows.reduce((n, s) => n + s.current.orders, 0)).toBe(r.total.current.orders);
    expect(rows.reduce((n, s) => n + s.current.net_minor, 0)).toBe(r.total.current.net_minor);
    expect(r.total.current).toMatchObject({ orders: 3, net_minor: 9_000 });
    expect([row(b).rank, row(a).rank, row(c).rank]).toEqual([1, 2, 3]);
    expect(row(b).share).toBeCloseTo(6_000 / 9_000, 5);
    expect(rows.reduce((n, s) => n + (s.share ?? 0), 0)).toBeCloseTo(1, 5);
    expect(row(a).current).toMatchObject({ visits: 2, conversion_rate: 1 });
    expect(row(a).current.sales[0]).toMatchObject({ currency: 'CNY', average_order_minor: 1_500 });
    expect(row(c).current).toMatchObject({ orders: 0, visits: 0, conversion_rate: null });
    // The own storefront's orders were won online or in a store: its visits are all of them.
    expect(r.channels.find((ch: { own: boolean }) => ch.own).current).toMatchObject({ orders: 3, visits: 2 });
    expect(r.total.current.visits).toBe(2);
    expect(row(b).previous.orders).toBe(1);
    expect(row(b).change.orders_pct).toBe(0);
    expect(row(a).change.orders_pct).toBeNull();
  });

  it('refuses half a period or one that runs backwards, and gives visits only to a key that may read consumers', async () => {
    const m = await platform.merchant(undefined, 'retailer');
    for (const q of ['from=2026-12-01', 'from=2026-12-05&to=2026-12-01', 'from=2026-02-30&to=2026-03-01', 'period=90d']) {
      const res = await m.call('GET', `/v1/analytics/stores?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.code, q).toBe('validation_failed');
    }
    const key = await m.call('POST', '/v1/api-keys', { body: { kind: 'secret', scopes: ['orders:read'] } });
    expect(key.status, key.text).toBe(201);
    const r = await m.call('GET', '/v1/analytics/stores', { key: key.body.token });
    expect(r.status, r.text).toBe(200);
    expect(r.body.total.current.visits).toBeNull();
    expect((await m.call('GET', '/v1/analytics/lifecycle', { key: key.body.token })).status).toBe(403);
  });
});

describe('A-I-P-L over the whole history, with its flow', () => {
  it('counts each consumer’s move between the day before the period and its last day once', async () => {
    const m = await platform.merchant(); // UTC
    const d = dayIn(new Date(Date.now() - 86_400_000), 'UTC'); // yesterday: the period is d-1 .. d
    const at = (n: number, time = '12:00:00') => `${addDays(d, n)}T${time}Z`;
    await track(m, 'c1', 'Product Viewed', at(-3)); // interested …
    await track(m, 'c1', 'Order Completed', at(-1), { revenue: 10, currency: 'CNY' }); // … then bought: I → P
    await track(m, 'c2', 'Ad Impression', at(-1)); // new: none → A
    await track(m, 'c3', 'Order Completed', at(-1), { revenue: 10, currency: 'CNY' });
    await track(m, 'c3', 'Order Completed', at(0), { revenue: 10, currency: 'CNY' }); // new: none → L
    await track(m, 'c4', 'Product Viewed', at(-31)); // interested 29.5 days before the period's eve, 31.5 at its end: lost
    await track(m, 'c5', 'Ad Impression', at(-3));
    await track(m, 'c5', 'Product Viewed', at(0)); // A → I
    const res = await m.call('GET', `/v1/analytics/lifecycle?from=${addDays(d, -1)}&to=${d}`);
    expect(res.status, res.text).toBe(200);
    const r = res.body;
    expect(r.flow).toMatchObject({ from_day: addDays(d, -2), to_day: d, entered: 2, lost: 1, fell_back: 0, moved_on: { aware: 1, interested: 1, purchased: 0, loyal: 0 } });
    expect(r.flow.transitions).toEqual(
      expect.arrayContaining([
        { from: 'interested', to: 'purchased', consumers: 1 },
        { from: 'aware', to: 'interested', consumers: 1 },
        { from: 'interested', to: 'none', consumers: 1 },
        { from: 'none', to: 'aware', consumers: 1 },
        { from: 'none', to: 'loyal', consumers: 1 },
      ]),
    );
    expect(r.flow.transitions.reduce((n: number, t: { consumers: number }) => n + t.consumers, 0)).toBe(5);
    // Over the whole history c4 got to interested and stays counted there.
    expect(r.whole_history).toEqual({ aware: 1, interested: 2, purchased: 1, loyal: 1 });
    expect(r.today).toEqual({ aware: 1, interested: 1, purchased: 1, loyal: 1 });
  });

  it('shows an imported history at once, in the whole-history counts and in today’s record the overview reads', async () => {
    const m = await platform.merchant();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'openbos-aipl-'));
    try {
      // user,item,category,behaviour,unix seconds: a 2017 history, as Taobao's sample is.
      const ts = 1_511_700_000;
      const rows = ['1,10,100,pv', '2,10,100,pv', '2,10,100,buy', '3,11,100,buy', '3,12,100,buy', '4,10,100,fav'].map((r, i) => `${r},${ts + i * 60}`);
      const file = path.join(dir, 'history.csv');
      await writeFile(file, `${rows.join('\n')}\n`);
      await importTaobao(platform.database.db, m.id, file, { currency: 'CNY' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const r = (await m.call('GET', '/v1/analytics/lifecycle?period=30d')).body;
    expect(r.whole_history).toEqual({ aware: 0, interested: 2, purchased: 1, loyal: 1 });
    // Years ago: nobody is active today, and nothing moved in the last 30 days.
    expect(r.today).toEqual({ aware: 0, interested: 0, purchased: 0, loyal: 0 });
    expect(r.flow.transitions).toEqual([]);
    const today = dayIn(new Date(), 'UTC');
    const recorded = await platform.database.pool.query<{ n: number }>(`select count(*)::int as n from cdp_stage_daily where merchant_id = $1 and day = $2::date`, [m.id, today]);
    expect(recorded.rows[0]!.n).toBe(0);
    const days = await platform.database.pool.query<{ day: string }>(`select distinct day::text as day from cdp_stage_daily where merchant_id = $1`, [m.id]);
    expect(days.rows.map((x) => x.day)).toContain('2017-11-26');
  });
});
