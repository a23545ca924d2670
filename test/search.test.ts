import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/kernel/checks.js';
import { inTransaction } from '../src/kernel/db.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { attributionSecret, flushServed, verifyToken } from '../src/modules/attribution/index.js';
import { zeroResultFindings } from '../src/modules/insight/zero-results.js';
import { ingestEvents, storedIdentifier, type IncomingEvent } from '../src/modules/databank/index.js';
import { flushQueryLog, indexMissing, queryLogStats, searchModule } from '../src/modules/search/index.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Product search (docs/SEARCH.md): Chinese and English, typos in either, synonyms, facets, stock
 * nearby, a storefront that never sees drafts or another brand's products, searches without a
 * result recorded, and the consumer's preferences breaking ties.
 */
let platform: TestPlatform;
const db = () => platform.database.db;

/** Delivers the catalog's events to the search index, as the server's dispatcher does. */
async function indexEvents(): Promise<void> {
  const dispatcher = new OutboxDispatcher({ db: db(), pool: platform.database.pool, handlers: searchModule.handlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
  await dispatcher.drain();
}

let skus = 0;
async function aProduct(m: TestMerchant, p: { title: string; title_i18n?: Record<string, string>; description?: string; category_id?: string; attributes?: Record<string, string>; price?: number; status?: string }): Promise<{ product_id: string; variant_id: string }> {
  const res = await m.call('POST', '/v1/products', {
    body: {
      title: p.title,
      ...(p.title_i18n === undefined ? {} : { title_i18n: p.title_i18n }),
      ...(p.description === undefined ? {} : { description: p.description }),
      ...(p.category_id === undefined ? {} : { category_id: p.category_id }),
      attributes: p.attributes ?? {},
      status: p.status ?? 'published',
      variants: [{ sku: `SRCH-${process.pid}-${++skus}`, prices: [{ currency: 'EUR', amount_minor: p.price ?? 1_000 }] }],
    },
  });
  expect(res.status, res.text).toBe(201);
  return { product_id: res.body.id as string, variant_id: res.body.variants[0].id as string };
}

async function aCategory(m: TestMerchant, name: string): Promise<string> {
  const res = await m.call('POST', '/v1/categories', { body: { name } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

let codes = 0;
async function aStore(m: TestMerchant, at: { latitude: number; longitude: number }): Promise<string> {
  const res = await m.call('POST', '/v1/locations', { body: { kind: 'store', code: `SR${process.pid}-${++codes}`, name: `Store ${codes}`, address: { line1: '1 Road', city: 'Hangzhou', country: 'CN' }, ...at, timezone: 'Asia/Shanghai' } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

const search = (m: TestMerchant, query: string, options: { key?: string; headers?: Record<string, string> } = {}) =>
  m.call('GET', `/v1/search?${query}`, { key: options.key ?? m.publishableKey, ...(options.headers === undefined ? {} : { headers: options.headers }) });
const ids = (res: { body: { data: { product_id: string }[] } }) => res.body.data.map((d) => d.product_id);

let m: TestMerchant;
let other: TestMerchant;
let tea: string;
let ware: string;
let longjing: { product_id: string; variant_id: string };
let oolong: { product_id: string; variant_id: string };
let jasmine: { product_id: string; variant_id: string };
let teapot: { product_id: string; variant_id: string };
let draft: { product_id: string; variant_id: string };
let theirs: { product_id: string; variant_id: string };

beforeAll(async () => {
  platform = await createTestPlatform();
  m = await platform.merchant();
  other = await platform.merchant();
  tea = await aCategory(m, 'Tea');
  ware = await aCategory(m, 'Teaware');
  longjing = await aProduct(m, { title: '西湖龙井绿茶', title_i18n: { en: 'West Lake Longjing green tea' }, description: '明前特级，杭州西湖产区', category_id: tea, attributes: { origin: 'Hangzhou', grade: 'premium' }, price: 3_000 });
  oolong = await aProduct(m, { title: 'Tieguanyin oolong tea', title_i18n: { 'zh-CN': '铁观音乌龙茶' }, category_id: tea, attributes: { origin: 'Fujian' }, price: 1_500 });
  jasmine = await aProduct(m, { title: 'Jasmine green tea', title_i18n: { 'zh-CN': '茉莉花茶' }, category_id: tea, attributes: { origin: 'Fujian' }, price: 800 });
  teapot = await aProduct(m, { title: 'Ceramic teapot', title_i18n: { 'zh-CN': '陶瓷茶壶' }, description: 'For brewing green tea', category_id: ware, attributes: { material: 'ceramic' }, price: 12_000 });
  draft = await aProduct(m, { title: '西湖龙井礼盒', title_i18n: { en: 'Longjing gift box' }, category_id: tea, status: 'draft', price: 9_000 });
  theirs = await aProduct(other, { title: '西湖龙井 特级', title_i18n: { en: 'Longjing special grade' }, price: 5_000 });
  await indexEvents();
});
afterAll(async () => platform.close());

describe('finding products in Chinese and English', () => {
  it('a Chinese query finds the product, and a publishable key never finds a draft', async () => {
    const res = await search(m, `q=${encodeURIComponent('龙井')}`);
    expect(res.status, res.text).toBe(200);
    expect(ids(res)).toEqual([longjing.product_id]);
    expect(res.body).toMatchObject({ query: '龙井', corrected_query: null, total: 1 });
    expect(res.body.data[0]).toMatchObject({ title: '西湖龙井绿茶', price: { currency: 'EUR', min_minor: 3_000, max_minor: 3_000 }, category_id: tea, highlights: ['龙井'] });
    // Even asking for drafts, a publishable key gets published products only; a secret key gets the draft.
    expect(ids(await search(m, `q=${encodeURIComponent('龙井')}&include_unpublished=true`))).toEqual([longjing.product_id]);
    expect(ids(await search(m, `q=${encodeURIComponent('龙井')}&include_unpublished=true`, { key: m.secretKey })).sort()).toEqual([longjing.product_id, draft.product_id].sort());
    expect(ids(await search(m, `q=${encodeURIComponent('龙井')}`, { key: m.secretKey }))).toEqual([longjing.product_id]);
    // A one-character query still matches words containing it.
    expect(ids(await search(m, `q=${encodeURIComponent('茶')}`)).sort()).toEqual([longjing.product_id, oolong.product_id, jasmine.product_id, teapot.product_id].sort());
  });

  it('a homophone typo (西湖龙景) still finds 西湖龙井绿茶 and says what it searched', async () => {
    const res = await search(m, `q=${encodeURIComponent('西湖龙景')}`);
    expect(res.status, res.text).toBe(200);
    expect(ids(res)).toEqual([longjing.product_id]);
    expect(res.body.corrected_query).toBe('西湖龙井');
  });

  it('an English typo finds it too (longjng → longjing, the pinyin of 龙井), and English words are stemmed', async () => {
    const typo = await search(m, 'q=longjng');
    expect(ids(typo)).toEqual([longjing.product_id]);
    expect(typo.body.corrected_query).toBe('longjing');
    const exact = await search(m, 'q=longjing');
    expect(ids(exact)).toEqual([longjing.product_id]);
    expect(exact.body.corrected_query).toBeNull();
    expect(ids(await search(m, 'q=oolnog'))).toEqual([oolong.product_id]);
    // "teas" is stemmed to "tea"; all three teas, and the teapot whose description says "green tea".
    const teas = await search(m, 'q=green+teas');
    expect(ids(teas).sort()).toEqual([longjing.product_id, jasmine.product_id, teapot.product_id].sort());
    // Title beats description: the teapot mentions green tea only in its description.
    expect(ids(teas).at(-1)).toBe(teapot.product_id);
    // Too short to correct: three letters must be right.
    expect((await search(m, 'q=tae')).body.total).toBe(0);
  });

  it('a homophone typo of a name jieba’s dictionary lacks (单从 for 凤凰单丛, 猴葵 for 太平猴魁) still finds it, and is no search without a result; such a name never corrects a Latin word', async () => {
    // Tea names such as 单丛 and 猴魁 are not in jieba's dictionary: without its HMM they are
    // indexed as single characters, so their pinyin (dancong, houkui) was never in the vocabulary
    // and a homophone typo found nothing (the demo's oolong shoppers' 单从 was a zero-result search).
    const shop = await platform.merchant();
    const dancong = await aProduct(shop, { title: '凤凰单丛蜜兰香', title_i18n: { en: 'Phoenix Dancong honey orchid oolong' } });
    const houkui = await aProduct(shop, { title: '太平猴魁', title_i18n: { en: 'Taiping Houkui green tea' } });
    // 茶礼 (chali) is a name only the HMM finds too: it must not turn an English "chai" into a gift box.
    await aProduct(shop, { title: '中秋茶礼月饼礼盒', title_i18n: { en: 'Mid-autumn mooncake gift box' } });
    await indexEvents();
    const typo = await search(shop, `q=${encodeURIComponent('单从')}`);
    expect(typo.status, typo.text).toBe(200);
    expect(ids(typo)).toEqual([dancong.product_id]);
    expect(typo.body.corrected_query).toBe('单丛');
    const typo2 = await search(shop, `q=${encodeURIComponent('猴葵')}`);
    expect(ids(typo2)).toEqual([houkui.product_id]);
    expect(typo2.body.corrected_query).toBe('猴魁');
    // Spelt right, it is found as typed; and by its pinyin.
    const exact = await search(shop, `q=${encodeURIComponent('单丛')}`);
    expect(ids(exact)).toEqual([dancong.product_id]);
    expect(exact.body.corrected_query).toBeNull();
    expect(ids(await search(shop, 'q=dancong'))).toEqual([dancong.product_id]);
    const chai = await search(shop, 'q=chai');
    expect(chai.body).toMatchObject({ total: 0, corrected_query: null });
    // Only the English word nothing answers is a search without a result.
    const zero = await shop.call('GET', '/v1/search/zero-results');
    expect(zero.status, zero.text).toBe(200);
    expect(zero.body.data.map((z: { query: string }) => z.query)).toEqual(['chai']);
  });

  it('never finds another merchant’s products', async () => {
    const mine = await search(m, `q=${encodeURIComponent('龙井 特级')}`);
    expect(ids(mine)).toEqual([longjing.product_id]);
    expect(mine.text).not.toContain(theirs.product_id);
    const theirAnswer = await search(other, 'q=longjing');
    expect(ids(theirAnswer)).toEqual([theirs.product_id]);
    expect(theirAnswer.text).not.toContain(m.id);
  });

  it('keeps the index with the catalogue: an unpublished product disappears, a renamed one is found by its new name', async () => {
    const p = await aProduct(m, { title: 'Silver needle white tea', category_id: tea, price: 2_200 });
    await indexEvents();
    expect(ids(await search(m, 'q=silver+needle'))).toEqual([p.product_id]);
    expect((await m.call('PATCH', `/v1/products/${p.product_id}`, { body: { title: 'Bai Hao Yin Zhen' } })).status).toBe(200);
    await indexEvents();
    expect((await search(m, 'q=silver+needle')).body.total).toBe(0);
    expect(ids(await search(m, 'q=yin+zhen'))).toEqual([p.product_id]);
    expect((await m.call('PATCH', `/v1/products/${p.product_id}`, { body: { status: 'archived' } })).status).toBe(200);
    await indexEvents();
    expect((await search(m, 'q=yin+zhen')).body.total).toBe(0);
  });
});

describe('what a search keeps in process (docs/SEARCH.md, "Caches")', () => {
  it('a word the vocabulary gains is no longer corrected: indexing drops the brand’s cached vocabulary', async () => {
    // `tieguanyn` is not the catalogue's: corrected to tieguanyin, and that answer is now cached.
    const before = await search(m, 'q=tieguanyn');
    expect(before.body.corrected_query).toBe('tieguanyin');
    expect(ids(before)).toEqual([oolong.product_id]);
    // A product spelled that way arrives; once indexed, the word is the brand's and is searched as typed.
    const p = await aProduct(m, { title: 'Tieguanyn house blend', category_id: tea, price: 1_200 });
    await indexEvents();
    const after = await search(m, 'q=tieguanyn');
    expect(after.body.corrected_query).toBeNull();
    expect(ids(after)).toEqual([p.product_id]);
    // Unpublished: gone from the storefront's answers at the next index catch-up.
    expect((await m.call('PATCH', `/v1/products/${p.product_id}`, { body: { status: 'draft' } })).status).toBe(200);
    await indexEvents();
    expect((await search(m, 'q=tieguanyn')).body.total).toBe(0);
    expect(ids(await search(m, 'q=tieguanyn&include_unpublished=true', { key: m.secretKey }))).toEqual([p.product_id]);
    expect((await m.call('PATCH', `/v1/products/${p.product_id}`, { body: { status: 'archived' } })).status).toBe(200);
    await indexEvents();
  });

  it('a synonym group added or deleted applies from the next search, though the groups are cached', async () => {
    // Cached: no group names "brewer" yet.
    expect((await search(m, 'q=brewer')).body.total).toBe(0);
    const added = await m.call('POST', '/v1/search/synonyms', { body: { terms: ['brewer', 'teapot'] } });
    expect(added.status, added.text).toBe(201);
    expect(ids(await search(m, 'q=brewer'))).toEqual([teapot.product_id]);
    expect((await m.call('DELETE', `/v1/search/synonyms/${added.body.id}`)).status).toBe(200);
    expect((await search(m, 'q=brewer')).body.total).toBe(0);
  });

  it('counts searches in batches off the answer: every search counted once written, and no new query past the day’s bound', async () => {
    const fresh = await platform.merchant();
    for (let i = 0; i < 3; i++) await search(fresh, 'q=Dragon+Well');
    await search(fresh, 'q=tea');
    await flushQueryLog(platform.ctx.db);
    const day = new Date().toISOString().slice(0, 10);
    const counted = await sql<{ query: string; searches: number; zero_results: number }>`
      select query, searches, zero_results from search_query_day where merchant_id = ${fresh.id} and day = ${day}::date order by query`.execute(db());
    expect(counted.rows).toEqual([
      { query: 'dragon well', searches: 3, zero_results: 3 },
      // This brand has no products yet: nothing found.
      { query: 'tea', searches: 1, zero_results: 1 },
    ]);
    expect(queryLogStats(platform.ctx.db)).toMatchObject({ waiting: 0, dropped: 0 });
    // Room for one more query that day (10,000 at most): a known query is still counted, the first new one too, the next not.
    await sql`insert into search_query_day (merchant_id, day, query, searches) select ${fresh.id}, ${day}::date, 'q' || i, 1 from generate_series(1, 9997) i`.execute(db());
    await search(fresh, 'q=Dragon+Well');
    await search(fresh, 'q=silver+needle');
    await search(fresh, 'q=white+peony');
    await flushQueryLog(platform.ctx.db);
    const after = await sql<{ query: string; searches: number }>`
      select query, searches from search_query_day where merchant_id = ${fresh.id} and day = ${day}::date and query not like 'q%' order by query`.execute(db());
    expect(after.rows).toEqual([
      { query: 'dragon well', searches: 4 },
      { query: 'silver needle', searches: 1 },
      { query: 'tea', searches: 1 },
    ]);
  });
});

describe('synonyms', () => {
  it('a brand’s synonym group finds products under its other terms, until deleted', async () => {
    expect((await search(m, 'q=kettle')).body.total).toBe(0);
    const added = await m.call('POST', '/v1/search/synonyms', { body: { terms: ['Kettle', 'teapot', '茶壶'] } });
    expect(added.status, added.text).toBe(201);
    expect(added.body.terms).toEqual(['kettle', 'teapot', '茶壶']);
    expect(ids(await search(m, 'q=kettle'))).toEqual([teapot.product_id]);
    // Another brand's synonyms are not this one's.
    expect((await search(other, 'q=kettle')).body.total).toBe(0);
    const list = await m.call('GET', '/v1/search/synonyms');
    expect(list.body.data.map((g: { id: string }) => g.id)).toContain(added.body.id);
    expect((await other.call('DELETE', `/v1/search/synonyms/${added.body.id}`)).status).toBe(404);
    expect((await m.call('DELETE', `/v1/search/synonyms/${added.body.id}`)).status).toBe(200);
    expect((await search(m, 'q=kettle')).body.total).toBe(0);
    expect((await m.call('DELETE', `/v1/search/synonyms/${added.body.id}`)).status).toBe(404);
    const bad = await m.call('POST', '/v1/search/synonyms', { body: { terms: ['Tea', 'tea '] } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('facets and filters', () => {
  it('counts categories, price buckets and attributes of what matches, and filters by them', async () => {
    const res = await search(m, 'q=tea');
    expect(res.body.total).toBe(4);
    expect(res.body.facets.category).toEqual([
      { value: tea, count: 3 },
      { value: ware, count: 1 },
    ]);
    expect(res.body.facets.price).toEqual([
      { from: 0, to: 1_000, count: 1 },
      { from: 1_000, to: 2_000, count: 1 },
      { from: 2_000, to: 5_000, count: 1 },
      { from: 10_000, to: 20_000, count: 1 },
    ]);
    expect(res.body.facets.attributes.origin).toEqual([
      { value: 'Fujian', count: 2 },
      { value: 'Hangzhou', count: 1 },
    ]);
    expect(res.body.facets.in_stock_nearby).toBeNull();

    const fujian = await search(m, 'q=tea&attr.origin=Fujian');
    expect(ids(fujian).sort()).toEqual([oolong.product_id, jasmine.product_id].sort());
    expect(fujian.body.facets.attributes.origin).toEqual([{ value: 'Fujian', count: 2 }]);
    expect(ids(await search(m, `q=tea&category_id=${ware}`))).toEqual([teapot.product_id]);
    expect(ids(await search(m, 'q=tea&price_min=1000&price_max=5000')).sort()).toEqual([longjing.product_id, oolong.product_id].sort());
    // No query: every published product matching the filters.
    expect((await search(m, `category_id=${tea}`)).body.total).toBe(3);
  });

  it('counts and filters what is in stock at the chosen store or the stores near the shopper', async () => {
    const westLake = await aStore(m, { latitude: 30.2431, longitude: 120.15 });
    const shanghai = await aStore(m, { latitude: 31.2304, longitude: 121.4737 });
    expect((await m.call('POST', '/v1/stock/receipts', { body: { variant_id: oolong.variant_id, location_id: westLake, quantity: 4 } })).status).toBe(201);
    expect((await m.call('POST', '/v1/stock/receipts', { body: { variant_id: longjing.variant_id, location_id: shanghai, quantity: 2 } })).status).toBe(201);
    // Held but sold out: not in stock.
    expect((await m.call('POST', '/v1/stock/receipts', { body: { variant_id: jasmine.variant_id, location_id: westLake, quantity: 1 } })).status).toBe(201);
    expect((await m.call('POST', '/v1/stock/adjustments', { body: { variant_id: jasmine.variant_id, location_id: westLake, on_hand_delta: -1, note: 'sold' } })).status).toBe(201);

    const near = await search(m, 'q=tea&near=30.25,120.16&radius_km=5');
    expect(near.status, near.text).toBe(200);
    expect(near.body.total).toBe(4);
    expect(near.body.facets.in_stock_nearby).toBe(1);
    expect(near.body.data.find((d: { product_id: string }) => d.product_id === oolong.product_id).in_stock_nearby).toBe(true);
    expect(near.body.data.find((d: { product_id: string }) => d.product_id === jasmine.product_id).in_stock_nearby).toBe(false);
    expect(ids(await search(m, 'q=tea&near=30.25,120.16&radius_km=5&in_stock=true'))).toEqual([oolong.product_id]);
    // Shanghai is 170 km away: within a 200 km radius... capped at 100 km, so still one.
    expect((await search(m, 'q=tea&near=30.25,120.16&radius_km=100')).body.facets.in_stock_nearby).toBe(1);
    expect(ids(await search(m, `q=tea&location_id=${shanghai}&in_stock=true`))).toEqual([longjing.product_id]);
    // Another merchant's store is no store of this storefront.
    const theirStore = await aStore(other, { latitude: 30.25, longitude: 120.16 });
    expect((await search(m, `q=tea&location_id=${theirStore}`)).status).toBe(404);
  });
});

describe('searches without a result', () => {
  it('are recorded per query and day, without who searched, and listed to the merchant only', async () => {
    for (let i = 0; i < 2; i++) expect((await search(m, 'q=Unicorn++Blend', { headers: { 'x-consumer-token': 'cst_whoever' } })).body.total).toBe(0);
    await search(m, 'q=tea');
    const today = new Date().toISOString().slice(0, 10);
    const zero = await m.call('GET', `/v1/search/zero-results?from=${today}&to=${today}`);
    expect(zero.status, zero.text).toBe(200);
    expect(zero.body.data.filter((z: { query: string }) => z.query === 'unicorn blend')).toEqual([expect.objectContaining({ day: today, count: 2, searches: 2 })]);
    // Earlier tests' misses are there too (the renamed silver needle); found queries are not.
    expect(zero.body.data.map((z: { query: string }) => z.query)).toContain('silver needle');
    expect(zero.body.data.map((z: { query: string }) => z.query)).not.toContain('tea');
    expect((await other.call('GET', '/v1/search/zero-results')).body.data.map((z: { query: string }) => z.query)).not.toContain('unicorn blend');
    const top = await m.call('GET', `/v1/search/queries?from=${today}&to=${today}&limit=100`);
    expect(top.body.data.find((q: { query: string }) => q.query === 'tea')).toMatchObject({ zero_results: 0 });
    expect(top.body.data.find((q: { query: string }) => q.query === 'unicorn blend')).toMatchObject({ searches: 2, zero_results: 2 });
    // Nothing but the query, the day and counts is stored.
    const columns = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_name = 'search_query_day' order by ordinal_position`.execute(db());
    expect(columns.rows.map((c) => c.column_name)).toEqual(['merchant_id', 'day', 'query', 'searches', 'zero_results', 'last_at']);
    // A publishable key cannot read them.
    expect((await m.call('GET', '/v1/search/zero-results', { key: m.publishableKey })).status).toBe(403);
  });
});

describe('the merchant’s own searches', () => {
  it('are not demand: the console’s “Try a search” and a secret key’s preview of drafts are neither logged, nor search traffic, nor a zero-result finding; a shopper’s search is all three', async () => {
    const searchAnswers = async () => {
      await flushServed(db());
      const res = await m.call('GET', '/v1/attribution/placements?days=1');
      expect(res.status, res.text).toBe(200);
      return (res.body.data as { placement: string; answers: number }[]).find((r) => r.placement === 'search')!.answers;
    };
    const before = await searchAnswers();
    const person = await m.signIn();
    for (let i = 0; i < 3; i++) {
      const tried = await person.call('GET', '/v1/search?q=Merchant+Samovar');
      expect(tried.status, tried.text).toBe(200);
      expect(tried.body.total).toBe(0);
    }
    for (let i = 0; i < 2; i++) expect((await search(m, 'q=draft+samovar&include_unpublished=true', { key: m.secretKey })).body.total).toBe(0);
    for (let i = 0; i < 2; i++) expect((await search(m, 'q=shopper+samovar')).body.total).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    const zero = (await m.call('GET', `/v1/search/zero-results?from=${today}&to=${today}&limit=100`)).body.data as { query: string; count: number }[];
    expect(zero.filter((z) => z.query.endsWith('samovar'))).toEqual([expect.objectContaining({ query: 'shopper samovar', count: 2 })]);
    const top = (await m.call('GET', `/v1/search/queries?from=${today}&to=${today}&limit=100`)).body.data as { query: string }[];
    expect(top.map((q) => q.query).filter((q) => q.endsWith('samovar'))).toEqual(['shopper samovar']);
    // The product-insight report's zero-result findings read the same log.
    const findings = await zeroResultFindings(db(), m.id, { days: 7, now: new Date() });
    expect(findings.map((f) => f.evidence.query).filter((q) => String(q).endsWith('samovar'))).toEqual(['shopper samovar']);
    // Only the shopper's two answers count as search traffic.
    expect((await searchAnswers()) - before).toBe(2);
  });
});

describe('bad input', () => {
  it('answers problem+json naming the field, and records nothing', async () => {
    for (const [query, field] of [
      ['q=tea&limit=0', 'limit'],
      ['q=tea&near=north', 'near'],
      ['q=tea&in_stock=true', 'in_stock'],
      ['q=tea&price_min=500&price_max=100', 'price_max'],
      ['q=tea&radius_km=500', 'radius_km'],
      ['q=tea&cursor=nope', 'cursor'],
      [`q=${'x'.repeat(300)}`, 'q'],
    ] as const) {
      const res = await search(m, query);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.errors[0].field, query).toBe(field);
    }
    const zero = await m.call('GET', '/v1/search/zero-results?from=2026-13-01');
    expect(zero.status).toBe(400);
    expect((await m.call('GET', '/v1/search/zero-results?from=2026-12-06&to=2026-12-01')).status).toBe(400);
  });
});

describe('the answer', () => {
  it('carries an attribution token for this merchant and a search', async () => {
    const res = await search(m, 'q=tea');
    const claim = verifyToken(attributionSecret(platform.ctx.config), res.body.attribution_token as string, m.id);
    expect(claim).toMatchObject({ merchant_id: m.id, source: 'search', placement: 'search' });
    expect(verifyToken(attributionSecret(platform.ctx.config), res.body.attribution_token as string, other.id)).toBe('token_other_merchant');
  });

  it('pages by relevance without repeating or skipping', async () => {
    const whole = ids(await search(m, 'q=tea&limit=100'));
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await search(m, `q=tea&limit=1${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      walked.push(...ids(res));
      cursor = res.body.next_cursor;
    } while (cursor !== null);
    expect(walked).toEqual(whole);
  });

  it('breaks ties by what the consumer interacted with in the brand’s data bank', async () => {
    const first = await aProduct(m, { title: 'Oolong sampler', price: 500 });
    const second = await aProduct(m, { title: 'Oolong sampler', price: 500 });
    await indexEvents();
    const plain = await search(m, 'q=sampler');
    expect(ids(plain)).toEqual([first.product_id, second.product_id]);
    expect(plain.body.data[0].score).toBe(plain.body.data[1].score);

    const anonymous_id = `anon-${process.pid}`;
    const viewed: IncomingEvent = {
      merchant_id: m.id,
      message_id: `msg-${process.pid}-1`,
      type: 'track',
      event: 'Product Viewed',
      user_id: null,
      anonymous_id,
      traits: {},
      properties: { product_id: second.product_id },
      context: {},
      occurred_at: new Date(),
      received_at: new Date(),
      identifiers: [storedIdentifier('anonymous_id', anonymous_id)!],
    };
    await inTransaction(db(), (trx) => ingestEvents(trx, [viewed]));
    expect(ids(await search(m, `q=sampler&anonymous_id=${anonymous_id}`))).toEqual([second.product_id, first.product_id]);
    // A tie-breaker only: a better match still comes first.
    const better = await aProduct(m, { title: 'Oolong sampler oolong sampler', price: 500 });
    await indexEvents();
    expect(ids(await search(m, `q=sampler&anonymous_id=${anonymous_id}`))[0]).toBe(better.product_id);
    // Someone else's anonymous ID changes nothing.
    expect(ids(await search(m, 'q=sampler&anonymous_id=somebody-else')).slice(1)).toEqual([first.product_id, second.product_id]);
  });
});

describe('the index’s invariants', () => {
  it('bos check finds missing and stale documents, documents of no product and malformed synonyms; the catch-up task repairs the index', async () => {
    const clean = await runChecks(db(), searchModule.checks);
    expect(clean.flatMap((r) => r.violations)).toEqual([]);

    // A product changed a moment ago may not be indexed yet; one changed ten minutes ago must be.
    await sql`delete from search_document where merchant_id = ${m.id} and product_id = ${oolong.product_id}`.execute(db());
    expect((await runChecks(db(), searchModule.checks)).flatMap((r) => r.violations)).toEqual([]);
    await sql`update product set updated_at = now() - interval '10 minutes' where merchant_id = ${m.id} and id = ${oolong.product_id}`.execute(db());
    await sql`insert into search_document (merchant_id, product_id, status, title, doc, product_updated_at) values (${other.id}, ${longjing.product_id}, 'published', 'stolen', ''::tsvector, now())`.execute(db());
    await sql`insert into search_synonym_group (merchant_id, id, terms) values (${m.id}, 'syn_BAD', array['Tea', 'tea'])`.execute(db());
    const found = Object.fromEntries((await runChecks(db(), searchModule.checks)).map((r) => [r.name, r.violations.join('\n')]));
    expect(found['search.documents_current']).toContain(oolong.product_id);
    expect(found['search.documents_own_products']).toContain(longjing.product_id);
    expect(found['search.synonyms_well_formed']).toContain('syn_BAD');

    expect((await search(m, 'q=tieguanyin')).body.total).toBe(0);
    expect(await indexMissing(db())).toBeGreaterThanOrEqual(1);
    expect(ids(await search(m, 'q=tieguanyin'))).toEqual([oolong.product_id]);
    await sql`delete from search_document where merchant_id = ${other.id} and product_id = ${longjing.product_id}`.execute(db());
    await sql`delete from search_synonym_group where id = 'syn_BAD'`.execute(db());
    expect((await runChecks(db(), searchModule.checks)).flatMap((r) => r.violations)).toEqual([]);
  });
});
