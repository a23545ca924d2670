import { sql } from 'kysely';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/kernel/db.js';
import { defineJob, getJob, onJob, runDueJobs, scheduleJob } from '../src/kernel/jobs.js';
import { jobHandlers, registry } from '../src/platform/modules.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { silentLogger, testConfig } from './support/platform.js';

/** Durable timers carry typed payloads, declared like events: `defineJob(kind, zodSchema)`. */
const reminder = defineJob('test.reminder', z.object({ order_id: z.string(), attempt: z.number().int() }));

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

const past = () => new Date(Date.now() - 1_000);
let counter = 0;
const key = () => `test.reminder:${++counter}`;

describe('typed jobs', () => {
  it('hands the handler the payload it was scheduled with, parsed', async () => {
    const seen: { order_id: string; attempt: number }[] = [];
    const k = key();
    await inTransaction(database.db, (trx) => scheduleJob(trx, reminder, { order_id: 'ord_1', attempt: 2 }, { key: k, run_at: past() }));
    const handler = onJob(reminder, async (_trx, payload) => void seen.push(payload));
    expect(await runDueJobs(database.db, new Map([[handler.kind, handler]]), silentLogger)).toBe(1);
    expect(seen).toEqual([{ order_id: 'ord_1', attempt: 2 }]);
    expect((await getJob(database.db, k))?.state).toBe('done');
  });

  it('refuses to schedule a payload its schema refuses, rolling back the change that wanted it', async () => {
    const k = key();
    await expect(
      inTransaction(database.db, (trx) => scheduleJob(trx, reminder, { order_id: 'ord_2', attempt: 'soon' } as unknown as { order_id: string; attempt: number }, { key: k, run_at: past() })),
    ).rejects.toThrow();
    expect(await getJob(database.db, k)).toBeUndefined();
  });

  it('does not run the handler on a stored payload its schema refuses; the job is retried, not done', async () => {
    const k = key();
    await sql`insert into bos_job (id, key, kind, payload, state, run_at) values (${`job_${k}`}, ${k}, ${reminder.kind}, ${JSON.stringify({ order_id: 42 })}, 'scheduled', now() - interval '1 second')`.execute(database.db);
    let ran = false;
    const handler = onJob(reminder, async () => void (ran = true));
    await runDueJobs(database.db, new Map([[handler.kind, handler]]), silentLogger);
    expect(ran).toBe(false);
    const job = await getJob(database.db, k);
    expect(job).toMatchObject({ state: 'scheduled', attempts: 1 });
    expect(job?.last_error).toMatch(/order_id/);
  });

  it('the platform knows one handler per job kind, from modules and flows alike', () => {
    const handlers = jobHandlers({ db: database.db, config: testConfig(), logger: silentLogger, registry });
    expect([...handlers.keys()]).toContain('orders.auto_confirm');
  });
});
