import { sql } from 'kysely';
import { setPromotionFunding } from '../src/modules/promotions/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { recordDailyStages } from '../src/modules/databank/index.js';
import { modules } from '../src/platform/modules.js';
import { aLocation, aStockedItem, buy } from './support/commerce.js';
import { markOrderPaid } from './support/orders.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Promotions through the HTTP API on real PostgreSQL, where they meet the rest of the platform:
 * signed-in consumers (members, first orders), the data bank's lifecycle stages, marketplace
 * carts, chosen deliveries (free shipping, split parcels), refunds, the total the buyer saw, and
 * the storefront's price quote. Each test has its own merchants, and ends with every invariant.
 */
let platform: TestPlatform;

beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(async () => platform.close());

async function allChecksHold(): Promise<void> {
  const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

async function promotion(m: TestMerchant, body: Record<string, unknown>) {
  const res = await m.call('POST', '/v1/promotions', { body: { currency: 'CNY', kind: 'automatic', ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string };
}

const usage = async (m: TestMerchant, id: string) => (await m.call('GET', `/v1/promotions/${id}`)).body.usage as { redemptions: number; spent_minor: number };
const unique = (tag: string) => `${tag}-${Math.random().toString(36).slice(2, 10)}`;
type Applied = { promotion_id: string; amount_minor: number };
type Refused = { promotion_id: string; reason: string };
const appliedOf = (body: { promotions: { applied: Applied[] } }) => body.promotions.applied.map((a) => [a.promotion_id, a.amount_minor]);
const reasonOf = (body: { promotions: { not_applied: Refused[] } }, id: string) => body.promotions.not_applied.find((r) => r.promotion_id === id)?.reason;

async function signUp(shop: TestMerchant): Promise<{ email: string; token: string; id: string }> {
  const email = `${unique('buyer')}@example.com`;
  const res = await shop.call('POST', '/v1/account', { key: shop.publishableKey, body: { email, name: 'Mei Buyer', password: 'a long password 1' } });
  expect(res.status, res.text).toBe(201);
  return { email, token: res.body.token as string, id: res.body.account.id as string };
}

const peoplesSquare = { latitude: 31.2336, longitude: 121.4726 };
const xujiahui = { latitude: 31.1955, longitude: 121.4377 };
const pudong = { latitude: 31.2035, longitude: 121.5906 };
const buyerNearPeoplesSquare = { latitude: 31.2304, longitude: 121.4737 };
const beijing = { latitude: 39.9, longitude: 116.4 };
const recipient = { name: 'Wang Xiaoming', phone: '+86 138 0013 8000' };
const address = (at: { latitude: number; longitude: number }) => ({ line1: '88 Nanjing Road East', city: 'Shanghai', country: 'CN', ...at });
type Option = { kind: string; location_id?: string; price_minor: number; shipments?: { location_id: string; price_minor: number }[] };

/** A retailer with two stores open all day and a warehouse, for deliveries. */
async function aChain(): Promise<{ chain: TestMerchant; stores: { peoples: string; xujiahui: string; warehouse: string } }> {
  const chain = await platform.merchant(undefined, 'retailer');
  const stores = { peoples: await aLocation(chain, 'store', peoplesSquare), xujiahui: await aLocation(chain, 'store', xujiahui), warehouse: await aLocation(chain, 'warehouse', pudong) };
  const allDay = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [{ opens: '00:00', closes: '00:00' }]]));
  for (const id of [stores.peoples, stores.xujiahui]) expect((await chain.call('PATCH', `/v1/locations/${id}`, { body: { opening_hours: allDay } })).status).toBe(200);
  return { chain, stores };
}

async function optionsFor(chain: TestMerchant, items: { variant_id: string; quantity: number }[], destination: { latitude: number; longitude: number }): Promise<Option[]> {
  const res = await chain.call('POST', '/v1/delivery-options', { key: chain.publishableKey, body: { items, destination } });
  expect(res.status, res.text).toBe(200);
  return res.body.sellers[0].options as Option[];
}

