import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { visitsByPlace } from '../src/modules/databank/index.js';
import { testCards, testProviderSecret, TestPaymentProvider } from '../src/modules/payments/index.js';
import { eventHandlers, modules } from '../src/platform/modules.js';
import { aLocation } from './support/commerce.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Scan-and-pay (docs/STORES.md, "Scan-and-pay and tills"): a signed-in consumer opens a basket in
 * a store, scans barcodes of the store's brand, and sees it priced as checkout would price it.
 */
let platform: TestPlatform;
let dispatcher: OutboxDispatcher;
const db = () => platform.database.db;
let n = 0;
const unique = () => `${process.pid}-${++n}-${Math.random().toString(36).slice(2, 7)}`;

beforeAll(async () => {
  platform = await createTestPlatform();
  dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
});
afterAll(async () => platform.close());

/** A product with a barcode, priced in the merchant's currency (EUR), stocked at these locations. */
export async function aBarcodedProduct(m: TestMerchant, price_minor: number, stock: Record<string, number>): Promise<{ variant_id: string; barcode: string; sku: string }> {
  const sku = `SKU-${unique()}`;
  const barcode = `40${Math.floor(Math.random() * 1e11)}`.padEnd(13, '7');
  const res = await m.call('POST', '/v1/products', { body: { title: `Product ${sku}`, status: 'published', variants: [{ sku, barcode, prices: [{ currency: 'EUR', amount_minor: price_minor }] }] } });
  expect(res.status, res.text).toBe(201);
  const variant_id = res.body.variants[0].id as string;
  for (const [location_id, quantity] of Object.entries(stock)) {
    const stocked = await m.call('POST', '/v1/stock/receipts', { body: { variant_id, location_id, quantity } });
    expect(stocked.status, stocked.text).toBe(201);
  }
  return { variant_id, barcode, sku };
}

async function aConsumer(m: TestMerchant): Promise<{ token: string; email: string; id: string }> {
  const email = `basket-${unique()}@example.com`;
  const res = await m.call('POST', '/v1/account', { key: m.publishableKey, body: { email, name: 'Basket Shopper', password: 'correct horse battery' } });
  expect(res.status, res.text).toBe(201);
  return { token: res.body.token as string, email, id: res.body.account.id as string };
}

const asConsumer = (m: TestMerchant, token: string) => (method: string, path: string, body?: unknown) =>
  m.call(method, path, { key: m.publishableKey, headers: { 'x-consumer-token': token }, ...(body === undefined ? {} : { body }) });

/** The provider's capture webhooks delivered, and the events they caused handled (the sale handed over). */
async function settlePayments(): Promise<void> {
  await new TestPaymentProvider(db(), {
    secret: testProviderSecret(platform.ctx.config),
    deliver: async (body, headers) => (await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body })).status,
  }).deliverDue();
  await dispatcher.drain();
}

/** A member who authorised stores to charge their card, with their consumer code now. */
async function aPayingMember(m: TestMerchant): Promise<{ token: string; email: string; id: string; code: () => Promise<string> }> {
  const consumer = await aConsumer(m);
  const call = asConsumer(m, consumer.token);
  const authorised = await call('POST', '/v1/account/payment-authorisations', { card: testCards.succeeds, limit_minor: 1_000_000, currency: 'EUR' });
  expect(authorised.status, authorised.text).toBe(201);
  return {
    ...consumer,
    code: async () => {
      const res = await call('GET', '/v1/account/consumer-code');
      expect(res.status, res.text).toBe(200);
      return res.body.code as string;
    },
  };
}

async function stockAt(m: TestMerchant, variant_id: string, location_id: string): Promise<{ on_hand: number; reserved: number; available: number }> {
  const res = await m.call('GET', `/v1/stock?variant_id=${variant_id}&location_id=${location_id}`);
  expect(res.status).toBe(200);
  return res.body.data[0] ?? { on_hand: 0, reserved: 0, available: 0 };
}

