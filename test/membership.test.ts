import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import type { EventHandler } from '../src/kernel/events/event.js';
import { membershipModule } from '../src/modules/membership/index.js';
import { aLocation, aStockedItem } from './support/commerce.js';
import { aShopper, consumerCode } from './support/membership.js';
import { markOrderPaid } from './support/orders.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;
let handlers: readonly EventHandler[];
let dispatcher: OutboxDispatcher;

beforeAll(async () => {
  platform = await createTestPlatform();
  handlers = membershipModule.handlers(platform.ctx);
  dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers, logger: silentLogger, poll_ms: 50 });
});
afterAll(async () => platform.close());

const db = () => platform.database.db;
const ladder = [
  { name: 'Silver', min_points: 0, earn_rate: 1, perks: 'Member prices' },
  { name: 'Gold', min_points: 150, earn_rate: 2, perks: 'Double points' },
];

async function setLevels(m: TestMerchant, levels: unknown) {
  return m.call('PUT', '/v1/membership/levels', { body: { levels } });
}

async function membershipViolations(): Promise<string[]> {
  return (await runChecks(db(), membershipModule.checks)).flatMap((r) => r.violations);
}

/** A signed-in shopper's order of one ¥100.00 item, paid; the points handlers run. */
async function paidOrder(m: TestMerchant, token: string, item: { variant_id: string }): Promise<{ id: string; total_minor: number }> {
  const res = await m.call('POST', '/v1/checkouts', { key: m.publishableKey, body: { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity: 1 }] }, headers: { 'x-consumer-token': token } });
  expect(res.status, res.text).toBe(201);
  const order = res.body.orders[0] as { id: string; total_minor: number };
  await markOrderPaid(db(), m.id, order.id);
  await dispatcher.drain();
  return order;
}

