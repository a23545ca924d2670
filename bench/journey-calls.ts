import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../src/kernel/config.js';
import { connectDatabase, inTransaction } from '../src/kernel/db.js';
import { migrateToLatest } from '../src/kernel/migrations.js';
import type { ModuleContext } from '../src/kernel/module.js';
import { createProduct } from '../src/modules/catalog/index.js';
import { applyStockChanges } from '../src/modules/inventory/index.js';
import { createLocation } from '../src/modules/locations/index.js';
import { createApiKey, createMerchant } from '../src/modules/merchants/index.js';
import { buildApp } from '../src/platform/app.js';
import { allMigrations, registry } from '../src/platform/modules.js';
import { benchDatabase, round } from './support.js';

/**
 * `npm run bench:journey-calls`: what each request-side call of the buyer journey
 * costs on its own (open a cart, add an item, check out), one buyer at a time, so every SQL
 * statement and every CPU millisecond belongs to the call that caused it. Per call: SQL round
 * trips (every statement the pool sends, BEGIN and COMMIT included), transactions, server CPU
 * (this process: Hono, zod, Kysely, pg; called in process with `app.request`, so without Node's
 * HTTP parsing) and PostgreSQL CPU (the backends of this benchmark's own cluster, read from
 * /proc). BENCH_CALLS_BUYERS buyers (default 500) after 100 for warm-up, in groups of
 * BENCH_CALLS_CONCURRENCY (default 1) that take each step together, so group commit has company
 * to batch with. The payment call is the settlement side's and is not measured here.
 */
const buyers = Number(process.env.BENCH_CALLS_BUYERS ?? 500);
const concurrency = Number(process.env.BENCH_CALLS_CONCURRENCY ?? 1);
const warmup = 100;
const log = (line = '') => process.stderr.write(`${line}\n`);

/** Every statement any pg client sends in this process, counted by the step that is running. */
let statements = 0;
let begins = 0;
/** With BENCH_CALLS_TRACE=1 the statements of the last buyer's calls are printed. */
let trace: string[] | undefined;
// eslint-disable-next-line @typescript-eslint/unbound-method -- re-bound with apply below
const originalQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  const first = args[0];
  const text = typeof first === 'string' ? first : (first as { text?: string } | undefined)?.text;
  if (typeof text === 'string' && /^\s*(begin|start transaction)/i.test(text)) begins++;
  trace?.push(String(text).replace(/\s+/g, ' ').slice(0, 160));
  return originalQuery.apply(this, args);
};

const clockTicks = 100;
/** CPU seconds of the PostgreSQL cluster on `port` (its postmaster and every child). */
function postgresCpuS(postmasterPid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(entry);
      if (pid !== postmasterPid && Number(fields[1]) !== postmasterPid) continue;
      total += (Number(fields[11]) + Number(fields[12])) / clockTicks;
    } catch {
      // The process ended while we read.
    }
  }
  return total;
}

function postmasterPid(): number {
  const file = path.resolve('.openbos/bench/pg/postmaster.pid');
  return Number(readFileSync(file, 'utf8').split('\n')[0]);
}

type Step = 'cart' | 'item' | 'checkout';
interface Cost {
  calls: number;
  statements: number;
  transactions: number;
  server_ms: number;
  postgres_ms: number;
  wall_ms: number;
}