async function allChecksHold(): Promise<void> {
  const reports = await runChecks(db(), [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

describe('scan-and-pay baskets', () => {
  it('scans by barcode and SKU within the store’s brand; an unknown barcode is a 404 problem that changes nothing', async () => {
    const brand = await platform.merchant(undefined, 'brand');
    const other = await platform.merchant(undefined, 'brand');
    const store = await aLocation(brand, 'store');
    const tea = await aBarcodedProduct(brand, 1_250, { [store]: 5 });
    const foreign = await aBarcodedProduct(other, 900, {});
    const shopper = await aConsumer(brand);
    const call = asConsumer(brand, shopper.token);

    const opened = await call('POST', `/v1/stores/${store}/baskets`);
    expect(opened.status, opened.text).toBe(201);
    expect(opened.body).toMatchObject({ kind: 'scan', location_id: store, consumer_id: shopper.id, status: 'open', currency: 'EUR', lines: [], total_minor: 0 });
    const basket = opened.body.id as string;

    const scanned = await call('POST', `/v1/baskets/${basket}/scans`, { barcode: tea.barcode });
    expect(scanned.status, scanned.text).toBe(200);
    expect(scanned.body.lines).toEqual([expect.objectContaining({ variant_id: tea.variant_id, quantity: 1, unit_price_minor: 1_250, total_minor: 1_250 })]);
    const again = await call('POST', `/v1/baskets/${basket}/scans`, { sku: tea.sku, quantity: 2 });
    expect(again.body.lines).toEqual([expect.objectContaining({ variant_id: tea.variant_id, quantity: 3, total_minor: 3_750 })]);

    for (const barcode of ['0000000000000', foreign.barcode]) {
      const unknown = await call('POST', `/v1/baskets/${basket}/scans`, { barcode });
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toContain('application/problem+json');
      expect(unknown.body.code).toBe('product_not_found');
    }
    const bad = await call('POST', `/v1/baskets/${basket}/scans`, { barcode: tea.barcode, sku: tea.sku });
    expect(bad.status).toBe(400);
    const after = await call('GET', `/v1/baskets/${basket}`);
    expect(after.body.lines).toEqual([expect.objectContaining({ variant_id: tea.variant_id, quantity: 3 })]);
    const scans = await sql<{ n: number }>`select count(*)::int as n from bos_outbox_event where type = 'instore.scanned' and merchant_id = ${brand.id}`.execute(db());
    expect(scans.rows[0]!.n).toBe(2);

    // Setting a line: a quantity, then 0 removes it.
    expect((await call('PUT', `/v1/baskets/${basket}/lines/${tea.variant_id}`, { quantity: 1 })).body.lines).toEqual([expect.objectContaining({ quantity: 1 })]);
    expect((await call('PUT', `/v1/baskets/${basket}/lines/${tea.variant_id}`, { quantity: 0 })).body.lines).toEqual([]);
    expect((await call('PUT', `/v1/baskets/${basket}/lines/${foreign.variant_id}`, { quantity: 1 })).status).toBe(404);

    // Another consumer, or another storefront, finds no such basket.
    const stranger = await aConsumer(brand);
    expect((await asConsumer(brand, stranger.token)('GET', `/v1/baskets/${basket}`)).status).toBe(404);
    expect((await asConsumer(brand, stranger.token)('POST', `/v1/baskets/${basket}/scans`, { barcode: tea.barcode })).status).toBe(404);
    expect((await other.call('GET', `/v1/baskets/${basket}`, { key: other.publishableKey, headers: { 'x-consumer-token': shopper.token } })).status).toBe(404);
    // Signed out: 401. A warehouse is no store.
    expect((await brand.call('GET', `/v1/baskets/${basket}`, { key: brand.publishableKey })).status).toBe(401);
    const warehouse = await aLocation(brand, 'warehouse');
    expect((await call('POST', `/v1/stores/${warehouse}/baskets`)).status).toBe(404);
    await allChecksHold();
  });

  it('prices the basket as checkout would: the store’s promotions, not another store’s', async () => {
    const brand = await platform.merchant(undefined, 'brand');
    const store = await aLocation(brand, 'store');
    const elsewhere = await aLocation(brand, 'store');
    const cup = await aBarcodedProduct(brand, 4_000, { [store]: 5 });
    const here = await brand.call('POST', '/v1/promotions', { body: { currency: 'EUR', kind: 'automatic', name: '10% in store', effect: { type: 'percent_off', percent: 10 }, conditions: { channels: ['store'], location_ids: [store] } } });
    expect(here.status, here.text).toBe(201);
    const there = await brand.call('POST', '/v1/promotions', { body: { currency: 'EUR', kind: 'automatic', name: '5 off elsewhere', effect: { type: 'amount_off', amount_minor: 500 }, conditions: { location_ids: [elsewhere] } } });
    expect(there.status, there.text).toBe(201);
    const shopper = await aConsumer(brand);
    const call = asConsumer(brand, shopper.token);
    const basket = (await call('POST', `/v1/stores/${store}/baskets`)).body.id as string;
    await call('POST', `/v1/baskets/${basket}/scans`, { barcode: cup.barcode, quantity: 2 });
    const priced = await call('GET', `/v1/baskets/${basket}`);
    expect(priced.status, priced.text).toBe(200);
    expect(priced.body).toMatchObject({ subtotal_minor: 8_000, discount_minor: 800, total_minor: 7_200 });
    expect(priced.body.lines).toEqual([expect.objectContaining({ quantity: 2, total_minor: 8_000, discount_minor: 800 })]);
    expect(priced.body.promotions.applied).toEqual([expect.objectContaining({ promotion_id: here.body.id, amount_minor: 800 })]);
    expect(priced.body.promotions.applied.map((a: { promotion_id: string }) => a.promotion_id)).not.toContain(there.body.id);
  });

  it('files the visit and the scans in the brand’s data bank, under the consumer’s email, with the store', async () => {
    const brand = await platform.merchant(undefined, 'brand');
    const store = await aLocation(brand, 'store');
    const tea = await aBarcodedProduct(brand, 1_000, { [store]: 5 });
    const shopper = await aConsumer(brand);
    const call = asConsumer(brand, shopper.token);
    const basket = (await call('POST', `/v1/stores/${store}/baskets`)).body.id as string;
    await call('POST', `/v1/baskets/${basket}/scans`, { barcode: tea.barcode });
    await dispatcher.drain();
    await dispatcher.drain();
    const events = await sql<{ event: string; properties: Record<string, unknown>; message_id: string }>`
      select event, properties, message_id from cdp_event where merchant_id = ${brand.id} order by occurred_at, event`.execute(db());
    expect(events.rows.map((e) => e.event).sort()).toEqual(['Product Scanned', 'Store Visited']);
    const visited = events.rows.find((e) => e.event === 'Store Visited')!;
    expect(visited.properties).toMatchObject({ location_id: store, via: 'basket', session_id: basket });
    const outbox = await sql<{ id: string }>`select id from bos_outbox_event where type = 'instore.entered' and merchant_id = ${brand.id}`.execute(db());
    expect(visited.message_id).toBe(outbox.rows[0]!.id);
    // The visit counts as one at this store (databank's visits).
    const day = new Date().toISOString().slice(0, 10);
    const visits = await visitsByPlace(db(), brand.id, [{ key: store, time_zone: 'UTC', first_day: day, last_day: day, previous_first_day: day }]);
    expect(visits).toEqual([{ key: store, period: 'current', visits: 1 }]);
  });

  it('pays at a self-checkout with the member’s code: their wallet coupon applies, the stock is that store’s, the code works once, the basket is paid once', async () => {
    const brand = await platform.merchant(undefined, 'brand');
    const store = await aLocation(brand, 'store');
    const otherStore = await aLocation(brand, 'store');
    const tea = await aBarcodedProduct(brand, 2_000, { [store]: 5, [otherStore]: 5 });
    const coupon = await brand.call('POST', '/v1/promotions', { body: { currency: 'EUR', kind: 'coupon', name: '3 off', claimable: true, effect: { type: 'amount_off', amount_minor: 300 } } });
    expect(coupon.status, coupon.text).toBe(201);
    const member = await aPayingMember(brand);
    const call = asConsumer(brand, member.token);
    expect((await call('POST', '/v1/account/coupons', { promotion_id: coupon.body.id })).status).toBe(201);

    const basket = (await call('POST', `/v1/stores/${store}/baskets`)).body.id as string;
    await call('POST', `/v1/baskets/${basket}/scans`, { barcode: tea.barcode, quantity: 2 });
    // The preview already counts the member's coupon.
    expect((await call('GET', `/v1/baskets/${basket}`)).body).toMatchObject({ subtotal_minor: 4_000, discount_minor: 300, total_minor: 3_700 });

    // A storefront key may not pay with a code: only a self-checkout's secret key (instore:write).
    const code = await member.code();
    const fromBrowser = await brand.call('POST', `/v1/baskets/${basket}/pay`, { key: brand.publishableKey, body: { code } });
    expect(fromBrowser.status).toBe(403);
    const paid = await brand.call('POST', `/v1/baskets/${basket}/pay`, { body: { code, device_id: 'selfcheckout-1', wait_ms: 0 } });
    expect(paid.status, paid.text).toBe(200);
    expect(paid.body).toMatchObject({ status: 'paid', consumer_id: member.id, subtotal_minor: 4_000, discount_minor: 300, total_minor: 3_700 });
    expect(paid.body.sale).toMatchObject({ payment_method: 'code', order_id: expect.any(String) });
    await settlePayments();
    const wallet = await call('GET', '/v1/account/coupons');
    expect(wallet.body.data).toEqual([expect.objectContaining({ promotion_id: coupon.body.id, status: 'used' })]);
    // Two units left this store; the other store's stock is untouched.
    expect(await stockAt(brand, tea.variant_id, store)).toMatchObject({ on_hand: 3, reserved: 0, available: 3 });
    expect(await stockAt(brand, tea.variant_id, otherStore)).toMatchObject({ on_hand: 5, reserved: 0, available: 5 });
    const order = await brand.call('GET', `/v1/orders/${paid.body.sale.order_id}`);
    expect(order.body).toMatchObject({ total_minor: 3_700, status: expect.stringMatching(/delivered|completed/) });

    // The same code again, on another basket: refused, and that basket stays open.
    const second = (await call('POST', `/v1/stores/${store}/baskets`)).body.id as string;
    await call('POST', `/v1/baskets/${second}/scans`, { barcode: tea.barcode });
    const replayed = await brand.call('POST', `/v1/baskets/${second}/pay`, { body: { code, device_id: 'selfcheckout-1', wait_ms: 0 } });
    expect(replayed.status).toBe(422);
    expect(replayed.body.code).toBe('code_replayed');
    expect((await call('GET', `/v1/baskets/${second}`)).body.status).toBe('open');
    expect(await stockAt(brand, tea.variant_id, store)).toMatchObject({ available: 3 });

    // A paid basket is not paid again, by anyone.
    const again = await call('POST', `/v1/baskets/${basket}/pay`, { wait_ms: 0 });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('basket_already_paid');
    expect((await call('POST', `/v1/baskets/${basket}/scans`, { barcode: tea.barcode })).status).toBe(409);
    const orders = await sql<{ n: number }>`select count(*)::int as n from sales_order where merchant_id = ${brand.id}`.execute(db());
    expect(orders.rows[0]!.n).toBe(1);
    await allChecksHold();
  });

  it('the signed-in consumer pays their own basket with their authorisation', async () => {
    const brand = await platform.merchant(undefined, 'brand');
    const store = await aLocation(brand, 'store');
    const tea = await aBarcodedProduct(brand, 1_000, { [store]: 3 });
    const member = await aPayingMember(brand);
    const call = asConsumer(brand, member.token);
    const basket = (await call('POST', `/v1/stores/${store}/baskets`)).body.id as string;
    expect((await call('POST', `/v1/baskets/${basket}/pay`, { wait_ms: 0 })).body.code).toBe('basket_empty');
    await call('POST', `/v1/baskets/${basket}/scans`, { barcode: tea.barcode });
    const stranger = await aPayingMember(brand);
    expect((await asConsumer(brand, stranger.token)('POST', `/v1/baskets/${basket}/pay`, { wait_ms: 0 })).status).toBe(404);
    const paid = await call('POST', `/v1/baskets/${basket}/pay`, { wait_ms: 0 });
    expect(paid.status, paid.text).toBe(200);
    expect(paid.body).toMatchObject({ status: 'paid', total_minor: 1_000, sale: expect.objectContaining({ payment_method: 'authorisation' }) });
    await settlePayments();
    expect((await call('GET', `/v1/baskets/${basket}`)).body.sale.order_id).toBe(paid.body.sale.order_id);
    expect(await stockAt(brand, tea.variant_id, store)).toMatchObject({ on_hand: 2, available: 2 });
    await allChecksHold();
  });
});