describe('who buys', () => {
  it('gives members-only and first-order promotions to a signed-in consumer, the first order once', async () => {
    const shop = await platform.merchant(undefined, 'brand');
    const item = await aStockedItem(shop, { price_minor: 10_000, units: 10 });
    const members = await promotion(shop, { name: 'Members 10% off', effect: { type: 'percent_off', percent: 10 }, conditions: { members_only: true } });
    const welcome = await promotion(shop, { name: 'Welcome 20 off', effect: { type: 'amount_off', amount_minor: 2_000 }, conditions: { first_order: true } });
    const items = [{ variant_id: item.variant_id, quantity: 1 }];

    const guest = await buy(shop, items);
    expect(guest.status, guest.text).toBe(201);
    expect(guest.body.promotions.applied).toEqual([]);
    expect(reasonOf(guest.body, members.id)).toBe('members_only');
    expect(reasonOf(guest.body, welcome.id)).toBe('sign_in_required');

    const me = await signUp(shop);
    const asMember = () => shop.call('POST', '/v1/checkouts', { key: shop.publishableKey, headers: { 'x-consumer-token': me.token }, body: { currency: 'CNY', items } });
    const first = await asMember();
    expect(first.status, first.text).toBe(201);
    // 10% of 100 = 10, then 20 off the rest: 30 off.
    expect(appliedOf(first.body)).toEqual([[members.id, 1_000], [welcome.id, 2_000]]);
    expect(first.body.orders[0]).toMatchObject({ discount_minor: 3_000, total_minor: 7_000 });

    const second = await asMember();
    expect(appliedOf(second.body)).toEqual([[members.id, 1_000]]);
    expect(reasonOf(second.body, welcome.id)).toBe('first_order_only');
    expect(await usage(shop, welcome.id)).toMatchObject({ redemptions: 1, spent_minor: 2_000 });
    await allChecksHold();
  });

  it('gives a lifecycle-stage promotion to a buyer at that stage in the brand’s data bank, and no other', async () => {
    const brand = await platform.merchant(undefined, 'brand');
    const item = await aStockedItem(brand, { price_minor: 5_000, units: 10 });
    const email = `${unique('stage')}@example.com`;
    const userId = unique('user');
    expect((await brand.call('POST', '/v1/identify', { key: brand.publishableKey, body: { userId, traits: { email } } })).status).toBeLessThan(300);
    expect((await brand.call('POST', '/v1/track', { key: brand.publishableKey, body: { userId, event: 'Product Viewed' } })).status).toBeLessThan(300);
    await recordDailyStages(platform.database.db);
    const stage = await sql<{ stage: string }>`select s.stage from cdp_stage_daily s join cdp_identity i on i.merchant_id = s.merchant_id and i.profile_id = s.profile_id where s.merchant_id = ${brand.id} and i.type = 'email' order by s.day desc limit 1`.execute(platform.database.db);
    expect(stage.rows[0]?.stage).toBe('interested');
    const nudge = await promotion(brand, { name: 'Interested: 15 off', effect: { type: 'amount_off', amount_minor: 1_500 }, conditions: { stages: ['interested'] } });

    const known = await buy(brand, [{ variant_id: item.variant_id, quantity: 1 }], { buyer_email: email.toUpperCase() });
    expect(known.status, known.text).toBe(201);
    expect(appliedOf(known.body)).toEqual([[nudge.id, 1_500]]);
    const stranger = await buy(brand, [{ variant_id: item.variant_id, quantity: 1 }], { buyer_email: `${unique('nobody')}@example.com` });
    expect(reasonOf(stranger.body, nudge.id)).toBe('wrong_stage');
    expect(stranger.body.orders[0].discount_minor).toBe(0);
    await allChecksHold();
  });
});

