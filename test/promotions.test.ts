import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { applyOrderAction } from '../src/modules/orders/index.js';
import { modules } from '../src/platform/modules.js';
import { aStockedItem, buy } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;
let other: TestMerchant;

beforeAll(async () => {
  platform = await createTestPlatform();
  other = await platform.merchant(undefined, 'brand');
});
afterAll(async () => platform.close());

async function allChecksHold(): Promise<void> {
  const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

async function promotion(m: TestMerchant, body: Record<string, unknown>) {
  const res = await m.call('POST', '/v1/promotions', { body: { currency: 'CNY', kind: 'automatic', ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; usage: { redemptions: number; spent_minor: number } };
}

const pause = (m: TestMerchant, id: string) => m.call('PATCH', `/v1/promotions/${id}`, { body: { status: 'paused' } });

/** Each test its own brand, so one test's automatic promotions never price another's checkouts. */
const aBrand = () => platform.merchant(undefined, 'brand');

describe('promotions at checkout', () => {
  it('takes 30 off a spend of 200, allocated to the lines, and explains what did not apply', async () => {
    const brand = await aBrand();
    const tea = await aStockedItem(brand, { price_minor: 12_000 });
    const cup = await aStockedItem(brand, { price_minor: 8_000, location_id: tea.location_id });
    const spend = await promotion(brand, { name: 'Spend 200 get 30 off', effect: { type: 'spend_tiers', tiers: [{ min_spend_minor: 20_000, off_minor: 3_000 }] } });
    const big = await promotion(brand, { name: 'Spend 500 get 100 off', effect: { type: 'spend_tiers', tiers: [{ min_spend_minor: 50_000, off_minor: 10_000 }] } });
    const res = await buy(brand, [{ variant_id: tea.variant_id, quantity: 1 }, { variant_id: cup.variant_id, quantity: 1 }], { expected_total_minor: 17_000 });
    expect(res.status, res.text).toBe(201);
    const order = res.body.orders[0];
    expect(order).toMatchObject({ subtotal_minor: 20_000, discount_minor: 3_000, total_minor: 17_000 });
    // Shared by the lines' amounts: 120/200 and 80/200 of 30.
    expect(order.lines.map((l: { discount_minor: number }) => l.discount_minor)).toEqual([1_800, 1_200]);
    expect(res.body.promotions.applied).toEqual([expect.objectContaining({ promotion_id: spend.id, amount_minor: 3_000, funded_by: 'seller' })]);
    expect(res.body.promotions.not_applied).toEqual([expect.objectContaining({ promotion_id: big.id, reason: 'below_min_spend' })]);
    const after = await brand.call('GET', `/v1/promotions/${spend.id}`);
    expect(after.body.usage).toMatchObject({ redemptions: 1, spent_minor: 3_000 });
    await pause(brand, spend.id);
    await pause(brand, big.id);
    await allChecksHold();
  });

  it('stacks combinable promotions in priority order, and lets an exclusive one win only when it takes more', async () => {
    const brand = await aBrand();
    const item = await aStockedItem(brand, { price_minor: 10_000 });
    const ten = await promotion(brand, { name: '10% off', priority: 10, effect: { type: 'percent_off', percent: 10 } });
    const five = await promotion(brand, { name: '5 off', priority: 5, effect: { type: 'amount_off', amount_minor: 500 } });
    const half = await promotion(brand, { name: 'Half price, alone', stacking: 'exclusive', effect: { type: 'percent_off', percent: 50 }, conditions: { min_quantity: 2 } });
    const one = await buy(brand, [{ variant_id: item.variant_id, quantity: 1 }]);
    expect(one.status, one.text).toBe(201);
    // 10% of 100 = 10, then 5 off the discounted 90: 15 off; the exclusive one needs 2 items.
    expect(one.body.orders[0].discount_minor).toBe(1_500);
    expect(one.body.promotions.applied.map((a: { promotion_id: string }) => a.promotion_id)).toEqual([ten.id, five.id]);
    expect(one.body.promotions.not_applied).toEqual([expect.objectContaining({ promotion_id: half.id, reason: 'below_min_quantity' })]);
    const two = await buy(brand, [{ variant_id: item.variant_id, quantity: 2 }]);
    expect(two.body.orders[0].discount_minor).toBe(10_000);
    expect(two.body.promotions.applied.map((a: { promotion_id: string }) => a.promotion_id)).toEqual([half.id]);
    expect(two.body.promotions.not_applied.map((r: { reason: string }) => r.reason)).toEqual(['exclusive_better', 'exclusive_better']);
    for (const p of [ten, five, half]) await pause(brand, p.id);
    await allChecksHold();
  });

  it('holds a coupon code exactly at its limit, refuses the next buyer with the reason, and gives the use back when an order closes', async () => {
    const brand = await aBrand();
    const item = await aStockedItem(brand, { price_minor: 5_000, units: 50 });
    const coupon = await promotion(brand, { name: 'Two lucky buyers', kind: 'coupon', code: 'lucky-two', max_redemptions: 2, effect: { type: 'amount_off', amount_minor: 1_000 } });
    const attempts = await Promise.all(Array.from({ length: 6 }, () => buy(brand, [{ variant_id: item.variant_id, quantity: 1 }], { coupons: { codes: ['Lucky-Two'] } })));
    const placed = attempts.filter((r) => r.status === 201);
    expect(placed).toHaveLength(2);
    expect(placed.every((r) => r.body.orders[0].total_minor === 4_000)).toBe(true);
    const refused = attempts.filter((r) => r.status !== 201);
    expect(refused.map((r) => [r.status, r.body.code])).toEqual(Array.from({ length: 4 }, () => [409, 'coupon_unavailable']));
    expect(refused[0]!.body.detail).toMatch(/limit_reached/);
    // Close one unpaid order: its redemption comes back, and the next buyer gets it.
    const closed = placed[0]!.body.orders[0];
    await applyOrderAction(platform.database.db, brand.id, closed.id, 'close', { actor: 'buyer' });
    expect((await brand.call('GET', `/v1/promotions/${coupon.id}`)).body.usage).toMatchObject({ redemptions: 1, spent_minor: 1_000 });
    const next = await buy(brand, [{ variant_id: item.variant_id, quantity: 1 }], { coupons: { codes: ['LUCKY-TWO'] } });
    expect(next.status, next.text).toBe(201);
    expect((await brand.call('GET', `/v1/promotions/${coupon.id}`)).body.usage).toMatchObject({ redemptions: 2, redemptions_left: 0 });
    await allChecksHold();
  });

  it('gives the last buyer what is left of a money budget, then refuses', async () => {
    const brand = await aBrand();
    const item = await aStockedItem(brand, { price_minor: 10_000, units: 50 });
    const coupon = await promotion(brand, { name: 'Budget 25', kind: 'coupon', code: 'BUDGET25', budget_minor: 2_500, effect: { type: 'amount_off', amount_minor: 1_000 } });
    const totals: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await buy(brand, [{ variant_id: item.variant_id, quantity: 1 }], { coupons: { codes: ['BUDGET25'] } });
      expect(res.status, res.text).toBe(201);
      totals.push(res.body.orders[0].discount_minor);
    }
    expect(totals).toEqual([1_000, 1_000, 500]);
    const fourth = await buy(brand, [{ variant_id: item.variant_id, quantity: 1 }], { coupons: { codes: ['BUDGET25'] } });
    expect(fourth.status).toBe(409);
    expect(fourth.body.detail).toMatch(/budget_spent/);
    expect((await brand.call('GET', `/v1/promotions/${coupon.id}`)).body.usage).toMatchObject({ spent_minor: 2_500, budget_left_minor: 0 });
    await allChecksHold();
  });

  it('counts what a consumer already redeemed when a per-consumer limit is added later', async () => {
    const brand = await aBrand();
    const item = await aStockedItem(brand, { price_minor: 2_000, units: 20 });
    const promo = await promotion(brand, { name: 'Regulars', effect: { type: 'amount_off', amount_minor: 100 } });
    const asLi = { buyer_email: 'li.na@example.com' };
    for (let i = 0; i < 2; i++) expect((await buy(brand, [{ variant_id: item.variant_id, quantity: 1 }], asLi)).body.orders[0].discount_minor).toBe(100);
    expect((await brand.call('PATCH', `/v1/promotions/${promo.id}`, { body: { per_consumer_limit: 2 } })).status).toBe(200);
    const third = await buy(brand, [{ variant_id: item.variant_id, quantity: 1 }], asLi);
    expect(third.body.orders[0].discount_minor).toBe(0);
    expect(third.body.promotions.not_applied).toEqual([expect.objectContaining({ promotion_id: promo.id, reason: 'per_consumer_limit' })]);
    const other = await buy(brand, [{ variant_id: item.variant_id, quantity: 1 }], { buyer_email: 'wang.fang@example.com' });
    expect(other.body.orders[0].discount_minor).toBe(100);
    await allChecksHold();
  });

  it('answers another merchant’s code exactly as a code that does not exist', async () => {
    const brand = await aBrand();
    const item = await aStockedItem(brand, { price_minor: 3_000 });
    await promotion(other, { name: 'Not yours', kind: 'coupon', code: 'OTHERS-ONLY', effect: { type: 'amount_off', amount_minor: 100 } });
    const theirs = await buy(brand, [{ variant_id: item.variant_id, quantity: 1 }], { coupons: { codes: ['OTHERS-ONLY'] } });
    const none = await buy(brand, [{ variant_id: item.variant_id, quantity: 1 }], { coupons: { codes: ['NO-SUCH-CODE'] } });
    expect([theirs.status, theirs.body.code]).toEqual([422, 'coupon_not_found']);
    expect([none.status, none.body.code]).toEqual([422, 'coupon_not_found']);
    expect(theirs.body.title).toBe(none.body.title);
  });

  it('refuses absurd promotions with a problem per field and writes nothing', async () => {
    const brand = await aBrand();
    const before = (await sql<{ n: number }>`select count(*)::int as n from promotion`.execute(platform.database.db)).rows[0]!.n;
    const cases: Record<string, unknown>[] = [
      { name: 'Over 100', effect: { type: 'percent_off', percent: 120 } },
      { name: 'Negative', effect: { type: 'amount_off', amount_minor: -5 } },
      { name: 'Backwards', effect: { type: 'amount_off', amount_minor: 5 }, starts_at: '2026-12-10T00:00:00Z', ends_at: '2026-12-01T00:00:00Z' },
      { name: 'Code on automatic', code: 'NOPE', effect: { type: 'amount_off', amount_minor: 5 } },
      { name: 'Tiers that fall', effect: { type: 'spend_tiers', tiers: [{ min_spend_minor: 20_000, off_minor: 3_000 }, { min_spend_minor: 10_000, off_minor: 5_000 }] } },
    ];
    for (const body of cases) {
      const res = await brand.call('POST', '/v1/promotions', { body: { currency: 'CNY', kind: 'automatic', ...body } });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    const cross = await other.call('GET', `/v1/promotions/${(await promotion(brand, { name: 'Mine', status: undefined, effect: { type: 'amount_off', amount_minor: 1 } })).id}`);
    expect(cross.status).toBe(404);
    expect((await sql<{ n: number }>`select count(*)::int as n from promotion`.execute(platform.database.db)).rows[0]!.n).toBe(before + 1);
  });
});
