import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../src/platform/modules.js';
import { recordDailyStages, snapshotStages } from '../src/modules/databank/index.js';
import { demoMerchants } from '../src/modules/merchants/seed.js';
import { aStockedItem, buy } from './support/commerce.js';
import { markOrderPaid } from './support/orders.js';
import { createTestPlatform, testConfig, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * A merchant's figures count days in its own time zone: a Shanghai shop's day begins at
 * midnight in Shanghai, for the overview's sales and for A-I-P-L days alike.
 */
let platform: TestPlatform;

beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(async () => platform.close());

async function shanghaiShop(): Promise<TestMerchant> {
  const m = await platform.merchant(undefined, 'retailer');
  const res = await m.call('PATCH', '/v1/merchant', { body: { time_zone: 'asia/shanghai' } });
  expect(res.status, res.text).toBe(200);
  expect(res.body.time_zone).toBe('Asia/Shanghai');
  return m;
}

describe('the merchant’s time zone', () => {
  it('is part of the merchant, set with a valid IANA name only, and audited', async () => {
    const m = await platform.merchant();
    expect((await m.call('GET', '/v1/merchant')).body.time_zone).toBe('UTC');
    for (const bad of ['Mars/Olympus', '+08:00', 'UTC+8', '']) {
      const res = await m.call('PATCH', '/v1/merchant', { body: { time_zone: bad } });
      expect(res.status, bad).toBe(400);
      expect(res.body.errors[0].field).toBe('time_zone');
    }
    expect((await m.call('PATCH', '/v1/merchant', { body: { time_zone: 'Europe/Berlin' } })).body.time_zone).toBe('Europe/Berlin');
    expect((await m.call('GET', '/v1/merchant')).body.time_zone).toBe('Europe/Berlin');
    const audit = await m.call('GET', '/v1/audit-events');
    expect(audit.body.data.find((a: { action: string }) => a.action === 'merchant.update')?.details).toEqual({ time_zone: { from: 'UTC', to: 'Europe/Berlin' } });
    // Staff run the shop but do not change its profile; the console session tells the zone.
    const staff = await m.signIn('staff');
    expect((await staff.call('PATCH', '/v1/merchant', { body: { time_zone: 'UTC' } })).status).toBe(403);
    expect((await staff.call('GET', '/v1/console/session')).body.merchant.time_zone).toBe('Europe/Berlin');
  });

  it('is Asia/Shanghai for the demo merchants, and a new merchant’s default comes from the configuration', () => {
    expect(demoMerchants.every((d) => d.time_zone === 'Asia/Shanghai')).toBe(true);
    const config = testConfig({ OPENBOS_DEFAULT_TIME_ZONE: 'Asia/Tokyo' });
    expect(config.settings.OPENBOS_DEFAULT_TIME_ZONE).toBe('Asia/Tokyo');
    expect(() => testConfig({ OPENBOS_DEFAULT_TIME_ZONE: 'Nowhere/City' })).toThrow(/OPENBOS_DEFAULT_TIME_ZONE/);
    expect(Object.keys(registry.settings)).toContain('OPENBOS_DEFAULT_TIME_ZONE');
  });
});

describe('days in the merchant’s time zone', () => {
  it('counts an order paid at 17:30 UTC on the next day in Shanghai, without being told the zone', async () => {
    const m = await shanghaiShop();
    const item = await aStockedItem(m, { price_minor: 4_465 });
    const placed = await buy(m, [{ variant_id: item.variant_id, quantity: 1 }]);
    const order_id = placed.body.orders[0].id as string;
    await markOrderPaid(platform.database.db, m.id, order_id);
    // 17:30 UTC on the day before today in Shanghai: 01:30 today in Shanghai, yesterday in UTC.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const utcDayBefore = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    await platform.database.pool.query(`update sales_order set created_at = $2 where id = $1`, [order_id, `${utcDayBefore}T17:30:00Z`]);
    const o = (await m.call('GET', '/v1/analytics/overview?currency=CNY')).body;
    expect(o.time_zone).toBe('Asia/Shanghai');
    expect(o.sales.daily.filter((d: { orders: number }) => d.orders > 0).map((d: { day: string }) => d.day)).toEqual([today]);
    expect(o.sales.today).toMatchObject({ orders: 1, gross_minor: 4_465 });
    expect(o.lifecycle.day).toBe(today);
    // Asked in UTC, the same order is on the day before.
    const utc = (await m.call('GET', '/v1/analytics/overview?currency=CNY&time_zone=UTC')).body;
    expect(utc.sales.daily.filter((d: { orders: number }) => d.orders > 0).map((d: { day: string }) => d.day)).toEqual([utcDayBefore]);
  });

  it('puts a purchase at 2026-12-04T17:30Z on the A-I-P-L day 2026-12-05 of a Shanghai brand, and 2026-12-04 of a UTC one', async () => {
    const shanghai = await shanghaiShop();
    const utc = await platform.merchant();
    for (const m of [shanghai, utc]) {
      const sent = await m.call('POST', '/v1/track', {
        key: null,
        headers: { authorization: `Basic ${Buffer.from(`${m.publishableKey}:`).toString('base64')}` },
        body: { userId: 'night-owl', event: 'Order Completed', properties: { revenue: 44.65, currency: 'CNY' }, timestamp: '2026-12-04T17:30:00Z' },
      });
      expect(sent.status, sent.text).toBe(200);
    }
    const purchased = async (m: TestMerchant, day: string) => (await snapshotStages(platform.database.db, m.id, day)).purchased;
    expect(await purchased(shanghai, '2026-12-04')).toBe(0);
    expect(await purchased(shanghai, '2026-12-05')).toBe(1);
    expect(await purchased(utc, '2026-12-04')).toBe(1);
    // Without a day, the lifecycle is today's where the brand is.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    expect((await shanghai.call('GET', '/v1/lifecycle')).body.day).toBe(today);
    await recordDailyStages(platform.database.db);
    const recorded = await platform.database.pool.query<{ day: string }>(`select distinct day::text from cdp_stage_daily where merchant_id = $1 order by 1 desc limit 1`, [shanghai.id]);
    expect(recorded.rows[0]!.day).toBe(today);
  });
});
