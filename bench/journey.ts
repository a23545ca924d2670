import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { Pool as HttpPool } from 'undici';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { connectDatabase, inTransaction, type AnyDb } from '../src/kernel/db.js';
import { createProduct, type NewProduct } from '../src/modules/catalog/index.js';
import { applyStockChanges, type StockChange } from '../src/modules/inventory/index.js';
import { createLocation } from '../src/modules/locations/index.js';
import { createApiKey, createMerchant } from '../src/modules/merchants/index.js';
import { modules, registry } from '../src/platform/modules.js';
import { benchDatabase, httpPool, percentile, resetStatementStats, round, runConcurrent, startBenchServer, statementStats, type Sample } from './support.js';

/**
 * `npm run bench:journey`: the whole buyer journey over HTTP against the real server in its own
 * process, on real PostgreSQL: open a cart, add an item (some buyers add two or three sellers'
 * items), check out, pay with the test card; then the order is paid once the built-in test
 * provider's webhooks have been processed (the server delivers them to itself).
 *
 * Phase 1: BENCH_JOURNEYS buyers (default 10,000) at BENCH_CONCURRENCY (default 200) over 1,000
 * well-stocked SKUs of three sellers. Phase 2: the same number of buyers for one hot item with
 * BENCH_HOT_UNITS units (default half the buyers): sold-out answers (409) are expected. Also the
 * no-work ceiling of HTTP on this machine (`GET /health` from the same load generator, same
 * concurrency) and the server process's CPU time. Human-readable lines go to stderr; the last
 * line is one JSON object.
 *
 * Settlement is watched by a poller, apart from the buyers, that keeps one query in flight and
 * sleeps BENCH_POLL_MS (default 50 ms) between two: it fetches the ids of the sellers' orders
 * still `awaiting_payment`, and an order whose payment was accepted before the fetch started and
 * that the fetch did not return has left `awaiting_payment` (statuses only move forward): it is
 * counted settled when the fetch ends, so the observed time is late by at most one fetch plus the
 * sleep. The end checks (SQL) confirm that those orders are in fact `paid`. By default
 * (BENCH_POLL=sql) the fetch is one index-only query on `sales_order_status`, a millisecond of
 * PostgreSQL, so the poller cannot weigh on the server whatever the backlog. BENCH_POLL=http
 * walks `GET /v1/orders?status=awaiting_payment&limit=100` page by page with each seller's secret
 * key, as a seller would see it; measured, that walk is not free once a backlog builds (a page of
 * 100 orders with their lines per request, ~15 pages for 1,500 unpaid orders), and it inflated
 * the server's CPU per journey, so it is not the default. The server's own timestamp of the
 * `paid` transition gives a second, poll-free figure (`settle_db_ms_*`; the commit is a little
 * later than that timestamp).
 */
const journeys = Number(process.env.BENCH_JOURNEYS ?? 10_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 200);
const hotUnits = Number(process.env.BENCH_HOT_UNITS ?? Math.floor(journeys / 2));
const mixedShare = Number(process.env.BENCH_MIXED_SHARE ?? 0.2);
const pollMs = Number(process.env.BENCH_POLL_MS ?? 50);
const pollMode = process.env.BENCH_POLL === 'http' ? 'http' : 'sql';
const healthSeconds = Number(process.env.BENCH_HEALTH_SECONDS ?? 5);
const settleTimeoutMs = 60_000;
const skuCount = 1_000;
const card = '4242424242424242';

const log = (line = '') => process.stderr.write(`${line}\n`);

interface Seller {
  merchant_id: string;
  secretKey: string;
}

interface Shop {
  storefrontKey: string;
  sellers: Seller[];
  /** SKUs per seller. */
  skus: string[][];
  hotVariant: string;
}

