import { sql } from 'kysely';
import { z } from 'zod';
import { inTransaction, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { defineJob, scheduleJob } from '../../kernel/jobs.js';
import { problems } from '../../kernel/problem.js';

/** A forecast run, as `forecast_run` holds it (docs/FORECAST.md "Runs"). */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type RunReason = 'manual' | 'scheduled' | 'import' | 'cli';

export interface ForecastRun {
  merchant_id: string;
  id: string;
  status: RunStatus;
  reason: RunReason;
  requested_by: string | null;
  horizon_days: number;
  level: number;
  progress: number;
  stage: string;
  heartbeat_at: Date | null;
  attempts: number;
  /** The first forecast day (the brand's today when the run read its history). */
  start_date: string | null;
  history_days: number | null;
  series: number;
  done: number;
  by_class: Record<string, number>;
  by_model: Record<string, number>;
  fallbacks: number;
  /** Seconds per stage (`refresh`, `read`, `forecast`, `swap`). */
  timings: Record<string, number>;
  run_s: number | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export const default_horizon_days = 28;
export const horizon_days_max = 366;
export const default_level = 0.8;

/** The durable job that runs a forecast (the run's row says what to do; the job wakes a runner). */
export const forecastJob = defineJob('forecast.run', z.object({ merchant_id: z.string(), run_id: z.string() }));

/** A running run whose heartbeat is older than this is taken up again by another runner. */
export const stale_after_s = 300;
/** A run taken up this many times without finishing fails. */
export const attempts_max = 3;

type Row = Omit<ForecastRun, 'start_date'> & { start_date: string | Date | null };

export function runOf(r: Row): ForecastRun {
  return {
    ...r,
    progress: Number(r.progress),
    level: Number(r.level),
    start_date: r.start_date === null ? null : typeof r.start_date === 'string' ? r.start_date : localIso(r.start_date),
  };
}

/** node-postgres gives a `date` as local midnight: its calendar day. */
function localIso(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const columns = sql`merchant_id, id, status, reason, requested_by, horizon_days, level, progress, stage, heartbeat_at, attempts, to_char(start_date, 'YYYY-MM-DD') as start_date,
  history_days, series, done, by_class, by_model, fallbacks, timings, run_s, error, created_at, started_at, finished_at`;

export async function scheduleForecastJob(trx: AnyTrx, merchant_id: string, run_id: string, attempt: number): Promise<void> {
  await scheduleJob(trx, forecastJob, { merchant_id, run_id }, { key: `forecast.run:${run_id}:${attempt}:${Date.now()}`, run_at: new Date() });
}

export interface RunRequest {
  horizon_days?: number | undefined;
  level?: number | undefined;
  reason?: RunReason;
  requested_by?: string | null;
}

/** A horizon of 1 to 366 days and a level strictly between 0 and 1, or a 422. */
export function checkRunRequest(request: RunRequest): { horizon_days: number; level: number } {
  const horizon_days = request.horizon_days ?? default_horizon_days;
  const level = request.level ?? default_level;
  if (!Number.isInteger(horizon_days) || horizon_days < 1 || horizon_days > horizon_days_max) throw problems.unprocessable('invalid_horizon', `horizon_days must be a whole number of days from 1 to ${horizon_days_max}, not ${horizon_days}`);
  if (!(level > 0 && level < 1)) throw problems.unprocessable('invalid_level', `level must lie strictly between 0 and 1 (0.8 for an 80 % interval), not ${level}`);
  return { horizon_days, level };
}

/**
 * Asks for a forecast run of the brand: a queued run and its job, or, while one is queued or
 * running, that one (at most one at a time per brand). `created` says which.
 */
export async function requestForecast(db: AnyDb, merchant_id: string, request: RunRequest = {}): Promise<ForecastRun & { created: boolean }> {
  const { horizon_days, level } = checkRunRequest(request);
  return inTransaction(db, async (trx) => {
    const id = newId('fcr');
    const inserted = await sql<Row>`
      insert into forecast_run (merchant_id, id, status, reason, requested_by, horizon_days, level)
      values (${merchant_id}, ${id}, 'queued', ${request.reason ?? 'manual'}, ${request.requested_by ?? null}, ${horizon_days}, ${level})
      on conflict (merchant_id) where status in ('queued', 'running') do nothing
      returning ${columns}`.execute(trx);
    const row = inserted.rows[0];
    if (row !== undefined) {
      await scheduleForecastJob(trx, merchant_id, id, 0);
      return { ...runOf(row), created: true };
    }
    const active = await sql<Row>`select ${columns} from forecast_run where merchant_id = ${merchant_id} and status in ('queued', 'running')`.execute(trx);
    // The active run finished between the insert and this read: ask again.
    if (active.rows[0] === undefined) throw new Error('retry');
    return { ...runOf(active.rows[0]), created: false };
  }).catch(async (e: unknown) => {
    if (e instanceof Error && e.message === 'retry') return requestForecast(db, merchant_id, request);
    throw e;
  });
}

export async function getRun(db: AnyDb, merchant_id: string, run_id: string): Promise<ForecastRun | undefined> {
  const r = await sql<Row>`select ${columns} from forecast_run where merchant_id = ${merchant_id} and id = ${run_id}`.execute(db);
  return r.rows[0] === undefined ? undefined : runOf(r.rows[0]);
}

/** The brand's newest run, whatever its status. */
export async function latestRun(db: AnyDb, merchant_id: string): Promise<ForecastRun | undefined> {
  const r = await sql<Row>`select ${columns} from forecast_run where merchant_id = ${merchant_id} order by id desc limit 1`.execute(db);
  return r.rows[0] === undefined ? undefined : runOf(r.rows[0]);
}

/** The run whose forecasts are current (`forecast_current`). */
export async function currentRun(db: AnyDb, merchant_id: string): Promise<ForecastRun | undefined> {
  const r = await sql<Row>`select ${columns} from forecast_run where (merchant_id, id) = (select merchant_id, run_id from forecast_current where merchant_id = ${merchant_id})`.execute(db);
  return r.rows[0] === undefined ? undefined : runOf(r.rows[0]);
}

/** The brand's runs, newest first; `before_id` pages on. */
export async function listRuns(db: AnyDb, merchant_id: string, page: { before_id?: string | undefined; limit: number; status?: RunStatus | undefined }): Promise<ForecastRun[]> {
  const r = await sql<Row>`
    select ${columns} from forecast_run
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
export async function resumeStaleRuns(db: AnyDb): Promise<string[]> {
  return inTransaction(db, async (trx) => {
    await sql`
      update forecast_run set status = 'failed', stage = 'failed', finished_at = now(), error = ${`the runner stopped ${attempts_max} times`}
      where status = 'running' and heartbeat_at < now() - make_interval(secs => ${stale_after_s}) and attempts >= ${attempts_max}`.execute(trx);
    const stale = await sql<{ merchant_id: string; id: string; attempts: number }>`
      update forecast_run set status = 'queued', stage = 'requeued', heartbeat_at = null
      where (status = 'running' and heartbeat_at < now() - make_interval(secs => ${stale_after_s}))
         or (status = 'queued' and created_at < now() - make_interval(secs => ${stale_after_s})
             and not exists (select 1 from bos_job j where j.key like 'forecast.run:' || forecast_run.id || ':%' and j.state = 'scheduled'))
      returning merchant_id, id, attempts`.execute(trx);
    for (const r of stale.rows) await scheduleForecastJob(trx, r.merchant_id, r.id, r.attempts + 1);
    return stale.rows.map((r) => r.id);
  });
}
