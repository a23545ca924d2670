import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { testCards, TestPaymentProvider } from '../src/modules/payments/index.js';
import { eventHandlers, modules } from '../src/platform/modules.js';
import { aLocation, aStockedItem, buy } from './support/commerce.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * The delivery price is charged (issue 15), on real PostgreSQL: an order's total is its goods
 * plus its delivery, the payment captures that total and escrow holds it, a refund can return all
 * of it, a buyer who saw another total is refused; and the merchant's delivery settings (radius,
 * prices, cross-border, pickup hold) are what the promise and checkout use, with absurd values
 * refused and nothing changed.
 */
const secret = 'whsec_test_secret_for_delivery_charge';
let platform: TestPlatform;
let chain: TestMerchant;
let other: TestMerchant;
let dispatcher: OutboxDispatcher;

const peoplesSquare = { latitude: 31.2336, longitude: 121.4726 };
const lujiazui = { latitude: 31.2397, longitude: 121.4998 };
const buyerNearPeoplesSquare = { latitude: 31.2304, longitude: 121.4737 };
/** About 4.3 km east of People's Square, beyond the default 3 km radius. */
const buyerInPudong = { latitude: 31.2336, longitude: 121.5176 };

let stores: { peoples: string; lujiazui: string };
const recipient = { name: 'Zhang Wei', phone: '+86 138 0000 1111' };
const address = (at: { latitude: number; longitude: number }) => ({ line1: '1 Century Avenue', city: 'Shanghai', country: 'CN', ...at });

function provider(): TestPaymentProvider {
  return new TestPaymentProvider(platform.database.db, {
    secret,
    async deliver(body, headers) {
      return (await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body })).status;
    },
  });
}

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_TEST_PROVIDER_SECRET: secret, OPENBOS_COMMISSION_BPS: '0' });
  chain = await platform.merchant(undefined, 'retailer');
  other = await platform.merchant(undefined, 'retailer');
  stores = { peoples: await aLocation(chain, 'store', peoplesSquare), lujiazui: await aLocation(chain, 'store', lujiazui) };
  const allDay = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [{ opens: '00:00', closes: '00:00' }]]));
  for (const id of Object.values(stores)) expect((await chain.call('PATCH', `/v1/locations/${id}`, { body: { opening_hours: allDay } })).status).toBe(200);
  dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
});
afterAll(async () => platform.close());

type Option = { kind: string; location_id?: string; price_minor: number; window_to?: string; shipments?: unknown[] };

async function optionsFor(items: { variant_id: string; quantity: number }[], destination: { latitude: number; longitude: number }): Promise<Option[]> {
  const res = await chain.call('POST', '/v1/delivery-options', { key: chain.publishableKey, body: { items, destination } });
  expect(res.status, res.text).toBe(200);
  return res.body.sellers[0].options as Option[];
}