async function setUp(url: string): Promise<Shop> {
  const database = connectDatabase({ url, pool_max: 4 });
  const db = database.db;
  try {
    const sellers = [];
    for (const [i, kind] of (['brand', 'retailer', 'wholesale'] as const).entries()) {
      const merchant = await createMerchant(db, { handle: `bench-seller-${i}`, name: `Bench seller ${i}`, kind, default_currency: 'CNY', country: 'CN' });
      const location = await createLocation(db, merchant.id, { kind: 'warehouse', code: 'WH', name: 'Warehouse', address: { line1: '1 Road', city: 'Shanghai', country: 'CN' }, latitude: 31.2, longitude: 121.5, timezone: 'Asia/Shanghai' });
      const secret = await createApiKey(db, { merchant_id: merchant.id, kind: 'secret', name: 'bench seller' }, 'bench', registry.scopes);
      sellers.push({ merchant, location, secretKey: secret.token });
    }
    // The storefront is seller 0's; the other sellers' items are bought through it (a marketplace).
    const storefront = await createApiKey(db, { merchant_id: sellers[0]!.merchant.id, kind: 'publishable', name: 'bench storefront' }, 'bench', registry.scopes);
    const stock: StockChange[] = [];
    const hot = await createProduct(db, sellers[0]!.merchant.id, { title: 'Flash sale phone', status: 'published', variants: [{ sku: 'HOT-1', prices: [{ currency: 'CNY', amount_minor: 99_900 }] }] });
    const hotVariant = hot.variants[0]!.id;
    stock.push({ merchant_id: sellers[0]!.merchant.id, variant_id: hotVariant, location_id: sellers[0]!.location.id, reason: 'receipt', on_hand_delta: BigInt(hotUnits), reserved_delta: 0n });
    const skus: string[][] = sellers.map(() => []);
    for (const [s, seller] of sellers.entries()) {
      const mine = Array.from({ length: skuCount }, (_, i) => i).filter((i) => i % sellers.length === s);
      for (let start = 0; start < mine.length; start += 100) {
        const variants: NewProduct['variants'] = mine.slice(start, start + 100).map((i) => ({ sku: `SKU-${i}`, prices: [{ currency: 'CNY', amount_minor: 100 + ((i * 7_919) % 9_900) }] }));
        const product = await createProduct(db, seller.merchant.id, { title: `Assortment ${s}-${start}`, status: 'published', variants });
        for (const v of product.variants) {
          skus[s]!.push(v.id);
          stock.push({ merchant_id: seller.merchant.id, variant_id: v.id, location_id: seller.location.id, reason: 'receipt', on_hand_delta: 1_000_000n, reserved_delta: 0n });
        }
      }
    }
    await inTransaction(db, (trx) => applyStockChanges(trx, stock));
    return { storefrontKey: storefront.token, sellers: sellers.map((s) => ({ merchant_id: s.merchant.id, secretKey: s.secretKey })), skus, hotVariant };
  } finally {
    await database.close();
  }
}

