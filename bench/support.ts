import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { Pool as HttpPool } from 'undici';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/kernel/embedded-postgres.js';

/**
 * Shared benchmark plumbing: a fresh database (on DATABASE_URL's server, or an embedded one), the
 * real server in its own process, an HTTP client pool, latency statistics, and the database's own
 * ceiling measured in the same run so results are reported as ratios.
 */
export interface BenchDatabase {
  url: string;
  close(): Promise<void>;
}

export async function benchDatabase(name: string): Promise<BenchDatabase> {
  let embedded: EmbeddedPostgres | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (adminUrl === undefined || adminUrl === '') {
    // BENCH_PG_STATS=1: PostgreSQL records every statement's time (pg_stat_statements), and
    // `statementStats` reports where the database's time went.
    const settings = process.env.BENCH_PG_STATS === '1' ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all'] : [];
    embedded = await startEmbeddedPostgres({ dataDir: path.resolve('.openbos/bench'), port: Number(process.env.OPENBOS_BENCH_PG_PORT ?? 54_331), database: 'postgres', owner: true, settings });
    adminUrl = embedded.url;
  }
  const database = `openbos_bench_${name}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    async close() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${database} with (force)`);
      await c.end();
      await embedded?.stop();
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface BenchServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The real server, in its own process, as production runs it. */
export async function startBenchServer(databaseUrl: string, extraEnv: Record<string, string> = {}): Promise<BenchServer> {
  const port = await freePort();
  const env = { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', OPENBOS_SEED_DEMO: 'never', OPENBOS_CONSOLE_BUILD: 'never', OPENBOS_RATE_LIMIT_PER_S: '0', OPENBOS_DB_POOL_MAX: '20', ...extraEnv };
  // BENCH_SERVER_NODE_ARGS (e.g. `--cpu-prof`) profiles the server process.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, path.resolve('packages/bos-cli/bin/bos.js'), 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  child.stdout.removeAllListeners('data');
  child.stderr.removeAllListeners('data');
  child.stdout.resume();
  child.stderr.on('data', (c: Buffer) => process.stderr.write(c));
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function httpPool(url: string, connections: number): HttpPool {
  return new HttpPool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
}

export interface Sample {
  status: number;
  latency_ms: number;
  body: unknown;
  /** When the answer arrived, from the start of the run. */
  done_at_ms?: number;
}

/** Runs `total` calls with at most `concurrency` in flight; returns every sample. */
export async function runConcurrent(total: number, concurrency: number, call: (i: number) => Promise<Sample>): Promise<{ samples: Sample[]; seconds: number }> {
  const samples = new Array<Sample>(total);
  let next = 0;
  const started = performance.now();
  async function worker(): Promise<void> {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const sample = await call(i);
      sample.done_at_ms = performance.now() - started;
      samples[i] = sample;
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, () => worker()));
  return { samples, seconds: (performance.now() - started) / 1_000 };
}

export async function postJson(pool: HttpPool, path: string, key: string, body: unknown): Promise<Sample> {
  const started = performance.now();
  const res = await pool.request({ method: 'POST', path, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.body.text();
  return { status: res.statusCode, latency_ms: performance.now() - started, body: text.length > 0 ? JSON.parse(text) : undefined };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/**
 * The database's own ceiling on one hot row: `clients` connections each running a one-statement
 * transaction `UPDATE ... SET stock = stock - 1 WHERE id = 1 AND stock > 0` (and, with
 * `withInsert`, the same plus one order insert in a transaction) as fast as they can.
 */
export async function hotRowCeiling(url: string, options: { clients: number; seconds: number; withInsert: boolean }): Promise<number> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query('drop table if exists bench_hot_row; drop table if exists bench_hot_order');
  await setup.query('create table bench_hot_row (id integer primary key, stock bigint not null)');
  await setup.query('create table bench_hot_order (id bigserial primary key, item integer not null, quantity integer not null, created_at timestamptz not null default now())');
  await setup.query('insert into bench_hot_row values (1, 1000000000)');
  await setup.end();
  const deadline = performance.now() + options.seconds * 1_000;
  let count = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      while (performance.now() < deadline) {
        if (options.withInsert) {
          await client.query('begin');
          await client.query('update bench_hot_row set stock = stock - 1 where id = 1 and stock > 0');
          await client.query('insert into bench_hot_order (item, quantity) values (1, 1)');
          await client.query('commit');
        } else {
          await client.query('update bench_hot_row set stock = stock - 1 where id = 1 and stock > 0');
        }
        count++;
      }
      await client.end();
    }),
  );
  const seconds = (performance.now() - started) / 1_000;
  const cleanup = new pg.Client({ connectionString: url });
  await cleanup.connect();
  await cleanup.query('drop table bench_hot_row; drop table bench_hot_order');
  await cleanup.end();
  return count / seconds;
}

/**
 * With BENCH_PG_STATS=1, the statements that took most of the database's time since the last
 * reset, with calls and mean ms; an empty list otherwise.
 */
export async function statementStats(url: string, top = 25): Promise<{ total_ms: number; calls: number; mean_ms: number; share: number; query: string }[]> {
  if (process.env.BENCH_PG_STATS !== '1') return [];
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('create extension if not exists pg_stat_statements');
    const all = await c.query<{ total: number }>('select coalesce(sum(total_exec_time), 0)::float8 as total from pg_stat_statements');
    const total = Number(all.rows[0]!.total) || 1;
    const rows = await c.query<{ total_ms: number; calls: string; mean_ms: number; query: string }>(
      `select total_exec_time::float8 as total_ms, calls::text, mean_exec_time::float8 as mean_ms, regexp_replace(query, '\\s+', ' ', 'g') as query
       from pg_stat_statements order by total_exec_time desc limit $1`,
      [top],
    );
    return rows.rows.map((r) => ({ total_ms: Math.round(r.total_ms), calls: Number(r.calls), mean_ms: Math.round(r.mean_ms * 1_000) / 1_000, share: Math.round((r.total_ms / total) * 1_000) / 1_000, query: r.query.slice(0, 200) }));
  } finally {
    await c.end();
  }
}

/** Resets pg_stat_statements (BENCH_PG_STATS=1), so a phase's figures are its own. */
export async function resetStatementStats(url: string): Promise<void> {
  if (process.env.BENCH_PG_STATS !== '1') return;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('create extension if not exists pg_stat_statements');
    await c.query('select pg_stat_statements_reset()');
  } finally {
    await c.end();
  }
}
