import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueJobs } from '../src/kernel/jobs.js';
import type { DemoCredentials } from '../src/kernel/module.js';
import { seedDemo } from '../src/kernel/seed.js';
import { forecastsSettled } from '../src/modules/forecast/index.js';
import { perishablesChecks } from '../src/modules/replenishment/checks-perishables.js';
import { buildApp } from '../src/platform/app.js';
import { seedForecastDemo } from '../src/platform/demo-forecast.js';
import { runPerishablesDemo } from '../src/platform/demo-perishables.js';
import { seedReplenishmentDemo } from '../src/platform/demo-replenishment.js';
import { jobHandlers, modules, registry } from '../src/platform/modules.js';
import { createTestPlatform, silentLogger, testConfig, type TestPlatform } from './support/platform.js';

/** The perishables demo of the first start, after the forecast and replenishment demos: an open markdown and expected waste. */
let platform: TestPlatform;
let demo: DemoCredentials;
const mart = () => demo.merchants.find((m) => m.handle === 'demo-mart')!;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await platform.app.request(path, { method, headers: { authorization: `Bearer ${mart().secret_key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  const overrides = { OPENBOS_DATA_DIR: `/tmp/openbos-perishables-demo-${process.pid}` };
  platform = await createTestPlatform(overrides);
  const ctx = { db: platform.database.db, config: testConfig(overrides), logger: silentLogger, registry };
  demo = (await seedDemo(ctx, modules))!;
  const { app } = buildApp(ctx);
  await seedForecastDemo(app, demo, silentLogger, { settle: async () => { await runDueJobs(platform.database.db, jobHandlers(ctx), silentLogger); await forecastsSettled(); } });
  await seedReplenishmentDemo(app, demo, silentLogger);
  await runPerishablesDemo(app, ctx, demo, silentLogger);
}, 180_000);
afterAll(async () => platform.close());

describe('the perishables demo', () => {
  it('leaves demo-mart with an open markdown at People’s Square and expected waste on its health page', async () => {
    const locations = (await call('GET', '/v1/locations?limit=100')).body.data as { id: string; code: string }[];
    const store = locations.find((l) => l.code === 'ST-PEOPLES-SQ')!.id;
    const open = (await call('GET', `/v1/replenishment/markdowns?status=open&location_id=${store}`)).body.data as { sku: string; expected_unsold_units: number; percent_off: number }[];
    expect(open.map((m) => m.sku)).toContain('STRAW-500');
    expect(open.every((m) => m.expected_unsold_units > 0 && m.percent_off >= 20 && m.percent_off <= 50)).toBe(true);
    const health = (await call('GET', `/v1/replenishment/health?location_id=${store}`)).body;
    expect(health.stores[0].totals.expected_waste_units).toBeGreaterThan(0);
    const strawberries = (health.stores[0].items as { sku: string; shelf_life_days: number; expected_waste_units: number }[]).find((i) => i.sku === 'STRAW-500')!;
    expect(strawberries.shelf_life_days).toBe(4);
    expect(strawberries.expected_waste_units).toBeGreaterThan(0);
  });

  it('approving the markdown starts its promotion; the checks hold', async () => {
    const [md] = (await call('GET', '/v1/replenishment/markdowns?status=open')).body.data as { id: string }[];
    const approved = await call('POST', `/v1/replenishment/markdowns/${md!.id}/approve`, {});
    expect(approved.status).toBe(200);
    expect((await call('GET', `/v1/promotions/${approved.body.promotion_id}`)).body).toMatchObject({ status: 'active', kind: 'automatic' });
    for (const check of perishablesChecks) expect(await check.run(platform.database.db), check.name).toEqual([]);
  });
});
