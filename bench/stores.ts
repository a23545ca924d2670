import os from 'node:os';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { connectDatabase } from '../src/kernel/db.js';
import { createProduct } from '../src/modules/catalog/index.js';
import { fetchHttp, prepareWorld, reportOf, runShoppers, summaryOf } from '../src/modules/instore/index.js';
import { createApiKey, createMerchant } from '../src/modules/merchants/index.js';
import { modules, registry } from '../src/platform/modules.js';
import { benchDatabase, hotRowCeiling, round, startBenchServer } from './support.js';

/**
 * `npm run bench:stores`: unattended stores under load, over HTTP against the real server in its
 * own process. 200 concurrent shoppers (BENCH_STORES_SHOPPERS) in 10 stores (BENCH_STORES_STORES)
 * walk in with their consumer codes, pick and put back, stand close to one another and walk out;
 * a clean phase (every shelf event as it happened) and a noisy phase (BENCH_STORES_NOISE of the
 * events missed, duplicated or wrongly attributed), BENCH_STORES_SECONDS each (default 30).
 * The simulator knows each basket's truth and compares it with what the exit gate charged. The
 * database's own ceiling is measured in the same run. Last line: one JSON object.
 */
const shoppers = Number(process.env.BENCH_STORES_SHOPPERS ?? 200);
const storeCount = Number(process.env.BENCH_STORES_STORES ?? 10);
const phaseSeconds = Number(process.env.BENCH_STORES_SECONDS ?? 30);
const noise = Number(process.env.BENCH_STORES_NOISE ?? 0.05);
// A consumer code opens a gate once per 30 s window: enough accounts that shoppers never wait for one.
const consumers = Number(process.env.BENCH_STORES_CONSUMERS ?? shoppers * 2);
const ceilingSeconds = Number(process.env.BENCH_CEILING_SECONDS ?? 5);
const seed = Number(process.env.BENCH_STORES_SEED ?? 18);

const log = (line = '') => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const database = await benchDatabase('stores');
  const server = await startBenchServer(database.url);
  const check = connectDatabase({ url: database.url, pool_max: 2 });
  try {
    log(`OpenBOS unattended stores benchmark — ${new Date().toISOString()} — ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    log(`database: ${process.env.DATABASE_URL === undefined ? 'embedded PostgreSQL 17' : 'DATABASE_URL'}; server in its own process at ${server.url}`);
    const merchant = await createMerchant(check.db, { handle: 'bench-stores', name: 'Bench store chain', kind: 'retailer', default_currency: 'CNY', country: 'CN' });
    const secret = await createApiKey(check.db, { merchant_id: merchant.id, kind: 'secret', name: 'bench' }, 'bench', registry.scopes);
    const publishable = await createApiKey(check.db, { merchant_id: merchant.id, kind: 'publishable', name: 'bench' }, 'bench', registry.scopes);
    for (let p = 0; p < 4; p++) {
      await createProduct(check.db, merchant.id, {
        title: `Shelf ${p + 1}`,
        status: 'published',
        variants: Array.from({ length: 5 }, (_, v) => ({ sku: `SHELF-${p + 1}-${v + 1}`, barcode: `69000000${p}${v}000`, prices: [{ currency: 'CNY', amount_minor: 300 + 700 * v + 100 * p }] })),
      });
    }

    const hot_row_tps = await hotRowCeiling(database.url, { clients: 16, seconds: ceilingSeconds, withInsert: false });
    const order_tx_tps = await hotRowCeiling(database.url, { clients: 16, seconds: ceilingSeconds, withInsert: true });
    log(`database ceiling (16 connections): ${round(hot_row_tps)} single-row updates/s; ${round(order_tx_tps)} update-and-insert tx/s`);

    const http = fetchHttp(server.url);
    const setupStarted = performance.now();
    const world = await prepareWorld({ http, secret_key: secret.token, publishable_key: publishable.token, stores: storeCount, consumers, restock_to: 1_000_000, tag: `bench-${Date.now().toString(36)}`, log });
    log(`set up ${world.stores.length} stores with gates and shelves, ${world.consumers.length} shopper accounts with payment authorisations in ${round((performance.now() - setupStarted) / 1_000)} s`);

    const phase = { shoppers, think_ms: [50, 250] as const, max_actions: 8, close_share: 0.3, log };
    log(`clean phase: ${shoppers} shoppers for ${phaseSeconds} s`);
    const clean = await runShoppers(world, { ...phase, seconds: phaseSeconds, noise: 0, seed });
    log(`noisy phase: noise ${noise} for ${phaseSeconds} s`);
    const noisy = await runShoppers(world, { ...phase, seconds: phaseSeconds, noise, seed: seed + 1 });

    // Captures and hand-overs finish after the exits answer: let the outbox settle before checking.
    await new Promise((r) => setTimeout(r, 3_000));
    const reports = await runChecks(check.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
    const failed = reports.filter((r) => r.violations.length > 0);
    const report = reportOf(world, { shoppers, seed, noise }, clean, noisy, { violations: failed.reduce((n, r) => n + r.violations.length, 0), first: failed.slice(0, 3).map((r) => `${r.name}: ${r.violations[0]}`) });
    for (const line of summaryOf(report)) log(line);

    const seconds = clean.seconds + noisy.seconds;
    const exits_per_s = (clean.visits + noisy.visits) / seconds;
    const result = {
      sensor_events_per_s: report.sensor_events_per_s,
      exit_charge_ms_p50: report.exit_charge_ms_p50,
      exit_charge_ms_p99: report.exit_charge_ms_p99,
      basket_accuracy_clean: report.basket_accuracy_clean,
      basket_accuracy_noisy: report.basket_accuracy_noisy,
      sessions_on_review: report.sessions_on_review,
      sessions_on_review_clean: clean.sessions_on_review,
      wrong_charges: report.wrong_charges,
      code_verifications_per_s: report.code_verifications_per_s,
      invariant_violations: report.invariant_violations,
      visits: clean.visits + noisy.visits,
      exits_per_s: round(exits_per_s),
      charged: clean.charged + noisy.charged,
      errors: report.errors,
      hot_row_tps: round(hot_row_tps),
      order_tx_tps: round(order_tx_tps),
      // Shelf events per single-row update the database manages alone; exits (each an order) per order transaction.
      events_ratio: round(report.sensor_events_per_s / hot_row_tps, 3),
      exits_ratio: round(exits_per_s / order_tx_tps, 3),
      shoppers,
      stores: world.stores.length,
      consumers: world.consumers.length,
      seconds: round(seconds, 1),
      noise,
      cores: os.cpus().length,
      date: new Date().toISOString().slice(0, 10),
    };
    process.exitCode = result.basket_accuracy_clean === 1 && result.wrong_charges === 0 && result.invariant_violations === 0 ? 0 : 1;
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await server.stop();
    await check.close();
    await database.close();
  }
}

await main();
