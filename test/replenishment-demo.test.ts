import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueJobs } from '../src/kernel/jobs.js';
import type { DemoCredentials } from '../src/kernel/module.js';
import { seedDemo } from '../src/kernel/seed.js';
import { forecastsSettled } from '../src/modules/forecast/index.js';
import { coreChecks } from '../src/modules/replenishment/checks.js';
import { buildApp } from '../src/platform/app.js';
import { seedForecastDemo } from '../src/platform/demo-forecast.js';
import { seedReplenishmentDemo, type ReplenishmentDemo } from '../src/platform/demo-replenishment.js';
import { jobHandlers, modules, registry } from '../src/platform/modules.js';
import { createTestPlatform, silentLogger, testConfig, type TestPlatform } from './support/platform.js';

/** The replenishment demo of the first start: suppliers, settings and a plan with open suggestions the user approves. */
let platform: TestPlatform;
let demo: DemoCredentials;
let outcome: ReplenishmentDemo;
const mart = () => demo.merchants.find((m) => m.handle === 'demo-mart')!;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await platform.app.request(path, { method, headers: { authorization: `Bearer ${mart().secret_key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  const overrides = { OPENBOS_DATA_DIR: `/tmp/openbos-replenishment-demo-${process.pid}` };
  platform = await createTestPlatform(overrides);
  const ctx = { db: platform.database.db, config: testConfig(overrides), logger: silentLogger, registry };
  demo = (await seedDemo(ctx, modules))!;
  const { app } = buildApp(ctx);
  await seedForecastDemo(app, demo, silentLogger, { settle: async () => { await runDueJobs(platform.database.db, jobHandlers(ctx), silentLogger); await forecastsSettled(); } });
  outcome = await seedReplenishmentDemo(app, demo, silentLogger);
}, 180_000);
afterAll(async () => platform.close());

describe('the replenishment demo', () => {
  it('gives demo-mart two suppliers with items and plans open suggestions: a transfer from WH-PUDONG to a store and a purchase order', async () => {
    expect(outcome.suppliers).toBe(2);
    expect(outcome.items).toBe(8);
    expect(outcome.plan?.transfers).toBeGreaterThan(0);
    expect(outcome.plan?.purchase_orders).toBeGreaterThan(0);
    const locations = (await call('GET', '/v1/locations?limit=100')).body.data as { id: string; code: string }[];
    const warehouse = locations.find((l) => l.code === 'WH-PUDONG')!.id;
    const transfers = (await call('GET', '/v1/replenishment/suggestions?status=open&kind=transfer&limit=100')).body.data as { from_location_id: string }[];
    expect(transfers.some((t) => t.from_location_id === warehouse)).toBe(true);
    expect((await call('GET', '/v1/replenishment/suggestions?status=open&kind=purchase_order&limit=100')).body.data.length).toBeGreaterThan(0);
  });

  it('lets the user approve a transfer and a purchase order and receive it, every unit accounted for', async () => {
    const [transfer] = (await call('GET', '/v1/replenishment/suggestions?status=open&kind=transfer')).body.data as { id: string }[];
    expect((await call('POST', `/v1/replenishment/suggestions/${transfer!.id}/approve`, {})).status).toBe(200);
    const [order] = (await call('GET', '/v1/replenishment/suggestions?status=open&kind=purchase_order')).body.data as { id: string }[];
    const approved = await call('POST', `/v1/replenishment/suggestions/${order!.id}/approve`, {});
    expect(approved.status).toBe(200);
    const received = await call('POST', `/v1/purchase-orders/${approved.body.purchase_order_id}/receive`, {});
    expect(received.body.status).toBe('received');
    for (const check of coreChecks) expect(await check.run(platform.database.db), check.name).toEqual([]);
  });
});
