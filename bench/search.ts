import os from 'node:os';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../src/kernel/config.js';
import { connectDatabase } from '../src/kernel/db.js';
import { migrateToLatest } from '../src/kernel/migrations.js';
import { createCategory, createProduct } from '../src/modules/catalog/index.js';
import { receiveStock } from '../src/modules/inventory/index.js';
import { createLocation } from '../src/modules/locations/index.js';
import { createApiKey, createMerchant } from '../src/modules/merchants/index.js';
import { reindexMerchant } from '../src/modules/search/index.js';
import { segmentQuery, syllables } from '../src/modules/search/text.js';
import { buildApp } from '../src/platform/app.js';
import { allMigrations, registry } from '../src/platform/modules.js';
import { benchDatabase, percentile, round } from './support.js';

/**
 * `npm run bench:search`: product search over HTTP (the platform's Hono app, called in process)
 * on a brand with BENCH_SEARCH_PRODUCTS products (default 10,000) whose Chinese and English
 * titles come from realistic tea-shop word lists. BENCH_SEARCH_CLIENTS concurrent clients
 * (default 16) send BENCH_SEARCH_REQUESTS searches (default 2,000) mixing exact English, exact
 * Chinese, Latin and Chinese typos, synonyms and facet filters (category, attribute, price, stock
 * near a position). The database's ceiling is measured in the same run: a plain indexed tsvector
 * query (match, rank, top 20) at the same concurrency. Last line: one JSON object.
 */
const productCount = Number(process.env.BENCH_SEARCH_PRODUCTS ?? 10_000);
const clients = Number(process.env.BENCH_SEARCH_CLIENTS ?? 16);
const requests = Number(process.env.BENCH_SEARCH_REQUESTS ?? 2_000);

const log = (line = '') => process.stderr.write(`${line}\n`);

const origins = [
  ['西湖', 'Xihu', 'Hangzhou'],
  ['安溪', 'Anxi', 'Fujian'],
  ['武夷', 'Wuyi', 'Fujian'],
  ['云南', 'Yunnan', 'Yunnan'],
  ['黄山', 'Huangshan', 'Anhui'],
  ['祁门', 'Keemun', 'Anhui'],
  ['信阳', 'Xinyang', 'Henan'],
  ['洞庭', 'Dongting', 'Jiangsu'],
  ['福鼎', 'Fuding', 'Fujian'],
  ['普洱', 'Puer', 'Yunnan'],
] as const;
const kinds = [
  ['龙井', 'Longjing green tea', 'green'],
  ['铁观音', 'Tieguanyin oolong', 'oolong'],
  ['大红袍', 'Da Hong Pao rock tea', 'oolong'],
  ['普洱茶', 'Pu-erh tea', 'dark'],
  ['毛峰', 'Maofeng green tea', 'green'],
  ['红茶', 'black tea', 'black'],
  ['白茶', 'white tea', 'white'],
  ['碧螺春', 'Biluochun green tea', 'green'],
  ['毛尖', 'Maojian green tea', 'green'],
  ['茉莉花茶', 'jasmine tea', 'flower'],
  ['紫砂壶', 'Yixing clay teapot', 'teaware'],
  ['茶杯', 'porcelain tea cup', 'teaware'],
] as const;
const grades = [
  ['特级', 'premium'],
  ['一级', 'first grade'],
  ['明前', 'pre-Qingming'],
  ['有机', 'organic'],
  ['手工', 'handmade'],
] as const;
const forms = [
  ['礼盒', 'gift box'],
  ['散装', 'loose leaf'],
  ['茶饼', 'pressed cake'],
  ['罐装', 'tin'],
  ['袋泡', 'tea bags'],
] as const;
const weights = ['50g', '100g', '250g', '357g', '500g'];

