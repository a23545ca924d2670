import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributionSecret, dailyFigures, flushServed, issueToken, pruneRaw, recordServed, stopServedRecorder } from '../src/modules/attribution/index.js';
import { createTestPlatform, type TestPlatform } from './support/platform.js';

/**
 * What an answer pays for being recorded, and the daily figures over a year (docs/BENCHMARKS.md,
 * "attribution (issue 19)"). The figures are printed; the bounds asserted are loose enough for a
 * shared machine and still catch a figure read from raw rows instead of the rollups.
 */
let platform: TestPlatform;
const db = () => platform.database.db;

beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(async () => {
  await stopServedRecorder(db());
  await platform.close();
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('attribution at scale', () => {
  it('records an answer for microseconds of the request, and writes thousands of answers a second', async () => {
    const m = await platform.merchant();
    const secret = attributionSecret(platform.ctx.config);
    const n = 20_000;
    const claims = Array.from({ length: n }, (_, i) => issueToken(secret, { merchant_id: m.id, source: i % 3 === 0 ? 'search' : 'recommendation', placement: i % 3 === 0 ? 'search' : 'for_you' }).claim);
    const items = Array.from({ length: 10 }, (_, i) => `prd_${i}`);
    const started = performance.now();
    for (const claim of claims) recordServed(db(), claim, { product_ids: items, profile_id: 'prof_x' });
    const call_us = ((performance.now() - started) * 1_000) / n;
    const flushStart = performance.now();
    await flushServed(db());
    const write_ms = performance.now() - flushStart;
    const rows = await sql<{ n: string }>`select count(*)::text as n from attr_served where merchant_id = ${m.id}`.execute(db());
    expect(rows.rows[0]!.n).toBe(String(n));
    console.log(JSON.stringify({ record_served_call_us: Math.round(call_us * 100) / 100, record_served_write_per_answer_us: Math.round((write_ms * 1_000) / n), answers_written_per_s: Math.round(n / (write_ms / 1_000)) }));
    expect(call_us).toBeLessThan(200);
  });

  it('answers a year of daily figures from the rollups in milliseconds, and prunes raw rows past the retention', async () => {
    const m = await platform.merchant();
    // A year of rollups: six placements a day, every day, sales in CNY.
    await sql`insert into attr_daily (merchant_id, day, placement, answers, items, views, clicks, carts)
      select ${m.id}, d::date, p, 20000, 200000, 900, 1200, 300 from generate_series('2026-01-01'::date, '2026-12-31'::date, '1 day') d,
        unnest(array['for_you', 'similar', 'bought_together', 'trending', 'new_consumer', 'search']) p`.execute(db());
    await sql`insert into attr_daily_sales (merchant_id, day, placement, currency, orders, sales_minor)
      select ${m.id}, d::date, p, 'CNY', 40, 400000 from generate_series('2026-01-01'::date, '2026-12-31'::date, '1 day') d,
        unnest(array['for_you', 'similar', 'bought_together', 'trending', 'new_consumer', 'search']) p`.execute(db());
    const times: number[] = [];
    let body: { data: unknown[]; totals: { recommendation: { answers: number }; recommendation_share: { sales: number } } } | undefined;
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      const res = await m.call('GET', '/v1/attribution/daily?from=2026-01-01&to=2026-12-31&currency=CNY');
      times.push(performance.now() - t);
      expect(res.status).toBe(200);
      body = res.body;
    }
    expect(body!.data).toHaveLength(365);
    expect(body!.totals.recommendation.answers).toBe(365 * 5 * 20_000);
    expect(body!.totals.recommendation_share.sales).toBe(0.8333);
    const direct: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      await dailyFigures(db(), m.id, { from: '2026-01-01', to: '2026-12-31', currency: 'CNY' });
      direct.push(performance.now() - t);
    }
    const sqlTimes: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      await sql`select day::text as day, placement, answers, items, views, clicks, carts from attr_daily where merchant_id = ${m.id} and day between '2026-01-01' and '2026-12-31'`.execute(db());
      sqlTimes.push(performance.now() - t);
    }
    console.log(JSON.stringify({ daily_figures_ms_p50: Math.round(median(direct) * 10) / 10, rollup_sql_ms_p50: Math.round(median(sqlTimes) * 10) / 10 }));
    const placementTimes: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      expect((await m.call('GET', '/v1/attribution/placements?days=90&currency=CNY')).status).toBe(200);
      placementTimes.push(performance.now() - t);
    }
    console.log(JSON.stringify({ daily_year_ms_p50: Math.round(median(times) * 10) / 10, daily_year_ms_max: Math.round(Math.max(...times) * 10) / 10, placements_90d_ms_p50: Math.round(median(placementTimes) * 10) / 10 }));
    expect(median(times)).toBeLessThan(250);

    // Raw answers and touches older than 35 days go; the rollups stay.
    const secret = attributionSecret(platform.ctx.config);
    const old = issueToken(secret, { merchant_id: m.id, source: 'search', placement: 'search', served_at: new Date(Date.now() - 36 * 86_400_000) });
    const recent = issueToken(secret, { merchant_id: m.id, source: 'search', placement: 'search', served_at: new Date(Date.now() - 34 * 86_400_000) });
    recordServed(db(), old.claim, { product_ids: ['p1'] });
    recordServed(db(), recent.claim, { product_ids: ['p1'] });
    await flushServed(db());
    const rollupsBefore = await sql<{ n: string }>`select count(*)::text as n from attr_daily where merchant_id = ${m.id}`.execute(db());
    const pruned = await pruneRaw(db());
    expect(pruned.served).toBeGreaterThanOrEqual(1);
    const left = await sql<{ id: string }>`select id from attr_served where merchant_id = ${m.id}`.execute(db());
    expect(left.rows.map((r) => r.id)).toEqual([recent.claim.served_id]);
    const rollupsAfter = await sql<{ n: string }>`select count(*)::text as n from attr_daily where merchant_id = ${m.id}`.execute(db());
    expect(rollupsAfter.rows[0]!.n).toBe(rollupsBefore.rows[0]!.n);
  });
});
