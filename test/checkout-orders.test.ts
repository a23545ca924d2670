import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { closeExpiredOrders } from '../src/modules/orders/index.js';
import { autoConfirm, markOrderPaid } from './support/orders.js';
import { modules } from '../src/platform/modules.js';
import { aLocation, aStockedItem, buy, stockOf, type ShopItem } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;
let brand: TestMerchant;
let mart: TestMerchant;
let wholesale: TestMerchant;
let storefront: TestMerchant;

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_UNPAID_ORDER_TTL_S: '1' });
  brand = await platform.merchant(undefined, 'brand');
  mart = await platform.merchant(undefined, 'retailer');
  wholesale = await platform.merchant(undefined, 'wholesale');
  storefront = await platform.merchant(undefined, 'brand');
});
afterAll(async () => platform.close());

async function allChecksHold(): Promise<void> {
  const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

async function orderCount(): Promise<number> {
  return (await sql<{ n: number }>`select count(*)::int as n from sales_order`.execute(platform.database.db)).rows[0]!.n;
}

describe('checkout', () => {
  it('splits a cart of three sellers into one order per seller, priced by the server, stock reserved', async () => {
    const a = await aStockedItem(brand, { price_minor: 12_800 });
    const b = await aStockedItem(mart, { price_minor: 200 });
    const c = await aStockedItem(wholesale, { price_minor: 32_000 });
    const cart = await storefront.call('POST', '/v1/carts', { key: storefront.publishableKey, body: { currency: 'CNY', buyer_email: 'li.wei@example.com' } });
    expect(cart.status).toBe(201);
    const headers = { 'x-cart-token': cart.body.token as string };
    for (const [item, quantity] of [[a, 1], [b, 6], [c, 2]] as const) {
      const res = await storefront.call('POST', `/v1/carts/${cart.body.id}/items`, { key: storefront.publishableKey, headers, body: { variant_id: item.variant_id, quantity } });
      expect(res.status, res.text).toBe(200);
    }
    const view = await storefront.call('GET', `/v1/carts/${cart.body.id}`, { key: storefront.publishableKey, headers });
    expect(view.body.total_minor).toBe(12_800 + 6 * 200 + 2 * 32_000);
    const res = await storefront.call('POST', `/v1/carts/${cart.body.id}/checkout`, { key: storefront.publishableKey, headers, body: { expected_total_minor: view.body.total_minor } });
    expect(res.status, res.text).toBe(201);
    const orders = res.body.orders as { merchant_id: string; total_minor: number; status: string; lines: unknown[] }[];
    expect(orders.map((o) => o.merchant_id).sort()).toEqual([brand.id, mart.id, wholesale.id].sort());
    expect(orders.find((o) => o.merchant_id === mart.id)!.total_minor).toBe(1_200);
    expect(orders.every((o) => o.status === 'awaiting_payment')).toBe(true);
    expect(await stockOf(mart, b)).toMatchObject({ on_hand: 10, reserved: 6, available: 4 });
    const again = await storefront.call('POST', `/v1/carts/${cart.body.id}/checkout`, { key: storefront.publishableKey, headers, body: {} });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('cart_checked_out');
    await allChecksHold();
  });

  it('refuses a cart without its token as if it did not exist', async () => {
    const cart = await storefront.call('POST', '/v1/carts', { key: storefront.publishableKey, body: { currency: 'CNY' } });
    const res = await storefront.call('GET', `/v1/carts/${cart.body.id}`, { key: storefront.publishableKey, headers: { 'x-cart-token': 'ct_wrong' } });
    expect(res.status).toBe(404);
  });

  it('ignores no price: a tampered price is refused with 422 price_changed and nothing changes', async () => {
    const item = await aStockedItem(brand, { price_minor: 5_000 });
    const before = await orderCount();
    const res = await buy(storefront, [{ variant_id: item.variant_id, quantity: 1, expected_unit_price_minor: 1 }]);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('price_changed');
    const sneaky = await storefront.call('POST', '/v1/checkouts', { key: storefront.publishableKey, body: { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity: 1, unit_price_minor: 1 }] } });
    expect(sneaky.status).toBe(400);
    expect(await orderCount()).toBe(before);
    expect(await stockOf(brand, item)).toMatchObject({ reserved: 0 });
  });

  it('refuses zero, negative, fractional and absurd quantities with a problem per field', async () => {
    const item = await aStockedItem(brand);
    for (const quantity of [0, -2, 1.5, 1e9]) {
      const res = await buy(storefront, [{ variant_id: item.variant_id, quantity }]);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe('items.0.quantity');
    }
    expect(await stockOf(brand, item)).toMatchObject({ reserved: 0 });
  });

  it('refuses unknown and unpublished variants, a currency without a price, and a cart over its limit', async () => {
    const draft = await aStockedItem(brand, { status: 'draft' });
    const priced = await aStockedItem(brand);
    expect((await buy(storefront, [{ variant_id: 'var_01ZZZZZZZZZZZZZZZZZZZZZZZZ', quantity: 1 }])).body.code).toBe('variant_not_found');
    expect((await buy(storefront, [{ variant_id: draft.variant_id, quantity: 1 }])).body.code).toBe('variant_unpublished');
    const usd = await storefront.call('POST', '/v1/checkouts', { key: storefront.publishableKey, body: { currency: 'USD', items: [{ variant_id: priced.variant_id, quantity: 1 }] } });
    expect(usd.status).toBe(422);
    expect(usd.body.code).toBe('currency_not_priced');
    const tooMany = await buy(storefront, Array.from({ length: 51 }, (_, i) => ({ variant_id: `var_${String(i).padStart(26, '0')}`, quantity: 1 })));
    expect(tooMany.status).toBe(400);
    expect(await stockOf(brand, priced)).toMatchObject({ reserved: 0 });
  });

  it('answers sold out with 409 and reserves nothing when one line lacks stock', async () => {
    const plenty = await aStockedItem(brand, { units: 100 });
    const scarce = await aStockedItem(brand, { units: 2 });
    const res = await buy(storefront, [{ variant_id: plenty.variant_id, quantity: 5 }, { variant_id: scarce.variant_id, quantity: 3 }]);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('out_of_stock');
    expect(await stockOf(brand, plenty)).toMatchObject({ reserved: 0 });
    expect(await stockOf(brand, scarce)).toMatchObject({ reserved: 0 });
  });

  it('reserves at the location the buyer chose (pick-up store), not elsewhere', async () => {
    const warehouse = await aStockedItem(brand, { units: 50 });
    const store = await aLocation(brand, 'store');
    await brand.call('POST', '/v1/stock/receipts', { body: { variant_id: warehouse.variant_id, location_id: store, quantity: 3 } });
    const res = await buy(storefront, [{ variant_id: warehouse.variant_id, quantity: 2 }], { fulfilment: { [brand.id]: store } });
    expect(res.status, res.text).toBe(201);
    expect(res.body.orders[0].location_id).toBe(store);
    expect(await stockOf(brand, { variant_id: warehouse.variant_id, location_id: store })).toMatchObject({ reserved: 2 });
    expect(await stockOf(brand, warehouse)).toMatchObject({ reserved: 0 });
    const tooMany = await buy(storefront, [{ variant_id: warehouse.variant_id, quantity: 2 }], { fulfilment: { [brand.id]: store } });
    expect(tooMany.status).toBe(409);
  });

  it('never oversells under a burst of concurrent buyers, and serves every unit when demand exceeds stock', async () => {
    const hot = await aStockedItem(brand, { units: 60 });
    const results = await Promise.all(Array.from({ length: 200 }, () => buy(storefront, [{ variant_id: hot.variant_id, quantity: 1 }])));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(60);
    expect(statuses.filter((s) => s === 409)).toHaveLength(140);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(await stockOf(brand, hot)).toMatchObject({ on_hand: 60, reserved: 60, available: 0 });
    await allChecksHold();
  });
});

