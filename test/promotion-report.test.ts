import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDay } from '../src/kernel/time-zone.js';
import { applyOrderAction } from '../src/modules/orders/index.js';
import { aStockedItem, buy } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(async () => platform.close());

/** Each test its own brand, so one test's automatic promotions never price another's carts. */
const aBrand = () => platform.merchant(undefined, 'brand');

async function promotion(m: TestMerchant, body: Record<string, unknown>) {
  const res = await m.call('POST', '/v1/promotions', { body: { currency: 'CNY', kind: 'automatic', ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string };
}

/** Wallet coupons as the wallet flows leave them (claimed, pushed by the brand, won at a screen), with what became of each. */
async function walletCoupons(m: TestMerchant, promotion_id: string, coupons: { source: 'claimed' | 'pushed' | 'game'; status: 'available' | 'used' | 'expired' }[]) {
  for (const [i, c] of coupons.entries()) {
    await sql`insert into wallet_coupon (merchant_id, id, promotion_id, consumer_id, source, status) values (${m.id}, ${`wc_${promotion_id}_${i}`}, ${promotion_id}, ${`con_${i}`}, ${c.source}, ${c.status})`.execute(platform.database.db);
  }
}

describe('a promotion’s report', () => {
  it('counts redemptions, money given and given back per day in the merchant’s time zone, the orders behind them, and each wallet source’s redemption rate', async () => {
    const brand = await aBrand();
    expect((await brand.call('PATCH', '/v1/merchant', { body: { time_zone: 'Asia/Shanghai' } })).status).toBe(200);
    const item = await aStockedItem(brand, { price_minor: 10_000, units: 20 });
    const coupon = await promotion(brand, { name: 'Ten off', kind: 'coupon', code: 'TEN-OFF', effect: { type: 'amount_off', amount_minor: 1_000 } });
    const orders = [];
    for (let i = 0; i < 3; i++) {
      const res = await buy(brand, [{ variant_id: item.variant_id, quantity: 1 }], { coupons: { codes: ['ten-off'] } });
      expect(res.status, res.text).toBe(201);
      orders.push(res.body.orders[0] as { id: string; total_minor: number });
    }
    // One buyer walks away: the unpaid order closes and its redemption is given back.
    await applyOrderAction(platform.database.db, brand.id, orders[0]!.id, 'close', { actor: 'buyer' });
    await walletCoupons(brand, coupon.id, [
      { source: 'pushed', status: 'used' },
      { source: 'pushed', status: 'available' },
      { source: 'pushed', status: 'available' },
      { source: 'pushed', status: 'expired' },
      { source: 'game', status: 'used' },
      { source: 'game', status: 'expired' },
    ]);

    const res = await brand.call('GET', `/v1/promotions/${coupon.id}/report`);
    expect(res.status, res.text).toBe(200);
    const today = localDay(new Date(), 'Asia/Shanghai');
    expect(res.body).toMatchObject({ promotion_id: coupon.id, currency: 'CNY', time_zone: 'Asia/Shanghai', to: today });
    expect(res.body.redemptions).toEqual({ total: 3, held: 2, released: 1, by_code: 3, by_wallet: 0, automatic: 0, discount_minor: 3_000, released_minor: 1_000, net_discount_minor: 2_000 });
    expect(res.body.orders).toEqual({ orders: 3, closed: 1, revenue_minor: 27_000, kept_revenue_minor: 18_000, discount_minor: 3_000 });
    // Every day of the default window, the redemptions on the merchant's today.
    expect(res.body.daily).toHaveLength(30);
    expect(res.body.daily.at(-1)).toEqual({ day: today, redemptions: 3, released: 1, discount_minor: 3_000, released_minor: 1_000 });
    expect(res.body.daily.slice(0, -1).every((d: { redemptions: number }) => d.redemptions === 0)).toBe(true);
    expect(res.body.wallet).toEqual([
      { source: 'claimed', issued: 0, available: 0, redeemed: 0, expired: 0, redemption_rate: null },
      { source: 'pushed', issued: 4, available: 2, redeemed: 1, expired: 1, redemption_rate: 0.25 },
      { source: 'game', issued: 2, available: 0, redeemed: 1, expired: 1, redemption_rate: 0.5 },
    ]);

    // A window before today holds nothing; a window that ends before it starts, or runs over a year, is refused.
    const earlier = await brand.call('GET', `/v1/promotions/${coupon.id}/report?from=2026-01-01&to=2026-01-31`);
    expect(earlier.status, earlier.text).toBe(200);
    expect(earlier.body.redemptions.total).toBe(0);
    expect(earlier.body.daily).toHaveLength(31);
    const backwards = await brand.call('GET', `/v1/promotions/${coupon.id}/report?from=2026-02-01&to=2026-01-01`);
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors[0].field).toBe('to');
    expect((await brand.call('GET', `/v1/promotions/${coupon.id}/report?from=2024-01-01&to=2026-01-01`)).status).toBe(400);
    expect((await brand.call('GET', `/v1/promotions/${coupon.id}/report?from=yesterday`)).status).toBe(400);

    // Another merchant learns nothing of it.
    const other = await aBrand();
    expect((await other.call('GET', `/v1/promotions/${coupon.id}/report`)).status).toBe(404);
  });
});

describe('the preview of a cart', () => {
  it('prices a cart as a checkout would, explains what did not apply, and writes nothing', async () => {
    const brand = await aBrand();
    const tea = await aStockedItem(brand, { price_minor: 12_000 });
    const cup = await aStockedItem(brand, { price_minor: 8_000, location_id: tea.location_id });
    const spend = await promotion(brand, { name: 'Spend 200 get 30 off', effect: { type: 'spend_tiers', tiers: [{ min_spend_minor: 20_000, off_minor: 3_000 }] } });
    const big = await promotion(brand, { name: 'Spend 500 get 100 off', effect: { type: 'spend_tiers', tiers: [{ min_spend_minor: 50_000, off_minor: 10_000 }] } });
    const ship = await promotion(brand, { name: 'Free shipping', effect: { type: 'free_shipping' } });
    const res = await brand.call('POST', '/v1/promotions/preview', {
      body: { currency: 'CNY', items: [{ variant_id: tea.variant_id, quantity: 1 }, { variant_id: cup.variant_id, quantity: 1 }], delivery_minor: 1_500 },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ goods_minor: 20_000, delivery_minor: 1_500, delivery_discount_minor: 1_500, discount_minor: 4_500, total_minor: 17_000 });
    expect(res.body.lines.map((l: { list_minor: number; discount_minor: number; total_minor: number }) => [l.list_minor, l.discount_minor, l.total_minor])).toEqual([
      [12_000, 1_800, 10_200],
      [8_000, 1_200, 6_800],
    ]);
    expect(res.body.pricing.applied.map((a: { promotion_id: string }) => a.promotion_id).sort()).toEqual([spend.id, ship.id].sort());
    expect(res.body.pricing.not_applied).toEqual([expect.objectContaining({ promotion_id: big.id, reason: 'below_min_spend' })]);
    for (const p of [spend, big, ship]) expect((await brand.call('GET', `/v1/promotions/${p.id}`)).body.usage).toMatchObject({ redemptions: 0, spent_minor: 0 });

    // A code that does not apply refuses the cart with the reason, as the checkout would.
    await promotion(brand, { name: 'Members', kind: 'coupon', code: 'MEMBERS', conditions: { members_only: true }, effect: { type: 'amount_off', amount_minor: 500 } });
    const members = await brand.call('POST', '/v1/promotions/preview', { body: { currency: 'CNY', items: [{ variant_id: tea.variant_id, quantity: 1 }], codes: ['members'] } });
    expect(members.status).toBe(422);
    expect(members.body.code).toBe('coupon_not_applicable');
    expect(members.body.detail).toMatch(/members_only/);
  });

  it('answers another merchant’s code exactly as an unknown one, and another merchant’s variant as one that does not exist', async () => {
    const brand = await aBrand();
    const other = await aBrand();
    const item = await aStockedItem(brand, { price_minor: 5_000 });
    const theirs = await aStockedItem(other, { price_minor: 5_000 });
    await promotion(other, { name: 'Theirs', kind: 'coupon', code: 'THEIRS-ONLY', effect: { type: 'amount_off', amount_minor: 100 } });
    const preview = (codes: string[]) => brand.call('POST', '/v1/promotions/preview', { body: { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity: 1 }], codes } });
    const foreign = await preview(['THEIRS-ONLY']);
    const unknown = await preview(['NOBODYS-CODE']);
    expect([foreign.status, foreign.body.code]).toEqual([422, 'coupon_not_found']);
    expect([unknown.status, unknown.body.code, unknown.body.title]).toEqual([422, 'coupon_not_found', foreign.body.title]);
    const variant = await brand.call('POST', '/v1/promotions/preview', { body: { currency: 'CNY', items: [{ variant_id: theirs.variant_id, quantity: 1 }] } });
    expect([variant.status, variant.body.code]).toEqual([404, 'not_found']);
    expect(variant.text).not.toContain(theirs.variant_id);
    // One of its own that is not for sale is refused with the reason, by the line.
    const draft = await aStockedItem(brand, { status: 'draft', units: 0 });
    const unsold = await brand.call('POST', '/v1/promotions/preview', { body: { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity: 1 }, { variant_id: draft.variant_id, quantity: 1 }] } });
    expect(unsold.status).toBe(400);
    expect(unsold.body.errors).toEqual([expect.objectContaining({ field: 'items.1.variant_id' })]);
  });
});

