import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { inTransaction, type AnyDb } from '../../../kernel/db.js';
import { buildDataset, models, moduleWorker, selectModel } from '../engine/index.js';
import type { ModelName } from '../engine/index.js';
import { readInteractions } from './interactions.js';
import { becauseJson, forYouInput, forYouRange, popularLists, scoredJson, similarLists, togetherLists, type CatalogFacts } from './lists.js';
import type { ForYouWork } from './for-you-worker.js';
import { getTraining, stale_after_s, type TrainingRun } from './runs.js';
import { InteractionStore } from './store.js';

/** Rows per insert statement when writing lists. */
const write_batch = 2_000;
/** From this many consumers, a worker thread computes half of the "for you" lists (when the model can be copied). */
export const for_you_parallel_min_users = 4_000;
const heartbeat_ms = 2_000;

export type TrainingProgress = (fraction: number, stage: string) => void;

export interface RunOptions {
  /** The models to evaluate (default: all). */
  models?: readonly ModelName[];
  /** Share of the interactions (the latest) held out to choose the model (default 0.1). */
  fraction?: number;
  /**
   * Threads for model choice and the "for you" lists (1 or 2). Default: 2 on a machine with two
   * cores or more once the data is large enough (`parallel_min_interactions`,
   * `for_you_parallel_min_users`), else 1.
   */
  threads?: number;
}

class LostRun extends Error {
  constructor() {
    super('another runner took this training over');
  }
}

/** The catalog's categories and repeat purchases of the brand (one statement on the catalog's products). */
async function catalogFacts(db: AnyDb, merchant_id: string): Promise<CatalogFacts> {
  const rows = await sql<{ id: string; category_id: string | null; repeat: boolean }>`
    select id, category_id, coalesce(attributes->'repeat_purchase' = 'true'::jsonb, false) as repeat
    from product where merchant_id = ${merchant_id}`.execute(db);
  return { category: new Map(rows.rows.map((r) => [r.id, r.category_id])), repeat: new Set(rows.rows.filter((r) => r.repeat).map((r) => r.id)) };
}

/**
 * Runs a queued training (or a running one whose runner died): reads the brand's interactions,
 * chooses a model on a time split, retrains it on everything, writes the lists and makes them
 * current in one transaction (`pg_notify('recs_changed', merchant_id)`), deleting the lists of
 * the run before. The run's row is its lease: each write checks the attempt it claimed, so a run
 * taken over by another runner stops at its next heartbeat. Never throws for a failed training:
 * the run is marked failed with its error. Answers the run as it ends (undefined: no such run).
 */
