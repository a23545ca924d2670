import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelNames } from '../src/modules/recs/engine/index.js';
import { currentTraining, readInteractions, requestTraining, resumeStaleTrainings, runTraining, trainingChecks, trainingsSettled, type InteractionRow } from '../src/modules/recs/training/index.js';
import { runDueJobs } from '../src/kernel/jobs.js';
import { jobHandlers } from '../src/platform/modules.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';
import { plantCoViews, plantEvents, plantProduct, t0 } from './support/recs-training.js';

let platform: TestPlatform;
let a: TestMerchant;
let b: TestMerchant;
const db = () => platform.database.db;

beforeAll(async () => {
  platform = await createTestPlatform();
  a = await platform.merchant();
  b = await platform.merchant();
  await plantCoViews(db(), a.id);
});
afterAll(async () => {
  await trainingsSettled();
  await platform.close();
});

async function all(merchant_id: string, batch_size?: number): Promise<{ rows: InteractionRow[]; batches: number }> {
  const rows: InteractionRow[] = [];
  let batches = 0;
  for await (const batch of readInteractions(db(), merchant_id, { batch_size })) {
    rows.push(...batch);
    batches++;
  }
  return { rows, batches };
}

const check = (name: string) => trainingChecks.find((c) => c.name === name)!.run(db());
const itemList = async (training_id: string, kind: string, key: string) =>
  (await sql<{ items: [string, number][] }>`select items from rec_item_list where training_id = ${training_id} and kind = ${kind} and key = ${key}`.execute(db())).rows[0]?.items;
const userList = async (training_id: string, profile_id: string) =>
  (await sql<{ items: [string, number, string | null][] }>`select items from rec_user_list where training_id = ${training_id} and profile_id = ${profile_id}`.execute(db())).rows[0]?.items;
const listCount = async (training_id: string) =>
  Number((await sql<{ n: string }>`select (select count(*) from rec_item_list where training_id = ${training_id}) + (select count(*) from rec_user_list where training_id = ${training_id}) as n`.execute(db())).rows[0]!.n);

