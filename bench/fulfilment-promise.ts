import { sql } from 'kysely';
import { connectDatabase } from '../src/kernel/db.js';
import { regions, seeded } from '../src/modules/logistics/index.js';
import { createApiKey, createMerchant } from '../src/modules/merchants/index.js';
import { registry } from '../src/platform/modules.js';
import { benchDatabase, httpPool, percentile, postJson, round, runConcurrent, startBenchServer, statementStats } from './support.js';

/**
 * The delivery-promise half of `bench:fulfilment`: a chain with `stores` stores (clustered around
 * the Chinese regions' cities by their demand) and 20 warehouses, `skus` SKUs, each store holding
 * `skus_per_store` of them and each warehouse all; promises asked over HTTP for random buyers near
 * a city and 1-3 random SKUs, `concurrency` at a time. The ceiling: the same question's core (the
 * nearest store within 3 km holding every item) as the plainest indexed SQL statement.
 */
export interface PromiseFigures {
  stores: number;
  skus: number;
  stock_levels: number;
  promise_queries: number;
  promise_queries_per_s: number;
  promise_ms_p50: number;
  promise_ms_p99: number;
  promise_sql_ceiling_per_s: number;
  promise_ratio: number;
  promise_errors: number;
  options_per_answer: number;
}

const log = (line = '') => process.stderr.write(`${line}\n`);

