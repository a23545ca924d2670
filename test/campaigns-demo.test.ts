import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoCredentials } from '../src/kernel/module.js';
import { seedDemo } from '../src/kernel/seed.js';
import { campaignChecks, campaignPorts, runCampaignTick, setCampaignPorts } from '../src/modules/campaigns/index.js';
import { buildApp } from '../src/platform/app.js';
import { runCampaignsDemo, type CampaignsDemo } from '../src/platform/demo-campaigns.js';
import { modules, registry } from '../src/platform/modules.js';
import { testCampaignPorts } from './support/campaign-ports.js';
import { createTestPlatform, silentLogger, testConfig, type TestPlatform } from './support/platform.js';

/**
 * The demo brand's spring season on a first start: three campaigns placed by phase, the seed
 * campaign a three-step journey (send, wait, branch to a coupon) with a 20% control group, started
 * when sending is wired, and walked to its end without ever reaching the control group.
 */
let platform: TestPlatform;
let demo: DemoCredentials;
let outcome: CampaignsDemo;
const dir = `/tmp/openbos-campaigns-demo-${process.pid}`;
const t0 = new Date();

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_DATA_DIR: dir });
  const ctx = { db: platform.database.db, config: testConfig({ OPENBOS_DATA_DIR: dir }), logger: silentLogger, registry };
  demo = (await seedDemo(ctx, modules))!;
  setCampaignPorts(testCampaignPorts());
  outcome = await runCampaignsDemo(buildApp(ctx).app, demo, silentLogger, t0);
}, 120_000);
afterAll(async () => platform.close());

describe('the campaigns demo', () => {
  it('plans a season of three campaigns, one per phase, and starts the seed journey', async () => {
    expect(outcome).toMatchObject({ campaigns: 3, started: true });
    const brand = demo.merchants.find((m) => m.handle === 'demo-brand')!;
    const season = await platform.app.request(`/v1/campaign-seasons/${outcome.season_id!}`, { headers: { authorization: `Bearer ${brand.secret_key}` } });
    const body = (await season.json()) as { campaigns: { id: string; phase: string; status: string; control_share: number; steps: { kind: string }[] }[] };
    expect(body.campaigns.map((c) => c.phase).sort()).toEqual(['acquire', 'recall', 'seed']);
    const seed = body.campaigns.find((c) => c.phase === 'seed')!;
    expect(seed).toMatchObject({ status: 'running', control_share: 0.2 });
    expect(seed.steps.map((s) => s.kind)).toEqual(['send', 'wait', 'branch', 'coupon', 'exit']);

    const db = platform.database.db;
    await runCampaignTick(db, campaignPorts(db), brand.merchant_id, seed.id, t0);
    await runCampaignTick(db, campaignPorts(db), brand.merchant_id, seed.id, new Date(t0.getTime() + 2 * 86_400_000 + 1_000));
    const counts = await sql<{ arm: string; status: string; n: number }>`select arm, status, count(*)::int as n from campaign_enrolment where merchant_id = ${brand.merchant_id} and campaign_id = ${seed.id} group by 1, 2`.execute(db);
    expect(counts.rows.length).toBeGreaterThan(0);
    expect(counts.rows.every((r) => r.status !== 'active')).toBe(true);
    expect((await Promise.all(campaignChecks.map((c) => c.run(db)))).flat()).toEqual([]);
  });
});