describe('order state machine', () => {
  let item: ShopItem;
  beforeAll(async () => {
    item = await aStockedItem(brand, { units: 20 });
  });

  async function anOrder(quantity = 1): Promise<string> {
    const res = await buy(storefront, [{ variant_id: item.variant_id, quantity }]);
    expect(res.status, res.text).toBe(201);
    return res.body.orders[0].id as string;
  }

  it('walks paid, shipped, delivered, completed, recording who and when, with an event per step', async () => {
    const id = await anOrder(2);
    await markOrderPaid(platform.database.db, brand.id, id);
    const shipped = await brand.call('POST', `/v1/orders/${id}/ship`, { body: { tracking_number: 'SF1234567890' } });
    expect(shipped.status, shipped.text).toBe(200);
    expect(shipped.body).toMatchObject({ status: 'shipped', tracking_number: 'SF1234567890' });
    expect((await brand.call('POST', `/v1/orders/${id}/deliver`)).body.status).toBe('delivered');
    await autoConfirm(platform.database.db, brand.id, id);
    const done = await brand.call('GET', `/v1/orders/${id}`);
    expect(done.body.status).toBe('completed');
    expect(done.body.transitions.map((t: { to_status: string }) => t.to_status)).toEqual(['awaiting_payment', 'paid', 'shipped', 'delivered', 'completed']);
    expect(done.body.transitions[2].actor).toMatch(/^key:key_/);
    expect(done.body.transitions[1].actor).toBe('internal:test-payment');
    const events = await sql<{ type: string }>`select type from bos_outbox_event where payload->>'order_id' = ${id} order by id`.execute(platform.database.db);
    // Payment opened a fulfilment at the order's store; shipping and delivering the order moved it too.
    expect(events.rows.map((e) => e.type)).toEqual(['order.placed', 'fulfilment.awaiting_pick', 'order.paid', 'fulfilment.handed_to_carrier', 'order.shipped', 'fulfilment.delivered', 'order.delivered', 'order.completed']);
    await allChecksHold();
  });

  it('tells the seller what may be done next, exactly what the state machine allows', async () => {
    const id = await anOrder();
    const actionsOf = async () => (await brand.call('GET', `/v1/orders/${id}`)).body.actions as string[];
    expect(await actionsOf()).toEqual(['cancel']);
    await markOrderPaid(platform.database.db, brand.id, id);
    expect(await actionsOf()).toEqual(['ship', 'refund-request']);
    const shipped = await brand.call('POST', `/v1/orders/${id}/ship`);
    expect(shipped.body.actions).toEqual(['deliver', 'refund-request']);
    const requested = await brand.call('POST', `/v1/orders/${id}/refund-request`);
    expect(requested.body.actions).toEqual(['refund-approve', 'refund-reject', 'refund-dispute']);
    // Every action offered is one the server then accepts.
    expect((await brand.call('POST', `/v1/orders/${id}/refund-reject`)).status).toBe(200);
    expect((await brand.call('POST', `/v1/orders/${id}/deliver`)).body.actions).toEqual(['refund-request']);
    await autoConfirm(platform.database.db, brand.id, id);
    expect(await actionsOf()).toEqual([]);
  });

  it('turns the reservation into a sale when the order ships: on hand drops, reserved drops', async () => {
    const before = await stockOf(brand, item);
    const id = await anOrder(3);
    await markOrderPaid(platform.database.db, brand.id, id);
    await brand.call('POST', `/v1/orders/${id}/ship`);
    const after = await stockOf(brand, item);
    expect(after.on_hand).toBe(before.on_hand - 3);
    expect(after.reserved).toBe(before.reserved);
  });

  it('refuses an illegal transition with 409 illegal_order_transition and changes nothing', async () => {
    const id = await anOrder();
    const res = await brand.call('POST', `/v1/orders/${id}/ship`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('illegal_order_transition');
    const order = await brand.call('GET', `/v1/orders/${id}`);
    expect(order.body.status).toBe('awaiting_payment');
    expect(order.body.transitions).toHaveLength(1);
  });

  it('has no public way to mark an order paid', async () => {
    const id = await anOrder();
    expect(platform.routes.some((r) => /pay/.test(r.path) && r.path.startsWith('/v1/orders'))).toBe(false);
    expect((await brand.call('POST', `/v1/orders/${id}/pay`)).status).toBe(404);
  });

  it('closes an unpaid order after its deadline and releases its stock', async () => {
    const before = await stockOf(brand, item);
    const id = await anOrder(2);
    expect((await stockOf(brand, item)).reserved).toBe(before.reserved + 2);
    expect(await closeExpiredOrders(platform.database.db, new Date(Date.now() + 2_000))).toBeGreaterThanOrEqual(1);
    const order = await brand.call('GET', `/v1/orders/${id}`);
    expect(order.body.status).toBe('closed');
    expect(order.body.transitions.at(-1)).toMatchObject({ actor: 'system:unpaid-timeout', action: 'close' });
    const journal = await brand.call('GET', `/v1/stock/movements?reference=${id}`);
    expect(journal.body.data.map((m: { reason: string; reserved_delta: number }) => [m.reason, m.reserved_delta])).toEqual([['release', -2], ['reservation', 2]]);
    expect((await stockOf(brand, item)).reserved).toBeLessThanOrEqual(before.reserved);
    const pay = markOrderPaid(platform.database.db, brand.id, id);
    await expect(pay).rejects.toMatchObject({ code: 'illegal_order_transition' });
  });

  it('approving a refund before shipment releases the stock; rejecting returns the order to where it was', async () => {
    const before = await stockOf(brand, item);
    const refunded = await anOrder(1);
    await markOrderPaid(platform.database.db, brand.id, refunded);
    expect((await brand.call('POST', `/v1/orders/${refunded}/refund-request`, { body: { reason: 'changed my mind' } })).body.status).toBe('refund_requested');
    expect((await brand.call('POST', `/v1/orders/${refunded}/refund-approve`)).body.status).toBe('refunded');
    expect((await stockOf(brand, item)).reserved).toBe(before.reserved);

    const kept = await anOrder(1);
    await markOrderPaid(platform.database.db, brand.id, kept);
    await brand.call('POST', `/v1/orders/${kept}/ship`);
    await brand.call('POST', `/v1/orders/${kept}/refund-request`);
    const rejected = await brand.call('POST', `/v1/orders/${kept}/refund-reject`, { body: { reason: 'item used' } });
    expect(rejected.body.status).toBe('shipped');
    await allChecksHold();
  });

  it('filters orders by state and date', async () => {
    const paid = await brand.call('GET', '/v1/orders?status=completed');
    expect(paid.body.data.length).toBeGreaterThanOrEqual(1);
    expect(paid.body.data.every((o: { status: string }) => o.status === 'completed')).toBe(true);
    const future = await brand.call('GET', `/v1/orders?created_from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`);
    expect(future.body.data).toEqual([]);
  });
});
