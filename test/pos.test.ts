import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { modules } from '../src/platform/modules.js';
import { aLocation } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Tills (docs/STORES.md, "Scan-and-pay and tills"): a store's registers, clerks bound to stores,
 * register sessions from the opening float to the close and its totals.
 */
let platform: TestPlatform;
const db = () => platform.database.db;
let n = 0;
const unique = () => `${process.pid}-${++n}-${Math.random().toString(36).slice(2, 7)}`;

beforeAll(async () => {
  platform = await createTestPlatform();
});
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
});
