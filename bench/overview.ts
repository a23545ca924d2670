import os from 'node:os';
import { sql } from 'kysely';
import { connectDatabase } from '../src/kernel/db.js';
import { createApiKey, createMerchant } from '../src/modules/merchants/index.js';
import { benchDatabase, percentile, round, startBenchServer } from './support.js';
import { registry } from '../src/platform/modules.js';

/**
 * `npm run bench:overview`: the console's overview over HTTP with 100,000 orders (and about
 * 200,000 order lines) of one merchant in the database, beside another merchant's 50,000. The
 * orders are written straight into the tables (this measures reading, not checkout), spread over
 * 60 days and every state. The ceiling, measured in the same run, is one plain scan that touches
 * each of the merchant's orders once. Last line: one JSON object.
 */
const orders = Number(process.env.BENCH_ORDERS ?? 100_000);
const noise_orders = Math.round(orders / 2);
const requests = Number(process.env.BENCH_REQUESTS ?? 40);
const log = (line = '') => process.stderr.write(`${line}\n`);

type Db = ReturnType<typeof connectDatabase>['db'];

async function fillOrders(db: Db, merchant_id: string, count: number, prefix: string): Promise<void> {
  // Statuses in roughly the proportions of a running shop; amounts from 10 to 510 CNY.
  await sql`
    insert into sales_order (merchant_id, id, number, checkout_id, channel_merchant_id, status, currency, subtotal_minor, total_minor, location_id, created_at, updated_at, refund_amount_minor)
    select ${merchant_id}, ${prefix} || lpad(n::text, 8, '0'), 10000 + n, 'chk_bench_' || n, ${merchant_id},
           (array['completed','completed','completed','completed','completed','completed','completed','shipped','shipped','paid','awaiting_payment','closed','refunded','delivered','refund_requested'])[1 + n % 15],
           'CNY', 1000 + (n * 7919) % 50000, 1000 + (n * 7919) % 50000, 'loc_bench',
           now() - ((n * 104729) % (60 * 86400)) * interval '1 second', now(),
           case when n % 15 = 12 then (1000 + (n * 7919) % 50000) / 2 end
      from generate_series(1::bigint, ${count}::bigint) as n`.execute(db);
  await sql`
    insert into order_line (merchant_id, order_id, line_no, variant_id, product_id, sku, title, quantity, unit_price_minor, total_minor)
    select o.merchant_id, o.id, l, 'var_bench_' || p, 'prd_bench_' || p, 'SKU-' || p, 'Bench product ' || p, 1 + l % 2, o.total_minor / 4, (o.total_minor / 4) * (1 + l % 2)
      from sales_order o
      cross join lateral generate_series(1, 1 + (hashtext(o.id) & 1)) as l
      cross join lateral (select 1 + abs(hashtext(o.id || l::text)) % 500 as p) as pick
     where o.merchant_id = ${merchant_id}`.execute(db);
}

async function timed(run: () => Promise<unknown>, times: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await run();
    samples.push(performance.now() - t);
  }
  return samples;
}

async function main(): Promise<void> {
  const database = await benchDatabase('overview');
  // The server migrates the fresh database when it starts.
  const server = await startBenchServer(database.url);
  const check = connectDatabase({ url: database.url, pool_max: 2 });
  try {
    log(`OpenBOS overview benchmark — ${new Date().toISOString()} — ${os.cpus().length} cores; ${orders} orders for the merchant, ${noise_orders} for another`);
    const shop = await createMerchant(check.db, { handle: 'bench-shop', name: 'Bench shop', kind: 'brand', default_currency: 'CNY', country: 'CN' });
    const other = await createMerchant(check.db, { handle: 'bench-other', name: 'Other shop', kind: 'brand', default_currency: 'CNY', country: 'CN' });
    const key = (await createApiKey(check.db, { merchant_id: shop.id, kind: 'secret' }, 'bench', registry.scopes)).token;
    let t = performance.now();
    await fillOrders(check.db, shop.id, orders, 'ord_bench_a_');
    await fillOrders(check.db, other.id, noise_orders, 'ord_bench_b_');
    await sql`insert into stock_level (merchant_id, variant_id, location_id, on_hand, reserved, low_stock_threshold)
              select ${shop.id}, 'var_bench_' || n, 'loc_bench', n % 40, 0, 10 from generate_series(1, 500) as n`.execute(check.db);
    await sql`analyze`.execute(check.db);
    const lines = await sql<{ n: number }>`select count(*)::int as n from order_line where merchant_id = ${shop.id}`.execute(check.db);
    log(`wrote ${orders + noise_orders} orders and ${lines.rows[0]!.n} of the merchant's lines in ${round((performance.now() - t) / 1_000, 1)} s`);

    const overview = async () => {
      const res = await fetch(`${server.url}/v1/analytics/overview?time_zone=Asia/Shanghai`, { headers: { authorization: `Bearer ${key}` } });
      if (res.status !== 200) throw new Error(`overview answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as { sales: { last_30_days: { orders: number } }; orders_by_status: Record<string, number> };
    };
    const first = await overview();
    const counted = Object.values(first.orders_by_status).reduce((a, b) => a + b, 0);
    if (counted !== orders) throw new Error(`the overview counted ${counted} orders, not ${orders}`);
    await timed(overview, 3);
    t = performance.now();
    const overview_ms = await timed(overview, requests);
    log(`overview: ${requests} requests one after another in ${round((performance.now() - t) / 1_000, 2)} s`);
    const scan_ms = await timed(() => sql`select count(*), sum(total_minor) from sales_order where merchant_id = ${shop.id}`.execute(check.db), requests);

    const result = {
      orders,
      other_merchant_orders: noise_orders,
      order_lines: lines.rows[0]!.n,
      overview_ms_p50: round(percentile(overview_ms, 50)),
      overview_ms_p99: round(percentile(overview_ms, 99)),
      overview_ms_max: round(Math.max(...overview_ms)),
      scan_ms_p50: round(percentile(scan_ms, 50)),
      ratio: round(percentile(overview_ms, 50) / percentile(scan_ms, 50), 2),
      under_one_second: Math.max(...overview_ms) < 1_000,
      last_30_days_orders: first.sales.last_30_days.orders,
      cores: os.cpus().length,
      date: new Date().toISOString().slice(0, 10),
    };
    log(`overview p50 ${result.overview_ms_p50} ms, p99 ${result.overview_ms_p99} ms, max ${result.overview_ms_max} ms; one scan of the merchant's orders p50 ${result.scan_ms_p50} ms; ratio ${result.ratio}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await server.stop();
    await check.close();
    await database.close();
  }
}

await main();
