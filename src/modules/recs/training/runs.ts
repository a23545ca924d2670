import { sql } from 'kysely';
import { z } from 'zod';
import { inTransaction, type AnyDb, type AnyTrx } from '../../../kernel/db.js';
import { newId } from '../../../kernel/ids.js';
import { defineJob, scheduleJob } from '../../../kernel/jobs.js';
import type { Metrics, ModelName } from '../engine/index.js';

/** A training run, as `rec_training` holds it (docs/RECS.md "Training"). */
export type TrainingStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type TrainingReason = 'manual' | 'scheduled' | 'cli';

export interface TrainingRun {
  merchant_id: string;
  id: string;
  status: TrainingStatus;
  reason: TrainingReason;
  requested_by: string | null;
  progress: number;
  stage: string;
  heartbeat_at: Date | null;
  attempts: number;
  events: number | null;
  users: number | null;
  items: number | null;
  chosen_model: ModelName | null;
  metrics: Metrics[];
  /** Seconds per stage (`read`, `evaluate`, `train`, `similar`, `together`, `popular`, `for_you`, `write`, `swap`). */
  timings: Record<string, number>;
  /** What was written: list counts by kind, the model's bytes, the evaluation protocol. */
  lists: Record<string, number | string>;
  train_s: number | null;
  /** CPU seconds the training process spent on the run, in all and per stage (wall-clock grows with a machine's load; this does not). */
  cpu_s: number | null;
  stage_cpu_s: Record<string, number>;
  memory_bytes: number | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** The durable job that runs a training (its row says what to do; the job only wakes a runner). */
export const trainJob = defineJob('recs.train', z.object({ merchant_id: z.string(), training_id: z.string() }));

/** A running run whose heartbeat is older than this is taken up again by another runner. */
export const stale_after_s = 300;
/** A run taken up this many times without finishing fails. */
export const attempts_max = 3;

interface Row extends Omit<TrainingRun, 'events' | 'memory_bytes'> {
  events: string | number | null;
  memory_bytes: string | number | null;
}

export function runOf(r: Row): TrainingRun {
  return { ...r, events: r.events === null ? null : Number(r.events), memory_bytes: r.memory_bytes === null ? null : Number(r.memory_bytes), progress: Number(r.progress) };
}

export async function scheduleTrainJob(trx: AnyTrx, merchant_id: string, training_id: string, attempt: number): Promise<void> {
  await scheduleJob(trx, trainJob, { merchant_id, training_id }, { key: `recs.train:${training_id}:${attempt}:${Date.now()}`, run_at: new Date() });
}

/**
 * Asks for a training of the brand: a queued run and its job, or, while one is queued or running,
 * that one (at most one at a time per brand). `created` says which.
 */
export async function requestTraining(db: AnyDb, merchant_id: string, options: { reason?: TrainingReason; requested_by?: string | null } = {}): Promise<TrainingRun & { created: boolean }> {
  return inTransaction(db, async (trx) => {
    const id = newId('rtr');
    const inserted = await sql<Row>`
      insert into rec_training (merchant_id, id, status, reason, requested_by)
      values (${merchant_id}, ${id}, 'queued', ${options.reason ?? 'manual'}, ${options.requested_by ?? null})
      on conflict (merchant_id) where status in ('queued', 'running') do nothing
      returning *`.execute(trx);
    const row = inserted.rows[0];
    if (row !== undefined) {
      await scheduleTrainJob(trx, merchant_id, id, 0);
      return { ...runOf(row), created: true };
    }
    const active = await sql<Row>`select * from rec_training where merchant_id = ${merchant_id} and status in ('queued', 'running')`.execute(trx);
    // The active run finished between the insert and this read: ask again.
    if (active.rows[0] === undefined) throw new Error('retry');
    return { ...runOf(active.rows[0]), created: false };
  }).catch(async (e: unknown) => {
    if (e instanceof Error && e.message === 'retry') return requestTraining(db, merchant_id, options);
    throw e;
  });
}

export async function getTraining(db: AnyDb, merchant_id: string, training_id: string): Promise<TrainingRun | undefined> {
  const r = await sql<Row>`select * from rec_training where merchant_id = ${merchant_id} and id = ${training_id}`.execute(db);
  return r.rows[0] === undefined ? undefined : runOf(r.rows[0]);
}

/** The brand's newest run, whatever its status. */
export async function latestTraining(db: AnyDb, merchant_id: string): Promise<TrainingRun | undefined> {
  const r = await sql<Row>`select * from rec_training where merchant_id = ${merchant_id} order by id desc limit 1`.execute(db);
  return r.rows[0] === undefined ? undefined : runOf(r.rows[0]);
}

/** The run serving reads now (`rec_current`). */
export async function currentTraining(db: AnyDb, merchant_id: string): Promise<TrainingRun | undefined> {
  const r = await sql<Row>`select t.* from rec_current c join rec_training t on t.merchant_id = c.merchant_id and t.id = c.training_id where c.merchant_id = ${merchant_id}`.execute(db);
  return r.rows[0] === undefined ? undefined : runOf(r.rows[0]);
}

/** The brand's runs, newest first; `before_id` pages on. */
export async function listTrainings(db: AnyDb, merchant_id: string, page: { before_id?: string | undefined; limit: number; status?: TrainingStatus | undefined }): Promise<TrainingRun[]> {
  const r = await sql<Row>`
    select * from rec_training
    where merchant_id = ${merchant_id}
      ${page.before_id === undefined ? sql`` : sql`and id < ${page.before_id}`}
      ${page.status === undefined ? sql`` : sql`and status = ${page.status}`}
    order by id desc limit ${page.limit}`.execute(db);
  return r.rows.map(runOf);
}

/**
 * Runs whose runner died (heartbeat older than `stale_after_s`) go back to the queue with a new
 * job, or fail after `attempts_max` tries; queued runs whose job is long gone get a new one.
 * Returns the runs requeued.
 */
export async function resumeStaleTrainings(db: AnyDb): Promise<string[]> {
  return inTransaction(db, async (trx) => {
    await sql`
      update rec_training set status = 'failed', stage = 'failed', finished_at = now(), error = ${`the runner stopped ${attempts_max} times`}
      where status = 'running' and heartbeat_at < now() - make_interval(secs => ${stale_after_s}) and attempts >= ${attempts_max}`.execute(trx);
    const stale = await sql<{ merchant_id: string; id: string; attempts: number }>`
      update rec_training set status = 'queued', stage = 'requeued', heartbeat_at = null
      where (status = 'running' and heartbeat_at < now() - make_interval(secs => ${stale_after_s}))
         or (status = 'queued' and created_at < now() - make_interval(secs => ${stale_after_s})
             and not exists (select 1 from bos_job j where j.key like 'recs.train:' || rec_training.id || ':%' and j.state = 'scheduled'))
      returning merchant_id, id, attempts`.execute(trx);
    for (const r of stale.rows) await scheduleTrainJob(trx, r.merchant_id, r.id, r.attempts + 1);
    return stale.rows.map((r) => r.id);
  });
}
