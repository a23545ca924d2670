import os from 'node:os';
import { pino } from 'pino';
import { sql } from 'kysely';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { connectDatabase } from '../src/kernel/db.js';
import { inTransaction } from '../src/kernel/db.js';
import { createProduct, type NewProduct } from '../src/modules/catalog/index.js';
import { applyStockChanges, type StockChange } from '../src/modules/inventory/index.js';
import { createLocation } from '../src/modules/locations/index.js';
import { createApiKey, createMerchant } from '../src/modules/merchants/index.js';
import { CheckoutCommitter } from '../src/flows/place-order/index.js';
import { modules, registry } from '../src/platform/modules.js';
import { benchDatabase, hotRowCeiling, httpPool, percentile, postJson, round, runConcurrent, startBenchServer } from './support.js';

/**
 * `npm run bench:checkout`: a flash sale (20,000 buyers, 5,000 units of one SKU) and mixed
 * multi-seller carts over 1,000 SKUs, over HTTP against the real server in its own process,
 * with the database's single-row ceiling measured in the same run. Last line: one JSON object.
 */
const buyers = Number(process.env.BENCH_BUYERS ?? 20_000);
const units = Number(process.env.BENCH_UNITS ?? 5_000);
const mixedCheckouts = Number(process.env.BENCH_MIXED_CHECKOUTS ?? 6_000);
const skuCount = 1_000;
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 256);
const ceilingSeconds = Number(process.env.BENCH_CEILING_SECONDS ?? 5);

const log = (line = '') => process.stderr.write(`${line}\n`);

interface Shop {
  storefrontKey: string;
  hotVariant: string;
  engineVariant: string;
  channel: string;
  skus: string[];
}

async function setUp(url: string): Promise<Shop> {
  const database = connectDatabase({ url, pool_max: 4 });
  const db = database.db;
  try {
    const sellers = [];
    for (const [i, kind] of (['brand', 'retailer', 'wholesale'] as const).entries()) {
      const merchant = await createMerchant(db, { handle: `bench-seller-${i}`, name: `Bench seller ${i}`, kind, default_currency: 'CNY', country: 'CN' });
      const location = await createLocation(db, merchant.id, { kind: 'warehouse', code: 'WH', name: 'Warehouse', address: { line1: '1 Road', city: 'Shanghai', country: 'CN' }, latitude: 31.2, longitude: 121.5, timezone: 'Asia/Shanghai' });
      sellers.push({ merchant, location });
    }
    const storefront = await createApiKey(db, { merchant_id: sellers[0]!.merchant.id, kind: 'publishable', name: 'bench storefront' }, 'bench', registry.scopes);
    const stock: StockChange[] = [];
    const hot = await createProduct(db, sellers[0]!.merchant.id, { title: 'Flash sale phone', status: 'published', variants: [{ sku: 'HOT-1', prices: [{ currency: 'CNY', amount_minor: 99_900 }] }] });
    const hotVariant = hot.variants[0]!.id;
    stock.push({ merchant_id: sellers[0]!.merchant.id, variant_id: hotVariant, location_id: sellers[0]!.location.id, reason: 'receipt', on_hand_delta: BigInt(units), reserved_delta: 0n });
    const engineHot = await createProduct(db, sellers[0]!.merchant.id, { title: 'Flash sale phone (engine run)', status: 'published', variants: [{ sku: 'HOT-ENGINE', prices: [{ currency: 'CNY', amount_minor: 99_900 }] }] });
    const engineVariant = engineHot.variants[0]!.id;
    stock.push({ merchant_id: sellers[0]!.merchant.id, variant_id: engineVariant, location_id: sellers[0]!.location.id, reason: 'receipt', on_hand_delta: BigInt(units), reserved_delta: 0n });
    const skus: string[] = [];
    for (const [s, seller] of sellers.entries()) {
      const mine = Array.from({ length: skuCount }, (_, i) => i).filter((i) => i % sellers.length === s);
      for (let start = 0; start < mine.length; start += 100) {
        const variants: NewProduct['variants'] = mine.slice(start, start + 100).map((i) => ({ sku: `SKU-${i}`, prices: [{ currency: 'CNY', amount_minor: 100 + ((i * 7_919) % 9_900) }] }));
        const product = await createProduct(db, seller.merchant.id, { title: `Assortment ${s}-${start}`, status: 'published', variants });
        for (const v of product.variants) {
          skus.push(v.id);
          stock.push({ merchant_id: seller.merchant.id, variant_id: v.id, location_id: seller.location.id, reason: 'receipt', on_hand_delta: 1_000_000n, reserved_delta: 0n });
        }
      }
    }
    await inTransaction(db, (trx) => applyStockChanges(trx, stock));
    return { storefrontKey: storefront.token, hotVariant, engineVariant, channel: sellers[0]!.merchant.id, skus };
  } finally {
    await database.close();
  }
}

