import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forecastChecks } from '../src/modules/forecast/checks.js';
import { currentForecasts, requestForecast, runForecast } from '../src/modules/forecast/index.js';
import { resumeStaleRuns } from '../src/modules/forecast/runs.js';
import { aRegionalLocation, aVariant, inShanghai, shanghaiDay } from './support/forecast.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(async () => platform.close());

const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay();
const weekend = (day: string) => weekday(day) === 0 || weekday(day) === 6;

/** A brand in Shanghai with one store whose history of `weeks` weeks sells 30 a day at weekends and about 10 on weekdays. */
async function seasonalBrand(weeks = 12): Promise<{ brand: TestMerchant; store: string; variant: string; short: string }> {
  const brand = await platform.merchant();
  await inShanghai(platform.database.db, brand);
  const store = await aRegionalLocation(brand, 'store', 'Shanghai');
  const variant = await aVariant(brand);
  const short = await aVariant(brand);
  const rows = [];
  for (let d = weeks * 7; d >= 1; d--) {
    const day = shanghaiDay(d);
    rows.push({ date: day, variant_id: variant, location_id: store, units: weekend(day) ? 30 + (d % 3) : 10 + (d % 4) });
  }
  for (let d = 3; d >= 1; d--) rows.push({ date: shanghaiDay(d), variant_id: short, location_id: store, units: 2 });
  const res = await brand.call('POST', '/v1/forecast/history', { body: { rows } });
  expect(res.status, res.text).toBe(200);
  return { brand, store, variant, short };
}

