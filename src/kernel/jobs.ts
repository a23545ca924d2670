import { sql, type Generated } from 'kysely';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from './db.js';
import { newId } from './ids.js';
import { sqlMigration, type Migration } from './migrations.js';

/**
 * Durable timers. A job is a row with a due time; it survives restarts. A runner claims due jobs
 * with FOR UPDATE SKIP LOCKED and runs each handler inside the same transaction that marks the job
 * done, so a job's effect commits exactly once even with several server processes: two runners
 * never hold the same row, and a crash rolls back both the effect and the "done".
 *
 * A job may be paused (its remaining time is kept) and resumed, or cancelled. Jobs are named by a
 * unique key (`orders.auto_confirm:ord_...`), so scheduling twice keeps one job.
 *
 * A kind of job is declared like an event, with `defineJob(kind, zodSchema)`: whoever schedules it
 * and whoever handles it share one payload type, the payload is validated when it is scheduled,
 * and the handler receives it parsed.
 */
export interface JobTable {
  id: string;
  key: string;
  kind: string;
  payload: unknown;
  state: 'scheduled' | 'paused' | 'done' | 'cancelled' | 'failed';
  run_at: Date;
  remaining_ms: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: Generated<Date>;
  finished_at: Date | null;
}

interface Tables {
  bos_job: JobTable;
}

export const jobMigrations: readonly Migration[] = [
  sqlMigration(
    '20261122T1630_create_job',
    `create table bos_job (
       id text primary key,
       key text not null unique,
       kind text not null,
       payload jsonb not null default '{}',
       state text not null check (state in ('scheduled', 'paused', 'done', 'cancelled', 'failed')),
       run_at timestamptz not null,
       remaining_ms bigint,
       attempts integer not null default 0,
       last_error text,
       created_at timestamptz not null default now(),
       finished_at timestamptz
     );
     create index bos_job_due on bos_job (run_at) where state = 'scheduled';`,
  ),
];

/** A kind of durable timer: a dotted name and the zod schema of its payload. */
export interface JobDefinition<Schema extends z.ZodType = z.ZodType> {
  readonly kind: string;
  readonly schema: Schema;
}

export function defineJob<Schema extends z.ZodType>(kind: string, schema: Schema): JobDefinition<Schema> {
  if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(kind)) throw new Error(`job kind must be dotted snake_case: ${kind}`);
  return { kind, schema };
}

/**
 * Schedules a job inside the caller's transaction, so it exists exactly when the change that
 * wants it commits. An invalid payload throws (a bug), rolling the change back.
 */
export async function scheduleJob<Schema extends z.ZodType>(trx: AnyTrx, job: JobDefinition<Schema>, payload: z.input<Schema>, when: { key: string; run_at: Date; reschedule?: boolean }): Promise<void> {
  const parsed: unknown = job.schema.parse(payload);
  await tablesOf<Tables>(trx)
    .insertInto('bos_job')
    .values({ id: newId('job'), key: when.key, kind: job.kind, payload: JSON.stringify(parsed), state: 'scheduled', run_at: when.run_at, remaining_ms: null, last_error: null, finished_at: null })
    // `reschedule`: a job still waiting under this key moves to the new time; a paused, finished or cancelled one stays as it is.
    .onConflict((oc) => (when.reschedule === true ? oc.column('key').doUpdateSet({ run_at: when.run_at }).where('bos_job.state', '=', 'scheduled') : oc.column('key').doNothing()))
    .execute();
}

/** Stops the clock of a scheduled job, keeping the time it had left. */
export async function pauseJob(trx: AnyTrx, key: string): Promise<void> {
  await sql`update bos_job set state = 'paused', remaining_ms = greatest(0, (extract(epoch from run_at - now()) * 1000)::bigint)
    where key = ${key} and state = 'scheduled'`.execute(trx);
}

