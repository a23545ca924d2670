import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { AnyDb } from '../../../kernel/db.js';
import { onJob, type JobHandler } from '../../../kernel/jobs.js';
import type { MaintenanceTask } from '../../../kernel/module.js';
import { runTraining } from './run.js';
import { requestTraining, resumeStaleTrainings, trainJob } from './runs.js';

/**
 * How training runs get run and retrained.
 *
 * The `recs.train` job wakes a runner; the run itself goes on in the background of the process
 * that took the job (a training takes up to a minute or more, longer than a job's transaction may
 * stay open), and its row is its lease: the heartbeat, the progress, the attempt it claimed. A
 * runner that dies leaves a stale heartbeat; `recs.resume_stale_trainings` requeues the run with a
 * new job (after `attempts_max` tries it fails).
 *
 * Retraining: `recs.scheduled_training` retrains a brand that has trained before, when its latest
 * successful run is a day old and events have come since, or at once when the events received
 * since that run exceed 20 % of the events it learned from.
 */
const inFlight = new Map<string, Promise<unknown>>();

/** Starts a run in this process unless it already runs here; resolves when it ends. */
export function startTraining(db: AnyDb, training_id: string, logger?: Logger): Promise<unknown> {
  const running = inFlight.get(training_id);
  if (running !== undefined) return running;
  const run = runTraining(db, training_id)
    .then((r) => {
      if (r?.status === 'failed') logger?.warn({ training_id, error: r.error }, 'recommendation training failed');
      else if (r?.status === 'succeeded') logger?.info({ training_id, model: r.chosen_model, train_s: r.train_s }, 'recommendation training succeeded');
    })
    .catch((e: unknown) => logger?.error({ err: e, training_id }, 'recommendation training stopped'))
    .finally(() => inFlight.delete(training_id));
  inFlight.set(training_id, run);
  return run;
}

/** The runs this process is running now (tests and a clean shutdown wait for them). */
export async function trainingsSettled(): Promise<void> {
  await Promise.all(inFlight.values());
}

export function trainingJobHandlers(db: AnyDb, logger: Logger): JobHandler[] {
  return [
    onJob(trainJob, (_trx, { training_id }) => {
      void startTraining(db, training_id, logger);
      return Promise.resolve();
    }),
  ];
}

/** A brand is retrained when the events since its latest run exceed this share of that run's events. */
export const retrain_growth = 0.2;
export const retrain_after_hours = 24;

/** Requests the scheduled retrainings that are due; returns the brands asked for. */
export async function scheduleRetraining(db: AnyDb): Promise<string[]> {
  const latest = await sql<{ merchant_id: string; started_at: Date; finished_at: Date; events: string }>`
    select distinct on (merchant_id) merchant_id, started_at, finished_at, events
    from rec_training where status = 'succeeded'
    order by merchant_id, finished_at desc`.execute(db);
  const asked: string[] = [];
  for (const run of latest.rows) {
    const threshold = Math.max(1, Math.ceil(Number(run.events) * retrain_growth));
    const since = await sql<{ n: number }>`
      select count(*)::int as n from (
        select 1 from cdp_event where merchant_id = ${run.merchant_id} and type = 'track' and received_at > ${run.started_at} limit ${threshold}
      ) s`.execute(db);
    const fresh = since.rows[0]?.n ?? 0;
    const old = Date.now() - new Date(run.finished_at).getTime() > retrain_after_hours * 3_600_000;
    if (fresh >= threshold || (old && fresh > 0)) {
      const r = await requestTraining(db, run.merchant_id, { reason: 'scheduled' });
      if (r.created) asked.push(run.merchant_id);
    }
  }
  return asked;
}

export const trainingMaintenance: MaintenanceTask[] = [
  { name: 'recs.resume_stale_trainings', interval_ms: 60_000, run: async ({ db }) => void (await resumeStaleTrainings(db)) },
  { name: 'recs.scheduled_training', interval_ms: 3_600_000, run: async ({ db }) => void (await scheduleRetraining(db)) },
];