describe('marketplace carts', () => {
  it('a storefront’s promotion scoped to one seller discounts only that seller’s order; each seller’s own stays on its lines', async () => {
    const mall = await platform.merchant(undefined, 'brand');
    const sellerA = await platform.merchant(undefined, 'brand');
    const sellerB = await platform.merchant(undefined, 'brand');
    const a = await aStockedItem(sellerA, { price_minor: 10_000 });
    const b = await aStockedItem(sellerB, { price_minor: 20_000 });
    const mallOnB = await promotion(mall, { name: 'Mall: 10% off seller B', effect: { type: 'percent_off', percent: 10 }, scope: { seller_ids: [sellerB.id] }, budget_minor: 1_000_000 });
    // Only the operator makes the platform fund a promotion (test/promotion-funding.test.ts has its route).
    expect((await setPromotionFunding(platform.database.db, mall.id, mallOnB.id, 'platform'))?.funded_by).toBe('platform');
    const aOwn = await promotion(sellerA, { name: 'A: 5 off', effect: { type: 'amount_off', amount_minor: 500 } });

    const res = await buy(mall, [{ variant_id: a.variant_id, quantity: 1 }, { variant_id: b.variant_id, quantity: 1 }], { expected_total_minor: 30_000 - 2_000 - 500 });
    expect(res.status, res.text).toBe(201);
    const orderOf = (m: TestMerchant) => res.body.orders.find((o: { merchant_id: string }) => o.merchant_id === m.id);
    expect(orderOf(sellerA)).toMatchObject({ discount_minor: 500, total_minor: 9_500 });
    expect(orderOf(sellerB)).toMatchObject({ discount_minor: 2_000, total_minor: 18_000 });
    const rows = await sql<{ merchant_id: string; promotion_merchant_id: string; amount_minor: string; funded_by: string }>`
      select merchant_id, promotion_merchant_id, amount_minor::text, funded_by from order_discount where order_id = any(${res.body.orders.map((o: { id: string }) => o.id)}::text[]) order by merchant_id`.execute(platform.database.db);
    expect(rows.rows.map((r) => [r.merchant_id, r.promotion_merchant_id, Number(r.amount_minor), r.funded_by]).sort()).toEqual([
      [sellerA.id, sellerA.id, 500, 'seller'],
      [sellerB.id, mall.id, 2_000, 'platform'],
    ].sort());
    // Seller A's promotion never reaches seller B's lines, even bought alone through the mall.
    const bAlone = await buy(mall, [{ variant_id: b.variant_id, quantity: 1 }]);
    expect(appliedOf(bAlone.body)).toEqual([[mallOnB.id, 2_000]]);
    expect(reasonOf(bAlone.body, aOwn.id)).toBeUndefined();
    await allChecksHold();
  });
});

