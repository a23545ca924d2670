import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueJobs } from '../src/kernel/jobs.js';
import type { DemoCredentials } from '../src/kernel/module.js';
import { seedDemo } from '../src/kernel/seed.js';
import { forecastsSettled } from '../src/modules/forecast/index.js';
import { buildApp } from '../src/platform/app.js';
import { demo_forecast_products, demo_forecast_stores, seedForecastDemo, type ForecastDemo } from '../src/platform/demo-forecast.js';
import { jobHandlers, modules, registry } from '../src/platform/modules.js';
import { createTestPlatform, silentLogger, testConfig, type TestPlatform } from './support/platform.js';

/** The forecasting demo of the first start: demo-mart's range, stock, 20 weeks of history, a run. */
let platform: TestPlatform;
let demo: DemoCredentials;
let outcome: ForecastDemo;
let demo_ms = 0;
const mart = () => demo.merchants.find((m) => m.handle === 'demo-mart')!;

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await platform.app.request(path, { headers: { authorization: `Bearer ${mart().secret_key}` } });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  const overrides = { OPENBOS_DATA_DIR: `/tmp/openbos-forecast-demo-${process.pid}` };
  platform = await createTestPlatform(overrides);
  const ctx = { db: platform.database.db, config: testConfig(overrides), logger: silentLogger, registry };
  demo = (await seedDemo(ctx, modules))!;
  const { app } = buildApp(ctx);
  const started = Date.now();
  // What the server's job runner does: it takes the run's job and runs it.
  outcome = await seedForecastDemo(app, demo, silentLogger, { settle: async () => { await runDueJobs(platform.database.db, jobHandlers(ctx), silentLogger); await forecastsSettled(); } });
  demo_ms = Date.now() - started;
}, 180_000);
afterAll(async () => platform.close());

describe('the forecasting demo', () => {
  it('adds the fresh and packaged range, imports 20 weeks per product and store, and runs a forecast that succeeds', () => {
    expect(outcome.products_added).toBe(demo_forecast_products.filter((p) => p.created).length);
    expect(outcome.history_rows).toBe(demo_forecast_products.length * demo_forecast_stores.length * 140);
    expect(outcome.run).toMatchObject({ status: 'succeeded', series: demo_forecast_products.length * demo_forecast_stores.length });
    console.info(`forecast demo: ${demo_ms} ms`);
  });

  it('shows next week’s demand per store with its interval, adding up to Shanghai and the chain', async () => {
    const summary = await get('/v1/forecast/summary?granularity=week');
    expect(summary.status).toBe(200);
    expect(summary.body.stores.map((s: { code: string }) => s.code).sort()).toEqual([...demo_forecast_stores].sort());
    expect(summary.body.regions).toHaveLength(1);
    expect(summary.body.regions[0].region).toBe('Shanghai');
    expect(summary.body.chain.mean).toBeCloseTo(summary.body.stores.reduce((a: number, s: { mean: number }) => a + s.mean, 0), 1);
    const peoples = summary.body.stores.find((s: { code: string }) => s.code === 'ST-PEOPLES-SQ');
    const lujiazui = summary.body.stores.find((s: { code: string }) => s.code === 'ST-LUJIAZUI');
    expect(peoples.mean).toBeGreaterThan(lujiazui.mean);
  });

  it('forecasts fresh milk higher at weekends, marks the empty-shelf days, and classes rice as intermittent', async () => {
    const series = await get('/v1/forecast/series?limit=100');
    const milk = series.body.data.find((s: { sku: string; location_name: string }) => s.sku === 'MILK-1L' && s.location_name.includes('People'));
    const detail = await get(`/v1/forecast/series/${milk.variant_id}/${milk.location_id}?history_days=140`);
    const weekend = (d: string) => [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay());
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const f = detail.body.forecast as { date: string; mean: number }[];
    expect(avg(f.filter((x) => weekend(x.date)).map((x) => x.mean))).toBeGreaterThan(1.2 * avg(f.filter((x) => !weekend(x.date)).map((x) => x.mean)));
    const censored = series.body.data.filter((s: { sku: string }) => ['MILK-1L', 'STRAW-500', 'BREAD-SOUR', 'EGGS-10'].includes(s.sku));
    let marked = 0;
    for (const s of censored) marked += ((await get(`/v1/forecast/series/${s.variant_id}/${s.location_id}?history_days=140`)).body.history as { censored: boolean }[]).filter((h) => h.censored).length;
    expect(marked).toBeGreaterThan(0);
    const rice = series.body.data.filter((s: { sku: string }) => s.sku === 'RICE-5KG');
    expect(rice.every((s: { class: string }) => s.class === 'intermittent' || s.class === 'lumpy')).toBe(true);
  });
});