async function call(pool: HttpPool, method: 'GET' | 'POST', path: string, key: string, body?: unknown, headers: Record<string, string> = {}): Promise<Sample> {
  const started = performance.now();
  const res = await pool.request({ method, path, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.body.text();
  let parsed: unknown;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.statusCode, latency_ms: performance.now() - started, body: parsed };
}

type Step = 'cart' | 'item' | 'checkout' | 'payment';

interface Journey {
  outcome: 'paid_accepted' | 'sold_out' | 'failed';
  /** Whole journey, first call to the payment's answer (or the refusal). */
  ms: number;
  step_ms: Partial<Record<Step, number>>;
  /** performance.now() and Date.now() when the payment was accepted. */
  accepted_at?: number;
  accepted_wall?: number;
  order_ids: string[];
  calls: number;
  server_errors: number;
  failure?: string;
}

/** One buyer: open a cart, add the items, check out, pay with the test card. */
async function journey(pool: HttpPool, key: string, items: { variant_id: string; quantity: number }[]): Promise<Journey> {
  const started = performance.now();
  const result: Journey = { outcome: 'failed', ms: 0, step_ms: {}, order_ids: [], calls: 0, server_errors: 0 };
  const step = async (name: Step, s: Promise<Sample>): Promise<Sample> => {
    const sample = await s;
    result.calls++;
    result.step_ms[name] = (result.step_ms[name] ?? 0) + sample.latency_ms;
    if (sample.status >= 500) result.server_errors++;
    return sample;
  };
  const finish = (outcome: Journey['outcome'], failure?: Sample, at?: Step): Journey => {
    result.outcome = outcome;
    result.ms = performance.now() - started;
    if (failure !== undefined) result.failure = `${at}: ${failure.status} ${JSON.stringify(failure.body).slice(0, 300)}`;
    return result;
  };
  try {
    return await journeySteps(pool, key, items, result, step, finish);
  } catch (error) {
    // A transport failure (the connection reset, the server gone): the journey failed.
    result.outcome = 'failed';
    result.ms = performance.now() - started;
    result.failure = `transport: ${String(error)}`;
    return result;
  }
}

async function journeySteps(
  pool: HttpPool,
  key: string,
  items: { variant_id: string; quantity: number }[],
  result: Journey,
  step: (name: Step, s: Promise<Sample>) => Promise<Sample>,
  finish: (outcome: Journey['outcome'], failure?: Sample, at?: Step) => Journey,
): Promise<Journey> {
  const cart = await step('cart', call(pool, 'POST', '/v1/carts', key, { currency: 'CNY' }));
  if (cart.status !== 201) return finish('failed', cart, 'cart');
  const { id, token } = cart.body as { id: string; token: string };
  const cartHeaders = { 'x-cart-token': token };
  for (const item of items) {
    const added = await step('item', call(pool, 'POST', `/v1/carts/${id}/items`, key, item, cartHeaders));
    if (added.status === 409) return finish('sold_out');
    if (added.status !== 200) return finish('failed', added, 'item');
  }
  const checkout = await step('checkout', call(pool, 'POST', `/v1/carts/${id}/checkout`, key, {}, cartHeaders));
  if (checkout.status === 409) return finish('sold_out');
  if (checkout.status !== 201) return finish('failed', checkout, 'checkout');
  const placed = checkout.body as { checkout_id: string; orders: { id: string }[] };
  result.order_ids = placed.orders.map((o) => o.id);
  const payment = await step('payment', call(pool, 'POST', `/v1/checkouts/${placed.checkout_id}/payments`, key, { payment_method: card }));
  if (payment.status !== 202) return finish('failed', payment, 'payment');
  result.accepted_at = performance.now();
  result.accepted_wall = Date.now();
  return finish('paid_accepted');
}

/** Watches the sellers' unpaid orders; see the comment at the top of the file. */
class SettlePoller {
  /** order id -> when its payment was accepted (performance.now()). */
  readonly pending = new Map<string, number>();
  /** order id -> when it was first seen out of awaiting_payment. */
  readonly settled = new Map<string, number>();
  requests = 0;
  walks = 0;
  errors = 0;
  serverErrors = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly unpaid: (poller: SettlePoller) => Promise<Set<string>>) {}

  /** The sellers' unpaid orders over HTTP, page by page, one request per seller in flight. */
  static overHttp(pool: HttpPool, sellers: Seller[]): (poller: SettlePoller) => Promise<Set<string>> {
    return async (poller) => {
      const unpaid = new Set<string>();
      await Promise.all(
        sellers.map(async (seller) => {
          let cursor: string | null = null;
          do {
            const query: string = `/v1/orders?status=awaiting_payment&limit=100${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
            const page = await call(pool, 'GET', query, seller.secretKey);
            poller.requests++;
            if (page.status >= 500) poller.serverErrors++;
            if (page.status !== 200) throw new Error(`order list answered ${page.status}: ${JSON.stringify(page.body)}`);
            const body = page.body as { data: { id: string }[]; next_cursor: string | null };
            for (const o of body.data) unpaid.add(o.id);
            cursor = body.next_cursor;
          } while (cursor !== null);
        }),
      );
      return unpaid;
    };
  }

  /** The sellers' unpaid orders in one index-only query (sales_order_status). */
  static overSql(db: Kysely<unknown>, sellers: Seller[]): (poller: SettlePoller) => Promise<Set<string>> {
    const ids = sellers.map((s) => s.merchant_id);
    return async (poller) => {
      const rows = await sql<{ id: string }>`select id from sales_order where merchant_id = any(${ids}) and status = 'awaiting_payment'`.execute(db);
      poller.requests++;
      return new Set(rows.rows.map((r) => r.id));
    };
  }

  watch(order_id: string, accepted_at: number): void {
    this.pending.set(order_id, accepted_at);
  }

  start(): void {
    this.loop = (async () => {
      let lastReport = performance.now();
      while (!this.stopped) {
        if (this.pending.size > 0) {
          try {
            await this.walk();
          } catch (error) {
            this.errors++;
            if (this.errors <= 3) log(`  poller: ${String(error)}`);
          }
        }
        if (performance.now() - lastReport > 5_000 && this.pending.size > 0) {
          lastReport = performance.now();
          log(`  ${new Date().toISOString().slice(11, 19)} settling: ${this.pending.size} orders accepted and not yet seen paid; ${this.settled.size} seen paid`);
        }
        await new Promise((r) => setTimeout(r, pollMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async walk(): Promise<void> {
    const started = performance.now();
    const unpaid = await this.unpaid(this);
    const ended = performance.now();
    this.walks++;
    for (const [id, accepted_at] of this.pending) {
      if (accepted_at <= started && !unpaid.has(id)) {
        this.settled.set(id, ended);
        this.pending.delete(id);
      }
    }
  }

  /** Waits until every watched order has settled, or 60 s after the last payment was accepted. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.pending.size === 0) return;
      const newest = Math.max(...this.pending.values());
      if (performance.now() - newest > settleTimeoutMs + 1_000) return;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}

/** CPU seconds of a process so far (utime + stime from /proc/<pid>/stat). */
const clockTicks = (() => {
  try {
    return Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
  } catch {
    return 100;
  }
})();
function processCpuS(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3, utime field 14, stime field 15 (1-based in proc(5)).
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}
/** CPU seconds of the whole machine, busy (not idle nor iowait). */
function machineBusyS(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - cpu[3]! - cpu[4]!) / clockTicks;
}
const benchCpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface CpuMark {
  server: number;
  bench: number;
  machine: number;
}
const cpuMark = (pid: number): CpuMark => ({ server: processCpuS(pid), bench: benchCpuS(), machine: machineBusyS() });

async function healthRps(pool: HttpPool, clients: number, seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1_000;
  let count = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const res = await pool.request({ method: 'GET', path: '/health' });
        await res.body.text();
        if (res.statusCode === 200) count++;
      }
    }),
  );
  return count / ((performance.now() - started) / 1_000);
}

/**
 * Whether the event handlers keep up (data bank, webhooks, analytics): the age of the oldest event
 * still pending in the outbox, sampled every 250 ms, and how long after the last buyer the outbox
 * is empty again. One small query on the outbox's partial index of pending events.
 */
class OutboxWatch {
  lag_ms_max = 0;
  pending_max = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  constructor(private readonly db: AnyDb) {}

  private async sample(): Promise<{ pending: number; oldest_ms: number }> {
    const r = await sql<{ pending: number; oldest_ms: number | null }>`
      select count(*)::int as pending, (extract(epoch from now() - min(occurred_at)) * 1000)::float8 as oldest_ms
      from bos_outbox_event where status = 'pending'`.execute(this.db);
    return { pending: r.rows[0]!.pending, oldest_ms: Number(r.rows[0]!.oldest_ms ?? 0) };
  }

  start(): void {
    this.stopped = false;
    this.lag_ms_max = 0;
    this.pending_max = 0;
    this.loop = (async () => {
      while (!this.stopped) {
        const { pending, oldest_ms } = await this.sample();
        this.lag_ms_max = Math.max(this.lag_ms_max, oldest_ms);
        this.pending_max = Math.max(this.pending_max, pending);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** Seconds from `since` (performance.now()) until no event is pending, at most 60 s. */
  async drained(since: number): Promise<number> {
    while ((await this.sample()).pending > 0 && performance.now() - since < 60_000) await new Promise((r) => setTimeout(r, 100));
    return (performance.now() - since) / 1_000;
  }
}

/** The server's group-commit figures (`/metrics`), per committer: batches, requests, busy and queued seconds. */
type CommitFigures = Record<string, { batches: number; requests: number; busy_s: number; queued_s: number }>;

async function commitFigures(url: string): Promise<CommitFigures> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const figures: CommitFigures = {};
  for (const m of text.matchAll(/^openbos_group_commit_(batches|requests|busy_seconds|queued_seconds)_total\{committer="([^"]+)"\} (\S+)$/gm)) {
    const f = (figures[m[2]!] ??= { batches: 0, requests: 0, busy_s: 0, queued_s: 0 });
    const key = ({ batches: 'batches', requests: 'requests', busy_seconds: 'busy_s', queued_seconds: 'queued_s' } as const)[m[1] as 'batches'];
    f[key] = Number(m[3]);
  }
  return figures;
}

/** Per committer over a phase: batches, mean batch size, mean ms per batch, mean ms a request waited, share of the phase busy. */
function commitDelta(before: CommitFigures, after: CommitFigures, seconds: number) {
  return Object.fromEntries(
    Object.entries(after).map(([name, a]) => {
      const b = before[name] ?? { batches: 0, requests: 0, busy_s: 0, queued_s: 0 };
      const batches = a.batches - b.batches;
      const requests = a.requests - b.requests;
      return [name, { batches, mean_batch: round(requests / Math.max(1, batches), 1), batch_ms: round(((a.busy_s - b.busy_s) * 1_000) / Math.max(1, batches), 2), queued_ms: round(((a.queued_s - b.queued_s) * 1_000) / Math.max(1, requests), 2), busy_share: round((a.busy_s - b.busy_s) / seconds, 2) }];
    }),
  );
}

interface PhaseResult {
  journeys: Journey[];
  seconds: number;
  /** performance.now() when the last buyer finished. */
  ended_at: number;
  /** performance.now() when settlement was done or given up. */
  drained_at: number;
  cpu: { server_s: number; bench_s: number; other_s: number };
  settle_backlog_s: number;
  outbox: { lag_ms_max: number; pending_max: number; backlog_s: number };
  commits: ReturnType<typeof commitDelta>;
}

async function runPhase(name: string, url: string, poller: SettlePoller, serverPid: number, count: number, key: string, cartOf: (i: number) => { variant_id: string; quantity: number }[], outbox: OutboxWatch): Promise<PhaseResult> {
  // A pool per phase: the server closes keep-alive connections left idle while the last phase settled.
  const pool = httpPool(url, concurrency);
  outbox.start();
  const commitsBefore = await commitFigures(url);
  const started_at = performance.now();
  const before = cpuMark(serverPid);
  const done: Journey[] = new Array<Journey>(count);
  const run = await runConcurrent(count, concurrency, async (i) => {
    const j = await journey(pool, key, cartOf(i));
    done[i] = j;
    if (j.accepted_at !== undefined) for (const id of j.order_ids) poller.watch(id, j.accepted_at);
    return { status: 200, latency_ms: j.ms, body: undefined };
  });
  const ended_at = performance.now();
  await outbox.stop();
  await pool.close();
  log(`${name}: ${count} journeys in ${round(run.seconds, 2)} s (${round(count / run.seconds)} journeys/s); waiting for settlement (${poller.pending.size} orders pending)`);
  await poller.drain();
  const drained_at = performance.now();
  const outbox_backlog_s = await outbox.drained(ended_at);
  const commits = commitDelta(commitsBefore, await commitFigures(url), (drained_at - started_at) / 1_000);
  log(`  ${name}: group commits (batches, mean size, ms per batch, ms queued, share of the time busy): ${Object.entries(commits).map(([n, c]) => `${n} ${c.batches} × ${c.mean_batch}, ${c.batch_ms} ms, ${c.queued_ms} ms queued, ${c.busy_share} busy`).join('; ')}`);
  log(`  ${name}: outbox: oldest pending event at most ${round(outbox.lag_ms_max)} ms old during the load (${outbox.pending_max} pending at most); empty ${round(outbox_backlog_s, 2)} s after the last buyer`);
  log(`  ${name}: settlement done ${round((performance.now() - ended_at) / 1_000, 2)} s after the last buyer; ${poller.pending.size} orders still pending`);
  const after = cpuMark(serverPid);
  const settledTimes = done.flatMap((j) => j.order_ids.map((id) => poller.settled.get(id))).filter((t): t is number => t !== undefined);
  const lastSettled = settledTimes.length === 0 ? ended_at : Math.max(...settledTimes);
  const server_s = after.server - before.server;
  const bench_s = after.bench - before.bench;
  return { journeys: done, seconds: run.seconds, ended_at, drained_at, cpu: { server_s, bench_s, other_s: after.machine - before.machine - server_s - bench_s }, settle_backlog_s: Math.max(0, (lastSettled - ended_at) / 1_000), outbox: { lag_ms_max: outbox.lag_ms_max, pending_max: outbox.pending_max, backlog_s: outbox_backlog_s }, commits };
}

function settleStats(phase: PhaseResult, poller: SettlePoller, paidAt: Map<string, number>) {
  const settle: number[] = [];
  const settleDb: number[] = [];
  let lost = 0;
  for (const j of phase.journeys) {
    if (j.outcome !== 'paid_accepted') continue;
    let journeyLost = false;
    for (const id of j.order_ids) {
      const at = poller.settled.get(id);
      const paid = paidAt.get(id);
      if (at === undefined || paid === undefined || at - j.accepted_at! > settleTimeoutMs) journeyLost = true;
      // An order never seen paid counts with its wait so far (a lower bound), not left out.
      settle.push((at ?? phase.drained_at) - j.accepted_at!);
      if (paid !== undefined) settleDb.push(paid - j.accepted_wall!);
    }
    if (journeyLost) lost++;
  }
  return { settle, settleDb, lost };
}

async function main(): Promise<void> {
  const database = await benchDatabase('journey');
  const server = await startBenchServer(database.url);
  const check = connectDatabase({ url: database.url, pool_max: 2 });
  const serverPid = server.child.pid!;
  // The server logs (pino, JSON lines) to stdout, which startBenchServer discards: keep its
  // warnings and errors, since a 500 or a failing webhook shows there first.
  const serverProblems: string[] = [];
  let serverLogTail = '';
  server.child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (serverLogTail + chunk.toString()).split('\n');
    serverLogTail = lines.pop() ?? '';
    for (const line of lines) {
      const level = /"level":(\d+)/.exec(line)?.[1];
      if (level !== undefined && Number(level) >= 40) {
        serverProblems.push(line);
        if (serverProblems.length <= 5) log(`  server: ${line.slice(0, 1_500)}`);
      }
    }
  });
  try {
    log(`OpenBOS buyer journey benchmark — ${new Date().toISOString()} — ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}`);
    log(`database: ${process.env.DATABASE_URL === undefined ? 'embedded PostgreSQL 17' : 'DATABASE_URL'}; server in its own process at ${server.url}; ${concurrency} concurrent buyers`);
    const shop = await setUp(database.url);
    log(`set up 3 sellers with ${shop.skus.flat().length} SKUs, 1 hot SKU with ${hotUnits} units`);

    const pollPool = httpPool(server.url, shop.sellers.length);
    const pollDb = connectDatabase({ url: database.url, pool_max: 1 });
    const outboxDb = connectDatabase({ url: database.url, pool_max: 1 });
    const outbox = new OutboxWatch(outboxDb.db);
    const poller = new SettlePoller(pollMode === 'http' ? SettlePoller.overHttp(pollPool, shop.sellers) : SettlePoller.overSql(pollDb.db, shop.sellers));
    poller.start();

    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const pick = (s: number) => shop.skus[s]![Math.floor(random() * shop.skus[s]!.length)]!;
    const mixedCarts = (n: number) =>
      Array.from({ length: n }, () => {
        if (random() >= mixedShare) return [{ variant_id: pick(Math.floor(random() * 3)), quantity: 1 + Math.floor(random() * 3) }];
        // Several sellers' items in one cart: two or three sellers, one item each.
        const sellers = random() < 0.5 ? [0, 1] : [0, 1, 2];
        return sellers.map((s) => ({ variant_id: pick(s), quantity: 1 + Math.floor(random() * 3) }));
      });

    // Warm-up: JIT, connection pools, key cache; settled before the measured phase starts.
    const warm = mixedCarts(200);
    await runPhase('warm-up', server.url, poller, serverPid, warm.length, shop.storefrontKey, (i) => warm[i]!, outbox);

    const healthPool = httpPool(server.url, concurrency);
    const health_rps = await healthRps(healthPool, concurrency, healthSeconds);
    await healthPool.close();
    log(`GET /health at ${concurrency} concurrent: ${round(health_rps)} answers/s (the no-work ceiling of HTTP here)`);

    const carts = mixedCarts(journeys);
    await resetStatementStats(database.url);
    const stocked = await runPhase('phase 1 (1,000 SKUs)', server.url, poller, serverPid, journeys, shop.storefrontKey, (i) => carts[i]!, outbox);
    const statements = await statementStats(database.url);
    for (const st of statements) log(`  pg: ${st.share} of the time, ${st.calls} calls, ${st.mean_ms} ms each: ${st.query}`);
    const hot = await runPhase(`phase 2 (one hot item, ${hotUnits} units)`, server.url, poller, serverPid, journeys, shop.storefrontKey, () => [{ variant_id: shop.hotVariant, quantity: 1 }], outbox);
    await poller.stop();
    await pollPool.close();
    await pollDb.close();
    await outboxDb.close();

    // The server's own time of each order's `paid` transition.
    const paidRows = await sql<{ order_id: string; at: number }>`select order_id, (extract(epoch from occurred_at) * 1000)::float8 as at from order_transition where to_status = 'paid'`.execute(check.db);
    const paidAt = new Map(paidRows.rows.map((r) => [r.order_id, Number(r.at)]));
    const statuses = await sql<{ status: string; n: number }>`select status, count(*)::int as n from sales_order group by status order by status`.execute(check.db);
    const doubles = await sql<{ n: number }>`select count(*)::int as n from (select reference from ledger_transfer where code = 'capture' group by reference having count(*) > 1) d`.execute(check.db);
    const hotSold = await sql<{ n: number }>`select coalesce(sum(l.quantity), 0)::int as n from order_line l where l.variant_id = ${shop.hotVariant}`.execute(check.db);

    const m = settleStats(stocked, poller, paidAt);
    const h = settleStats(hot, poller, paidAt);
    const ok = stocked.journeys.filter((j) => j.outcome === 'paid_accepted');
    const failed = [...stocked.journeys, ...hot.journeys].filter((j) => j.outcome === 'failed');
    const stepP50 = (step: Step) => round(percentile(ok.map((j) => j.step_ms[step] ?? 0), 50));
    const stepP99 = (step: Step) => round(percentile(ok.map((j) => j.step_ms[step] ?? 0), 99));
    const journeys_per_s = ok.length / stocked.seconds;
    const hotOk = hot.journeys.filter((j) => j.outcome === 'paid_accepted');
    const hotSoldOut = hot.journeys.filter((j) => j.outcome === 'sold_out');
    const calls = stocked.journeys.reduce((n, j) => n + j.calls, 0);

    const result = {
      journeys_per_s: round(journeys_per_s),
      journey_ms_p50: round(percentile(ok.map((j) => j.ms), 50)),
      journey_ms_p99: round(percentile(ok.map((j) => j.ms), 99)),
      settle_ms_p50: round(percentile(m.settle, 50)),
      settle_ms_p99: round(percentile(m.settle, 99)),
      settle_db_ms_p50: round(percentile(m.settleDb, 50)),
      settle_db_ms_p99: round(percentile(m.settleDb, 99)),
      settle_backlog_s: round(stocked.settle_backlog_s, 2),
      outbox_lag_ms_max: round(stocked.outbox.lag_ms_max),
      outbox_pending_max: stocked.outbox.pending_max,
      outbox_backlog_s: round(stocked.outbox.backlog_s, 2),
      group_commits: stocked.commits,
      server_cpu_ms_per_journey: round((stocked.cpu.server_s * 1_000) / journeys, 2),
      bench_cpu_ms_per_journey: round((stocked.cpu.bench_s * 1_000) / journeys, 2),
      other_cpu_ms_per_journey: round((stocked.cpu.other_s * 1_000) / journeys, 2),
      server_errors: [...stocked.journeys, ...hot.journeys].reduce((n, j) => n + j.server_errors, 0) + poller.serverErrors,
      failed_journeys: failed.length,
      lost: m.lost + h.lost,
      double_captures: doubles.rows[0]!.n,
      invariant_violations: 0,
      health_rps: round(health_rps),
      http_ratio: round((4 * journeys_per_s) / health_rps, 3),
      http_calls_per_s: round(calls / stocked.seconds),
      step_ms_p50: { cart: stepP50('cart'), item: stepP50('item'), checkout: stepP50('checkout'), payment: stepP50('payment') },
      step_ms_p99: { cart: stepP99('cart'), item: stepP99('item'), checkout: stepP99('checkout'), payment: stepP99('payment') },
      hot_journeys_per_s: round(hot.journeys.length / hot.seconds),
      hot_paid_journeys_per_s: round(hotOk.length / hot.seconds),
      hot_sold: hotOk.length,
      hot_sold_units: hotSold.rows[0]!.n,
      hot_units: hotUnits,
      hot_sold_out: hotSoldOut.length,
      hot_settle_ms_p99: round(percentile(h.settle, 99)),
      hot_settle_backlog_s: round(hot.settle_backlog_s, 2),
      server_logged_problems: serverProblems.length,
      poll_errors: poller.errors,
      poll_mode: pollMode,
      poll_requests: poller.requests,
      poll_walks: poller.walks,
      journeys,
      mixed_share: mixedShare,
      concurrency,
      cores: os.cpus().length,
      date: new Date().toISOString().slice(0, 10),
    };
    log(`phase 1: ${ok.length}/${journeys} journeys paid-accepted in ${round(stocked.seconds, 2)} s: ${result.journeys_per_s} journeys/s (${result.http_calls_per_s} calls/s), p50 ${result.journey_ms_p50} ms, p99 ${result.journey_ms_p99} ms`);
    log(`  per call p50/p99 ms: cart ${result.step_ms_p50.cart}/${result.step_ms_p99.cart}, item(s) ${result.step_ms_p50.item}/${result.step_ms_p99.item}, checkout ${result.step_ms_p50.checkout}/${result.step_ms_p99.checkout}, payment ${result.step_ms_p50.payment}/${result.step_ms_p99.payment}`);
    log(`  settle (payment answer -> seen paid) p50 ${result.settle_ms_p50} ms, p99 ${result.settle_ms_p99} ms; by the server's paid timestamp p50 ${result.settle_db_ms_p50} ms, p99 ${result.settle_db_ms_p99} ms; backlog after the last buyer ${result.settle_backlog_s} s`);
    log(`  CPU per journey (including settlement): server ${result.server_cpu_ms_per_journey} ms, load generator ${result.bench_cpu_ms_per_journey} ms, rest of the machine (PostgreSQL) ${result.other_cpu_ms_per_journey} ms`);
    log(`  http_ratio ${result.http_ratio} (4 x journeys/s / health_rps)`);
    log(`phase 2: ${journeys} buyers for ${hotUnits} units in ${round(hot.seconds, 2)} s (${result.hot_journeys_per_s} journeys/s): ${hotOk.length} paid, ${hotSoldOut.length} sold out; settle p99 ${result.hot_settle_ms_p99} ms, backlog ${result.hot_settle_backlog_s} s`);
    log(`poller: ${poller.walks} walks, ${poller.requests} requests; orders by status: ${statuses.rows.map((r) => `${r.status} ${r.n}`).join(', ')}`);
    if (failed.length > 0) log(`failed journeys: ${failed.length}; first: ${failed[0]!.failure}`);

    const reports = await runChecks(check.db, [...kernelChecks, ...modules.flatMap((mod) => mod.checks ?? [])].filter((c) => c.name !== 'kernel.outbox_dead_letters'));
    result.invariant_violations = reports.reduce((n, r) => n + r.violations.length, 0);
    log(`invariants: ${result.invariant_violations === 0 ? 'all hold' : reports.filter((r) => r.violations.length > 0).map((r) => `${r.name}: ${r.violations[0]}`).join('; ')}`);
    log(`lost ${result.lost}, double captures ${result.double_captures}, server errors ${result.server_errors}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await server.stop();
    await check.close();
    await database.close();
  }
}

await main();
