import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import type { DemoCredentials } from '../src/kernel/module.js';
import { seedDemo } from '../src/kernel/seed.js';
import { modules, registry } from '../src/platform/modules.js';
import { aLocation, buy } from './support/commerce.js';
import { createTestPlatform, silentLogger, testConfig, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * GET /v1/stock/matrix: variants × locations, with available = on hand − reserved, low at or
 * below the threshold, out at nothing available, totals per row, per location and overall over
 * every matching row, and never another merchant's stock.
 */
let platform: TestPlatform;
let shop: TestMerchant;
let other: TestMerchant;
let store: string;
let warehouse: string;
let tea: string; // stocked at both, some of it reserved
let cups: string; // stocked at the warehouse, then sold out
let napkins: string; // never stocked
let demo: DemoCredentials;

interface Cell {
  location_id: string;
  on_hand: number;
  reserved: number;
  available: number;
  low_stock_threshold: number;
  low: boolean;
  out: boolean;
}
interface Row {
  variant_id: string;
  sku: string;
  title: string;
  title_i18n: Record<string, string>;
  totals: { on_hand: number; reserved: number; available: number; low_locations: number; out_locations: number };
  cells: Cell[];
}
interface Column {
  id: string;
  name: string;
  totals: { on_hand: number; reserved: number; available: number; stocked_variants: number; low_variants: number; out_variants: number };
}

async function product(m: TestMerchant, title: string, sku: string, title_i18n: Record<string, string> = {}): Promise<string> {
  const res = await m.call('POST', '/v1/products', { body: { title, title_i18n, status: 'published', variants: [{ sku, prices: [{ currency: 'CNY', amount_minor: 1_000 }] }] } });
  expect(res.status, res.text).toBe(201);
  return res.body.variants[0].id as string;
}

async function receive(m: TestMerchant, variant_id: string, location_id: string, quantity: number): Promise<void> {
  const res = await m.call('POST', '/v1/stock/receipts', { body: { variant_id, location_id, quantity } });
  expect(res.status, res.text).toBe(201);
}

async function threshold(m: TestMerchant, variant_id: string, location_id: string, low_stock_threshold: number): Promise<void> {
  const res = await m.call('PUT', '/v1/stock/thresholds', { body: { variant_id, location_id, low_stock_threshold } });
  expect(res.status, res.text).toBe(200);
}

async function matrix(m: TestMerchant | string, query = ''): Promise<{ locations: Column[]; data: Row[]; totals: Record<string, number>; next_cursor: string | null }> {
  const res = typeof m === 'string' ? await platform.app.request(`/v1/stock/matrix${query}`, { headers: { authorization: `Bearer ${m}` } }) : undefined;
  if (res !== undefined) {
    expect(res.status).toBe(200);
    return (await res.json()) as never;
  }
  const call = await (m as TestMerchant).call('GET', `/v1/stock/matrix${query}`);
  expect(call.status, call.text).toBe(200);
  return call.body;
}

const cellOf = (row: Row | undefined, location_id: string) => row?.cells.find((c) => c.location_id === location_id);

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_DATA_DIR: `/tmp/openbos-stock-matrix-${process.pid}` });
  // The demo platform first: its seed stocks every merchant there is, as on a first start.
  demo = (await seedDemo({ db: platform.database.db, config: testConfig({ OPENBOS_DATA_DIR: `/tmp/openbos-stock-matrix-${process.pid}` }), logger: silentLogger, registry }, modules))!;
  shop = await platform.merchant(undefined, 'retailer');
  other = await platform.merchant();
  store = await aLocation(shop, 'store');
  warehouse = await aLocation(shop, 'warehouse', { latitude: 31.1, longitude: 121.6 });
  tea = await product(shop, 'Jasmine tea', 'MX-TEA', { 'zh-CN': '茉莉花茶' });
  cups = await product(shop, 'Paper cups', 'MX-CUPS');
  napkins = await product(shop, 'Napkins', 'MX-NAPKINS');
  await receive(shop, tea, store, 10);
  await receive(shop, tea, warehouse, 5);
  // A buyer's order reserves 3 where most is available: the store.
  const order = await buy(shop, [{ variant_id: tea, quantity: 3 }]);
  expect(order.status, order.text).toBe(201);
  await receive(shop, cups, warehouse, 4);
  expect((await shop.call('POST', '/v1/stock/adjustments', { body: { variant_id: cups, location_id: warehouse, on_hand_delta: -4, note: 'sold at the counter' } })).status).toBe(201);
  // Another merchant's stock, at its own location, with a product of the same name.
  const elsewhere = await aLocation(other, 'store');
  const theirs = await product(other, 'Jasmine tea', 'MX-TEA');
  await receive(other, theirs, elsewhere, 99);
  await threshold(other, theirs, elsewhere, 100);
});
afterAll(async () => platform.close());

