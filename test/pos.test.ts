import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { testCards, testProviderSecret, TestPaymentProvider } from '../src/modules/payments/index.js';
import { eventHandlers, modules } from '../src/platform/modules.js';
import { aLocation } from './support/commerce.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Tills (docs/STORES.md, "Scan-and-pay and tills"): a store's registers, clerks bound to stores,
 * register sessions from the opening float to the close and its totals.
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

async function settlePayments(): Promise<void> {
  await new TestPaymentProvider(db(), {
    secret: testProviderSecret(platform.ctx.config),
    deliver: async (body, headers) => (await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body })).status,
  }).deliverDue();
  await dispatcher.drain();
}

async function stockAt(m: TestMerchant, variant_id: string, location_id: string): Promise<{ on_hand: number; reserved: number; available: number }> {
  const res = await m.call('GET', `/v1/stock?variant_id=${variant_id}&location_id=${location_id}`);
  expect(res.status).toBe(200);
  return res.body.data[0] ?? { on_hand: 0, reserved: 0, available: 0 };
}

/** A member who authorised stores to charge their card; returns their current consumer code. */
async function aMembersCode(m: TestMerchant): Promise<{ id: string; code: string }> {
  const email = `till-${unique()}@example.com`;
  const account = await m.call('POST', '/v1/account', { key: m.publishableKey, body: { email, name: 'Till Shopper', password: 'correct horse battery' } });
  expect(account.status, account.text).toBe(201);
  const headers = { 'x-consumer-token': account.body.token as string };
  const authorised = await m.call('POST', '/v1/account/payment-authorisations', { key: m.publishableKey, headers, body: { card: testCards.succeeds, limit_minor: 1_000_000, currency: 'EUR' } });
  expect(authorised.status, authorised.text).toBe(201);
  const code = await m.call('GET', '/v1/account/consumer-code', { key: m.publishableKey, headers });
  expect(code.status, code.text).toBe(200);
  return { id: account.body.account.id as string, code: code.body.code as string };
}
afterAll(async () => platform.close());

async function aBarcodedProduct(m: TestMerchant, price_minor: number, stock: Record<string, number>): Promise<{ variant_id: string; barcode: string }> {
  const sku = `SKU-${unique()}`;
  const barcode = `69${Math.floor(Math.random() * 1e11)}`.padEnd(13, '3');
  const res = await m.call('POST', '/v1/products', { body: { title: `Product ${sku}`, status: 'published', variants: [{ sku, barcode, prices: [{ currency: 'EUR', amount_minor: price_minor }] }] } });
  expect(res.status, res.text).toBe(201);
  const variant_id = res.body.variants[0].id as string;
  for (const [location_id, quantity] of Object.entries(stock)) {
    expect((await m.call('POST', '/v1/stock/receipts', { body: { variant_id, location_id, quantity } })).status).toBe(201);
  }
  return { variant_id, barcode };
}

