import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import type { DemoCredentials } from '../src/kernel/module.js';
import { seedDemo } from '../src/kernel/seed.js';
import { modules, registry } from '../src/platform/modules.js';
import { createTestPlatform, silentLogger, testConfig, type TestPlatform } from './support/platform.js';

/** The demo platform's membership: demo-mart's ladder and the demo consumers as its members. */
let platform: TestPlatform;
let demo: DemoCredentials;
const data_dir = `/tmp/openbos-membership-demo-${process.pid}`;
const config = testConfig({ OPENBOS_DATA_DIR: data_dir });

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_DATA_DIR: data_dir });
  demo = (await seedDemo({ db: platform.database.db, config, logger: silentLogger, registry }, modules))!;
}, 120_000);
afterAll(async () => platform.close());

describe('the membership demo', () => {
  it('gives demo-mart Silver, Gold and Platinum, and the demo consumers points and the level they reach', async () => {
    const mart = demo.merchants.find((m) => m.handle === 'demo-mart')!;
    const levels = await sql<{ name: string; min_points: number }>`select name, min_points from membership_level where merchant_id = ${mart.merchant_id} order by min_points`.execute(platform.database.db);
    expect(levels.rows).toEqual([{ name: 'Silver', min_points: 0 }, { name: 'Gold', min_points: 1_000 }, { name: 'Platinum', min_points: 5_000 }]);
    const members = await sql<{ email: string; level: string; points: number }>`
      select c.email, m.level, m.points from member m join consumer c on c.id = m.consumer_id where m.merchant_id = ${mart.merchant_id} order by c.email`.execute(platform.database.db);
    expect(members.rows).toEqual(
      expect.arrayContaining([
        { email: 'li.wei@example.com', level: 'Gold', points: 1_250 },
        { email: 'chen.jing@example.com', level: 'Platinum', points: 5_300 },
        { email: 'zhang.min@example.com', level: 'Silver', points: 420 },
      ]),
    );
  });

  it('leaves every invariant holding', async () => {
    const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])], config);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
  });
});