describe('reading interactions', () => {
  it('reads each event kind, maps order variants to products, skips what is no interaction, in batches', async () => {
    const m = await platform.merchant();
    await plantProduct(db(), m.id, 'tea', {});
    await plantProduct(db(), m.id, 'cup', {});
    await plantEvents(db(), m.id, [
      { profile_id: 'p1', event: 'Product Viewed', properties: { product_id: 'x1' }, at: t0 },
      { profile_id: 'p1', event: 'Product Clicked', properties: { product_id: 'x2' }, at: t0 + 1 },
      { profile_id: 'p1', event: 'Product Added to Wishlist', properties: { product_id: 'x3' }, at: t0 + 2 },
      { profile_id: 'p2', event: 'Product Added', properties: { product_id: 'x4', category_id: 'c9' }, at: t0 + 3 },
      { profile_id: 'p2', event: 'Order Completed', properties: { product_id: 'x5', amount_minor: 500 }, context: { source: 'taobao-import' }, at: t0 + 4 },
      { profile_id: 'p3', event: 'Order Paid', properties: { order_id: 'o1', amount_minor: 900, products: [{ variant_id: 'tea-v' }, { variant_id: 'cup-v' }] }, context: { source: 'openbos' }, at: t0 + 5 },
      // Not interactions: the platform's copy of a paid order, a free order, an identify, a page, an unknown variant.
      { profile_id: 'p3', event: 'Order Completed', properties: { order_id: 'o1', amount_minor: 900, products: [{ variant_id: 'tea-v' }] }, context: { source: 'openbos' }, at: t0 + 6 },
      { profile_id: 'p3', event: 'Order Paid', properties: { order_id: 'o2', amount_minor: 0, products: [{ variant_id: 'tea-v' }] }, context: { source: 'openbos' }, at: t0 + 7 },
      { profile_id: 'p3', event: 'Signed Up', properties: { product_id: 'x9' }, at: t0 + 8 },
      { profile_id: 'p3', event: null as unknown as string, type: 'identify', properties: {}, at: t0 + 9 },
      { profile_id: 'p3', event: 'Order Paid', properties: { order_id: 'o3', amount_minor: 900, products: [{ variant_id: 'nobody-v' }] }, context: { source: 'openbos' }, at: t0 + 10 },
    ]);
    // Another brand's events are not read.
    await plantEvents(db(), b.id, [{ profile_id: 'p1', event: 'Product Viewed', properties: { product_id: 'x1' }, at: t0 }]);

    const { rows, batches } = await all(m.id, 3);
    expect(batches).toBe(3);
    const seen = rows.map((r) => `${r.user} ${r.kind} ${r.item}${r.order_id === null ? '' : ` ${r.order_id}`}`).sort();
    expect(seen).toEqual(['p1 favourite x3', 'p1 view x1', 'p1 view x2', 'p2 cart x4', 'p2 purchase x5', 'p3 purchase cup o1', 'p3 purchase tea o1'].sort());
    expect(rows.find((r) => r.item === 'x4')!.category_id).toBe('c9');
    expect(rows.find((r) => r.item === 'x1')!.time_s).toBe(t0);
  });

  it('gives its connection back when the reader stops early', async () => {
    for await (const batch of readInteractions(db(), a.id, { batch_size: 5 })) {
      expect(batch).toHaveLength(5);
      break;
    }
    const open = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`.execute(db());
    expect(open.rows[0]!.n).toBe(0);
  });
});

describe('a training run', () => {
  let first: string;

  it('chooses a model on a time split, writes lists that follow the planted co-views, and makes them current with a notice', async () => {
    const listener = new pg.Client({ connectionString: platform.database.url });
    listener.on('error', () => undefined);
    await listener.connect();
    const notices: string[] = [];
    listener.on('notification', (n) => notices.push(n.payload ?? ''));
    await listener.query('listen recs_changed');

    const run = await requestTraining(db(), a.id);
    expect(run.status).toBe('queued');
    const stages: string[] = [];
    const done = (await runTraining(db(), run.id, (_f, stage) => stages.push(stage)))!;
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    expect(modelNames).toContain(done.chosen_model);
    expect(done.metrics.map((m) => m.model).sort()).toEqual([...modelNames].sort());
    const best = Math.max(...done.metrics.map((m) => m.ndcg_at_10));
    expect(done.metrics.find((m) => m.model === done.chosen_model)!.ndcg_at_10).toBe(best);
    // 240 views and clicks, 2 imported purchases, 3 orders × 2 lines; the platform's copies are not read.
    expect(done.events).toBe(248);
    expect(done.users).toBe(60);
    expect(done.items).toBe(10);
    expect(Object.keys(done.timings)).toEqual(expect.arrayContaining(['read', 'evaluate', 'train', 'similar', 'together', 'popular', 'for_you', 'write', 'swap']));
    expect(done.train_s).toBeGreaterThan(0);
    expect(stages).toContain('writing');

    // Similar: a product's neighbours are the products viewed with it.
    const similar = (await itemList(run.id, 'similar', 'pa3'))!;
    expect(similar.length).toBeGreaterThanOrEqual(3);
    expect(similar.slice(0, 3).every(([p]) => p.startsWith('pa'))).toBe(true);
    const similarB = (await itemList(run.id, 'similar', 'pb4'))!;
    expect(similarB.slice(0, 3).every(([p]) => p.startsWith('pb'))).toBe(true);
    // Bought together: the three orders of pa1 with pb1.
    expect((await itemList(run.id, 'together', 'pa1'))![0]![0]).toBe('pb1');
    expect((await itemList(run.id, 'together', 'pb1'))![0]![0]).toBe('pa1');
    // Popular: overall, per category, per stage.
    expect((await itemList(run.id, 'popular', 'all'))!.length).toBe(10);
    expect((await itemList(run.id, 'popular', 'category:cat-a'))!.every(([p]) => p.startsWith('pa'))).toBe(true);
    expect((await itemList(run.id, 'popular', 'stage:purchased'))!.length).toBeGreaterThan(0);
    // For you: c0 bought pa1 (no repeat purchase): never recommended to them; a group-A consumer
    // who only looked gets A products first, with the product of theirs they are like.
    const c0 = (await userList(run.id, 'c0'))!;
    expect(c0.map(([p]) => p)).not.toContain('pa1');
    const c5 = (await userList(run.id, 'c5'))!;
    expect(c5.length).toBeGreaterThan(0);
    expect(c5[0]![0].startsWith('pa')).toBe(true);
    expect(c5.some(([, , because]) => because !== null && because.startsWith('pa'))).toBe(true);

    expect((await currentTraining(db(), a.id))!.id).toBe(run.id);
    await expect.poll(() => notices).toContain(a.id);
    await listener.end();
    for (const c of trainingChecks) expect(await c.run(db()), c.name).toEqual([]);
    first = run.id;
  });

  it('a second run swaps rec_current in one step and the first run’s lists go', async () => {
    expect(await listCount(first)).toBeGreaterThan(0);
    // Hold the brand's rec_current row, so the second run stops inside its swap.
    const holder = new pg.Client({ connectionString: platform.database.url });
    holder.on('error', () => undefined);
    await holder.connect();
    await holder.query('begin');
    await holder.query('select * from rec_current where merchant_id = $1 for share', [a.id]);
    const run = await requestTraining(db(), a.id);
    const done = runTraining(db(), run.id);
    await expect.poll(async () => (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%rec_current%'`.execute(db())).rows[0]!.n, { timeout: 20_000 }).toBe(1);
    // Inside the swap: the new lists are written, yet readers still see the first run, whole.
    expect(await listCount(run.id)).toBeGreaterThan(0);
    expect((await currentTraining(db(), a.id))!.id).toBe(first);
    expect(await listCount(first)).toBeGreaterThan(0);
    expect((await sql<{ status: string }>`select status from rec_training where id = ${run.id}`.execute(db())).rows[0]!.status).toBe('running');
    await holder.query('commit');
    await holder.end();
    expect((await done)!.status).toBe('succeeded');
    expect((await currentTraining(db(), a.id))!.id).toBe(run.id);
    expect(await listCount(first)).toBe(0);
    expect(await listCount(run.id)).toBeGreaterThan(0);
    for (const c of trainingChecks) expect(await c.run(db()), c.name).toEqual([]);
  });

  it('asks for one run at a time per brand', async () => {
    const one = await requestTraining(db(), a.id);
    const two = await requestTraining(db(), a.id);
    expect(one.created).toBe(true);
    expect(two.created).toBe(false);
    expect(two.id).toBe(one.id);
    // The job wakes a runner, which runs it in the background.
    await runDueJobs(db(), jobHandlers(platform.ctx), platform.ctx.logger);
    await trainingsSettled();
    expect((await currentTraining(db(), a.id))!.id).toBe(one.id);
  });

  it('a run whose runner died is reported, taken up again and finished; a brand with no interactions fails with a reason', async () => {
    const run = await requestTraining(db(), a.id);
    // A runner claimed it, then died: its heartbeat stopped an hour ago.
    await sql`update rec_training set status = 'running', attempts = 1, stage = 'evaluating als', heartbeat_at = now() - interval '1 hour', started_at = now() - interval '1 hour' where id = ${run.id}`.execute(db());
    expect(await check('recs.no_stale_training')).toEqual([expect.stringContaining(run.id)]);
    expect(await resumeStaleTrainings(db())).toEqual([run.id]);
    const requeued = await sql<{ status: string }>`select status from rec_training where id = ${run.id}`.execute(db());
    expect(requeued.rows[0]!.status).toBe('queued');
    const jobs = await sql<{ n: number }>`select count(*)::int as n from bos_job where key like ${`recs.train:${run.id}:%`} and state = 'scheduled'`.execute(db());
    expect(jobs.rows[0]!.n).toBeGreaterThanOrEqual(1);
    await runDueJobs(db(), jobHandlers(platform.ctx), platform.ctx.logger);
    await trainingsSettled();
    const finished = await sql<{ status: string; attempts: number }>`select status, attempts from rec_training where id = ${run.id}`.execute(db());
    expect(finished.rows[0]).toEqual({ status: 'succeeded', attempts: 2 });
    expect(await check('recs.no_stale_training')).toEqual([]);

    const empty = await platform.merchant();
    const none = (await runTraining(db(), (await requestTraining(db(), empty.id)).id))!;
    expect(none.status).toBe('failed');
    expect(none.error).toMatch(/no product interactions/);
    expect(await currentTraining(db(), empty.id)).toBeUndefined();
  });

  it('a runner that lost its run to another stops without touching it', async () => {
    const run = await requestTraining(db(), a.id);
    const done = runTraining(db(), run.id, (_f, stage) => {
      // Midway another runner takes the run over (its attempt is newer).
      if (stage === 'evaluating') void sql`update rec_training set attempts = attempts + 1 where id = ${run.id}`.execute(db());
    });
    const r = (await done)!;
    expect(r.status).toBe('running');
    expect(await listCount(run.id)).toBe(0);
    expect((await currentTraining(db(), a.id))!.id).not.toBe(run.id);
    await sql`update rec_training set status = 'failed', finished_at = now(), error = 'test' where id = ${run.id}`.execute(db());
  });
});

