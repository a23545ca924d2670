import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/kernel/db.js';
import { ingestEvents, storedIdentifier, type IncomingEvent } from '../src/modules/databank/index.js';
import { attributeFindings } from '../src/modules/insight/attributes.js';
import type { ProductFacts } from '../src/modules/insight/products.js';
import { insightReport } from '../src/modules/insight/report.js';
import { aLocation, aStockedItem, buy, type ShopItem } from './support/commerce.js';
import { markOrderPaid } from './support/orders.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * The product-insight report (issue 20, docs/INSIGHT.md) on planted data: each kind of finding
 * appears where demand outruns supply and stays away where they are in balance; the CSV export;
 * one brand's signals never show in another's report; bad input is refused.
 */
let platform: TestPlatform;
let brand: TestMerchant;
let other: TestMerchant;
const items: Record<string, ShopItem> = {};
let store_short: string;
let store_fine: string;
let counter = 0;

async function file(m: TestMerchant, events: { event: string; properties: Record<string, unknown> }[]): Promise<void> {
  const now = new Date();
  const batch: IncomingEvent[] = events.map((e, i) => ({
    merchant_id: m.id,
    message_id: `insight-${++counter}`,
    type: 'track',
    event: e.event,
    user_id: `shopper-${i % 7}`,
    anonymous_id: null,
    traits: {},
    properties: e.properties,
    context: {},
    occurred_at: new Date(now.getTime() - (1 + (i % 5)) * 3_600_000),
    received_at: now,
    identifiers: [storedIdentifier('user_id', `shopper-${i % 7}`)].filter((x) => x !== undefined),
  }));
  for (let i = 0; i < batch.length; i += 500) await inTransaction(platform.database.db, (trx) => ingestEvents(trx, batch.slice(i, i + 500)));
}

const views = (item: ShopItem, n: number, event = 'Product Viewed') => Array.from({ length: n }, () => ({ event, properties: { product_id: item.product_id } }));

async function search(m: TestMerchant, q: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) expect((await m.call('GET', `/v1/search?q=${encodeURIComponent(q)}`, { key: m.publishableKey })).status).toBe(200);
}

async function sell(m: TestMerchant, item: ShopItem, quantity: number): Promise<void> {
  const res = await buy(m, [{ variant_id: item.variant_id, quantity }]);
  expect(res.status, res.text).toBe(201);
  for (const order of res.body.orders as { id: string }[]) await markOrderPaid(platform.database.db, m.id, order.id);
}

