import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/kernel/checks.js';
import { seedDemo } from '../src/kernel/seed.js';
import { listLocations } from '../src/modules/locations/index.js';
import { findMerchantByHandle } from '../src/modules/merchants/index.js';
import { getThread, guidesAt, listThreads, storesModule } from '../src/modules/stores/index.js';
import { modules, registry } from '../src/platform/modules.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { silentLogger, testConfig } from './support/platform.js';

/** The demo's store twin: guides at People's Square and Xujiahui, and an answered question. */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemo({ db: database.db, config: testConfig({ OPENBOS_DATA_DIR: `/tmp/openbos-stores-seed-${process.pid}` }), logger: silentLogger, registry }, modules);
});
afterAll(async () => database.drop());

describe('the demo store twin', () => {
  it('seeds guides at two of demo-mart’s stores and an answered thread at People’s Square, and the checks hold', async () => {
    const mart = (await findMerchantByHandle(database.db, 'demo-mart'))!;
    const stores = await listLocations(database.db, mart.id, { kind: 'store', limit: 100 });
    const peoples = stores.find((l) => l.code === 'ST-PEOPLES-SQ')!;
    const xujiahui = stores.find((l) => l.code === 'ST-XUJIAHUI')!;
    const now = new Date();
    const guides = await guidesAt(database.db, mart.id, peoples.id, now);
    expect(guides.map((g) => [g.name, g.online])).toEqual([
      ['Wang Fang', true],
      ['Liu Yang', false],
    ]);
    expect((await guidesAt(database.db, mart.id, xujiahui.id, now)).map((g) => g.name)).toEqual(['Zhao Lei']);
    const threads = await listThreads(database.db, mart.id, { location_id: peoples.id, limit: 10 });
    expect(threads).toEqual([expect.objectContaining({ status: 'answered', consumer_name: 'Li Wei' })]);
    const thread = (await getThread(database.db, mart.id, threads[0]!.id))!;
    expect(thread.messages.map((m) => m.author)).toEqual(['consumer', 'guide']);
    const reports = await runChecks(database.db, storesModule.checks ?? []);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
  });
});
