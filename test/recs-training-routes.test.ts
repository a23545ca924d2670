import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTraining, trainingsSettled } from '../src/modules/recs/training/index.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';
import { plantCoViews } from './support/recs-training.js';

let platform: TestPlatform;
let a: TestMerchant;
let b: TestMerchant;

beforeAll(async () => {
  platform = await createTestPlatform();
  a = await platform.merchant();
  b = await platform.merchant();
  await plantCoViews(platform.database.db, a.id);
});
afterAll(async () => {
  await trainingsSettled();
  await platform.close();
});

const runs = async (merchant_id: string) => (await sql<{ n: number }>`select count(*)::int as n from rec_training where merchant_id = ${merchant_id}`.execute(platform.database.db)).rows[0]!.n;

describe('recommendation training routes', () => {
  it('POST /v1/recommendations/trainings queues a run (202) and answers the same run while it is under way', async () => {
    const models = await a.call('GET', '/v1/recommendations/models');
    expect(models.status).toBe(200);
    expect(models.body).toEqual({ current: null, last_trained_at: null, active: null, models: [] });

    const first = await a.call('POST', '/v1/recommendations/trainings', { body: {} });
    expect(first.status, first.text).toBe(202);
    expect(first.body).toMatchObject({ status: 'queued', reason: 'manual', progress: 0, current: false, metrics: [] });
    const again = await a.call('POST', '/v1/recommendations/trainings', { body: {} });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(await runs(a.id)).toBe(1);

    const active = await a.call('GET', '/v1/recommendations/models');
    expect(active.body.active.id).toBe(first.body.id);

    const done = (await runTraining(platform.database.db, first.body.id as string))!;
    expect(done.status).toBe('succeeded');
    const got = await a.call('GET', `/v1/recommendations/trainings/${first.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: first.body.id, status: 'succeeded', progress: 1, current: true, chosen_model: done.chosen_model, events: done.events });
    expect(got.body.metrics).toHaveLength(4);
    expect(typeof got.body.timings.evaluate).toBe('number');

    const after = await a.call('GET', '/v1/recommendations/models');
    expect(after.body.current).toEqual({ training_id: first.body.id, model: done.chosen_model, trained_at: got.body.finished_at });
    expect(after.body.last_trained_at).toBe(got.body.finished_at);
    expect(after.body.active).toBeNull();
    expect(after.body.models.map((m: { model: string }) => m.model).sort()).toEqual(['als', 'ease', 'itemknn', 'popularity']);
    expect(after.body.models.filter((m: { chosen: boolean }) => m.chosen)).toEqual([expect.objectContaining({ model: done.chosen_model, training_id: first.body.id })]);

    // Once finished, a new request is a new run.
    const next = await a.call('POST', '/v1/recommendations/trainings', { body: {} });
    expect(next.status).toBe(202);
    expect(next.body.id).not.toBe(first.body.id);
    await sql`update rec_training set status = 'failed', finished_at = now(), error = 'test' where id = ${next.body.id as string}`.execute(platform.database.db);
  });

  it('another brand sees none of it, and its own request is its own run', async () => {
    const list = await a.call('GET', '/v1/recommendations/trainings?limit=1');
    const id = list.body.data[0].id as string;
    expect((await b.call('GET', `/v1/recommendations/trainings/${id}`)).status).toBe(404);
    expect((await b.call('GET', `/v1/recommendations/trainings/${id}`)).headers.get('content-type')).toMatch(/problem\+json/);
    expect((await b.call('GET', '/v1/recommendations/trainings')).body.data).toEqual([]);
    expect((await b.call('GET', '/v1/recommendations/models')).body.current).toBeNull();
    const own = await b.call('POST', '/v1/recommendations/trainings', { body: {} });
    expect(own.status).toBe(202);
    expect(own.body.id).not.toBe(id);
    const mine = (await runTraining(platform.database.db, own.body.id as string))!;
    expect(mine.status).toBe('failed');
    expect((await b.call('GET', `/v1/recommendations/trainings/${own.body.id}`)).body.error).toMatch(/no product interactions/);
  });

  it('refuses bad input with a problem and changes nothing', async () => {
    const before = await runs(a.id);
    const bad = await a.call('POST', '/v1/recommendations/trainings', { body: { model: 'als' } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
    expect(bad.body.code).toBe('validation_failed');
    expect((await a.call('GET', '/v1/recommendations/trainings?limit=0')).status).toBe(400);
    expect((await a.call('GET', '/v1/recommendations/trainings?cursor=nonsense')).status).toBe(400);
    expect((await a.call('GET', '/v1/recommendations/trainings?status=done')).status).toBe(400);
    expect((await a.call('GET', '/v1/recommendations/trainings/rtr_nope')).status).toBe(404);
    expect(await runs(a.id)).toBe(before);
  });

  it('lists runs newest first, a page at a time, and filters by status; a console session with the scope may read them', async () => {
    const p1 = await a.call('GET', '/v1/recommendations/trainings?limit=1');
    expect(p1.body.data).toHaveLength(1);
    expect(p1.body.next_cursor).not.toBeNull();
    const p2 = await a.call('GET', `/v1/recommendations/trainings?limit=1&cursor=${p1.body.next_cursor}`);
    expect(p2.body.data).toHaveLength(1);
    expect(p2.body.data[0].id < p1.body.data[0].id).toBe(true);
    const succeeded = await a.call('GET', '/v1/recommendations/trainings?status=succeeded');
    expect(succeeded.body.data.map((r: { status: string }) => r.status)).toEqual(['succeeded']);
    const session = await a.signIn('owner');
    expect((await session.call('GET', '/v1/recommendations/trainings')).status).toBe(200);
  });
});