describe('deliveries', () => {
  it('waives the chosen delivery with free shipping; the quote’s total is the checkout’s, and a wrong total writes nothing', async () => {
    const { chain, stores } = await aChain();
    const item = await aStockedItem(chain, { location_id: stores.peoples, units: 10, price_minor: 2_500 });
    const free = await promotion(chain, { name: 'Free delivery over 40', effect: { type: 'free_shipping' }, conditions: { min_spend_minor: 4_000 } });
    const items = [{ variant_id: item.variant_id, quantity: 2 }];
    const express = (await optionsFor(chain, items, buyerNearPeoplesSquare)).find((o) => o.kind === 'express')!;
    expect(express.price_minor).toBeGreaterThan(0);
    const delivery = { recipient, address: address(buyerNearPeoplesSquare), option: { kind: 'express', location_id: stores.peoples, expected_price_minor: express.price_minor } };

    const quoted = await chain.call('POST', '/v1/checkout-quotes', { key: chain.publishableKey, body: { currency: 'CNY', items, delivery } });
    expect(quoted.status, quoted.text).toBe(200);
    expect(quoted.body).toMatchObject({ goods_minor: 5_000, delivery_minor: express.price_minor, discount_minor: express.price_minor, total_minor: 5_000 });
    expect(quoted.body.deliveries).toEqual([{ merchant_id: chain.id, price_minor: express.price_minor, discount_minor: express.price_minor }]);
    expect(quoted.body.lines).toEqual([expect.objectContaining({ variant_id: item.variant_id, total_minor: 5_000, discount_minor: 0 })]);
    expect(appliedOf(quoted.body)).toEqual([[free.id, express.price_minor]]);
    // The quote wrote nothing: no order, no redemption, no reservation.
    expect(await usage(chain, free.id)).toMatchObject({ redemptions: 0, spent_minor: 0 });
    expect((await chain.call('GET', '/v1/orders')).body.data).toHaveLength(0);

    const wrong = await buy(chain, items, { delivery, expected_total_minor: 5_000 + express.price_minor });
    expect([wrong.status, wrong.body.code]).toEqual([422, 'price_changed']);
    expect((await chain.call('GET', '/v1/orders')).body.data).toHaveLength(0);
    expect(await usage(chain, free.id)).toMatchObject({ redemptions: 0, spent_minor: 0 });

    const placed = await buy(chain, items, { delivery, expected_total_minor: quoted.body.total_minor });
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body.orders[0]).toMatchObject({ subtotal_minor: 5_000, delivery_minor: express.price_minor, discount_minor: express.price_minor, total_minor: 5_000 });
    const shares = await sql<{ line_no: number; amount_minor: string }>`select line_no, amount_minor::text from order_discount where order_id = ${placed.body.orders[0].id as string}`.execute(platform.database.db);
    expect(shares.rows.map((r) => [r.line_no, Number(r.amount_minor)])).toEqual([[0, express.price_minor]]);
    expect(await usage(chain, free.id)).toMatchObject({ redemptions: 1, spent_minor: express.price_minor });
    await allChecksHold();
  });

  it('shares stacked discounts of a line split over two parcels exactly, never more than a parcel’s goods', async () => {
    const { chain, stores } = await aChain();
    // 1.01 a unit: two 50% promotions on the original amount take all of it, 1.01 each.
    const a = await aStockedItem(chain, { location_id: stores.warehouse, units: 1, price_minor: 101 });
    expect((await chain.call('POST', '/v1/stock/receipts', { body: { variant_id: a.variant_id, location_id: stores.xujiahui, quantity: 1 } })).status).toBe(201);
    const half = await promotion(chain, { name: 'Half', priority: 2, applies_to: 'original', effect: { type: 'percent_off', percent: 50 } });
    const otherHalf = await promotion(chain, { name: 'Other half', priority: 1, applies_to: 'original', effect: { type: 'percent_off', percent: 50 } });
    const items = [{ variant_id: a.variant_id, quantity: 2 }];
    const standard = (await optionsFor(chain, items, beijing)).find((o) => o.kind === 'standard')!;
    expect(standard.shipments).toHaveLength(2);
    const delivery = { recipient, address: { line1: '1 Chang’an Ave', city: 'Beijing', country: 'CN', ...beijing }, option: { kind: 'standard', expected_price_minor: standard.price_minor } };

    const placed = await buy(chain, items, { delivery, expected_total_minor: standard.price_minor });
    expect(placed.status, placed.text).toBe(201);
    expect(appliedOf(placed.body)).toEqual([[half.id, 101], [otherHalf.id, 101]]);
    expect(placed.body.orders).toHaveLength(2);
    for (const o of placed.body.orders) expect(o).toMatchObject({ subtotal_minor: 101, discount_minor: 101, total_minor: o.delivery_minor });
    const shares = await sql<{ promotion_id: string; total: string }>`select promotion_id, sum(amount_minor)::text as total from order_discount where order_id = any(${placed.body.orders.map((o: { id: string }) => o.id)}::text[]) group by promotion_id`.execute(platform.database.db);
    expect(new Map(shares.rows.map((r) => [r.promotion_id, Number(r.total)]))).toEqual(new Map([[half.id, 101], [otherHalf.id, 101]]));
    await allChecksHold();
  });
});

describe('refunds', () => {
  for (const gives of [true, false]) {
    it(`a refunded order ${gives ? 'gives its redemption back' : 'keeps its redemption'} when refund_returns_redemption is ${String(gives)}`, async () => {
      const shop = await platform.merchant(undefined, 'brand');
      const item = await aStockedItem(shop, { price_minor: 10_000 });
      const p = await promotion(shop, { name: 'Once, 20 off', max_redemptions: 1, budget_minor: 5_000, refund_returns_redemption: gives, effect: { type: 'amount_off', amount_minor: 2_000 } });
      const placed = await buy(shop, [{ variant_id: item.variant_id, quantity: 1 }]);
      expect(placed.status, placed.text).toBe(201);
      const order = placed.body.orders[0] as { id: string; total_minor: number };
      expect(order.total_minor).toBe(8_000);
      await markOrderPaid(platform.database.db, shop.id, order.id);
      expect((await shop.call('POST', `/v1/orders/${order.id}/refund-request`, { body: { amount_minor: 8_000 } })).status).toBe(200);
      const approved = await shop.call('POST', `/v1/orders/${order.id}/refund-approve`);
      expect(approved.body.status, approved.text).toBe('refunded');
      expect(await usage(shop, p.id)).toMatchObject(gives ? { redemptions: 0, spent_minor: 0 } : { redemptions: 1, spent_minor: 2_000 });
      const next = await buy(shop, [{ variant_id: item.variant_id, quantity: 1 }]);
      expect(next.status, next.text).toBe(201);
      if (gives) expect(appliedOf(next.body)).toEqual([[p.id, 2_000]]);
      else expect(reasonOf(next.body, p.id)).toBe('limit_reached');
      await allChecksHold();
    });
  }
});

