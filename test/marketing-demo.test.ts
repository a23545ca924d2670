import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoCredentials } from '../src/kernel/module.js';
import { seedDemo } from '../src/kernel/seed.js';
import { distance_m, listLocations } from '../src/modules/locations/index.js';
import { demo_marketing_shoppers, runMarketingDemo, seedMarketingShoppers, type MarketingDemo, type MarketingSeed } from '../src/platform/demo-marketing.js';
import { jobHandlers, modules, registry } from '../src/platform/modules.js';
import { buildApp } from '../src/platform/app.js';
import { runDueJobs } from '../src/kernel/jobs.js';
import { platformCampaignPorts, setCampaignPorts } from '../src/modules/campaigns/index.js';
import { setReachSettings } from '../src/modules/reach/index.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { createTestPlatform, silentLogger, testConfig, type TestPlatform } from './support/platform.js';

/**
 * Issue 17's demo: the store chain's shoppers the marketing walkthrough works on, seeded through
 * the data bank's ingestion.
 */
let platform: TestPlatform;
let demo: DemoCredentials;
let seeded: MarketingSeed;
let outcome: MarketingDemo;
let smtp: TestSmtpServer;
const dataDir = `/tmp/openbos-marketing-demo-${process.pid}`;

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_DATA_DIR: dataDir });
  const config = testConfig({ OPENBOS_DATA_DIR: dataDir });
  const ctx = { db: platform.database.db, config, logger: silentLogger, registry };
  demo = (await seedDemo(ctx, modules))!;
  seeded = await seedMarketingShoppers(platform.database.db, config);
  smtp = await startSmtpServer();
  await setReachSettings(platform.database.db, config, seeded.merchant_id, { smtp_url: smtp.url });
  setCampaignPorts(platformCampaignPorts(config));
  // The campaign's durable timer, run as the server's job runner would.
  const handlers = jobHandlers(ctx);
  let running = true;
  const runner = (async () => {
    while (running) if ((await runDueJobs(platform.database.db, handlers, silentLogger)) === 0) await new Promise((r) => setTimeout(r, 100));
  })();
  const mart = demo.merchants.find((m) => m.handle === 'demo-mart')!;
  outcome = await runMarketingDemo(buildApp(ctx).app, platform.database.db, mart.secret_key, silentLogger);
  running = false;
  await runner;
}, 240_000);
afterAll(async () => {
  await smtp.close();
  await platform.close();
});

describe('the marketing demo’s shoppers', () => {
  it('are one profile each, numbered densely, with their history', async () => {
    const mart = demo.merchants.find((m) => m.handle === 'demo-mart')!.merchant_id;
    expect(seeded.merchant_id).toBe(mart);
    const profiles = await sql<{ n: number; max_num: number; min_num: number }>`
      select count(*)::int as n, max(num) as max_num, min(num) as min_num from cdp_profile where merchant_id = ${mart} and traits ? 'home_latitude'`.execute(platform.database.db);
    expect(profiles.rows[0]!.n).toBe(demo_marketing_shoppers);
    const all = await sql<{ n: number; max_num: number }>`select count(*)::int as n, max(num) as max_num from cdp_profile where merchant_id = ${mart}`.execute(platform.database.db);
    // Dense numbers: the brand's profiles are numbered 1..n.
    expect(all.rows[0]!.max_num).toBe(all.rows[0]!.n);
    const buyers = await sql<{ n: number }>`select count(*)::int as n from cdp_profile where merchant_id = ${mart} and orders_count > 0 and traits ? 'home_latitude'`.execute(platform.database.db);
    expect(buyers.rows[0]!.n).toBeGreaterThan(demo_marketing_shoppers / 10);
  });

  it('live within 8 km of one of the chain’s stores, and most consented to marketing', async () => {
    const mart = seeded.merchant_id;
    const stores = (await listLocations(platform.database.db, mart, { kind: 'store', limit: 10 })).map((s) => ({ latitude: s.latitude, longitude: s.longitude }));
    const homes = await sql<{ lat: number; lng: number }>`select (traits->>'home_latitude')::float8 as lat, (traits->>'home_longitude')::float8 as lng from cdp_profile where merchant_id = ${mart} and traits ? 'home_latitude'`.execute(platform.database.db);
    for (const h of homes.rows) expect(Math.min(...stores.map((s) => distance_m(s, { latitude: h.lat, longitude: h.lng })))).toBeLessThan(8_100);
    const consent = await sql<{ granted: boolean; n: number }>`select granted, count(*)::int as n from cdp_consent where merchant_id = ${mart} and purpose = 'marketing' group by granted`.execute(platform.database.db);
    const by = Object.fromEntries(consent.rows.map((r) => [String(r.granted), r.n]));
    expect(by.true).toBeGreaterThan(demo_marketing_shoppers * 0.65);
    expect(by.false).toBeGreaterThan(demo_marketing_shoppers * 0.05);
  });
});

describe('the marketing walkthrough', () => {
  it('saves the audience, emails its treatment arm over SMTP, holds back the control group, and records suppressions with reasons', async () => {
    expect(outcome.audience_id).toBeDefined();
    expect(outcome.campaign_id).toBeDefined();
    const db = platform.database.db;
    const arms = await sql<{ arm: string; n: number }>`select arm, count(*)::int as n from campaign_enrolment where campaign_id = ${outcome.campaign_id!} group by arm order by arm`.execute(db);
    const by = Object.fromEntries(arms.rows.map((r) => [r.arm, r.n]));
    expect(by.treatment).toBeGreaterThan(0);
    expect(by.control).toBeGreaterThan(0);
    // Every email the SMTP server received is a sent row of a treated consumer; none of the control arm.
    expect(outcome.sent).toBeGreaterThan(0);
    expect(smtp.received.length).toBe(outcome.sent);
    const control = await sql<{ n: number }>`select count(*)::int as n from reach_send s join campaign_enrolment e on e.campaign_id = s.campaign_id and e.profile_id = s.profile_id where s.campaign_id = ${outcome.campaign_id!} and e.arm = 'control'`.execute(db);
    expect(control.rows[0]!.n).toBe(0);
  });

  it('reads a lift report with the control group, and ranks a sampling campaign', async () => {
    const mart = demo.merchants.find((m) => m.handle === 'demo-mart')!;
    const res = await buildApp({ db: platform.database.db, config: testConfig({ OPENBOS_DATA_DIR: dataDir }), logger: silentLogger, registry }).app.request(`/v1/campaigns/${outcome.campaign_id!}/results`, { headers: { authorization: `Bearer ${mart.secret_key}` } });
    expect(res.status).toBe(200);
    const results = (await res.json()) as { arms: Record<'treatment' | 'control', { enrolled: number; converted: number; reached: number }>; lift: { conversion: { estimate: number; low: number; high: number } | null; verdict: string } };
    // The demo's simulated response: more of the emailed buy than of the held back.
    const { treatment, control } = results.arms;
    expect(treatment.reached).toBe(outcome.sent);
    expect(treatment.converted / treatment.enrolled).toBeGreaterThan(control.converted / control.enrolled);
    expect(results.lift.conversion).not.toBeNull();
    expect(results.lift.verdict.length).toBeGreaterThan(0);
    expect(outcome.sampling_id).toBeDefined();
  });
});