/** Restarts a paused job's clock with the time it had left. */
export async function resumeJob(trx: AnyTrx, key: string): Promise<void> {
  await sql`update bos_job set state = 'scheduled', run_at = now() + (remaining_ms || ' milliseconds')::interval, remaining_ms = null
    where key = ${key} and state = 'paused'`.execute(trx);
}

export async function cancelJob(trx: AnyTrx, key: string): Promise<void> {
  await sql`update bos_job set state = 'cancelled', finished_at = now() where key = ${key} and state in ('scheduled', 'paused')`.execute(trx);
}

/**
 * Empties a job's stored payload, for a handler whose payload is personal data (an email address
 * someone typed) that must not stay in `bos_job` once handled; call it inside the handler, so it
 * commits with the job's effect.
 */
export async function forgetJobPayload(trx: AnyTrx, key: string): Promise<void> {
  await sql`update bos_job set payload = '{}' where key = ${key}`.execute(trx);
}

export async function getJob(db: AnyDb, key: string) {
  return tablesOf<Tables>(db).selectFrom('bos_job').selectAll().where('key', '=', key).executeTakeFirst();
}

/** Runs one kind of job; made with `onJob`, which parses the stored payload first. */
export interface JobHandler {
  readonly kind: string;
  run(trx: AnyTrx, job: { key: string; payload: unknown }): Promise<void>;
}

/**
 * A handler for a kind of job. A stored payload its schema refuses throws, so the job is retried
 * and, after attempts_max, parked as `failed` where an operator sees it.
 */
export function onJob<Schema extends z.ZodType>(job: JobDefinition<Schema>, run: (trx: AnyTrx, payload: z.infer<Schema>, key: string) => Promise<void>): JobHandler {
  return { kind: job.kind, run: (trx, stored) => run(trx, job.schema.parse(stored.payload), stored.key) };
}

const batch_size_max = 50;
const attempts_max = 10;

/**
 * Runs due jobs until none is left (bounded). Each job runs in its own transaction with its row
 * locked; a failing job is retried later with backoff and parked as `failed` after attempts_max.
 */
export async function runDueJobs(db: AnyDb, handlers: ReadonlyMap<string, JobHandler>, logger: Logger, now?: Date): Promise<number> {
  let ran = 0;
  for (let round = 0; round < 100; round++) {
    const done = await runOneBatch(db, handlers, logger, now);
    ran += done;
    if (done < batch_size_max) break;
  }
  return ran;
}

async function runOneBatch(db: AnyDb, handlers: ReadonlyMap<string, JobHandler>, logger: Logger, now?: Date): Promise<number> {
  const due = await tablesOf<Tables>(db)
    .selectFrom('bos_job')
    .select(['id'])
    .where('state', '=', 'scheduled')
    .where('run_at', '<=', now ?? sql<Date>`now()`)
    .orderBy('run_at')
    .limit(batch_size_max)
    .execute();
  let ran = 0;
  for (const { id } of due) {
    try {
      const outcome = await inTransaction(db, async (trx) => {
        const t = tablesOf<Tables>(trx);
        const job = await t.selectFrom('bos_job').selectAll().where('id', '=', id).where('state', '=', 'scheduled').forUpdate().skipLocked().executeTakeFirst();
        if (job === undefined) return false;
        const handler = handlers.get(job.kind);
        if (handler === undefined) throw new Error(`no handler for job kind ${job.kind}`);
        await handler.run(trx, { key: job.key, payload: job.payload });
        await t.updateTable('bos_job').set({ state: 'done', finished_at: sql`now()`, attempts: sql`attempts + 1` }).where('id', '=', id).execute();
        return true;
      });
      if (outcome) ran++;
    } catch (error) {
      logger.warn({ err: error, job_id: id }, 'job failed; it will be retried');
      await sql`update bos_job set attempts = attempts + 1, last_error = ${error instanceof Error ? error.message : String(error)},
        state = case when attempts + 1 >= ${attempts_max} then 'failed' else state end,
        run_at = now() + (least(3600, power(2, attempts)) || ' seconds')::interval
        where id = ${id}`.execute(db);
    }
  }
  return ran;
}