describe('the stock matrix', () => {
  it('shows on hand, reserved and available per variant and location, with totals per row, per location and overall', async () => {
    const m = await matrix(shop);
    expect(m.locations.map((l) => l.id).sort()).toEqual([store, warehouse].sort());
    expect(m.data.map((r) => r.variant_id)).toEqual([tea, cups, napkins].sort());
    const teaRow = m.data.find((r) => r.variant_id === tea)!;
    expect(cellOf(teaRow, store)).toMatchObject({ on_hand: 10, reserved: 3, available: 7, low: false, out: false });
    expect(cellOf(teaRow, warehouse)).toMatchObject({ on_hand: 5, reserved: 0, available: 5 });
    expect(teaRow.totals).toEqual({ on_hand: 15, reserved: 3, available: 12, low_locations: 0, out_locations: 0 });
    expect(teaRow).toMatchObject({ sku: 'MX-TEA', title: 'Jasmine tea', title_i18n: { 'zh-CN': '茉莉花茶' } });
    const cupsRow = m.data.find((r) => r.variant_id === cups)!;
    expect(cellOf(cupsRow, warehouse)).toMatchObject({ on_hand: 0, available: 0, out: true, low: false });
    expect(cellOf(cupsRow, store)).toBeUndefined();
    expect(cupsRow.totals).toMatchObject({ available: 0, out_locations: 1 });
    // A variant never stocked anywhere is still a row, with no cells.
    expect(m.data.find((r) => r.variant_id === napkins)).toMatchObject({ cells: [], totals: { on_hand: 0, reserved: 0, available: 0, low_locations: 0, out_locations: 0 } });
    const column = (id: string) => m.locations.find((l) => l.id === id)!.totals;
    expect(column(store)).toEqual({ on_hand: 10, reserved: 3, available: 7, stocked_variants: 1, low_variants: 0, out_variants: 0 });
    expect(column(warehouse)).toEqual({ on_hand: 5, reserved: 0, available: 5, stocked_variants: 2, low_variants: 0, out_variants: 1 });
    expect(m.totals).toEqual({ on_hand: 15, reserved: 3, available: 12, rows: 3, low_cells: 0, out_cells: 1 });
  });

  it('counts a level as low exactly when what is available is at or below its threshold, and as out when nothing is', async () => {
    await threshold(shop, tea, store, 6);
    expect(cellOf((await matrix(shop)).data.find((r) => r.variant_id === tea), store)).toMatchObject({ available: 7, low_stock_threshold: 6, low: false });
    await threshold(shop, tea, store, 7);
    const m = await matrix(shop);
    expect(cellOf(m.data.find((r) => r.variant_id === tea), store)).toMatchObject({ available: 7, low_stock_threshold: 7, low: true, out: false });
    expect(m.locations.find((l) => l.id === store)!.totals.low_variants).toBe(1);
    expect(m.totals).toMatchObject({ low_cells: 1, out_cells: 1 });
    // An empty level is out, not low, whatever its threshold.
    await threshold(shop, cups, warehouse, 2);
    expect(cellOf((await matrix(shop)).data.find((r) => r.variant_id === cups), warehouse)).toMatchObject({ out: true, low: false });
  });

  it('filters rows by status, by SKU and by the title in any language, and the totals follow the filter', async () => {
    expect((await matrix(shop, '?status=low')).data.map((r) => r.variant_id)).toEqual([tea]);
    const out = await matrix(shop, '?status=out');
    expect(out.data.map((r) => r.variant_id)).toEqual([cups]);
    expect(out.totals).toMatchObject({ rows: 1, on_hand: 0, out_cells: 1, low_cells: 0 });
    expect(out.locations.find((l) => l.id === store)!.totals.stocked_variants).toBe(0);
    expect((await matrix(shop, '?status=attention')).data.map((r) => r.variant_id).sort()).toEqual([tea, cups].sort());
    expect((await matrix(shop, '?q=mx-cu')).data.map((r) => r.variant_id)).toEqual([cups]);
    const zh = await matrix(shop, `?q=${encodeURIComponent('茉莉')}`);
    expect(zh.data.map((r) => r.variant_id)).toEqual([tea]);
    expect(zh.totals).toMatchObject({ rows: 1, on_hand: 15, reserved: 3, available: 12 });
    expect((await matrix(shop, '?q=100%25')).data).toEqual([]);
    const one = await matrix(shop, `?variant_id=${cups}`);
    expect(one.data.map((r) => r.variant_id)).toEqual([cups]);
    expect(one.locations.find((l) => l.id === warehouse)!.totals).toMatchObject({ stocked_variants: 1, out_variants: 1 });
  });

  it('pages through the rows, each once, while every page carries the same columns and totals', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof matrix>> = await matrix(shop, `?limit=1${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(page.data).toHaveLength(1);
      expect(page.totals.rows).toBe(3);
      expect(page.locations).toHaveLength(2);
      seen.push(page.data[0]!.variant_id);
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual([tea, cups, napkins].sort());
  });

  it('never shows another merchant’s stock, locations or products', async () => {
    const mine = await matrix(shop, '?q=MX-TEA');
    expect(mine.data).toHaveLength(1);
    expect(mine.totals.on_hand).toBe(15);
    const theirs = await matrix(other);
    expect(theirs.data).toHaveLength(1);
    expect(theirs.locations).toHaveLength(1);
    expect(theirs.totals).toMatchObject({ on_hand: 99, low_cells: 1, rows: 1 });
    for (const id of [store, warehouse]) expect(theirs.locations.some((l) => l.id === id)).toBe(false);
  });

  it('answers bad input with problem+json', async () => {
    for (const query of ['?status=empty', '?limit=0', '?limit=101', '?cursor=not-a-cursor', `?q=${'x'.repeat(201)}`]) {
      const res = await shop.call('GET', `/v1/stock/matrix${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type'), query).toContain('application/problem+json');
      expect(res.body.code, query).toBe('validation_failed');
    }
    const publishable = await shop.call('GET', '/v1/stock/matrix', { key: shop.publishableKey });
    expect(publishable.status).toBe(403);
  });

  it('names the levels of GET /v1/stock in every language the product has', async () => {
    const res = await shop.call('GET', `/v1/stock?variant_id=${tea}`);
    expect(res.body.data[0]).toMatchObject({ title: 'Jasmine tea', product_title: 'Jasmine tea', title_i18n: { 'zh-CN': '茉莉花茶' } });
  });
});