async function invariantsHold(): Promise<void> {
  const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

const balance = async () => {
  const res = await chain.call('GET', '/v1/balance');
  return (res.body.data[0] ?? { available_minor: 0, held_minor: 0 }) as { available_minor: number; held_minor: number };
};

const salesLast30Days = async () => {
  const res = await chain.call('GET', '/v1/analytics/overview?currency=CNY');
  expect(res.status, res.text).toBe(200);
  return res.body.sales.last_30_days as { gross_minor: number; refunded_minor: number; net_minor: number };
};

const settings = async () => (await chain.call('GET', '/v1/fulfilment/settings')).body as Record<string, unknown>;

describe('the delivery price is charged', () => {
  it('adds the express price to the order total, captures it, holds it in escrow, and refunds all of it', async () => {
    const item = await aStockedItem(chain, { location_id: stores.peoples, units: 10, price_minor: 2_500 });
    const items = [{ variant_id: item.variant_id, quantity: 2 }];
    const express = (await optionsFor(items, buyerNearPeoplesSquare)).find((o) => o.kind === 'express')!;
    expect(express.price_minor).toBeGreaterThan(0);
    const placed = await buy(chain, items, { delivery: { recipient, address: address(buyerNearPeoplesSquare), option: { kind: 'express', location_id: stores.peoples, expected_price_minor: express.price_minor } } });
    expect(placed.status, placed.text).toBe(201);
    const [order] = placed.body.orders;
    expect(order).toMatchObject({ subtotal_minor: 5_000, delivery_minor: express.price_minor, total_minor: 5_000 + express.price_minor });

    const before = await balance();
    const salesBefore = await salesLast30Days();
    const paid = await chain.call('POST', `/v1/checkouts/${placed.body.checkout_id as string}/payments`, { key: chain.publishableKey, body: { payment_method: testCards.succeeds } });
    expect(paid.status, paid.text).toBe(202);
    await provider().deliverDue();
    const seen = await chain.call('GET', `/v1/orders/${order.id as string}`);
    expect(seen.body).toMatchObject({ status: 'paid', delivery_minor: express.price_minor, total_minor: 5_000 + express.price_minor, delivery: { price_minor: express.price_minor } });
    const payment = (await chain.call('GET', `/v1/payments?order_id=${order.id as string}`)).body.data[0];
    expect(payment).toMatchObject({ status: 'captured', amount_minor: 5_000 + express.price_minor });
    expect((await balance()).held_minor).toBe(before.held_minor + 5_000 + express.price_minor);
    // Sales are goods (GMV): the overview counts the order at its subtotal, not the delivery.
    const salesPaid = await salesLast30Days();
    expect(salesPaid.gross_minor - salesBefore.gross_minor).toBe(5_000);
    const capture = await sql<{ amount: string }>`select amount::text from ledger_transfer where code = 'capture' and reference = ${order.id as string}`.execute(platform.database.db);
    expect(capture.rows.map((r) => Number(r.amount))).toEqual([5_000 + express.price_minor]);
    await invariantsHold();

    // More than was paid (goods and delivery) is refused, changing nothing.
    const tooMuch = await chain.call('POST', `/v1/orders/${order.id as string}/refund-request`, { body: { amount_minor: 5_000 + express.price_minor + 1 } });
    expect([tooMuch.status, tooMuch.body.code]).toEqual([422, 'refund_exceeds_paid']);
    expect((await chain.call('GET', `/v1/orders/${order.id as string}`)).body.status).toBe('paid');
    // The full total, delivery included, is refunded.
    const asked = await chain.call('POST', `/v1/orders/${order.id as string}/refund-request`, { body: { amount_minor: 5_000 + express.price_minor } });
    expect(asked.status, asked.text).toBe(200);
    expect((await chain.call('POST', `/v1/orders/${order.id as string}/refund-approve`)).body.status).toBe('refunded');
    await dispatcher.drain();
    expect((await balance()).held_minor).toBe(before.held_minor);
    expect((await chain.call('GET', `/v1/payments?order_id=${order.id as string}`)).body.data[0]).toMatchObject({ status: 'refunded', refund_amount_minor: 5_000 + express.price_minor });
    // The refund returns the goods to sales at most: net sales of the order come back to zero, never below.
    const salesRefunded = await salesLast30Days();
    expect(salesRefunded.refunded_minor - salesPaid.refunded_minor).toBe(5_000);
    expect(salesRefunded.net_minor).toBe(salesBefore.net_minor);
    await invariantsHold();
  });

  it('compares the total the buyer saw with goods plus delivery, refusing a goods-only total with nothing placed', async () => {
    await saveSettings({ pickup_price_minor: 300 });
    const item = await aStockedItem(chain, { location_id: stores.lujiazui, units: 5, price_minor: 1_000 });
    const cart = await chain.call('POST', '/v1/carts', { key: chain.publishableKey, body: { currency: 'CNY' } });
    const headers = { 'x-cart-token': cart.body.token as string };
    const cart_id = cart.body.id as string;
    expect((await chain.call('POST', `/v1/carts/${cart_id}/items`, { key: chain.publishableKey, headers, body: { variant_id: item.variant_id, quantity: 3 } })).status).toBeLessThan(300);
    const delivery = { recipient, option: { kind: 'pickup', location_id: stores.lujiazui, expected_price_minor: 300 } };
    const ordersBefore = await orderCount();

    const goodsOnly = await chain.call('POST', `/v1/carts/${cart_id}/checkout`, { key: chain.publishableKey, headers, body: { delivery, expected_total_minor: 3_000 } });
    expect([goodsOnly.status, goodsOnly.body.code]).toEqual([422, 'price_changed']);
    expect(goodsOnly.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(goodsOnly.body.detail).toContain('3300');
    expect(await orderCount()).toBe(ordersBefore);

    const placed = await chain.call('POST', `/v1/carts/${cart_id}/checkout`, { key: chain.publishableKey, headers, body: { delivery, expected_total_minor: 3_300 } });
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body.orders[0]).toMatchObject({ subtotal_minor: 3_000, delivery_minor: 300, total_minor: 3_300, delivery: { kind: 'pickup', price_minor: 300 } });
    await saveSettings({ pickup_price_minor: 0 });
    await invariantsHold();
  });

  it('flags an order whose total leaves out its delivery', async () => {
    const item = await aStockedItem(chain, { location_id: stores.peoples, units: 3, price_minor: 700 });
    const express = (await optionsFor([{ variant_id: item.variant_id, quantity: 1 }], buyerNearPeoplesSquare)).find((o) => o.kind === 'express')!;
    const placed = await buy(chain, [{ variant_id: item.variant_id, quantity: 1 }], { delivery: { recipient, address: address(buyerNearPeoplesSquare), option: { kind: 'express', location_id: stores.peoples, expected_price_minor: express.price_minor } } });
    const id = placed.body.orders[0].id as string;
    await sql`update sales_order set delivery_minor = 0, total_minor = subtotal_minor where id = ${id}`.execute(platform.database.db);
    const reports = await runChecks(platform.database.db, modules.flatMap((m) => m.checks ?? []));
    const charged = reports.find((r) => r.name === 'orders.delivery_charged')!;
    expect(charged.violations.join('\n')).toContain(id);
    await sql`update sales_order set delivery_minor = ${express.price_minor}, total_minor = subtotal_minor + ${express.price_minor} where id = ${id}`.execute(platform.database.db);
    // The table refuses a total that is not goods plus delivery.
    await expect(sql`update sales_order set total_minor = subtotal_minor where id = ${id}`.execute(platform.database.db)).rejects.toThrow(/sales_order_total_is_goods_delivery_less_discount/);
    await invariantsHold();
  });
});

const orderCount = async () => Number((await sql<{ n: number }>`select count(*)::int as n from sales_order where merchant_id = ${chain.id}`.execute(platform.database.db)).rows[0]!.n);

async function saveSettings(change: Record<string, unknown>) {
  const res = await chain.call('PUT', '/v1/fulfilment/settings', { body: { ...(await settings()), ...change } });
  expect(res.status, res.text).toBe(200);
  return res;
}

describe('delivery settings', () => {
  it('starts from the defaults, and refuses a radius of 0 or 1,000 km and an absurd hold window with 422, changing nothing', async () => {
    const fresh = await other.call('GET', '/v1/fulfilment/settings');
    expect(fresh.status).toBe(200);
    expect(fresh.body).toEqual({ express_radius_m: 3_000, express_price_minor: 800, pickup_price_minor: 0, standard_base_price_minor: 0, cross_border_base_price_minor: 0, cross_border_enabled: false, pickup_hold_h: 72 });
    const before = fresh.body as Record<string, unknown>;
    for (const [change, code] of [
      [{ express_radius_m: 0 }, 'express_radius_out_of_range'],
      [{ express_radius_m: 1_000_000 }, 'express_radius_out_of_range'],
      [{ pickup_hold_h: 0 }, 'pickup_hold_out_of_range'],
      [{ pickup_hold_h: 24 * 365 }, 'pickup_hold_out_of_range'],
    ] as const) {
      const res = await other.call('PUT', '/v1/fulfilment/settings', { body: { ...before, ...change } });
      expect([res.status, res.body.code]).toEqual([422, code]);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    expect((await other.call('PUT', '/v1/fulfilment/settings', { body: { ...before, express_price_minor: -1 } })).status).toBe(400);
    expect((await other.call('PUT', '/v1/fulfilment/settings', { body: { express_radius_m: 5_000 } })).status).toBe(400);
    expect((await other.call('GET', '/v1/fulfilment/settings')).body).toEqual(before);
    const rows = await sql<{ n: number }>`select count(*)::int as n from fulfilment_settings where merchant_id = ${other.id}`.execute(platform.database.db);
    expect(rows.rows[0]!.n).toBe(0);
    // A storefront key cannot read or change them.
    expect((await other.call('GET', '/v1/fulfilment/settings', { key: other.publishableKey })).status).toBeGreaterThanOrEqual(401);
  });

  it('changing the radius changes which stores offer express, and checkout follows', async () => {
    const item = await aStockedItem(chain, { location_id: stores.peoples, units: 10, price_minor: 1_200 });
    const items = [{ variant_id: item.variant_id, quantity: 1 }];
    const expressOf = async (at: { latitude: number; longitude: number }) => (await optionsFor(items, at)).find((o) => o.kind === 'express');
    // 3 km by default: the buyer in Pudong, 4.3 km from People's Square, gets no express.
    expect(await expressOf(buyerInPudong)).toBeUndefined();
    expect((await expressOf(buyerNearPeoplesSquare))?.location_id).toBe(stores.peoples);

    await saveSettings({ express_radius_m: 6_000, express_price_minor: 1_500 });
    const wider = await expressOf(buyerInPudong);
    expect(wider).toMatchObject({ location_id: stores.peoples, price_minor: 1_500 });
    const placed = await buy(chain, items, { delivery: { recipient, address: address(buyerInPudong), option: { kind: 'express', location_id: stores.peoples, expected_price_minor: 1_500 } } });
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body.orders[0]).toMatchObject({ delivery_minor: 1_500, total_minor: 2_700 });

    // Narrowed to 200 m: nobody 350 m away gets express, and a checkout choosing it is refused.
    await saveSettings({ express_radius_m: 200 });
    expect(await expressOf(buyerNearPeoplesSquare)).toBeUndefined();
    const before = await orderCount();
    const refused = await buy(chain, items, { delivery: { recipient, address: address(buyerNearPeoplesSquare), option: { kind: 'express', location_id: stores.peoples, expected_price_minor: 1_500 } } });
    expect([refused.status, refused.body.code]).toEqual([409, 'delivery_option_unavailable']);
    expect(await orderCount()).toBe(before);
    await saveSettings({ express_radius_m: 3_000, express_price_minor: 800 });
    await invariantsHold();
  });

  it('adds the base prices to carrier deliveries, and offers cross-border only where enabled', async () => {
    const item = await aStockedItem(chain, { location_id: stores.lujiazui, units: 10 });
    const items = [{ variant_id: item.variant_id, quantity: 1 }];
    const beijing = { latitude: 39.9, longitude: 116.4 };
    const plain = (await optionsFor(items, beijing)).find((o) => o.kind === 'standard')!;
    await saveSettings({ standard_base_price_minor: 500 });
    const based = (await optionsFor(items, beijing)).find((o) => o.kind === 'standard')!;
    expect(based.price_minor).toBe(plain.price_minor + 500 * based.shipments!.length);

    const abroad = { latitude: 35.68, longitude: 139.69 };
    const askAbroad = async () => (await chain.call('POST', '/v1/delivery-options', { key: chain.publishableKey, body: { items, destination: { ...abroad, country: 'JP' } } })).body.sellers[0].options as Option[];
    expect((await askAbroad()).some((o) => o.kind === 'cross_border')).toBe(false);
    await saveSettings({ cross_border_enabled: true, cross_border_base_price_minor: 2_000 });
    const crossBorder = (await askAbroad()).find((o) => o.kind === 'cross_border');
    expect(crossBorder).toBeDefined();
    expect(crossBorder!.price_minor).toBeGreaterThanOrEqual(2_000);
    await saveSettings({ standard_base_price_minor: 0, cross_border_enabled: false, cross_border_base_price_minor: 0 });
  });
});
