import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { AnyDb } from '../../kernel/db.js';
import { onJob, type JobHandler } from '../../kernel/jobs.js';
import type { MaintenanceTask, ModuleContext } from '../../kernel/module.js';
import { runForecast } from './run.js';
import { forecastJob, requestForecast, resumeStaleRuns } from './runs.js';

/**
 * How forecast runs get run and re-run.
 *
 * The `forecast.run` job wakes a runner; the run goes on in the background of the process that
 * took the job (it takes longer than a job's transaction may stay open), and its row is its lease:
 * heartbeat, progress, the attempt it claimed. A runner that dies leaves a stale heartbeat;
 * `forecast.resume_stale_runs` requeues the run with a new job (after `attempts_max` tries it
 * fails). `forecast.daily_run` re-runs every brand that has run before once its latest run is a
 * day old, so each morning's forecasts start from yesterday's sales; a large history import asks
 * for a run at once (`import_rerun_rows`).
 */
const inFlight = new Map<string, Promise<unknown>>();

/** Starts a run in this process unless it already runs here; resolves when it ends. */
export function startForecast(db: AnyDb, run_id: string, logger?: Logger): Promise<unknown> {
  const running = inFlight.get(run_id);
  if (running !== undefined) return running;
  const run = runForecast(db, run_id)
    .then((r) => {
      if (r?.status === 'failed') logger?.warn({ run_id, error: r.error }, 'forecast run failed');
      else if (r?.status === 'succeeded') logger?.info({ run_id, series: r.series, run_s: r.run_s }, 'forecast run succeeded');
    })
    .catch((e: unknown) => logger?.error({ err: e, run_id }, 'forecast run stopped'))
    .finally(() => inFlight.delete(run_id));
  inFlight.set(run_id, run);
  return run;
}

/** The runs this process is running now (tests and a clean shutdown wait for them). */
export async function forecastsSettled(): Promise<void> {
  await Promise.all(inFlight.values());
}

export function forecastJobs(ctx: ModuleContext): JobHandler[] {
  return [
    onJob(forecastJob, (_trx, { run_id }) => {
      void startForecast(ctx.db, run_id, ctx.logger);
      return Promise.resolve();
    }),
  ];
}

export const rerun_after_hours = 24;

/** Requests the daily runs that are due; returns the brands asked for. */
export async function scheduleDailyRuns(db: AnyDb): Promise<string[]> {
  const due = await sql<{ merchant_id: string; horizon_days: number; level: number }>`
    select distinct on (merchant_id) merchant_id, horizon_days, level from forecast_run
    where merchant_id in (select merchant_id from forecast_run where status = 'succeeded')
    order by merchant_id, created_at desc`.execute(db);
  const asked: string[] = [];
  for (const brand of due.rows) {
    const latest = await sql<{ fresh: boolean }>`
      select bool_or(created_at > now() - make_interval(hours => ${rerun_after_hours})) as fresh from forecast_run where merchant_id = ${brand.merchant_id}`.execute(db);
    if (latest.rows[0]?.fresh === true) continue;
    const r = await requestForecast(db, brand.merchant_id, { reason: 'scheduled', horizon_days: brand.horizon_days, level: Number(brand.level) });
    if (r.created) asked.push(brand.merchant_id);
  }
  return asked;
}

export const forecastMaintenance: MaintenanceTask[] = [
  { name: 'forecast.resume_stale_runs', interval_ms: 60_000, run: async ({ db }) => void (await resumeStaleRuns(db)) },
  { name: 'forecast.daily_run', interval_ms: 3_600_000, run: async ({ db }) => void (await scheduleDailyRuns(db)) },
];
