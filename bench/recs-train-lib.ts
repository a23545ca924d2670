import { existsSync } from 'node:fs';
import path from 'node:path';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from 'kysely';
import pg from 'pg';
import type { AnyDb } from '../src/kernel/db.js';
import { importTaobao } from '../src/modules/databank/index.js';
import { interactionsSql, requestTraining, runTraining, type TrainingProgress, type TrainingRun } from '../src/modules/recs/training/index.js';

/**
 * The training benchmark's parts, for `npm run bench:recs-train` and for other benchmarks that
 * need a trained brand (bench:recs): the Taobao sample imported into a brand's data bank, a
 * brand's events made up straight into `cdp_event`, a training timed end to end, and the
 * database's own ceiling for the read.
 */

/** The Taobao UserBehavior sample of the shared data folder (next to the repository, or to the worktrees' folder). */
export function taobaoSamplePath(repoRoot = process.cwd()): string {
  const name = 'taobao-user-behavior-sample.csv';
  const candidates = [process.env.BENCH_TAOBAO_FILE, path.resolve(repoRoot, '..', 'shared', 'data', name), path.resolve(repoRoot, '..', '..', 'shared', 'data', name)];
  const found = candidates.find((c): c is string => c !== undefined && c !== '' && existsSync(c));
  if (found === undefined) throw new Error(`no Taobao sample at ${candidates.filter(Boolean).join(' or ')}`);
  return found;
}

export interface TrainFigures {
  training_id: string;
  status: TrainingRun['status'];
  error: string | null;
  chosen_model: string | null;
  train_s: number;
  cpu_s: number;
  /** CPU seconds per stage. */
  stage_cpu_s: Record<string, number>;
  events: number;
  users: number;
  items: number;
  memory_bytes: number;
  /** Seconds per stage of the run. */
  stages: Record<string, number>;
  lists: Record<string, number | string>;
  metrics: { model: string; ndcg_at_10: number; hr_at_10: number; coverage: number; train_s: number }[];
}

/** Asks for a training of the brand and runs it here; answers what the run recorded. */
export async function trainBrand(db: AnyDb, merchant_id: string, onProgress?: TrainingProgress): Promise<TrainFigures> {
  const request = await requestTraining(db, merchant_id, { reason: 'cli', requested_by: 'bench' });
  const run = (await runTraining(db, request.id, onProgress))!;
  return {
    training_id: run.id,
    status: run.status,
    error: run.error,
    chosen_model: run.chosen_model,
    train_s: run.train_s ?? 0,
    cpu_s: run.cpu_s ?? 0,
    stage_cpu_s: run.stage_cpu_s,
    events: run.events ?? 0,
    users: run.users ?? 0,
    items: run.items ?? 0,
    memory_bytes: run.memory_bytes ?? 0,
    stages: run.timings,
    lists: run.lists,
    metrics: run.metrics.map((m) => ({ model: m.model, ndcg_at_10: m.ndcg_at_10, hr_at_10: m.hr_at_10, coverage: m.coverage, train_s: m.train_s })),
  };
}

/**
 * Imports the Taobao sample into the brand's data bank (the data bank's importer, as `bos import
 * events` does) and trains; `train_s` is the training alone, `import_s` the import.
 */
export async function trainTaobaoSample(db: AnyDb, merchant_id: string, options: { file?: string; onProgress?: TrainingProgress } = {}): Promise<TrainFigures & { import_s: number }> {
  const t = performance.now();
  await importTaobao(db, merchant_id, options.file ?? taobaoSamplePath(), { currency: 'CNY' });
  const import_s = (performance.now() - t) / 1000;
  return { ...(await trainBrand(db, merchant_id, options.onProgress)), import_s: Math.round(import_s * 100) / 100 };
}

/**
 * `count` made-up events of a brand inserted straight into `cdp_event`: `users` consumers in 50
 * taste groups, each group with its own 2 % of the `items` (popular ones more often), over 60
 * days; 85 % views, 5 % wishlist adds, 7 % cart adds, 3 % purchases. Deterministic (a hash, not a
 * random generator).
 */
export async function plantSyntheticEvents(db: AnyDb, merchant_id: string, count: number, options: { users?: number; items?: number; onProgress?: (done: number) => void } = {}): Promise<void> {
  const users = options.users ?? 20_000;
  const items = options.items ?? 5_000;
  const per = 100_000;
  for (let from = 0; from < count; from += per) {
    const to = Math.min(count, from + per) - 1;
    await sql`
      insert into cdp_event (merchant_id, id, message_id, type, event, profile_id, properties, context, occurred_at, received_at)
      select ${merchant_id}, 'evt_syn' || n, 'syn:' || n, 'track',
             case when k < 85 then 'Product Viewed' when k < 90 then 'Product Added to Wishlist' when k < 97 then 'Product Added' else 'Order Completed' end,
             'syn-user-' || u,
             jsonb_build_object('product_id', 'syn-item-' || i, 'category_id', 'syn-cat-' || (i % 40)) || case when k >= 97 then jsonb_build_object('amount_minor', 1000, 'order_id', 'syn-order-' || u || '-' || d) else '{}'::jsonb end,
             '{"source":"bench"}'::jsonb,
             timestamptz '2026-09-01' + make_interval(days => d, secs => (h % 86400)),
             now()
      from (
        select n, u, k, d, h,
               -- Mostly the user's group's items (the first 2 % of items shifted by group), skewed to the first ones; now and then any item.
               case when h % 10 < 8 then ((u % 50) * ${Math.max(1, Math.floor(items / 50))} + floor(power((h / 7 % 1000) / 1000.0, 2) * ${Math.max(1, Math.floor(items / 50))})::int) % ${items}
                    else (h / 11) % ${items} end as i
        from (
          select n, (abs(hashint8(n)) % ${users}) as u, (abs(hashint8(n * 31 + 7)) % 100) as k, (abs(hashint8(n * 17 + 3)) % 60)::int as d, abs(hashint8(n * 13 + 5)) as h
          from generate_series(${from}::bigint, ${to}::bigint) n
        ) g
      ) x`.execute(db);
    options.onProgress?.(to + 1);
  }
}

/**
 * The database's own ceiling for the read: the read statement counted on the server (`count_s`,
 * no rows sent), and fetched whole by a plain client in one query (`fetch_s`, rows as arrays).
 */
export async function readCeiling(url: string, merchant_id: string): Promise<{ rows: number; count_s: number; fetch_s: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const compiled = interactionsSql(merchant_id).compile(dummyDb);
    let t = performance.now();
    const counted = await client.query<{ n: string }>(`select count(*) as n from (${compiled.sql}) s`, compiled.parameters as unknown[]);
    const count_s = (performance.now() - t) / 1000;
    t = performance.now();
    await client.query({ text: compiled.sql, values: compiled.parameters as unknown[], rowMode: 'array' });
    const fetch_s = (performance.now() - t) / 1000;
    return { rows: Number(counted.rows[0]!.n), count_s: Math.round(count_s * 100) / 100, fetch_s: Math.round(fetch_s * 100) / 100 };
  } finally {
    await client.end();
  }
}

/** Compiles statements without a database (the ceiling runs them on a plain client). */
const dummyDb = new Kysely<unknown>({
  dialect: { createAdapter: () => new PostgresAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new PostgresIntrospector(db), createQueryCompiler: () => new PostgresQueryCompiler() },
});
