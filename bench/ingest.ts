import os from 'node:os';
import pg from 'pg';
import { sql } from 'kysely';
import { connectDatabase } from '../src/kernel/db.js';
import { createApiKey, createMerchant } from '../src/modules/merchants/index.js';
import { benchDatabase, httpPool, percentile, round, runConcurrent, startBenchServer, type Sample } from './support.js';
import { registry } from '../src/platform/modules.js';

/**
 * `npm run bench:ingest`: concurrent clients send `/v1/batch` requests of 100 events each (the
 * Segment API) to the real server in its own process, identity resolution included; the same rows
 * are then inserted straight into PostgreSQL in the same run, the database's own ceiling.
 * Last line: one JSON object.
 */
const requests = Number(process.env.BENCH_REQUESTS ?? 2_000);
const events_per_request = 100;
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const users = 20_000;
const log = (line = '') => process.stderr.write(`${line}\n`);

const names = ['Product Viewed', 'Product Viewed', 'Product Viewed', 'Product Added', 'Product List Viewed', 'Order Completed'];

function batchBody(r: number): unknown {
  const sentAt = new Date().toISOString();
  return {
    sentAt,
    batch: Array.from({ length: events_per_request }, (_, i) => {
      const n = r * events_per_request + i;
      const user = (n * 7_919) % users;
      // Most events come from known users; some from anonymous visitors who later identify.
      const identified = n % 5 !== 0;
      return {
        type: n % 50 === 0 ? 'identify' : 'track',
        messageId: `${r >= requests ? "warm" : "bench"}-${n}`,
        ...(identified ? { userId: `user-${user}` } : {}),
        anonymousId: `anon-${user}`,
        event: names[n % names.length],
        properties: { product_id: `p-${n % 5_000}`, price: 19.9 },
        traits: n % 50 === 0 ? { email: `user-${user}@example.com`, plan: 'free' } : undefined,
        context: { library: { name: 'bench' } },
        timestamp: sentAt,
      };
    }),
  };
}

async function rawCeiling(url: string, bodies: unknown[]): Promise<number> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(`create table bench_raw_event (merchant_id text, id text, message_id text, type text, event text, profile_id text, user_id text, anonymous_id text,
    properties jsonb, context jsonb, occurred_at timestamptz, received_at timestamptz, primary key (merchant_id, id), unique (merchant_id, message_id))`);
  await setup.end();
  const clients = await Promise.all(Array.from({ length: 8 }, async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return c;
  }));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      for (;;) {
        const r = next++;
        if (r >= bodies.length) return;
        const batch = (bodies[r] as { batch: Record<string, unknown>[] }).batch;
        const col = (f: (e: Record<string, unknown>, i: number) => unknown) => batch.map(f);
        await c.query(
          `insert into bench_raw_event select 'mer', * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::jsonb[], $10::timestamptz[], $11::timestamptz[])`,
          [col((_e, i) => `raw-${r}-${i}`), col((e) => e.messageId), col((e) => e.type), col((e) => e.event), col(() => 'prf'), col((e) => e.userId ?? null), col((e) => e.anonymousId), col((e) => JSON.stringify(e.properties)), col((e) => JSON.stringify(e.context)), col((e) => e.timestamp), col(() => new Date().toISOString())],
        );
      }
    }),
  );
  const seconds = (performance.now() - started) / 1_000;
  await Promise.all(clients.map((c) => c.end()));
  return (bodies.length * events_per_request) / seconds;
}

async function main(): Promise<void> {
  const database = await benchDatabase('ingest');
  const server = await startBenchServer(database.url);
  const check = connectDatabase({ url: database.url, pool_max: 2 });
  try {
    log(`OpenBOS ingestion benchmark — ${new Date().toISOString()} — ${os.cpus().length} cores; ${concurrency} concurrent clients; ${requests} batches of ${events_per_request} events`);
    const brand = await createMerchant(check.db, { handle: 'bench-brand', name: 'Bench brand', kind: 'brand', default_currency: 'CNY', country: 'CN' });
    const key = (await createApiKey(check.db, { merchant_id: brand.id, kind: 'publishable' }, 'bench', registry.scopes)).token;
    const auth = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    const bodies = Array.from({ length: requests }, (_, r) => batchBody(r));
    const pool = httpPool(server.url, concurrency);
    const post = async (body: unknown): Promise<Sample> => {
      const t = performance.now();
      const res = await pool.request({ method: 'POST', path: '/v1/batch', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await res.body.text();
      return { status: res.statusCode, latency_ms: performance.now() - t, body: undefined };
    };
    await runConcurrent(20, 4, (i) => post(batchBody(requests + i)));
    const run = await runConcurrent(requests, concurrency, (r) => post(bodies[r]));
    await pool.close();
    const acknowledged = run.samples.filter((s) => s.status === 200).length * events_per_request;
    const events_per_s = acknowledged / run.seconds;
    const stored = await sql<{ n: number }>`select count(*)::int as n from cdp_event where merchant_id = ${brand.id} and message_id like 'bench-%'`.execute(check.db);
    const profiles = await sql<{ n: number; merges: number }>`select count(*) filter (where merged_into is null)::int as n, (select count(*)::int from cdp_merge where merchant_id = ${brand.id}) as merges from cdp_profile where merchant_id = ${brand.id}`.execute(check.db);
    log(`ingested ${acknowledged} events in ${round(run.seconds, 2)} s: ${round(events_per_s)} events/s; p50 ${round(percentile(run.samples.map((s) => s.latency_ms), 50))} ms, p99 ${round(percentile(run.samples.map((s) => s.latency_ms), 99))} ms; ${profiles.rows[0]!.n} profiles, ${profiles.rows[0]!.merges} merges`);
    await server.stop();
    const raw_insert_rows_per_s = await rawCeiling(database.url, bodies);
    log(`raw insert of the same rows, 8 connections, 100 rows a statement: ${round(raw_insert_rows_per_s)} rows/s`);
    const result = {
      events_per_s: round(events_per_s),
      latency_ms_p50: round(percentile(run.samples.map((s) => s.latency_ms), 50)),
      latency_ms_p99: round(percentile(run.samples.map((s) => s.latency_ms), 99)),
      raw_insert_rows_per_s: round(raw_insert_rows_per_s),
      ratio: round(events_per_s / raw_insert_rows_per_s, 2),
      lost_events: acknowledged - stored.rows[0]!.n,
      errors: run.samples.filter((s) => s.status !== 200).length,
      events: acknowledged,
      profiles: profiles.rows[0]!.n,
      merges: profiles.rows[0]!.merges,
      concurrency,
      cores: os.cpus().length,
      date: new Date().toISOString().slice(0, 10),
    };
    log(`ratio ${result.ratio} (target 0.5); lost ${result.lost_events}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await server.stop();
    await check.close();
    await database.close();
  }
}

await main();