async function main(): Promise<void> {
  const database = await benchDatabase('checkout');
  const server = await startBenchServer(database.url);
  const check = connectDatabase({ url: database.url, pool_max: 2 });
  try {
    log(`OpenBOS checkout benchmark — ${new Date().toISOString()} — ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}`);
    log(`database: ${process.env.DATABASE_URL === undefined ? 'embedded PostgreSQL 17' : 'DATABASE_URL'}; server in its own process at ${server.url}; ${concurrency} concurrent clients`);
    const shop = await setUp(database.url);
    log(`set up 3 sellers, 1 hot SKU with ${units} units, ${shop.skus.length} other SKUs`);

    const hot_row_tps = await hotRowCeiling(database.url, { clients: 16, seconds: ceilingSeconds, withInsert: false });
    const order_tx_tps = await hotRowCeiling(database.url, { clients: 16, seconds: ceilingSeconds, withInsert: true });
    log(`database ceiling on one hot row (16 connections): ${round(hot_row_tps)} updates/s; with an order insert: ${round(order_tx_tps)} tx/s`);

    const pool = httpPool(server.url, concurrency);
    // Warm-up: JIT, connection pool, key cache.
    await runConcurrent(200, 32, () => postJson(pool, '/v1/checkouts', shop.storefrontKey, { currency: 'CNY', items: [{ variant_id: shop.skus[0]!, quantity: 1 }] }));

    const flash = await runConcurrent(buyers, concurrency, () => postJson(pool, '/v1/checkouts', shop.storefrontKey, { currency: 'CNY', items: [{ variant_id: shop.hotVariant, quantity: 1 }] }));
    const acked = flash.samples.filter((s) => s.status === 201).map((s) => (s.body as { orders: { id: string }[] }).orders[0]!.id);
    const soldOut = flash.samples.filter((s) => s.status === 409).length;
    const errors = flash.samples.filter((s) => s.status !== 201 && s.status !== 409);
    const stored = await sql<{ id: string; quantity: number }>`
      select o.id, l.quantity from sales_order o join order_line l on l.merchant_id = o.merchant_id and l.order_id = o.id where l.variant_id = ${shop.hotVariant}`.execute(check.db);
    const storedIds = new Set(stored.rows.map((r) => r.id));
    const soldUnits = stored.rows.reduce((n, r) => n + r.quantity, 0);
    const level = await sql<{ on_hand: bigint; reserved: bigint }>`select on_hand, reserved from stock_level where variant_id = ${shop.hotVariant}`.execute(check.db);
    const remaining = Number(level.rows[0]!.on_hand - level.rows[0]!.reserved);
    // Orders per second while stock lasted: from the start until the last unit was acknowledged.
    const sellout_s = Math.max(...flash.samples.filter((s) => s.status === 201).map((s) => s.done_at_ms ?? 0)) / 1_000;
    const flash_orders_per_s = acked.length / sellout_s;
    const latencies = flash.samples.map((s) => s.latency_ms);
    const result = {
      flash_orders_per_s: round(flash_orders_per_s),
      flash_buyers_per_s: round(buyers / flash.seconds),
      flash_sellout_s: round(sellout_s, 2),
      flash_buyers: buyers,
      flash_units: units,
      flash_acknowledged: acked.length,
      flash_sold_out_answers: soldOut,
      flash_server_errors: errors.length,
      oversold: Math.max(0, soldUnits - units),
      undersold: buyers > units ? remaining : 0,
      lost_acknowledged: acked.filter((id) => !storedIds.has(id)).length,
      latency_ms_p50: round(percentile(latencies, 50)),
      latency_ms_p99: round(percentile(latencies, 99)),
      mixed_orders_per_s: 0,
      mixed_checkouts_per_s: 0,
      mixed_latency_ms_p99: 0,
      hot_row_tps: round(hot_row_tps),
      order_tx_tps: round(order_tx_tps),
      ratio: round(flash_orders_per_s / hot_row_tps, 2),
      mixed_ratio: 0,
      engine_orders_per_s: 0,
      engine_buyers_per_s: 0,
      engine_ratio: 0,
      engine_batches: 0,
      invariant_violations: 0,
      concurrency,
      cores: os.cpus().length,
      date: new Date().toISOString().slice(0, 10),
    };
    log(`flash sale: ${buyers} buyers for ${units} units: sold out after ${round(sellout_s, 2)} s (${round(flash_orders_per_s)} orders/s); all ${buyers} answered in ${round(flash.seconds, 2)} s (${result.flash_buyers_per_s} answers/s): ${acked.length} orders, ${soldOut} sold out, ${errors.length} errors`);
    if (errors.length > 0) log(`  first error: ${errors[0]!.status} ${JSON.stringify(errors[0]!.body)}`);
    log(`  latency p50 ${result.latency_ms_p50} ms, p99 ${result.latency_ms_p99} ms; oversold ${result.oversold}, undersold ${result.undersold}, lost acknowledged ${result.lost_acknowledged}`);

    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const carts = Array.from({ length: mixedCheckouts }, () => {
      const lines = 1 + Math.floor(random() * 6);
      const chosen = new Set<string>();
      while (chosen.size < lines) chosen.add(shop.skus[Math.floor(random() * shop.skus.length)]!);
      return [...chosen].map((variant_id) => ({ variant_id, quantity: 1 + Math.floor(random() * 3) }));
    });
    const before = await sql<{ n: number }>`select count(*)::int as n from sales_order`.execute(check.db);
    const mixed = await runConcurrent(mixedCheckouts, concurrency, (i) => postJson(pool, '/v1/checkouts', shop.storefrontKey, { currency: 'CNY', items: carts[i] }));
    const after = await sql<{ n: number }>`select count(*)::int as n from sales_order`.execute(check.db);
    const mixedOk = mixed.samples.filter((s) => s.status === 201).length;
    const mixedOrders = after.rows[0]!.n - before.rows[0]!.n;
    result.mixed_orders_per_s = round(mixedOrders / mixed.seconds);
    result.mixed_checkouts_per_s = round(mixedOk / mixed.seconds);
    result.mixed_latency_ms_p99 = round(percentile(mixed.samples.map((s) => s.latency_ms), 99));
    result.mixed_ratio = round(result.mixed_orders_per_s / order_tx_tps, 2);
    log(`mixed carts: ${mixedCheckouts} checkouts of 1-6 lines over ${shop.skus.length} SKUs and 3 sellers in ${round(mixed.seconds, 2)} s: ${mixedOrders} orders (${result.mixed_orders_per_s} orders/s, ${result.mixed_checkouts_per_s} checkouts/s), p99 ${result.mixed_latency_ms_p99} ms, ${mixedCheckouts - mixedOk} refused`);
    await pool.close();

    await server.stop();

    // The same flash sale straight into the group-commit engine, without HTTP: what the
    // database design sustains once the HTTP layer (which shares these cores with the load
    // generator) is out of the way.
    const engineDb = connectDatabase({ url: database.url, pool_max: 4 });
    const committer = new CheckoutCommitter(engineDb.db, pino({ level: 'silent' }));
    const engineStarted = performance.now();
    let engineLastOrder = 0;
    const engineResults = await Promise.all(
      Array.from({ length: buyers }, (_, i) =>
        committer
          .submit({ checkout_id: `chk_engine_${i}`, channel_merchant_id: shop.channel, currency: 'CNY', buyer_email: null, consumer_id: null, cart_id: null, items: [{ variant_id: shop.engineVariant, quantity: 1 }], locations: {}, unpaid_ttl_s: 1_800 })
          .then((r) => {
            if (r.ok) engineLastOrder = performance.now();
            return r.ok;
          }),
      ),
    );
    const engineAll_s = (performance.now() - engineStarted) / 1_000;
    const engineSellout_s = (engineLastOrder - engineStarted) / 1_000;
    const engineOrders = engineResults.filter(Boolean).length;
    await engineDb.close();
    result.engine_orders_per_s = round(engineOrders / engineSellout_s);
    result.engine_buyers_per_s = round(buyers / engineAll_s);
    result.engine_ratio = round(result.engine_orders_per_s / hot_row_tps, 2);
    result.engine_batches = committer.batches;
    log(`engine only (no HTTP): ${engineOrders} orders sold out after ${round(engineSellout_s, 2)} s (${result.engine_orders_per_s} orders/s, ${committer.batches} batches); all ${buyers} answered at ${result.engine_buyers_per_s}/s; ratio ${result.engine_ratio}`);

    const reports = await runChecks(check.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])].filter((c) => c.name !== 'kernel.outbox_dead_letters'));
    result.invariant_violations = reports.reduce((n, r) => n + r.violations.length, 0);
    log(`invariants: ${result.invariant_violations === 0 ? 'all hold' : reports.filter((r) => r.violations.length > 0).map((r) => `${r.name}: ${r.violations[0]}`).join('; ')}`);
    log(`ratio flash/hot-row: ${result.ratio} (target 10); mixed orders / order tx ceiling: ${result.mixed_ratio} (target 2)`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await server.stop();
    await check.close();
    await database.close();
  }
}

await main();
