import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributionSecret, flushServed, issueToken, recordServed, servedRecorderStats, stopServedRecorder } from '../src/modules/attribution/index.js';
import { setMerchantTimeZone } from '../src/modules/merchants/index.js';
import { createTestPlatform, type TestPlatform } from './support/platform.js';

/** Answers served are recorded in the background, in batches, and counted once on the brand's day. */
let platform: TestPlatform;
const db = () => platform.database.db;

beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(async () => {
  await stopServedRecorder(db());
  await platform.close();
});

describe('recordServed', () => {
  it('returns at once, writes in batches, counts each answer once on the brand’s own day', async () => {
    const m = await platform.merchant();
    await setMerchantTimeZone(db(), m.id, 'Asia/Shanghai', 'test');
    const secret = attributionSecret(platform.ctx.config);
    // 23:30 UTC on 1 March is 07:30 on 2 March in Shanghai.
    const late = issueToken(secret, { merchant_id: m.id, source: 'recommendation', placement: 'for_you', served_at: new Date('2026-03-01T23:30:00Z') });
    const search = issueToken(secret, { merchant_id: m.id, source: 'search', placement: 'search', served_at: new Date('2026-03-01T10:00:00Z') });
    const started = performance.now();
    recordServed(db(), late.claim, { product_ids: ['p1', 'p2', 'p3'], profile_id: 'prof_1' });
    recordServed(db(), search.claim, { product_ids: ['p1'], query: '绿茶' });
    // Twice the same answer (a retried write) counts once.
    recordServed(db(), search.claim, { product_ids: ['p1'], query: '绿茶' });
    for (let i = 0; i < 1_200; i++) recordServed(db(), issueToken(secret, { merchant_id: m.id, source: 'recommendation', placement: 'similar', served_at: new Date('2026-03-03T04:00:00Z') }).claim, { product_ids: ['a', 'b'] });
    expect(performance.now() - started).toBeLessThan(500);
    await flushServed(db());
    const served = await sql<{ id: string; day: string; product_ids: string[]; query: string | null }>`select id, day::text as day, product_ids, query from attr_served where merchant_id = ${m.id} and id in (${late.claim.served_id}, ${search.claim.served_id}) order by day`.execute(db());
    expect(served.rows).toEqual([
      { id: search.claim.served_id, day: '2026-03-01', product_ids: ['p1'], query: '绿茶' },
      { id: late.claim.served_id, day: '2026-03-02', product_ids: ['p1', 'p2', 'p3'], query: null },
    ]);
    const daily = await sql<{ day: string; placement: string; answers: bigint; items: bigint }>`select day::text as day, placement, answers, items from attr_daily where merchant_id = ${m.id} order by day, placement`.execute(db());
    expect(daily.rows).toEqual([
      { day: '2026-03-01', placement: 'search', answers: 1n, items: 1n },
      { day: '2026-03-02', placement: 'for_you', answers: 1n, items: 3n },
      { day: '2026-03-03', placement: 'similar', answers: 1_200n, items: 2_400n },
    ]);
    expect(servedRecorderStats(db())).toMatchObject({ waiting: 0, dropped: 0, failures: 0 });
  });
});
