import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markOrderPaid } from './support/orders.js';
import { aStockedItem, buy } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(async () => platform.close());

async function placeOrder(m: TestMerchant, variant_id: string, quantity: number): Promise<string> {
  const res = await buy(m, [{ variant_id, quantity }]);
  expect(res.status, res.text).toBe(201);
  return res.body.orders[0].id as string;
}

async function paidOrder(m: TestMerchant, variant_id: string, quantity: number): Promise<string> {
  const id = await placeOrder(m, variant_id, quantity);
  await markOrderPaid(platform.database.db, m.id, id);
  return id;
}

const setCreatedAt = (order_id: string, sqlExpression: string) => platform.database.pool.query(`update sales_order set created_at = ${sqlExpression} where id = $1`, [order_id]);

describe('the overview', () => {
  it('counts paid orders as sales, shows refunds beside them, and leaves unpaid and closed orders out', async () => {
    const m = await platform.merchant(undefined, 'brand');
    await platform.database.pool.query(`update merchant set default_currency = 'CNY' where id = $1`, [m.id]);
    const tea = await aStockedItem(m, { price_minor: 2_500, units: 50 });
    const cup = await aStockedItem(m, { price_minor: 800, units: 50 });
    await paidOrder(m, tea.variant_id, 2); // 5,000
    await paidOrder(m, cup.variant_id, 1); // 800
    const refunded = await paidOrder(m, tea.variant_id, 1); // 2,500, refunded below
    await placeOrder(m, cup.variant_id, 3); // awaiting payment: not a sale
    const closed = await placeOrder(m, cup.variant_id, 1);
    expect((await m.call('POST', `/v1/orders/${closed}/cancel`)).status).toBe(200);
    expect((await m.call('POST', `/v1/orders/${refunded}/refund-request`, { body: { reason: 'broken' } })).status).toBe(200);
    expect((await m.call('POST', `/v1/orders/${refunded}/refund-approve`)).status).toBe(200);

    const res = await m.call('GET', '/v1/analytics/overview?time_zone=Asia/Shanghai');
    expect(res.status, res.text).toBe(200);
    const o = res.body;
    expect(o.currency).toBe('CNY');
    expect(o.sales.today).toEqual({ orders: 3, gross_minor: 8_300, refunded_minor: 2_500, net_minor: 5_800 });
    expect(o.sales.last_7_days).toEqual(o.sales.today);
    expect(o.sales.daily).toHaveLength(30);
    expect(o.sales.daily.at(-1).gross_minor).toBe(8_300);
    expect(o.orders_by_status).toMatchObject({ paid: 2, refunded: 1, awaiting_payment: 1, closed: 1, shipped: 0 });
    expect(o.top_products.map((p: { product_id: string; units: number; revenue_minor: number }) => [p.product_id, p.units, p.revenue_minor])).toEqual([
      [tea.product_id, 3, 7_500],
      [cup.product_id, 1, 800],
    ]);
  });

  it('puts each sale on its day in the merchant’s time zone, and leaves older sales out of the 30 days', async () => {
    const m = await platform.merchant();
    const item = await aStockedItem(m, { price_minor: 1_000 });
    const early = await paidOrder(m, item.variant_id, 1);
    const old = await paidOrder(m, item.variant_id, 1);
    // One minute past midnight today in Shanghai is still yesterday afternoon in UTC.
    await setCreatedAt(early, `(date_trunc('day', now() at time zone 'Asia/Shanghai') + interval '1 minute') at time zone 'Asia/Shanghai'`);
    await setCreatedAt(old, `now() - interval '40 days'`);
    const shanghai = (await m.call('GET', '/v1/analytics/overview?currency=CNY&time_zone=Asia/Shanghai')).body;
    const utc = (await m.call('GET', '/v1/analytics/overview?currency=CNY&time_zone=UTC')).body;
    const dayOf = (series: { day: string; orders: number }[]) => series.filter((d) => d.orders > 0).map((d) => d.day);
    const shanghaiToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const dayBefore = new Date(Date.parse(`${shanghaiToday}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    expect(dayOf(shanghai.sales.daily)).toEqual([shanghaiToday]);
    expect(dayOf(utc.sales.daily)).toEqual([dayBefore]);
    expect(shanghai.sales.last_30_days.orders).toBe(1);
  });

  it('counts only the asked currency', async () => {
    const m = await platform.merchant();
    const item = await aStockedItem(m, { price_minor: 1_000 });
    await paidOrder(m, item.variant_id, 1);
    const eur = (await m.call('GET', '/v1/analytics/overview?currency=EUR')).body;
    expect(eur.sales.last_30_days.orders).toBe(0);
    expect(eur.top_products).toEqual([]);
    expect((await m.call('GET', '/v1/analytics/overview?currency=CNY')).body.sales.last_30_days.orders).toBe(1);
  });

  it('raises low-stock alerts for stock at or below its threshold, with names, fewest first', async () => {
    const m = await platform.merchant();
    const scarce = await aStockedItem(m, { units: 2 });
    const plenty = await aStockedItem(m, { units: 100 });
    const low = await aStockedItem(m, { units: 5 });
    for (const [item, threshold] of [[scarce, 3], [plenty, 3], [low, 5]] as const) {
      expect((await m.call('PUT', '/v1/stock/thresholds', { body: { variant_id: item.variant_id, location_id: item.location_id, low_stock_threshold: threshold } })).status).toBe(200);
    }
    const o = (await m.call('GET', '/v1/analytics/overview')).body;
    expect(o.low_stock.map((l: { variant_id: string; available: number }) => [l.variant_id, l.available])).toEqual([
      [scarce.variant_id, 2],
      [low.variant_id, 5],
    ]);
    expect(o.low_stock[0].sku).toMatch(/^SKU-/);
    expect(o.low_stock[0].location_name).toMatch(/^Location /);
  });

  it('shows the A-I-P-L funnel and stock only to callers who may read them', async () => {
    const m = await platform.merchant();
    const full = (await m.call('GET', '/v1/analytics/overview')).body;
    expect(full.lifecycle.counts).toEqual({ aware: 0, interested: 0, purchased: 0, loyal: 0 });
    const narrow = await m.call('POST', '/v1/api-keys', { body: { kind: 'secret', scopes: ['orders:read'] } });
    const limited = await m.call('GET', '/v1/analytics/overview', { key: narrow.body.token });
    expect(limited.status).toBe(200);
    expect(limited.body.lifecycle).toBeNull();
    expect(limited.body.low_stock).toBeNull();
  });

  it('rejects an unknown time zone or currency', async () => {
    const m = await platform.merchant();
    const tz = await m.call('GET', '/v1/analytics/overview?time_zone=Mars/Olympus');
    expect(tz.status).toBe(400);
    expect(tz.body.errors[0].field).toBe('time_zone');
    expect((await m.call('GET', '/v1/analytics/overview?currency=XYZ')).status).toBe(400);
  });
});

describe('consumer search', () => {
  it('finds a consumer by email, phone, user ID or part of the name, and never another brand’s', async () => {
    const brand = await platform.merchant();
    const other = await platform.merchant();
    const send = (m: TestMerchant, path: string, body: unknown) =>
      platform.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${m.publishableKey}:`).toString('base64')}` }, body: JSON.stringify(body) });
    expect((await send(brand, '/v1/identify', { userId: 'u-search-1', traits: { name: 'Wang Fang', email: 'Fang.Wang@Example.com', phone: '+86 138 0013 8000' } })).status).toBe(200);
    expect((await send(brand, '/v1/identify', { userId: 'u-search-2', traits: { name: 'Li Lei' } })).status).toBe(200);
    expect((await send(other, '/v1/identify', { userId: 'u-search-3', traits: { name: 'Wang Fang', email: 'fang.wang@example.com' } })).status).toBe(200);

    const find = async (m: TestMerchant, q: string) => (await m.call('GET', `/v1/consumers?q=${encodeURIComponent(q)}`)).body.data.map((p: { traits: { name?: string } }) => p.traits.name);
    expect(await find(brand, 'fang.wang@example.com')).toEqual(['Wang Fang']);
    expect(await find(brand, '+8613800138000')).toEqual(['Wang Fang']);
    expect(await find(brand, 'u-search-2')).toEqual(['Li Lei']);
    expect(await find(brand, 'wang')).toEqual(['Wang Fang']);
    expect(await find(brand, '%')).toEqual([]);
    expect(await find(brand, 'nobody')).toEqual([]);
    expect(await find(other, 'u-search-2')).toEqual([]);
  });
});