async function main(): Promise<void> {
  const database = await benchDatabase('calls');
  const connection = connectDatabase({ url: database.url, pool_max: 10 });
  const db = connection.db;
  try {
    await migrateToLatest(db, allMigrations);
    const merchant = await createMerchant(db, { handle: 'calls-seller', name: 'Calls seller', kind: 'brand', default_currency: 'CNY', country: 'CN' });
    const location = await createLocation(db, merchant.id, { kind: 'warehouse', code: 'WH', name: 'Warehouse', address: { line1: '1 Road', city: 'Shanghai', country: 'CN' }, latitude: 31.2, longitude: 121.5, timezone: 'Asia/Shanghai' });
    const key = (await createApiKey(db, { merchant_id: merchant.id, kind: 'publishable', name: 'storefront' }, 'bench', registry.scopes)).token;
    const product = await createProduct(db, merchant.id, { title: 'Assortment', status: 'published', variants: Array.from({ length: 100 }, (_, i) => ({ sku: `SKU-${i}`, prices: [{ currency: 'CNY', amount_minor: 100 + i }] })) });
    const variants = product.variants.map((v) => v.id);
    await inTransaction(db, (trx) => applyStockChanges(trx, variants.map((variant_id) => ({ merchant_id: merchant.id, variant_id, location_id: location.id, reason: 'receipt' as const, on_hand_delta: 1_000_000n, reserved_delta: 0n }))));

    const config = loadConfig({ OPENBOS_DATA_DIR: path.resolve('.openbos/bench-calls'), LOG_LEVEL: 'silent', OPENBOS_RATE_LIMIT_PER_S: '0' }, registry.settings);
    const ctx: ModuleContext = { db, config, logger: pino({ level: 'silent' }), registry };
    const { app } = buildApp(ctx);
    const pm = postmasterPid();

    const costs: Record<Step, Cost> = { cart: zero(), item: zero(), checkout: zero() };
    const post = async (p: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> => {
      const res = await app.request(p, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      const answer: unknown = await res.json();
      if (res.status >= 300) throw new Error(`${p}: ${res.status} ${JSON.stringify(answer)}`);
      return answer;
    };
    /** Runs one step for a whole group of buyers at once and books its cost to that step. */
    const measure = async <T>(step: Step | undefined, calls: (() => Promise<T>)[]): Promise<T[]> => {
      const s0 = statements;
      const b0 = begins;
      const pg0 = postgresCpuS(pm);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const answers = await Promise.all(calls.map((call) => call()));
      const cpu = process.cpuUsage(cpu0);
      const wall_ms = performance.now() - t0;
      if (trace !== undefined) {
        log(`-- ${step}: ${trace.length} statements`);
        for (const t of trace) log(`   ${t}`);
        trace = [];
      }
      if (step !== undefined) {
        const c = costs[step];
        c.wall_ms += wall_ms;
        c.postgres_ms += (postgresCpuS(pm) - pg0) * 1_000;
        c.server_ms += (cpu.user + cpu.system) / 1_000;
        c.statements += statements - s0;
        c.transactions += begins - b0;
        c.calls += calls.length;
      }
      return answers;
    };

    let n = 0;
    for (let start = 0; start < warmup + buyers; start += concurrency) {
      const group = Array.from({ length: Math.min(concurrency, warmup + buyers - start) }, (_, i) => start + i);
      const step = (s: Step) => (start < warmup ? undefined : s);
      if (start + group.length === warmup + buyers && concurrency === 1 && process.env.BENCH_CALLS_TRACE === '1') trace = [];
      const carts = (await measure(step('cart'), group.map(() => () => post('/v1/carts', { currency: 'CNY' })))) as { id: string; token: string }[];
      await measure(step('item'), carts.map((cart) => () => post(`/v1/carts/${cart.id}/items`, { variant_id: variants[n++ % variants.length], quantity: 1 }, { 'x-cart-token': cart.token })));
      await measure(step('checkout'), carts.map((cart) => () => post(`/v1/carts/${cart.id}/checkout`, {}, { 'x-cart-token': cart.token })));
    }
    const result = Object.fromEntries(
      Object.entries(costs).map(([step, c]) => [step, { round_trips: round(c.statements / c.calls, 2), transactions: round(c.transactions / c.calls, 2), server_cpu_ms: round(c.server_ms / c.calls, 2), postgres_cpu_ms: round(c.postgres_ms / c.calls, 2), wall_ms_per_group: round((c.wall_ms * group_size(c)) / c.calls, 2) }]),
    );
    for (const [step, r] of Object.entries(result)) log(`${step.padEnd(8)} ${JSON.stringify(r)}`);
    process.stdout.write(`${JSON.stringify({ buyers, concurrency, ...result, date: new Date().toISOString().slice(0, 10) })}\n`);
  } finally {
    await connection.close();
    await database.close();
  }
}

function group_size(c: Cost): number {
  return Math.min(concurrency, c.calls);
}

function zero(): Cost {
  return { calls: 0, statements: 0, transactions: 0, server_ms: 0, postgres_ms: 0, wall_ms: 0 };
}

await main();
