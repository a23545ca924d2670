import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import type { DemoCredentials } from '../src/kernel/module.js';
import { seedDemo } from '../src/kernel/seed.js';
import { buildApp } from '../src/platform/app.js';
import { demo_flash_buyers, demo_flash_limit, demo_winter_codes, runPromotionsDemo, type PromotionsDemo } from '../src/platform/demo-promotions.js';
import { modules, registry } from '../src/platform/modules.js';
import { createTestPlatform, silentLogger, testConfig, type TestPlatform } from './support/platform.js';

/**
 * Issue 16's "done means", on the demo platform as a new user gets it: the brand's
 * spend-200-get-30 promotion prices checkouts by itself, its winter coupon has 10,000 codes and a
 * budget, the demo consumer wins a coupon at a store's screen and redeems it, and a flash sale
 * with a coupon stops exactly at the coupon's limit.
 */
let platform: TestPlatform;
let demo: DemoCredentials;
let outcome: PromotionsDemo;
const config = testConfig({ OPENBOS_DATA_DIR: `/tmp/openbos-promotions-demo-${process.pid}` });

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_DATA_DIR: `/tmp/openbos-promotions-demo-${process.pid}` });
  const ctx = { db: platform.database.db, config, logger: silentLogger, registry };
  demo = (await seedDemo(ctx, modules))!;
  outcome = await runPromotionsDemo(buildApp(ctx).app, demo, silentLogger);
}, 120_000);
afterAll(async () => platform.close());

const brandId = () => demo.merchants.find((m) => m.handle === 'demo-brand')!.merchant_id;

describe('the promotions demo', () => {
  it('stops the flash sale exactly at the coupon’s limit, and every refused buyer is told why', async () => {
    expect(outcome.flash).toEqual({ redeemed: demo_flash_limit, refused: demo_flash_buyers - demo_flash_limit });
    const row = await sql<{ redemptions: number; max_redemptions: number; spent_minor: string }>`select redemptions, max_redemptions, spent_minor::text from promotion where merchant_id = ${brandId()} and name like 'Flash sale%'`.execute(platform.database.db);
    expect(row.rows[0]).toEqual({ redemptions: demo_flash_limit, max_redemptions: demo_flash_limit, spent_minor: String(demo_flash_limit * 2_000) });
  });

  it('prices a cart over ¥200 with ¥30 off by itself', async () => {
    const order = await sql<{ subtotal_minor: string; discount_minor: string }>`select subtotal_minor::text, discount_minor::text from sales_order where merchant_id = ${brandId()} and buyer_email = 'chen.jing@example.com'`.execute(platform.database.db);
    expect(order.rows).toEqual([{ subtotal_minor: String(12_800 + 18_800), discount_minor: '3000' }]);
  });

  it('generates the winter coupon’s 10,000 codes and lets the demo consumer win and redeem a screen coupon', async () => {
    expect(outcome.codes).toBe(demo_winter_codes);
    expect(outcome.game).toBe(true);
    const won = await sql<{ source: string; status: string; location_id: string | null }>`select source, status, location_id from wallet_coupon where source = 'game'`.execute(platform.database.db);
    expect(won.rows).toEqual([expect.objectContaining({ source: 'game', status: 'used' })]);
    expect(won.rows[0]!.location_id).not.toBeNull();
  });

  it('leaves every invariant holding', async () => {
    const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])], config);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
  });
});
