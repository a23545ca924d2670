import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoCredentials } from '../src/kernel/module.js';
import { seedDemo } from '../src/kernel/seed.js';
import { distance_m, listLocations } from '../src/modules/locations/index.js';
import { demo_marketing_shoppers, seedMarketingShoppers, type MarketingSeed } from '../src/platform/demo-marketing.js';
import { modules, registry } from '../src/platform/modules.js';
import { createTestPlatform, silentLogger, testConfig, type TestPlatform } from './support/platform.js';

/**
 * Issue 17's demo: the store chain's shoppers the marketing walkthrough works on, seeded through
 * the data bank's ingestion.
 */
let platform: TestPlatform;
let demo: DemoCredentials;
let seeded: MarketingSeed;
const dataDir = `/tmp/openbos-marketing-demo-${process.pid}`;

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_DATA_DIR: dataDir });
  const ctx = { db: platform.database.db, config: testConfig({ OPENBOS_DATA_DIR: dataDir }), logger: silentLogger, registry };
  demo = (await seedDemo(ctx, modules))!;
  seeded = await seedMarketingShoppers(platform.database.db);
}, 180_000);
afterAll(async () => platform.close());

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
