import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMerchant } from '../src/modules/merchants/index.js';
import { currentTraining, latestTraining } from '../src/modules/recs/training/index.js';
import { createTestDatabase, urlFor, type TestDatabase } from './support/database.js';
import { runBos } from './support/process.js';
import { plantCoViews } from './support/recs-training.js';

/** `bos recs train` and `bos recs status`, run as a separate process the way users run them. */
let database: TestDatabase;
let env: Record<string, string>;
let merchant_id: string;

beforeAll(async () => {
  database = await createTestDatabase();
  env = { DATABASE_URL: urlFor(database.name), OPENBOS_DATA_DIR: `/tmp/openbos-recs-cli-${process.pid}` };
  merchant_id = (await createMerchant(database.db, { handle: 'recs-cli-shop', name: 'Recs CLI shop', kind: 'brand', default_currency: 'CNY', country: 'CN' })).id;
  await plantCoViews(database.db, merchant_id);
});
afterAll(async () => database.drop());

describe('bos recs', () => {
  it('train runs a training here with a progress bar, prints the models’ scores and the choice; status shows it', async () => {
    const none = await runBos(['recs', 'status', '--merchant', 'recs-cli-shop'], env);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toMatch(/No training yet/);

    const res = await runBos(['recs', 'train', '--merchant', 'recs-cli-shop'], env, 120_000);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/training \|/);
    const run = (await latestTraining(database.db, merchant_id))!;
    expect(run.status).toBe('succeeded');
    expect(run.reason).toBe('cli');
    expect((await currentTraining(database.db, merchant_id))!.id).toBe(run.id);
    expect(res.stdout).toContain(`Run ${run.id}: succeeded`);
    for (const model of ['popularity', 'itemknn', 'ease', 'als']) expect(res.stdout).toMatch(new RegExp(`^${model}`, 'm'));
    expect(res.stdout).toMatch(new RegExp(`^${run.chosen_model} \\*`, 'm'));
    expect(res.stdout).toContain(`Chosen: ${run.chosen_model}`);

    // By ID too; --no-wait only queues.
    const queued = await runBos(['recs', 'train', '--merchant', merchant_id, '--no-wait'], env);
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stdout).toMatch(/^Queued run rtr_/);
    const status = await runBos(['recs', 'status', '--merchant', 'recs-cli-shop'], env);
    expect(status.stdout).toMatch(/: queued/);
    expect(status.stdout).toContain(`Serving run ${run.id}`);
  }, 240_000);

  it('names an unknown brand', async () => {
    const res = await runBos(['recs', 'train', '--merchant', 'nobody-here'], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('nobody-here');
  }, 60_000);
});