describe('the storefront’s price quote', () => {
  it('quotes a cart with its coupon exactly as its checkout charges, writing nothing, and refuses what the checkout would', async () => {
    const shop = await platform.merchant(undefined, 'brand');
    const tea = await aStockedItem(shop, { price_minor: 3_300, units: 5 });
    const cup = await aStockedItem(shop, { price_minor: 1_700, location_id: tea.location_id, units: 5 });
    const tiers = await promotion(shop, { name: 'Spend 80 get 12 off', effect: { type: 'spend_tiers', tiers: [{ min_spend_minor: 8_000, off_minor: 1_200 }] } });
    const coupon = await promotion(shop, { name: 'Coupon 7%', kind: 'coupon', code: 'TEA7', effect: { type: 'percent_off', percent: 7 } });
    const cart = await shop.call('POST', '/v1/carts', { key: shop.publishableKey, body: { currency: 'CNY' } });
    const headers = { 'x-cart-token': cart.body.token as string };
    for (const [variant_id, quantity] of [[tea.variant_id, 2], [cup.variant_id, 1]] as const) {
      expect((await shop.call('POST', `/v1/carts/${cart.body.id as string}/items`, { key: shop.publishableKey, headers, body: { variant_id, quantity } })).status).toBe(200);
    }

    const body = { cart_id: cart.body.id as string, coupons: { codes: ['tea7'] } };
    const quoted = await shop.call('POST', '/v1/checkout-quotes', { key: shop.publishableKey, headers, body });
    expect(quoted.status, quoted.text).toBe(200);
    // 83 of goods: 12 off (tier), then 7% of the 71 left = 4.97: 16.97 off.
    expect(quoted.body).toMatchObject({ goods_minor: 8_300, delivery_minor: 0, discount_minor: 1_697, total_minor: 6_603 });
    expect(quoted.body.lines.reduce((s: number, l: { discount_minor: number }) => s + l.discount_minor, 0)).toBe(1_697);
    expect(appliedOf(quoted.body)).toEqual([[tiers.id, 1_200], [coupon.id, 497]]);
    // The cart is still open and nothing was redeemed.
    expect((await shop.call('GET', `/v1/carts/${cart.body.id as string}`, { key: shop.publishableKey, headers })).body.status).toBe('open');
    expect(await usage(shop, coupon.id)).toMatchObject({ redemptions: 0 });

    // Refused as the checkout would: a wrong token, an unknown coupon, both items and a cart.
    expect((await shop.call('POST', '/v1/checkout-quotes', { key: shop.publishableKey, headers: { 'x-cart-token': 'ct_wrong' }, body })).status).toBe(404);
    const unknown = await shop.call('POST', '/v1/checkout-quotes', { key: shop.publishableKey, headers, body: { ...body, coupons: { codes: ['NOPE'] } } });
    expect([unknown.status, unknown.body.code]).toEqual([422, 'coupon_not_found']);
    expect((await shop.call('POST', '/v1/checkout-quotes', { key: shop.publishableKey, headers, body: { ...body, currency: 'CNY', items: [{ variant_id: tea.variant_id, quantity: 1 }] } })).status).toBe(400);
    expect((await shop.call('POST', '/v1/checkout-quotes', { key: shop.publishableKey, body: { items: [{ variant_id: tea.variant_id, quantity: 1 }] } })).status).toBe(400);

    const placed = await shop.call('POST', `/v1/carts/${cart.body.id as string}/checkout`, { key: shop.publishableKey, headers, body: { coupons: body.coupons, expected_total_minor: quoted.body.total_minor } });
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body.orders[0]).toMatchObject({ discount_minor: 1_697, total_minor: 6_603 });
    expect(placed.body.orders[0].lines.map((l: { discount_minor: number }) => l.discount_minor)).toEqual(quoted.body.lines.map((l: { discount_minor: number }) => l.discount_minor));
    await allChecksHold();
  });
});