describe('forecast runs', () => {
  it('forecasts a planted weekly season: weekends higher than weekdays, intervals around the means; a short series falls back and says so', async () => {
    const db = platform.database.db;
    const { brand, store, variant, short } = await seasonalBrand();
    const asked = await brand.call('POST', '/v1/forecast/runs', { body: { horizon_days: 14, level: 0.9 } });
    expect(asked.status, asked.text).toBe(202);
    expect(asked.body).toMatchObject({ status: 'queued', horizon_days: 14, level: 0.9 });
    const progress: number[] = [];
    const run = await runForecast(db, asked.body.id as string, (f) => progress.push(f));
    expect(run?.status, run?.error ?? '').toBe('succeeded');
    expect(run).toMatchObject({ series: 2, done: 2, fallbacks: 1, start_date: shanghaiDay(0) });
    expect(Object.values(run!.by_class).reduce((a, b) => a + b, 0)).toBe(2);
    expect(progress.at(-1)).toBe(1);

    const [f] = await currentForecasts(db, brand.id, { variant_ids: [variant], location_ids: [store] });
    expect(f).toBeDefined();
    expect(f!.mean).toHaveLength(14);
    expect(f!.level).toBe(0.9);
    const days = f!.mean.map((_, t) => new Date(Date.parse(`${f!.start_date}T00:00:00Z`) + t * 86_400_000).toISOString().slice(0, 10));
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const weekendMean = avg(f!.mean.filter((_, t) => weekend(days[t]!)));
    const weekdayMean = avg(f!.mean.filter((_, t) => !weekend(days[t]!)));
    expect(weekendMean).toBeGreaterThan(1.8 * weekdayMean);
    expect(weekendMean).toBeGreaterThan(24);
    expect(weekdayMean).toBeLessThan(16);
    f!.mean.forEach((m, t) => {
      expect(f!.lower[t]).toBeGreaterThanOrEqual(0);
      expect(f!.lower[t]).toBeLessThanOrEqual(m);
      expect(f!.upper[t]).toBeGreaterThanOrEqual(m);
    });
    const [s] = await currentForecasts(db, brand.id, { variant_ids: [short] });
    expect(s!.fallback).toMatch(/history/);

    for (const check of forecastChecks) expect(await check.run(db), check.name).toEqual([]);
    const events = await sql<{ payload: { run_id: string; status: string; series: number } }>`select payload from bos_outbox_event where type = 'forecast.run_completed' and merchant_id = ${brand.id}`.execute(db);
    expect(events.rows.map((e) => e.payload)).toEqual([expect.objectContaining({ run_id: run!.id, status: 'succeeded', series: 2 })]);
  });

  it('keeps one queued or running run per brand, and replaces the current forecasts only when the next run succeeds', async () => {
    const db = platform.database.db;
    const { brand } = await seasonalBrand(3);
    const first = await brand.call('POST', '/v1/forecast/runs', { body: {} });
    const again = await brand.call('POST', '/v1/forecast/runs', { body: { horizon_days: 7 } });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    await runForecast(db, first.body.id as string);
    const second = await requestForecast(db, brand.id, { horizon_days: 7 });
    expect(second.created).toBe(true);
    await runForecast(db, second.id);
    const values = await sql<{ runs: number; n: number }>`select count(distinct run_id)::int as runs, count(*)::int as n from forecast_value where merchant_id = ${brand.id}`.execute(db);
    expect(values.rows[0]).toEqual({ runs: 1, n: 2 * 7 });
    const listed = await brand.call('GET', '/v1/forecast/runs');
    expect(listed.body.data.map((r: { id: string; current: boolean }) => [r.id, r.current])).toEqual([[second.id, true], [first.body.id, false]]);
  });

  it('refuses a horizon of zero days or a level outside (0, 1) with a 422, and queues nothing', async () => {
    const brand = await platform.merchant();
    for (const body of [{ horizon_days: 0 }, { horizon_days: -3 }, { horizon_days: 2.5 }, { horizon_days: 400 }, { level: 0 }, { level: 1 }, { level: 1.2 }]) {
      const res = await brand.call('POST', '/v1/forecast/runs', { body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await brand.call('GET', '/v1/forecast/runs')).body.data).toEqual([]);
  });

  it('a run whose runner died is requeued by the maintenance and completes; after three dead runners it fails', async () => {
    const db = platform.database.db;
    const { brand } = await seasonalBrand(3);
    const run = await requestForecast(db, brand.id, {});
    // A runner claimed it and died midway: half its values written, its heartbeat ten minutes old.
    await sql`update forecast_run set status = 'running', attempts = 1, started_at = now() - interval '10 minutes', heartbeat_at = now() - interval '10 minutes' where id = ${run.id}`.execute(db);
    await sql`insert into forecast_series (merchant_id, run_id, variant_id, location_id, class, model, sigma, adi, cv2, history_days) values (${brand.id}, ${run.id}, 'var_x', 'loc_x', 'smooth', 'naive', 1, 1, 0, 3)`.execute(db);
    expect(await resumeStaleRuns(db)).toContain(run.id);
    const jobs = await sql<{ n: number }>`select count(*)::int as n from bos_job where key like ${`forecast.run:${run.id}:%`} and state = 'scheduled'`.execute(db);
    expect(jobs.rows[0]!.n).toBeGreaterThanOrEqual(1);
    const done = await runForecast(db, run.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, series: 2 });
    const stray = await sql<{ n: number }>`select count(*)::int as n from forecast_series where run_id = ${run.id} and variant_id = 'var_x'`.execute(db);
    expect(stray.rows[0]!.n).toBe(0);

    const doomed = await requestForecast(db, brand.id, {});
    await sql`update forecast_run set status = 'running', attempts = 3, heartbeat_at = now() - interval '10 minutes' where id = ${doomed.id}`.execute(db);
    expect(await resumeStaleRuns(db)).not.toContain(doomed.id);
    const failed = await sql<{ status: string; error: string }>`select status, error from forecast_run where id = ${doomed.id}`.execute(db);
    expect(failed.rows[0]).toEqual({ status: 'failed', error: 'the runner stopped 3 times' });
  });

  it('learns the lift of the brand’s automatic promotions on a product and forecasts it for the days a promotion is planned', async () => {
    const db = platform.database.db;
    const brand = await platform.merchant();
    await inShanghai(db, brand);
    const store = await aRegionalLocation(brand, 'store', 'Shanghai');
    const variant = await aVariant(brand);
    const promoted = (d: number) => (d >= 22 && d <= 28) || (d >= 50 && d <= 56);
    const rows = [];
    for (let d = 84; d >= 1; d--) rows.push({ date: shanghaiDay(d), variant_id: variant, location_id: store, units: (promoted(d) ? 30 : 10) + (d % 3) });
    expect((await brand.call('POST', '/v1/forecast/history', { body: { rows } })).status).toBe(200);
    const promotion = async (from: number, to: number) =>
      sql`insert into promotion (merchant_id, id, name, kind, status, currency, effect, scope, stacking, starts_at, ends_at)
        values (${brand.id}, ${`promo_${from}_${Math.random().toString(36).slice(2, 8)}`}, 'Week of the product', 'automatic', 'archived', 'CNY', '{"kind":"percent_off","percent":20}'::jsonb,
                ${JSON.stringify({ variant_ids: [variant] })}::jsonb, 'combinable', ${new Date(`${shanghaiDay(from)}T00:00:00+08:00`)}, ${new Date(`${shanghaiDay(to)}T23:59:00+08:00`)})`.execute(db);
    await promotion(28, 22);
    await promotion(56, 50);
    await promotion(-7, -13);
    const run = await runForecast(db, (await requestForecast(db, brand.id, { horizon_days: 21 })).id);
    expect(run?.status, run?.error ?? '').toBe('succeeded');
    const [f] = await currentForecasts(db, brand.id);
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // Days 7 to 13 from today are planned on promotion.
    expect(avg(f!.mean.slice(7, 14))).toBeGreaterThan(1.5 * avg([...f!.mean.slice(0, 7), ...f!.mean.slice(14)]));
  });

  it('a brand without any history fails its run with a reason and keeps nothing half-written', async () => {
    const db = platform.database.db;
    const brand = await platform.merchant();
    const run = await requestForecast(db, brand.id, {});
    const done = await runForecast(db, run.id);
    expect(done?.status).toBe('failed');
    expect(done?.error).toMatch(/no sales history/);
    const current = await sql<{ n: number }>`select count(*)::int as n from forecast_current where merchant_id = ${brand.id}`.execute(db);
    expect(current.rows[0]!.n).toBe(0);
  });
});