const member = async (m: TestMerchant, consumer_id: string) => {
  const res = await m.call('GET', `/v1/members/${consumer_id}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { level: string | null; points: number; next_level: { name: string; points_to_go: number } | null; history: { points: number; reason: string; order_id: string | null }[] };
};

describe('membership levels', () => {
  it('takes a ladder and refuses anything else, writing nothing', async () => {
    const brand = await platform.merchant();
    expect((await brand.call('GET', '/v1/membership/levels')).body).toEqual({ data: [] });
    const ok = await setLevels(brand, ladder);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.data).toEqual(ladder);

    const refusals: [unknown, number, string][] = [
      [[ladder[1], ladder[0]], 422, 'invalid_levels'],
      [[{ ...ladder[0], min_points: 10 }, ladder[1]], 422, 'invalid_levels'],
      [[ladder[0], { ...ladder[1], min_points: 0 }], 422, 'invalid_levels'],
      [[ladder[0], { ...ladder[1], name: 'Silver' }], 422, 'invalid_levels'],
      [[ladder[0], { ...ladder[1], earn_rate: 1.005 }], 422, 'invalid_levels'],
      [[ladder[0], { ...ladder[1], earn_rate: -1 }], 400, 'validation_failed'],
      [[], 400, 'validation_failed'],
    ];
    for (const [levels, status, code] of refusals) {
      const res = await setLevels(brand, levels);
      expect(res.status, JSON.stringify(levels)).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe(code);
    }
    const notIncreasing = await setLevels(brand, [ladder[0], { ...ladder[1], min_points: 0 }]);
    expect(notIncreasing.body.errors).toEqual([expect.objectContaining({ field: 'levels.1.min_points' })]);
    expect((await brand.call('GET', '/v1/membership/levels')).body.data).toEqual(ladder);
  });

  it('moves members to the level their points reach when the ladder changes', async () => {
    const brand = await platform.merchant();
    expect((await setLevels(brand, ladder)).status).toBe(200);
    const item = await aStockedItem(brand, { price_minor: 20_000 });
    const shopper = await aShopper(brand);
    await paidOrder(brand, shopper.token, item);
    expect(await member(brand, shopper.consumer_id)).toMatchObject({ level: 'Gold', points: 200 });
    expect((await setLevels(brand, [ladder[0], { ...ladder[1], min_points: 1_000 }])).status).toBe(200);
    await dispatcher.drain();
    expect(await member(brand, shopper.consumer_id)).toMatchObject({ level: 'Silver', points: 200, next_level: { name: 'Gold', points_to_go: 800 } });
    // Filed on the member's timeline in the brand's data bank.
    const filed = await sql<{ event: string; properties: Record<string, unknown> }>`select event, properties from cdp_event where merchant_id = ${brand.id} and event like 'Member %' order by received_at, event`.execute(db());
    expect(filed.rows.map((r) => [r.event, r.properties.to_level ?? r.properties.joined_via])).toEqual(
      expect.arrayContaining([
        ['Member Joined', 'order'],
        ['Member Level Changed', 'Gold'],
        ['Member Level Changed', 'Silver'],
      ]),
    );
    expect(filed.rows).toHaveLength(3);
    const changes = await sql<{ payload: { to_level: string } }>`select payload from bos_outbox_event where merchant_id = ${brand.id} and type = 'member.level_changed' order by id`.execute(db());
    expect(changes.rows.map((r) => r.payload.to_level)).toEqual(['Gold', 'Silver']);
    expect(await membershipViolations()).toEqual([]);
  });
});

describe('points', () => {
  it('are earned once per paid order at the member’s level, and taken back on refund', async () => {
    const brand = await platform.merchant();
    expect((await setLevels(brand, ladder)).status).toBe(200);
    const item = await aStockedItem(brand, { price_minor: 10_000 });
    const shopper = await aShopper(brand);

    const first = await paidOrder(brand, shopper.token, item);
    expect(first.total_minor).toBe(10_000);
    expect(await member(brand, shopper.consumer_id)).toMatchObject({ level: 'Silver', points: 100 });
    // The event delivered again (at least once delivery): nothing more.
    const events = await sql<{ id: string; type: string; merchant_id: string; payload: unknown; created_at: Date }>`
      select id, type, merchant_id, payload, occurred_at as created_at from bos_outbox_event where merchant_id = ${brand.id} and type = 'order.paid'`.execute(db());
    const earn = handlers.find((h) => h.name === 'membership.earn_points')!;
    for (const e of events.rows) await earn.handle({ id: e.id, type: e.type, merchant_id: e.merchant_id, payload: e.payload, occurred_at: e.created_at }, { db: db(), attempt: 1 });
    expect(await member(brand, shopper.consumer_id)).toMatchObject({ points: 100 });

    const second = await paidOrder(brand, shopper.token, item);
    expect(await member(brand, shopper.consumer_id)).toMatchObject({ level: 'Gold', points: 200 });
    const third = await paidOrder(brand, shopper.token, item);
    expect(await member(brand, shopper.consumer_id)).toMatchObject({ level: 'Gold', points: 400 });

    // A full refund takes back what the order earned (at Gold, 200); a half refund half of it.
    expect((await brand.call('POST', `/v1/orders/${third.id}/refund-request`, { body: {} })).status).toBe(200);
    expect((await brand.call('POST', `/v1/orders/${third.id}/refund-approve`)).body.status).toBe('refunded');
    await dispatcher.drain();
    expect(await member(brand, shopper.consumer_id)).toMatchObject({ level: 'Gold', points: 200 });
    expect((await brand.call('POST', `/v1/orders/${second.id}/refund-request`, { body: { amount_minor: 5_000 } })).status).toBe(200);
    expect((await brand.call('POST', `/v1/orders/${second.id}/refund-approve`)).body.status).toBe('refunded');
    await dispatcher.drain();
    const after = await member(brand, shopper.consumer_id);
    expect(after).toMatchObject({ level: 'Gold', points: 150 });
    expect(after.history.map((h) => [h.reason, h.points, h.order_id])).toEqual([
      ['reversed', -50, second.id],
      ['reversed', -200, third.id],
      ['earned', 200, third.id],
      ['earned', 100, second.id],
      ['earned', 100, first.id],
    ]);
    expect(await membershipViolations()).toEqual([]);

    // The checks see a balance off its journal, and a level its points do not reach.
    await sql`update member set points = points + 1 where merchant_id = ${brand.id}`.execute(db());
    expect(await membershipViolations()).toEqual([expect.stringContaining('151 points, journal 150')]);
    await sql`update member set points = points - 1, level = 'Silver' where merchant_id = ${brand.id}`.execute(db());
    expect(await membershipViolations()).toEqual([expect.stringContaining('level Silver with 150 points, should be Gold')]);
    await sql`update member set level = 'Gold' where merchant_id = ${brand.id}`.execute(db());
  });

  it('are not earned by a guest order, nor at another brand', async () => {
    const brand = await platform.merchant();
    const other = await platform.merchant();
    expect((await setLevels(brand, ladder)).status).toBe(200);
    const item = await aStockedItem(other, { price_minor: 10_000 });
    const shopper = await aShopper(brand);
    await paidOrder(other, shopper.token, item);
    expect((await brand.call('GET', `/v1/members/${shopper.consumer_id}`)).status).toBe(404);
    // At the other brand (no levels) the buyer joined, with no level and no points.
    expect(await member(other, shopper.consumer_id)).toMatchObject({ level: null, points: 0 });
    const guest = await other.call('POST', '/v1/checkouts', { key: other.publishableKey, body: { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity: 1 }], buyer_email: 'guest@example.com' } });
    expect(guest.status, guest.text).toBe(201);
    await markOrderPaid(db(), other.id, guest.body.orders[0].id as string);
    await dispatcher.drain();
    expect((await other.call('GET', '/v1/members?limit=100')).body.data).toHaveLength(1);
  });
});

describe('the consumer’s membership', () => {
  it('shows level, points, next level, the brand’s coupons in the wallet and the history, at any brand by handle', async () => {
    const brand = await platform.merchant();
    expect((await setLevels(brand, ladder)).status).toBe(200);
    const shopper = await aShopper(brand, 'Zhou Lan');
    const before = await brand.call('GET', '/v1/account/membership', { key: brand.publishableKey, headers: { 'x-consumer-token': shopper.token } });
    expect(before.status, before.text).toBe(200);
    expect(before.body).toMatchObject({ merchant_id: brand.id, level: 'Silver', points: 0, next_level: { name: 'Gold', points_to_go: 150 }, history: [], coupons: [] });

    const promo = await brand.call('POST', '/v1/promotions', { body: { currency: 'CNY', kind: 'coupon', name: 'Member 10 off', effect: { type: 'amount_off', amount_minor: 1_000 } } });
    expect(promo.status, promo.text).toBe(201);
    expect((await brand.call('POST', `/v1/promotions/${promo.body.id}/issue`, { body: { consumer_ids: [shopper.consumer_id] } })).body.issued).toBe(1);
    const item = await aStockedItem(brand, { price_minor: 20_000 });
    await paidOrder(brand, shopper.token, item);

    // Asked through another brand's storefront, naming this brand.
    const elsewhere = await platform.merchant();
    const res = await elsewhere.call('GET', `/v1/account/membership?merchant=${brand.handle}`, { key: elsewhere.publishableKey, headers: { 'x-consumer-token': shopper.token } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ merchant_id: brand.id, name: 'Zhou Lan', level: 'Gold', points: 200, next_level: null, levels: ladder });
    expect(res.body.coupons).toEqual([expect.objectContaining({ promotion_id: promo.body.id, name: 'Member 10 off' })]);
    expect(res.body.history).toEqual([expect.objectContaining({ points: 200, reason: 'earned' })]);
    // A store that accepts the member's code sees the same.
    const verified = await brand.call('POST', '/v1/consumer-codes/verify', { body: { code: await consumerCode(brand, shopper.token), location_id: await aLocation(brand, 'store'), device_id: 'till-1', purpose: 'identify' } });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body).toMatchObject({ consumer_id: shopper.consumer_id, level: 'Gold', points: 200, coupons: [expect.objectContaining({ promotion_id: promo.body.id })] });
    const unknown = await brand.call('GET', '/v1/account/membership?merchant=no-such-brand', { key: brand.publishableKey, headers: { 'x-consumer-token': shopper.token } });
    expect(unknown.status).toBe(404);
  });
});