describe('promotion settings', () => {
  it('keeps the stacking limit per merchant, within 1 to 20, and the checkout stacks no more than it says', async () => {
    const brand = await aBrand();
    const other = await aBrand();
    const item = await aStockedItem(brand, { price_minor: 10_000 });
    const ten = await promotion(brand, { name: '10% off', priority: 10, effect: { type: 'percent_off', percent: 10 } });
    const five = await promotion(brand, { name: '5 off', priority: 5, effect: { type: 'amount_off', amount_minor: 500 } });
    expect((await brand.call('GET', '/v1/promotions/settings')).body).toEqual({ max_stack: 3, updated_at: null });
    const set = await brand.call('PUT', '/v1/promotions/settings', { body: { max_stack: 1 } });
    expect(set.status, set.text).toBe(200);
    expect(set.body.max_stack).toBe(1);
    expect((await brand.call('GET', '/v1/promotions/settings')).body.max_stack).toBe(1);
    // The route of one promotion still answers its promotion, not the settings.
    expect((await brand.call('GET', `/v1/promotions/${ten.id}`)).body.name).toBe('10% off');
    for (const bad of [0, 21, 2.5]) {
      const res = await brand.call('PUT', '/v1/promotions/settings', { body: { max_stack: bad } });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe('max_stack');
    }
    expect((await brand.call('GET', '/v1/promotions/settings')).body.max_stack).toBe(1);
    expect((await other.call('GET', '/v1/promotions/settings')).body.max_stack).toBe(3);

    const preview = await brand.call('POST', '/v1/promotions/preview', { body: { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity: 1 }] } });
    expect(preview.body.pricing.applied.map((a: { promotion_id: string }) => a.promotion_id)).toEqual([ten.id]);
    expect(preview.body.pricing.not_applied).toEqual([expect.objectContaining({ promotion_id: five.id, reason: 'stack_limit' })]);
  });
});