export async function runTraining(db: AnyDb, training_id: string, onProgress?: TrainingProgress, options: RunOptions = {}): Promise<TrainingRun | undefined> {
  const claimed = await sql<{ merchant_id: string; attempts: number }>`
    update rec_training set status = 'running', stage = 'reading', progress = 0, attempts = attempts + 1, heartbeat_at = now(),
      started_at = coalesce(started_at, now()), error = null
    where id = ${training_id}
      and (status = 'queued' or (status = 'running' and heartbeat_at < now() - make_interval(secs => ${stale_after_s})))
    returning merchant_id, attempts`.execute(db);
  const claim = claimed.rows[0];
  if (claim === undefined) {
    const row = await sql<{ merchant_id: string }>`select merchant_id from rec_training where id = ${training_id}`.execute(db);
    return row.rows[0] === undefined ? undefined : getTraining(db, row.rows[0].merchant_id, training_id);
  }
  const { merchant_id, attempts } = claim;
  const fenced = sql`merchant_id = ${merchant_id} and id = ${training_id} and attempts = ${attempts} and status = 'running'`;

  const rss0 = process.memoryUsage().rss;
  let rssPeak = rss0;
  let progress = 0;
  let stage = 'reading';
  let lost = false;
  let beating: Promise<void> | undefined;
  const beat = async () => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    const r = await sql`update rec_training set progress = ${Math.min(1, progress)}, stage = ${stage}, heartbeat_at = now() where ${fenced}`.execute(db);
    if (Number(r.numAffectedRows ?? 0n) === 0) lost = true;
  };
  const report = (fraction: number, what: string) => {
    progress = fraction;
    stage = what;
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    onProgress?.(fraction, what);
  };
  const timer = setInterval(() => {
    beating ??= beat()
      .catch(() => undefined)
      .finally(() => (beating = undefined));
  }, heartbeat_ms);
  const timings: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  let t = performance.now();
  let c = process.cpuUsage();
  const cpu0 = c;
  const lap = async (name: string) => {
    const now = performance.now();
    timings[name] = Math.round((now - t) / 10) / 100;
    t = now;
    const used = process.cpuUsage(c);
    cpu[name] = Math.round((used.user + used.system) / 10_000) / 100;
    c = process.cpuUsage();
    await beating;
    await beat();
    if (lost) throw new LostRun();
  };
  const started = performance.now();

  try {
    const store = new InteractionStore();
    for await (const rows of readInteractions(db, merchant_id)) {
      store.add(rows);
      report(0.15 * (1 - 1 / (1 + store.length / 500_000)), 'reading');
    }
    const catalog = await catalogFacts(db, merchant_id);
    await lap('read');
    if (store.length === 0) throw new Error('the brand has no product interactions to learn from yet');

    let interactions: ReturnType<InteractionStore['interactions']> | undefined = store.interactions();
    report(0.15, 'evaluating');
    const chosen = await selectModel(interactions, { models: options.models, fraction: options.fraction, threads: options.threads, onProgress: (f, s) => report(0.15 + 0.45 * f, `evaluating ${s}`) });
    await lap('evaluate');

    report(0.6, `training ${chosen.chosen}`);
    const data = buildDataset(interactions);
    interactions = undefined;
    const model = await models[chosen.chosen].train(data, { onProgress: (f, s) => report(0.6 + 0.15 * f, `training ${s}`) });
    await lap('train');

    report(0.75, 'similar items');
    const similar = similarLists(data, model);
    await lap('similar');
    report(0.78, 'bought together');
    const together = togetherLists(store);
    await lap('together');
    const popular = popularLists(store, catalog);
    await lap('popular');
    report(0.8, 'writing');
    await sql`delete from rec_item_list where merchant_id = ${merchant_id} and training_id = ${training_id}`.execute(db);
    await sql`delete from rec_user_list where merchant_id = ${merchant_id} and training_id = ${training_id}`.execute(db);
    const itemRows: [string, string, string][] = [];
    for (const [item, list] of similar) itemRows.push(['similar', data.items[item]!, scoredJson(data.items, list)]);
    for (const [item, list] of together) itemRows.push(['together', store.items[item]!, scoredJson(store.items, list)]);
    for (const [key, list] of popular) itemRows.push(['popular', key, scoredJson(store.items, list)]);
    for (let b = 0; b < itemRows.length; b += write_batch) {
      const batch = itemRows.slice(b, b + write_batch);
      await sql`insert into rec_item_list (merchant_id, training_id, kind, key, items)
        select ${merchant_id}, ${training_id}, k, key, items::jsonb from unnest(${batch.map((r) => r[0])}::text[], ${batch.map((r) => r[1])}::text[], ${batch.map((r) => r[2])}::text[]) as x(k, key, items)`.execute(db);
      if (lost) throw new LostRun();
    }
    await lap('write');

    // Each consumer's list is computed while the batches before it are being inserted; with two
    // threads and a model that can be copied (ALS), a worker thread computes the second half of
    // the consumers meanwhile, its batches inserted as they come.
    report(0.82, 'for you');
    const rows = data.users.length;
    const input = forYouInput(store, data, similar, catalog);
    const portable = model.portable;
    const threads = portable === undefined ? 1 : Math.max(1, Math.min(2, Math.round(options.threads ?? (availableParallelism() >= 2 && rows >= for_you_parallel_min_users ? 2 : 1))));
    const here = threads === 2 ? Math.ceil(rows / 2) : rows;
    let users = 0;
    let writeFailed: Error | undefined;
    let queued = 0;
    let writes: Promise<void> = Promise.resolve();
    const insert = (batch: [string, string][]) =>
      sql`insert into rec_user_list (merchant_id, training_id, profile_id, items)
        select ${merchant_id}, ${training_id}, p, items::jsonb from unnest(${batch.map((r) => r[0])}::text[], ${batch.map((r) => r[1])}::text[]) as x(p, items)`
        .execute(db)
        .then(
          () => undefined,
          (e: unknown) => void (writeFailed ??= e instanceof Error ? e : new Error(String(e))),
        );
    const write = (batch: [string, string][]) => {
      if (batch.length === 0) return;
      queued++;
      writes = writes.then(() => (writeFailed === undefined ? insert(batch) : undefined)).finally(() => queued--);
      users += batch.length;
      report(0.82 + 0.16 * (users / Math.max(1, rows)), 'for you');
    };
    let worker: Worker | undefined;
    let workerDone: Promise<void> = Promise.resolve();
    if (here < rows) {
      const work: ForYouWork = { model: portable!, input, users: data.users, items: data.items, from: here, to: rows, batch: write_batch };
      worker = moduleWorker(import.meta.url, 'for-you-worker', 'serveForYou', work);
      const w = worker;
      workerDone = new Promise<void>((resolve, reject) => {
        w.on('message', (m: { rows?: [string, string][]; done?: boolean; error?: string }) => {
          if (m.error !== undefined) return reject(new Error(`for you lists in a worker thread failed: ${m.error}`));
          write(m.rows ?? []);
          if (m.done === true) resolve();
        });
        w.on('error', reject);
        w.on('exit', () => reject(new Error('the for you worker stopped before it was done')));
      });
      workerDone.catch(() => undefined);
    }
    try {
      let batch: [string, string][] = [];
      for (const [row, list] of forYouRange(input, (h, k, e) => model.recommend(h, k, e), 0, here)) {
        if (list.length > 0) batch.push([data.users[row]!, becauseJson(data.items, list)]);
        if (batch.length < write_batch) continue;
        // At most one insert waiting behind the one running; the worker's batches come in here too.
        if (queued > 1) await writes;
        else await new Promise<void>((resolve) => setImmediate(resolve));
        if (writeFailed !== undefined) throw writeFailed;
        if (lost) throw new LostRun();
        write(batch);
        batch = [];
      }
      write(batch);
      await workerDone;
      await writes;
      if (writeFailed !== undefined) throw writeFailed;
    } finally {
      await worker?.terminate();
    }
    await lap('for_you');

    const train_s = Math.round((performance.now() - started) / 10) / 100;
    const counts = { similar: similar.size, together: together.size, popular: popular.size, for_you: users, model_bytes: model.memory_bytes, store_bytes: store.bytes(), protocol: chosen.protocol };
    const cpuAll = process.cpuUsage(cpu0);
    await inTransaction(db, async (trx) => {
      const done = await sql`
        update rec_training set status = 'succeeded', stage = 'done', progress = 1, heartbeat_at = now(), finished_at = now(),
          events = ${store.length}, users = ${store.users.length}, items = ${store.items.length}, chosen_model = ${chosen.chosen},
          metrics = ${JSON.stringify(chosen.results)}::jsonb, timings = ${JSON.stringify(timings)}::jsonb, lists = ${JSON.stringify(counts)}::jsonb,
          train_s = ${train_s}, memory_bytes = ${Math.max(0, rssPeak - rss0)},
          cpu_s = ${Math.round((cpuAll.user + cpuAll.system) / 10_000) / 100}, stage_cpu_s = ${JSON.stringify(cpu)}::jsonb
        where ${fenced}`.execute(trx);
      if (Number(done.numAffectedRows ?? 0n) === 0) throw new LostRun();
      await sql`insert into rec_current (merchant_id, training_id) values (${merchant_id}, ${training_id})
        on conflict (merchant_id) do update set training_id = excluded.training_id, updated_at = now()`.execute(trx);
      await sql`delete from rec_item_list where merchant_id = ${merchant_id} and training_id <> ${training_id}`.execute(trx);
      await sql`delete from rec_user_list where merchant_id = ${merchant_id} and training_id <> ${training_id}`.execute(trx);
      await sql`select pg_notify('recs_changed', ${merchant_id})`.execute(trx);
    });
    timings.swap = Math.round((performance.now() - t) / 10) / 100;
    await sql`update rec_training set timings = ${JSON.stringify(timings)}::jsonb where merchant_id = ${merchant_id} and id = ${training_id}`.execute(db);
    onProgress?.(1, 'done');
  } catch (e) {
    if (!(e instanceof LostRun)) {
      const message = e instanceof Error ? e.message : String(e);
      const failed = await sql`update rec_training set status = 'failed', stage = 'failed', finished_at = now(), error = ${message.slice(0, 2000)},
          timings = ${JSON.stringify(timings)}::jsonb, train_s = ${Math.round((performance.now() - started) / 10) / 100}
        where ${fenced}`.execute(db);
      if (Number(failed.numAffectedRows ?? 0n) > 0) {
        await sql`delete from rec_item_list where merchant_id = ${merchant_id} and training_id = ${training_id}`.execute(db);
        await sql`delete from rec_user_list where merchant_id = ${merchant_id} and training_id = ${training_id}`.execute(db);
      }
    }
  } finally {
    clearInterval(timer);
    await beating;
  }
  return getTraining(db, merchant_id, training_id);
}