describe('the demo stock', () => {
  it('has sensible thresholds with something low and something sold out, and every invariant holds', async () => {
    const mart = demo.merchants.find((m) => m.handle === 'demo-mart')!;
    const m = await matrix(mart.secret_key, '?status=attention');
    const lujiazui = m.locations.find((l) => l.name.includes('Lujiazui'))!;
    const mooncakes = m.data.find((r) => r.sku === 'MC-LOTUS')!;
    expect(mooncakes.title_i18n['zh-CN']).toBe('莲蓉月饼礼盒');
    expect(cellOf(mooncakes, lujiazui.id)).toMatchObject({ on_hand: 0, out: true });
    expect(m.totals.low_cells).toBeGreaterThanOrEqual(2);
    expect(m.totals.out_cells).toBeGreaterThanOrEqual(1);
    // Most of the range is fine: the thresholds are reorder points, not a wall of red.
    const all = await matrix(mart.secret_key);
    const cells = all.data.flatMap((r) => r.cells);
    expect(cells.every((c) => c.low_stock_threshold > 0)).toBe(true);
    expect(cells.filter((c) => !c.low && !c.out).length).toBeGreaterThan(cells.length / 2);
    // Every demo shop that keeps stock to reorder has something to act on.
    for (const handle of ['demo-brand', 'demo-wholesale']) {
      const key = demo.merchants.find((x) => x.handle === handle)!.secret_key;
      expect((await matrix(key, '?status=low')).data.length, handle).toBeGreaterThan(0);
    }
    // The overview's low-stock list shows them, and selling down through a threshold raised the event.
    const overview = await platform.app.request('/v1/analytics/overview', { headers: { authorization: `Bearer ${mart.secret_key}` } });
    expect(((await overview.json()) as { low_stock: unknown[] }).low_stock.length).toBeGreaterThanOrEqual(3);
    const events = await sql<{ n: number }>`select count(*)::int as n from bos_outbox_event where type = 'inventory.stock_low' and merchant_id = ${mart.merchant_id}`.execute(platform.database.db);
    expect(events.rows[0]!.n).toBeGreaterThanOrEqual(3);
    const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((x) => x.checks ?? [])], platform.ctx.config);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
  });
});