async function aRegister(m: TestMerchant, location_id: string, name = `Till ${unique()}`): Promise<string> {
  const res = await m.call('POST', '/v1/pos/registers', { body: { location_id, name } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

async function allChecksHold(): Promise<void> {
  const reports = await runChecks(db(), [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

describe('tills', () => {
  it('binds clerks to stores: a clerk opens sessions at their store’s registers only, one open session per register', async () => {
    const brand = await platform.merchant(undefined, 'brand');
    const store = await aLocation(brand, 'store');
    const other = await aLocation(brand, 'store');
    const till = await aRegister(brand, store, 'Till 1');
    const otherTill = await aRegister(brand, other, 'Till 1');
    expect((await brand.call('POST', '/v1/pos/registers', { body: { location_id: store, name: 'Till 1' } })).status).toBe(409);
    expect((await brand.call('POST', '/v1/pos/registers', { body: { location_id: await aLocation(brand, 'warehouse'), name: 'Till 1' } })).status).toBe(404);
    const listed = await brand.call('GET', `/v1/pos/registers?location_id=${store}`);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: till, location_id: store, name: 'Till 1', open_session_id: null })]);

    const clerk = await brand.signIn('clerk');
    // A clerk may run tills but not manage them, nor people.
    expect((await clerk.call('POST', '/v1/pos/registers', { body: { location_id: store, name: 'Mine' } })).status).toBe(201);
    expect((await clerk.call('POST', '/v1/locations', { body: {} })).status).toBe(403);
    const notYet = await clerk.call('POST', '/v1/pos/sessions', { body: { register_id: till, opening_float_minor: 10_000 } });
    expect(notYet.status).toBe(403);
    expect(notYet.body.code).toBe('not_clerk_of_store');
    expect((await clerk.call('PUT', `/v1/pos/clerks/${clerk.user_id}`, { body: { location_ids: [store] } })).status).toBe(403);
    const bound = await brand.call('PUT', `/v1/pos/clerks/${clerk.user_id}`, { body: { location_ids: [store] } });
    expect(bound.status, bound.text).toBe(200);
    expect(bound.body).toEqual({ user_id: clerk.user_id, location_ids: [store] });
    const owner = await brand.signIn('owner');
    expect((await brand.call('PUT', `/v1/pos/clerks/${owner.user_id}`, { body: { location_ids: [store] } })).status).toBe(422);

    const opened = await clerk.call('POST', '/v1/pos/sessions', { body: { register_id: till, opening_float_minor: 10_000 } });
    expect(opened.status, opened.text).toBe(201);
    expect(opened.body).toMatchObject({ register_id: till, location_id: store, status: 'open', opening_float_minor: 10_000, opened_by: `user:${clerk.user_id}` });
    const twice = await brand.call('POST', '/v1/pos/sessions', { body: { register_id: till, opening_float_minor: 0 } });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('register_session_open');
    expect((await clerk.call('POST', '/v1/pos/sessions', { body: { register_id: otherTill, opening_float_minor: 0 } })).status).toBe(403);
    expect((await brand.call('GET', `/v1/pos/registers?location_id=${store}`)).body.data).toEqual(expect.arrayContaining([expect.objectContaining({ id: till, open_session_id: opened.body.id })]));

    // Another store's session is not the clerk's to ring up at.
    const elsewhere = await brand.call('POST', '/v1/pos/sessions', { body: { register_id: otherTill, opening_float_minor: 0 } });
    expect((await clerk.call('POST', `/v1/pos/sessions/${elsewhere.body.id}/sales`)).status).toBe(403);

    // Closing with nothing sold: the float is what the drawer should hold.
    const closed = await clerk.call('POST', `/v1/pos/sessions/${opened.body.id}/close`, { body: { counted_cash_minor: 9_500 } });
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body.totals).toMatchObject({ sales_count: 0, gross_minor: 0, refunds_minor: 0, expected_cash_minor: 10_000, counted_cash_minor: 9_500, cash_difference_minor: -500 });
    expect((await clerk.call('POST', `/v1/pos/sessions/${opened.body.id}/sales`)).status).toBe(409);
    expect((await clerk.call('POST', `/v1/pos/sessions/${opened.body.id}/close`, { body: {} })).status).toBe(409);
    // The register is free again.
    expect((await clerk.call('POST', '/v1/pos/sessions', { body: { register_id: till, opening_float_minor: 0 } })).status).toBe(201);
    await allChecksHold();
  });

  it('rings up a sale by barcode; a session with an unpaid sale does not close', async () => {
    const brand = await platform.merchant(undefined, 'brand');
    const store = await aLocation(brand, 'store');
    const tea = await aBarcodedProduct(brand, 1_500, { [store]: 5 });
    const till = await aRegister(brand, store);
    const session = (await brand.call('POST', '/v1/pos/sessions', { body: { register_id: till, opening_float_minor: 0 } })).body.id as string;
    const sale = await brand.call('POST', `/v1/pos/sessions/${session}/sales`);
    expect(sale.status, sale.text).toBe(201);
    expect(sale.body).toMatchObject({ kind: 'pos', pos_session_id: session, status: 'open', lines: [] });
    const unknown = await brand.call('POST', `/v1/pos/sales/${sale.body.id}/scans`, { body: { barcode: '999' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('product_not_found');
    const scanned = await brand.call('POST', `/v1/pos/sales/${sale.body.id}/scans`, { body: { barcode: tea.barcode, quantity: 2 } });
    expect(scanned.status, scanned.text).toBe(200);
    expect(scanned.body).toMatchObject({ subtotal_minor: 3_000, total_minor: 3_000 });
    const busy = await brand.call('POST', `/v1/pos/sessions/${session}/close`, { body: {} });
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('sale_in_progress');
    expect((await brand.call('POST', `/v1/pos/sales/${sale.body.id}/receipt`, { body: {} })).status).toBe(409);
    expect((await brand.call('PUT', `/v1/pos/sales/${sale.body.id}/lines/${tea.variant_id}`, { body: { quantity: 0 } })).body.lines).toEqual([]);
    // An empty sale is dropped at the close.
    const closed = await brand.call('POST', `/v1/pos/sessions/${session}/close`, { body: {} });
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body.totals).toMatchObject({ sales_count: 0, counted_cash_minor: null });
    expect((await brand.call('GET', `/v1/pos/sales/${sale.body.id}`)).status).toBe(404);
    await allChecksHold();
  });

  it('a session’s sales by card and by code, a refund that returns the stock to the store, and the totals at the close', async () => {
    const brand = await platform.merchant(undefined, 'brand');
    const store = await aLocation(brand, 'store');
    const otherStore = await aLocation(brand, 'store');
    const tea = await aBarcodedProduct(brand, 1_500, { [store]: 10, [otherStore]: 10 });
    const clerk = await brand.signIn('clerk');
    expect((await brand.call('PUT', `/v1/pos/clerks/${clerk.user_id}`, { body: { location_ids: [store] } })).status).toBe(200);
    const till = await aRegister(brand, store);
    const session = (await clerk.call('POST', '/v1/pos/sessions', { body: { register_id: till, opening_float_minor: 5_000 } })).body.id as string;

    // A card sale of two.
    const first = (await clerk.call('POST', `/v1/pos/sessions/${session}/sales`)).body.id as string;
    await clerk.call('POST', `/v1/pos/sales/${first}/scans`, { body: { barcode: tea.barcode, quantity: 2 } });
    const byCard = await clerk.call('POST', `/v1/pos/sales/${first}/pay`, { body: { method: 'card', card: testCards.succeeds, wait_ms: 0 } });
    expect(byCard.status, byCard.text).toBe(200);
    expect(byCard.body).toMatchObject({ status: 'paid', total_minor: 3_000, sale: expect.objectContaining({ payment_method: 'card' }) });
    // A member's code for one.
    const member = await aMembersCode(brand);
    const second = (await clerk.call('POST', `/v1/pos/sessions/${session}/sales`)).body.id as string;
    await clerk.call('POST', `/v1/pos/sales/${second}/scans`, { body: { barcode: tea.barcode } });
    const byCode = await clerk.call('POST', `/v1/pos/sales/${second}/pay`, { body: { method: 'code', code: member.code, wait_ms: 0 } });
    expect(byCode.status, byCode.text).toBe(200);
    expect(byCode.body).toMatchObject({ status: 'paid', consumer_id: member.id, total_minor: 1_500 });
    await settlePayments();
    expect(await stockAt(brand, tea.variant_id, store)).toMatchObject({ on_hand: 7, available: 7 });

    // The receipt, printed and mailed.
    const receipt = await clerk.call('POST', `/v1/pos/sales/${first}/receipt`, { body: { email: 'buyer@example.com' } });
    expect(receipt.status, receipt.text).toBe(200);
    expect(receipt.body.text).toContain('Total');
    expect(receipt.body.emailed_to).toBe('buyer@example.com');
    const mailed = await sql<{ n: number }>`select count(*)::int as n from mail_message where merchant_id = ${brand.id} and kind = 'instore_receipt' and to_address = 'buyer@example.com'`.execute(db());
    expect(mailed.rows[0]!.n).toBe(1);

    // The card sale comes back: refunded at the till, its two units back in this store.
    const refund = await clerk.call('POST', `/v1/pos/sessions/${session}/refunds`, { body: { order_id: byCard.body.sale.order_id } });
    expect(refund.status, refund.text).toBe(201);
    expect(refund.body).toMatchObject({ amount_minor: 3_000, order_id: byCard.body.sale.order_id });
    await dispatcher.drain();
    expect(await stockAt(brand, tea.variant_id, store)).toMatchObject({ on_hand: 9, available: 9 });
    expect(await stockAt(brand, tea.variant_id, otherStore)).toMatchObject({ on_hand: 10, available: 10 });
    // Another store's order is not this till's to refund.
    expect((await clerk.call('POST', `/v1/pos/sessions/${session}/refunds`, { body: { order_id: 'ord_elsewhere' } })).status).toBe(404);

    const closed = await clerk.call('POST', `/v1/pos/sessions/${session}/close`, { body: { counted_cash_minor: 5_000 } });
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body.totals).toEqual({
      currency: 'EUR',
      sales_count: 2,
      gross_minor: 4_500,
      discount_minor: 0,
      net_minor: 4_500,
      refunds_count: 1,
      refunds_minor: 3_000,
      by_method: { card: 3_000, code: 1_500 },
      expected_cash_minor: 5_000,
      counted_cash_minor: 5_000,
      cash_difference_minor: 0,
    });
    // Refunds after the close are refused: the session is closed.
    expect((await clerk.call('POST', `/v1/pos/sessions/${session}/refunds`, { body: { order_id: byCode.body.sale.order_id } })).status).toBe(409);
    await allChecksHold();
    // The check recomputes the totals: a closed session whose totals were changed is reported.
    const check = modules.flatMap((m) => m.checks ?? []).find((c) => c.name === 'instore.pos_session_totals')!;
    await sql`update pos_session set totals = jsonb_set(totals, '{net_minor}', '1') where id = ${session}`.execute(db());
    expect(await check.run(db())).toEqual([expect.stringContaining(session)]);
    await sql`update pos_session set totals = jsonb_set(totals, '{net_minor}', '4500') where id = ${session}`.execute(db());
    expect(await check.run(db())).toEqual([]);
  });

  it('a declined card leaves the sale open, its stock back in the store; another card pays it', async () => {
    const brand = await platform.merchant(undefined, 'brand');
    const store = await aLocation(brand, 'store');
    const tea = await aBarcodedProduct(brand, 800, { [store]: 4 });
    const till = await aRegister(brand, store);
    const session = (await brand.call('POST', '/v1/pos/sessions', { body: { register_id: till, opening_float_minor: 0 } })).body.id as string;
    const sale = (await brand.call('POST', `/v1/pos/sessions/${session}/sales`)).body.id as string;
    await brand.call('POST', `/v1/pos/sales/${sale}/scans`, { body: { barcode: tea.barcode, quantity: 3 } });
    const declined = await brand.call('POST', `/v1/pos/sales/${sale}/pay`, { body: { method: 'card', card: testCards.declined, wait_ms: 0 } });
    expect(declined.status).toBe(402);
    expect(declined.headers.get('content-type')).toContain('application/problem+json');
    const after = await brand.call('GET', `/v1/pos/sales/${sale}`);
    expect(after.body).toMatchObject({ status: 'open', sale: null, total_minor: 2_400 });
    await dispatcher.drain();
    expect(await stockAt(brand, tea.variant_id, store)).toMatchObject({ on_hand: 4, reserved: 0, available: 4 });
    expect((await brand.call('POST', `/v1/pos/sessions/${session}/close`, { body: {} })).body.code).toBe('sale_in_progress');
    const paid = await brand.call('POST', `/v1/pos/sales/${sale}/pay`, { body: { method: 'card', card: testCards.succeeds, wait_ms: 0 } });
    expect(paid.status, paid.text).toBe(200);
    expect(paid.body).toMatchObject({ status: 'paid', total_minor: 2_400 });
    await settlePayments();
    expect(await stockAt(brand, tea.variant_id, store)).toMatchObject({ on_hand: 1, available: 1 });
    const closed = await brand.call('POST', `/v1/pos/sessions/${session}/close`, { body: {} });
    expect(closed.body.totals).toMatchObject({ sales_count: 1, gross_minor: 2_400, by_method: { card: 2_400 } });
    await allChecksHold();
  });
});