const report = async (m: TestMerchant, days = 7) => {
  const res = await m.call('GET', `/v1/insight/report?days=${days}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { findings: { kind: string; title: string; evidence: any; size: { demand: number; supply: number; ratio: number | null }; score: number }[]; took_ms: number };
};

beforeAll(async () => {
  platform = await createTestPlatform();
  brand = await platform.merchant();
  other = await platform.merchant();
  const warehouse = await aLocation(brand);
  const at = (material: string) => ({ extra: { attributes: { material } } });
  items.linen = await aStockedItem(brand, { location_id: warehouse, units: 10, ...at('linen') });
  items.cotton = await aStockedItem(brand, { location_id: warehouse, units: 100, ...at('cotton') });
  items.wool = await aStockedItem(brand, { location_id: warehouse, units: 90, ...at('wool') });
  // A teapot at 600 yuan, sold out: the 500-1000 band has nothing to buy.
  items.teapot = await aStockedItem(brand, { location_id: warehouse, units: 0, price_minor: 60_000 });
  await file(brand, [...views(items.linen, 90), ...views(items.linen, 10, 'Product Added'), ...views(items.cotton, 100), ...views(items.wool, 10), ...views(items.teapot, 30)]);
  // Searches filtered to 2 000-3 000 yuan, where the brand sells nothing.
  await file(brand, Array.from({ length: 12 }, () => ({ event: 'Products Searched', properties: { query: 'gift', price_min: 200_000, price_max: 300_000 } })));
  await search(brand, 'jasmine pearls', 5);
  await search(brand, 'a slip once', 1);

  // Two stores: one sells ten of an item it holds twelve of (a week's pace of 20 for the next two weeks), one sells 1 of 100.
  store_short = await aLocation(brand, 'store');
  store_fine = await aLocation(brand, 'store');
  items.busy = await aStockedItem(brand, { location_id: store_short, units: 12 });
  items.quiet = await aStockedItem(brand, { location_id: store_fine, units: 100 });
  await sell(brand, items.busy, 10);
  await sell(brand, items.quiet, 1);

  // Another brand with nothing planted but a view of its own.
  const theirs = await aStockedItem(other, { units: 5 });
  await file(other, views(theirs, 3));
}, 120_000);
afterAll(async () => platform.close());

describe('the product-insight report', () => {
  it('lists a query that found nothing with the searches that found nothing as its size; a single slip is not a finding', async () => {
    const { findings } = await report(brand);
    const jasmine = findings.find((f) => f.kind === 'zero_result_search' && f.evidence.query === 'jasmine pearls');
    expect(jasmine?.size).toEqual({ demand: 5, supply: 0, ratio: null });
    expect(jasmine?.evidence).toMatchObject({ searches: 5, zero_results: 5, days: 1 });
    expect(findings.some((f) => f.kind === 'zero_result_search' && f.evidence.query === 'a slip once')).toBe(false);
  });

  it('flags an attribute value viewed far more than it is stocked, and not one in balance', async () => {
    const { findings } = await report(brand);
    const attributes = findings.filter((f) => f.kind === 'attribute_gap');
    const linen = attributes.find((f) => f.evidence.attributes.material === 'linen');
    // 100 of 240 signals (42%) against 10 of 200 units (5%).
    expect(linen?.size.demand).toBe(100);
    expect(linen?.size.supply).toBe(10);
    expect(linen?.size.ratio).toBeGreaterThan(8);
    expect(linen?.evidence).toMatchObject({ views: 90, carts: 10, top_products: [{ product_id: items.linen!.product_id, units_available: 10 }] });
    expect(attributes.some((f) => f.evidence.attributes.material === 'cotton' || f.evidence.attributes.material === 'wool')).toBe(false);
  });

  it('flags a price band with demand and nothing to buy, from views of a sold-out product and from price-filtered searches', async () => {
    const { findings } = await report(brand);
    const bands = findings.filter((f) => f.kind === 'price_band_gap');
    const teapots = bands.find((f) => f.evidence.band.from_minor === 50_000);
    expect(teapots?.evidence).toMatchObject({ band: { to_minor: 100_000 }, views: 30, sellable_products: 0, products_priced_in_band: 1 });
    expect(teapots?.size).toEqual({ demand: 30, supply: 0, ratio: null });
    const searched = bands.find((f) => f.evidence.band.from_minor === 200_000);
    expect(searched?.evidence).toMatchObject({ filtered_searches: 12, sellable_products: 0 });
    // Where everything else sells (10-20 yuan), demand and offer are in balance.
    expect(bands.some((f) => f.evidence.band.from_minor === 1_000)).toBe(false);
  });

  it('flags a store whose demand over the next two weeks exceeds its stock, and not a store with plenty', async () => {
    const { findings } = await report(brand);
    const stores = findings.filter((f) => f.kind === 'store_shortfall');
    const short = stores.find((f) => f.evidence.location.id === store_short);
    // Ten sold in seven days: 20 over the next 14, against the 2 left.
    expect(short?.size).toEqual({ demand: 20, supply: 2, ratio: 10 });
    expect(short?.evidence).toMatchObject({ source: 'sales', items: [{ variant_id: items.busy!.variant_id, sold_in_period: 10, available: 2, shortfall: 18 }] });
    expect(stores.some((f) => f.evidence.location.id === store_fine)).toBe(false);
  });

  it('sorts the findings by score, each with its size, in well under a second', async () => {
    const body = await report(brand, 7);
    expect(body.findings.length).toBeGreaterThanOrEqual(5);
    expect(new Set(body.findings.map((f) => f.kind)).size).toBeGreaterThanOrEqual(4);
    const scores = body.findings.map((f) => f.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(typeof body.took_ms).toBe('number');
  });

  it('exports the findings as CSV, a header row then one row per finding in score order', async () => {
    const res = await brand.call('GET', '/v1/insight/report.csv?days=7');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = res.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('rank,kind,score,title,demand,supply,ratio,evidence');
    const json = await report(brand);
    expect(lines.length).toBe(json.findings.length + 1);
    expect(lines[1]!.startsWith(`1,${json.findings[0]!.kind},${json.findings[0]!.score},`)).toBe(true);
    const jasmine = lines.find((l) => l.includes('jasmine pearls'));
    expect(jasmine).toMatch(/^\d+,zero_result_search,[\d.]+,“jasmine pearls” was searched 5 times and found nothing,5,0,,"\{""query"":""jasmine pearls""/);
  });

  it('never shows one brand’s signals in another’s report', async () => {
    const res = await other.call('GET', '/v1/insight/report?days=30');
    expect(res.status).toBe(200);
    for (const marker of ['jasmine pearls', brand.id, ...Object.values(items).map((i) => i.product_id), store_short]) expect(res.text).not.toContain(marker);
    const direct = await insightReport(platform.database.db, other.id, { days: 30 });
    expect(direct.findings.filter((f) => f.kind === 'zero_result_search')).toEqual([]);
  });

  it('refuses days outside 1 to 365 and needs the insight:read scope', async () => {
    // Out of range is a field error like every other route's: 400 validation_failed, naming `days`.
    for (const path of ['/v1/insight/report?days=0', '/v1/insight/report?days=366', '/v1/insight/report.csv?days=400', '/v1/insight/report?days=abc', '/v1/insight/report?days=1.5']) {
      const res = await brand.call('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type'), path).toContain('application/problem+json');
      expect(res.body.code, path).toBe('validation_failed');
      expect(res.body.errors, path).toEqual([expect.objectContaining({ field: 'days', location: 'query' })]);
    }
    for (const days of [1, 365]) expect((await brand.call('GET', `/v1/insight/report?days=${days}`)).status, `days=${days}`).toBe(200);
    expect((await brand.call('GET', '/v1/insight/report', { key: brand.publishableKey })).status).toBe(403);
  });

  it('counts what approved purchase orders will bring a store as supply: an order that covers the shortfall ends the finding', async () => {
    const supplier = await brand.call('POST', '/v1/suppliers', { body: { name: 'Busy goods', currency: 'CNY', lead_time_days: 2 } });
    expect(supplier.status, supplier.text).toBe(201);
    const partial = await brand.call('POST', '/v1/purchase-orders', { body: { supplier_id: supplier.body.id, location_id: store_short, lines: [{ variant_id: items.busy!.variant_id, quantity: 8, unit_cost_minor: 100 }] } });
    expect(partial.status, partial.text).toBe(201);
    // 20 wanted against 2 there and 8 coming: still short, by 10.
    const after = (await report(brand)).findings.find((f) => f.kind === 'store_shortfall' && f.evidence.location.id === store_short);
    expect(after?.size).toEqual({ demand: 20, supply: 10, ratio: 2 });
    expect(after?.evidence).toMatchObject({ on_order: 8, items: [{ available: 2, on_order: 8, shortfall: 10 }] });
    const rest = await brand.call('POST', '/v1/purchase-orders', { body: { supplier_id: supplier.body.id, location_id: store_short, lines: [{ variant_id: items.busy!.variant_id, quantity: 20, unit_cost_minor: 100 }] } });
    expect(rest.status, rest.text).toBe(201);
    expect((await report(brand)).findings.some((f) => f.kind === 'store_shortfall' && f.evidence.location.id === store_short)).toBe(false);
  });
});

describe('attribute pairs', () => {
  const product = (id: string, attributes: Record<string, string>, units: number): ProductFacts => ({ id, title: id, status: 'published', attributes, options: [], price_minor: 1_000, units });
  it('reports a pair wanted beyond what either value alone shows, and not its values', () => {
    // Linen and white are each a little ahead of their stock (1.7×); white linen is 15× ahead.
    const products = [product('white-linen', { material: 'linen', colour: 'white' }, 10), product('blue-linen', { material: 'linen', colour: 'blue' }, 90), product('white-silk', { material: 'silk', colour: 'white' }, 90), product('blue-silk', { material: 'silk', colour: 'blue' }, 10)];
    const demand = new Map(Object.entries({ 'white-linen': { views: 90, carts: 10 }, 'blue-linen': { views: 10, carts: 0 }, 'white-silk': { views: 10, carts: 0 }, 'blue-silk': { views: 10, carts: 0 } }));
    const findings = attributeFindings(products, demand);
    expect(findings.map((f) => f.evidence.attributes)).toEqual([{ colour: 'white', material: 'linen' }]);
    expect(findings[0]!.size).toMatchObject({ demand: 100, supply: 10 });
    expect(findings[0]!.size.ratio).toBeGreaterThan(15);
  });

  it('names a set of products once, under the value that scores best', () => {
    const products = [product('tin', { type: 'oolong', season: 'spring' }, 5), product('other', { type: 'green', season: 'summer' }, 95)];
    const findings = attributeFindings(products, new Map([['tin', { views: 50, carts: 0 }], ['other', { views: 50, carts: 0 }]]));
    expect(findings).toHaveLength(1);
  });
});