export async function promiseBench(o: { stores: number; skus: number; skus_per_store: number; queries: number; concurrency: number }): Promise<PromiseFigures> {
  const database = await benchDatabase('fulfilment');
  const server = await startBenchServer(database.url);
  const check = connectDatabase({ url: database.url, pool_max: 8 });
  try {
    const chain = await createMerchant(check.db, { handle: 'bench-chain', name: 'Bench chain', kind: 'retailer', default_currency: 'CNY', country: 'CN' });
    const key = (await createApiKey(check.db, { merchant_id: chain.id, kind: 'publishable' }, 'bench', registry.scopes)).token;
    let t = performance.now();
    const cn = regions.filter((r) => r.country === 'CN');
    const cities = JSON.stringify(cn.map((r) => ({ lat: r.latitude, lng: r.longitude, w: r.demand_weight })));
    // Stores around the cities in proportion to demand, within about 25 km of the centre.
    await sql`insert into location (merchant_id, id, kind, code, name, address, latitude, longitude, timezone)
      select ${chain.id}, 'loc_s' || n, 'store', 'S' || n, 'Store ' || n, '{"line1":"1 Road","city":"City","country":"CN"}'::jsonb,
             c.lat + (random() - 0.5) * 0.45, c.lng + (random() - 0.5) * 0.5, 'Asia/Shanghai'
        from generate_series(1, ${o.stores}) as n
        cross join lateral (select (x->>'lat')::float8 as lat, (x->>'lng')::float8 as lng from jsonb_array_elements(${cities}::jsonb) with ordinality as e(x, i)
                            order by random() * 0 + ((n * 7919 + i * 104729) % 97) limit 1) c`.execute(check.db);
    await sql`insert into location (merchant_id, id, kind, code, name, address, latitude, longitude, timezone)
      select ${chain.id}, 'loc_w' || n, 'warehouse', 'W' || n, 'Warehouse ' || n, '{"line1":"1 Road","city":"City","country":"CN"}'::jsonb,
             (${cities}::jsonb->((n - 1) % ${cn.length})->>'lat')::float8 + 0.2, (${cities}::jsonb->((n - 1) % ${cn.length})->>'lng')::float8 + 0.2, 'Asia/Shanghai'
        from generate_series(1, 20) as n`.execute(check.db);
    await sql`insert into product (merchant_id, id, title, status) select ${chain.id}, 'prod_b' || n, 'Product ' || n, 'published' from generate_series(1, ${o.skus}) as n`.execute(check.db);
    await sql`insert into variant (merchant_id, id, product_id, sku, title, weight_g) select ${chain.id}, 'var_b' || n, 'prod_b' || n, 'SKU-' || n, 'Product ' || n, 200 + (n % 20) * 100 from generate_series(1, ${o.skus}) as n`.execute(check.db);
    await sql`insert into stock_level (merchant_id, variant_id, location_id, on_hand, reserved)
      select ${chain.id}, 'var_b' || v, 'loc_s' || s, 5 + (s + v) % 20, 0
        from generate_series(1, ${o.stores}) as s
        cross join lateral (select distinct 1 + ((s * 2654435761::bigint + k * 40503) % ${o.skus}) as v from generate_series(1, ${o.skus_per_store}) as k) x`.execute(check.db);
    await sql`insert into stock_level (merchant_id, variant_id, location_id, on_hand, reserved)
      select ${chain.id}, 'var_b' || v, 'loc_w' || w, 1000, 0 from generate_series(1, 20) as w cross join generate_series(1, ${o.skus}) as v`.execute(check.db);
    await sql`analyze`.execute(check.db);
    const levels = Number((await sql<{ n: string }>`select count(*) as n from stock_level`.execute(check.db)).rows[0]!.n);
    log(`promise: ${o.stores} stores + 20 warehouses, ${o.skus} SKUs, ${levels.toLocaleString('en')} stock levels, written in ${round((performance.now() - t) / 1_000, 1)} s`);

    const u = seeded(11);
    const asks = Array.from({ length: o.queries }, () => {
      const city = cn[Math.floor(u() * cn.length)]!;
      const n = 1 + Math.floor(u() * 3);
      return {
        destination: { latitude: city.latitude + (u() - 0.5) * 0.3, longitude: city.longitude + (u() - 0.5) * 0.3 },
        items: Array.from({ length: n }, () => ({ variant_id: `var_b${1 + Math.floor(u() * o.skus)}`, quantity: 1 })).filter((x, i, all) => all.findIndex((y) => y.variant_id === x.variant_id) === i),
      };
    });
    const pool = httpPool(server.url, o.concurrency);
    await runConcurrent(50, o.concurrency, (i) => postJson(pool, '/v1/delivery-options', key, asks[i]!));
    t = performance.now();
    const { samples, seconds } = await runConcurrent(o.queries, o.concurrency, (i) => postJson(pool, '/v1/delivery-options', key, asks[i]!));
    const ok = samples.filter((s) => s.status === 200);
    const options = ok.reduce((n, s) => n + (s.body as { sellers: { options: unknown[] }[] }).sellers.reduce((m, x) => m + x.options.length, 0), 0);
    const latencies = samples.map((s) => s.latency_ms);
    await pool.close();
    if (process.env.BENCH_PG_STATS === '1') for (const st of await statementStats(database.url, 8)) log(`  ${st.total_ms.toFixed(0)} ms, ${st.calls} calls, ${st.mean_ms.toFixed(2)} ms each: ${st.query.replace(/\s+/g, ' ').slice(0, 140)}`);

    // The ceiling: the nearest store within 3 km holding every item, in one indexed statement.
    const ceilingStarted = performance.now();
    await runConcurrent(o.queries, o.concurrency, async (i) => {
      const a = asks[i]!;
      const started = performance.now();
      const ids = a.items.map((x) => x.variant_id);
      const dLat = 3 / 111;
      const dLng = 3 / (111 * Math.cos((a.destination.latitude * Math.PI) / 180));
      await sql`select l.id from location l
                 where l.merchant_id = ${chain.id} and l.latitude between ${a.destination.latitude - dLat} and ${a.destination.latitude + dLat}
                   and l.longitude between ${a.destination.longitude - dLng} and ${a.destination.longitude + dLng}
                   and (select count(*) from stock_level s where s.merchant_id = l.merchant_id and s.location_id = l.id and s.variant_id = any(${ids}::text[]) and s.on_hand > s.reserved) = ${ids.length}
                 order by (l.latitude - ${a.destination.latitude})^2 + (l.longitude - ${a.destination.longitude})^2 limit 1`.execute(check.db);
      return { status: 200, latency_ms: performance.now() - started, body: null };
    });
    const ceilingSeconds = (performance.now() - ceilingStarted) / 1_000;
    const figures: PromiseFigures = {
      stores: o.stores,
      skus: o.skus,
      stock_levels: levels,
      promise_queries: o.queries,
      promise_queries_per_s: round(o.queries / seconds, 1),
      promise_ms_p50: round(percentile(latencies, 50), 1),
      promise_ms_p99: round(percentile(latencies, 99), 1),
      promise_sql_ceiling_per_s: round(o.queries / ceilingSeconds, 1),
      promise_ratio: round(o.queries / seconds / (o.queries / ceilingSeconds), 3),
      promise_errors: samples.length - ok.length,
      options_per_answer: round(options / Math.max(ok.length, 1), 2),
    };
    log(`promise: ${figures.promise_queries_per_s}/s over HTTP (p50 ${figures.promise_ms_p50} ms, p99 ${figures.promise_ms_p99} ms, ${figures.options_per_answer} options an answer, ${figures.promise_errors} errors) in ${round(seconds, 1)} s; plain SQL ceiling ${figures.promise_sql_ceiling_per_s}/s; ratio ${figures.promise_ratio}`);
    if (ok.length < samples.length) log(`first error: ${JSON.stringify(samples.find((s) => s.status !== 200))}`);
    return figures;
  } finally {
    await server.stop();
    await check.close();
    await database.close();
  }
}