describe('checks', () => {
  it('catch lists of a run that is not current, a current run that did not succeed, and a bought product in a for-you list', async () => {
    const current = (await currentTraining(db(), a.id))!;
    const old = await sql<{ id: string }>`select id from rec_training where merchant_id = ${a.id} and status = 'succeeded' and id <> ${current.id} limit 1`.execute(db());
    const stale = old.rows[0]!.id;
    await sql`insert into rec_item_list (merchant_id, training_id, kind, key, items) values (${a.id}, ${stale}, 'popular', 'all', '[]')`.execute(db());
    expect(await check('recs.lists_of_current_run')).toEqual([expect.stringContaining(stale)]);
    await sql`insert into rec_item_list (merchant_id, training_id, kind, key, items) values (${b.id}, ${current.id}, 'popular', 'all', '[]')`.execute(db());
    expect(await check('recs.lists_of_current_run')).toEqual(expect.arrayContaining([expect.stringContaining('not a run of that brand')]));
    await sql`delete from rec_item_list where training_id = ${stale} or merchant_id = ${b.id}`.execute(db());
    expect(await check('recs.lists_of_current_run')).toEqual([]);

    const c0 = (await userList(current.id, 'c0'))!;
    await sql`update rec_user_list set items = ${JSON.stringify([['pa1', 1, null], ...c0])}::jsonb where training_id = ${current.id} and profile_id = 'c0'`.execute(db());
    expect(await check('recs.for_you_not_bought')).toEqual([expect.stringMatching(/c0 .*pa1/)]);
    // pa2 is a repeat purchase: c1 may be offered it again.
    const c1 = (await userList(current.id, 'c1'))!;
    await sql`update rec_user_list set items = ${JSON.stringify([['pa2', 1, null], ...c1.filter(([p]) => p !== 'pa2')])}::jsonb where training_id = ${current.id} and profile_id = 'c1'`.execute(db());
    expect(await check('recs.for_you_not_bought')).toEqual([expect.stringMatching(/c0 .*pa1/)]);
    await sql`update rec_user_list set items = ${JSON.stringify(c0)}::jsonb where training_id = ${current.id} and profile_id = 'c0'`.execute(db());
    expect(await check('recs.for_you_not_bought')).toEqual([]);

    await sql`update rec_training set status = 'failed' , chosen_model = null where id = ${current.id}`.execute(db());
    expect(await check('recs.current_run_succeeded')).toEqual([expect.stringContaining(current.id)]);
    await sql`update rec_training set status = 'succeeded', chosen_model = ${current.chosen_model} where id = ${current.id}`.execute(db());
    expect(await check('recs.current_run_succeeded')).toEqual([]);
  });
});

describe('a training run with two threads', () => {
  it('writes the same "for you" lists when a worker thread computes half of the consumers', async () => {
    // Brand a's planted co-views (the runs before have settled; this one is last).
    const c = a;
    const lists = async (training_id: string) =>
      (await sql<{ profile_id: string; items: unknown }>`select profile_id, items from rec_user_list where training_id = ${training_id} order by profile_id`.execute(db())).rows;
    const one = (await runTraining(db(), (await requestTraining(db(), c.id)).id, undefined, { models: ['als'], threads: 1 }))!;
    expect(one.status).toBe('succeeded');
    const byOne = await lists(one.id);
    const two = (await runTraining(db(), (await requestTraining(db(), c.id)).id, undefined, { models: ['als'], threads: 2 }))!;
    expect(two.error).toBeNull();
    expect(two.status).toBe('succeeded');
    expect(two.lists.for_you).toBe(one.lists.for_you);
    expect(byOne.length).toBe(60);
    expect(await lists(two.id)).toEqual(byOne);
  });
});