/** A small deterministic generator, so every run indexes the same catalogue. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

const queries = [
  'longjing',
  'green tea',
  'oolong gift box',
  'organic white tea',
  'teapot',
  '龙井',
  '西湖龙井',
  '铁观音 礼盒',
  '普洱茶饼',
  '红茶',
  // typos, Latin and Chinese
  'longjng',
  'tieguanyn',
  'oolnog',
  'jasmin tea',
  '西湖龙景',
  '碧罗春',
  // synonyms
  'kettle',
  // nothing
  'espresso machine',
];
const filters = ['', '', '', '&attr.origin=Fujian', '&price_min=5000&price_max=20000', '&near=30.25,120.16&radius_km=20', '&near=30.25,120.16&radius_km=20&in_stock=true', '&category_id=CAT'];

/**
 * BENCH_SEARCH_PROFILE=1: one client, each query kind 20 times in a row; per kind the mean wall
 * time, the Node CPU, and each SQL statement's mean wall time as seen by the client (pg.Client's
 * `query` wrapped), plus the JS text analysis (jieba, pinyin) measured alone.
 */
const kindsOfQuery: [string, string][] = [
  ['exact English', 'oolong gift box'],
  ['exact Chinese', '铁观音 礼盒'],
  ['Latin typo', 'tieguanyn'],
  ['homophone typo', '西湖龙景'],
  ['synonym', 'kettle'],
  ['facet-filtered', 'longjing&attr.origin=Fujian&price_min=5000&price_max=20000'],
  ['nearby stock', 'longjing&near=30.25,120.16&radius_km=20&in_stock=true'],
  ['broad', 'green tea'],
  ['broad, category', 'tea&category_id=CAT'],
];
async function profile(app: { request(path: string, init?: RequestInit): Response | Promise<Response> }, token: string, category: string, pool?: pg.Pool): Promise<void> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let statements = new Map<string, number[]>();
  let main: { text: string; values: unknown[] } | undefined;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string } | undefined)?.text ?? '?');
    if (text.includes('as page') && text.includes('as attributes')) main = { text, values: (Array.isArray(args[1]) ? args[1] : ((args[0] as { values?: unknown[] }).values ?? [])) as unknown[] };
    const label = text.replace(/\s+/g, ' ').trim().slice(0, 70);
    const t = performance.now();
    const out = original.apply(this, args);
    if (out instanceof Promise) void out.then(() => statements.set(label, [...(statements.get(label) ?? []), performance.now() - t]), () => undefined);
    return out;
  };
  const n = 20;
  try {
    for (const [kind, query] of kindsOfQuery) {
      const [q, ...rest] = query.replace('CAT', category).split('&');
      const path = `/v1/search?q=${encodeURIComponent(q!)}${rest.map((r) => `&${r}`).join('')}&limit=20`;
      await app.request(path, { headers: { authorization: `Bearer ${token}` } });
      statements = new Map();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let total = 0;
      for (let i = 0; i < n; i++) {
        const res = await app.request(path, { headers: { authorization: `Bearer ${token}` } });
        total = ((await res.json()) as { total: number }).total;
      }
      const wall = (performance.now() - t0) / n;
      const c = process.cpuUsage(cpu0);
      const js0 = performance.now();
      for (let i = 0; i < n; i++) {
        for (const w of q!.split(' ')) {
          if (!/\p{Script=Han}/u.test(w)) continue;
          segmentQuery(w);
          syllables(w);
        }
      }
      const js = (performance.now() - js0) / n;
      log(`profile ${kind} (${query.replace('CAT', 'green')}): total ${total}, ${round(wall, 2)} ms wall, ${round((c.user + c.system) / 1_000 / n, 2)} ms Node CPU, jieba+pinyin ${round(js, 3)} ms`);
      for (const [label, ts] of statements) log(`    ${round(ts.reduce((a, b) => a + b, 0) / n, 2)} ms/search (${ts.length / n}×) ${label}`);
      if (kind.startsWith('broad') && main !== undefined && pool !== undefined) {
        const plan = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${main.text}`, main.values);
        for (const r of plan.rows) log(`      ${r['QUERY PLAN']}`);
      }
    }
  } finally {
    proto.query = original;
  }
}

async function main(): Promise<void> {
  const database = await benchDatabase('search');
  const connection = connectDatabase({ url: database.url, pool_max: clients + 4 });
  const { db, pool } = connection;
  try {
    log(`OpenBOS search benchmark — ${new Date().toISOString()} — ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    log(`database: ${process.env.DATABASE_URL === undefined ? 'embedded PostgreSQL' : 'DATABASE_URL'}; HTTP through the Hono app in this process; ${clients} clients`);
    await migrateToLatest(db, allMigrations);
    const config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', OPENBOS_RATE_LIMIT_PER_S: '0', OPENBOS_DATA_DIR: os.tmpdir() }, registry.settings);
    const { app } = buildApp({ db, config, logger: pino({ level: 'silent' }), registry });
    const merchant = await createMerchant(db, { handle: 'bench-search', name: 'Bench tea house', kind: 'brand', default_currency: 'CNY', country: 'CN' });
    const publishable = await createApiKey(db, { merchant_id: merchant.id, kind: 'publishable', name: 'bench' }, 'bench', registry.scopes);
    const secret = await createApiKey(db, { merchant_id: merchant.id, kind: 'secret', name: 'bench' }, 'bench', registry.scopes);

    const categories = new Map<string, string>();
    for (const k of new Set(kinds.map((k) => k[2]))) categories.set(k, (await createCategory(db, merchant.id, { name: k })).id);
    const stores = [];
    for (let i = 0; i < 5; i++) {
      stores.push(
        await createLocation(db, merchant.id, { kind: 'store', code: `S${i}`, name: `Store ${i}`, address: { line1: `${i} Road`, city: 'Hangzhou', country: 'CN' }, latitude: 30.25 + i * 0.05, longitude: 120.16, timezone: 'Asia/Shanghai' }),
      );
    }

    const random = rng(19);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const created = performance.now();
    const variantIds: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (;;) {
          const i = next++;
          if (i >= productCount) return;
          const o = pick(origins);
          const k = pick(kinds);
          const g = pick(grades);
          const f = pick(forms);
          const w = pick(weights);
          const p = await createProduct(db, merchant.id, {
            title: `${o[0]}${k[0]} ${g[0]}${f[0]} ${w}`,
            title_i18n: { en: `${o[1]} ${k[1]}, ${g[1]} ${f[1]} ${w}` },
            description: `${g[1]} ${k[1]} from ${o[2]}. ${o[0]}${g[0]}${k[0]}，${f[0]}。`,
            status: random() < 0.95 ? 'published' : 'draft',
            category_id: categories.get(k[2]),
            attributes: { origin: o[2], grade: g[1], weight: w },
            variants: [{ sku: `T-${i}`, prices: [{ currency: 'CNY', amount_minor: 1_000 * (1 + Math.floor(random() * 60)) }] }],
          });
          variantIds.push(p.variants[0]!.id);
        }
      }),
    );
    log(`created ${productCount} products in ${round((performance.now() - created) / 1_000)} s`);
    // A fifth of the products held at the stores.
    for (let i = 0; i < variantIds.length; i += 5) await receiveStock(db, { merchant_id: merchant.id, variant_id: variantIds[i]!, location_id: stores[i % stores.length]!.id }, 5, 'bench');

    const indexStarted = performance.now();
    const indexed = await reindexMerchant(db, merchant.id);
    const index_build_s = (performance.now() - indexStarted) / 1_000;
    log(`index built: ${indexed} documents in ${round(index_build_s)} s (${round(indexed / index_build_s)} products/s)`);

    const syn = await app.request('/v1/search/synonyms', { method: 'POST', headers: { authorization: `Bearer ${secret.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ terms: ['kettle', 'teapot', '紫砂壶'] }) });
    if (syn.status !== 201) throw new Error(`synonyms: ${syn.status} ${await syn.text()}`);

    const category = categories.get('green')!;
    const paths = Array.from({ length: requests }, (_, i) => `/v1/search?q=${encodeURIComponent(queries[i % queries.length]!)}${filters[Math.floor(i / queries.length) % filters.length]!.replace('CAT', category)}&limit=20`);

    // Warm up (jieba's dictionary, plans, caches).
    for (const q of queries) await app.request(`/v1/search?q=${encodeURIComponent(q)}`, { headers: { authorization: `Bearer ${publishable.token}` } });

    const timings: number[] = [];
    let errors = 0;
    let found = 0;
    let corrected = 0;
    let cursor = 0;
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (;;) {
          const i = cursor++;
          if (i >= paths.length) return;
          const t = performance.now();
          const res = await app.request(paths[i]!, { headers: { authorization: `Bearer ${publishable.token}` } });
          const body = (await res.json()) as { total?: number; corrected_query?: string | null };
          timings.push(performance.now() - t);
          if (res.status !== 200) errors++;
          else {
            if ((body.total ?? 0) > 0) found++;
            if (body.corrected_query !== null && body.corrected_query !== undefined) corrected++;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1_000;
    const cpu = process.cpuUsage(cpuStarted);
    const cpu_ms_per_search = (cpu.user + cpu.system) / 1_000 / requests;
    const search_ms_p50 = percentile(timings, 50);
    const search_ms_p99 = percentile(timings, 99);
    log(`search: ${requests} requests in ${round(seconds)} s (${round(requests / seconds)}/s), p50 ${round(search_ms_p50, 2)} ms, p99 ${round(search_ms_p99, 2)} ms, ${errors} errors, ${found} found something, ${corrected} corrected; Node CPU ${round(cpu_ms_per_search, 2)} ms per search; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    if (process.env.BENCH_SEARCH_PROFILE === '1') await profile(app, publishable.token, category, pool);

    // The database's ceiling: the plain indexed full-text query, same words, same concurrency.
    const words = ['longjing', 'green', 'oolong', 'white', 'teapot', '龙井', '西湖', '铁观音', '普洱茶', '红茶'];
    const ceiling: number[] = [];
    let c2 = 0;
    const ceilingStarted = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (;;) {
          const i = c2++;
          if (i >= requests) return;
          const t = performance.now();
          await pool.query(
            `select product_id, ts_rank(doc, q) as score from search_document, plainto_tsquery('simple', $2) q
              where merchant_id = $1 and status = 'published' and doc @@ q order by score desc, product_id limit 20`,
            [merchant.id, words[i % words.length]],
          );
          ceiling.push(performance.now() - t);
        }
      }),
    );
    const ceilingSeconds = (performance.now() - ceilingStarted) / 1_000;
    const db_ms_p50 = percentile(ceiling, 50);
    const db_ms_p99 = percentile(ceiling, 99);
    log(`database ceiling (plain tsvector match + rank, top 20): ${round(requests / ceilingSeconds)}/s, p50 ${round(db_ms_p50, 2)} ms, p99 ${round(db_ms_p99, 2)} ms`);

    const result = {
      products: productCount,
      clients,
      requests,
      index_build_s: round(index_build_s, 2),
      search_ms_p50: round(search_ms_p50, 2),
      search_ms_p99: round(search_ms_p99, 2),
      searches_per_s: round(requests / seconds),
      db_ceiling_ms_p50: round(db_ms_p50, 2),
      db_ceiling_ms_p99: round(db_ms_p99, 2),
      db_ceiling_per_s: round(requests / ceilingSeconds),
      ratio_p50: round(search_ms_p50 / db_ms_p50, 2),
      ratio_throughput: round(requests / seconds / (requests / ceilingSeconds), 3),
      found_share: round(found / requests, 3),
      corrected_share: round(corrected / requests, 3),
      errors,
      node_cpu_ms_per_search: round(cpu_ms_per_search, 2),
      load_1m: round(os.loadavg()[0]!, 2),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await connection.close();
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
