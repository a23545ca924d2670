import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct } from '../src/modules/catalog/index.js';
import { currentForecastRun } from '../src/modules/forecast/index.js';
import { latestRun } from '../src/modules/forecast/runs.js';
import { createLocation } from '../src/modules/locations/index.js';
import { createMerchant } from '../src/modules/merchants/index.js';
import { createTestDatabase, urlFor, type TestDatabase } from './support/database.js';
import { shanghaiDay } from './support/forecast.js';
import { runBos } from './support/process.js';

/** `bos forecast import | run | status`, run as a separate process the way users run them. */
let database: TestDatabase;
let env: Record<string, string>;
let merchant_id: string;
const dir = `/tmp/openbos-forecast-cli-${process.pid}`;

beforeAll(async () => {
  database = await createTestDatabase();
  env = { DATABASE_URL: urlFor(database.name), OPENBOS_DATA_DIR: dir };
  merchant_id = (await createMerchant(database.db, { handle: 'forecast-cli-mart', name: 'Forecast CLI mart', kind: 'retailer', default_currency: 'CNY', country: 'CN', time_zone: 'Asia/Shanghai' })).id;
  await createLocation(database.db, merchant_id, { kind: 'store', code: 'ST-1', name: 'Store 1', address: { line1: '1 Road', city: 'Shanghai', region: 'Shanghai', country: 'CN' }, latitude: 31.2, longitude: 121.4, timezone: 'Asia/Shanghai' });
  await createProduct(database.db, merchant_id, { title: 'Milk', status: 'published', variants: [{ sku: 'MILK', prices: [{ currency: 'CNY', amount_minor: 1_000 }] }] });
});
afterAll(async () => database.drop());

describe('bos forecast', () => {
  it('imports a CSV, runs with a progress bar and a table of classes and models, and shows the status', async () => {
    const none = await runBos(['forecast', 'status', '--merchant', 'forecast-cli-mart'], env);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toMatch(/No forecast yet/);

    const lines = ['date,sku,location_code,units,in_stock'];
    for (let d = 42; d >= 1; d--) lines.push(`${shanghaiDay(d)},MILK,ST-1,${d % 7 < 2 ? 20 : 8},${d === 5 ? 'false' : 'true'}`);
    await writeFile(`${dir}-history.csv`, lines.join('\n'));
    const imported = await runBos(['forecast', 'import', `${dir}-history.csv`, '--merchant', 'forecast-cli-mart'], env, 60_000);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('Imported 42 rows: 1 series over 42 days');

    await writeFile(`${dir}-bad.csv`, `date,sku,location_code,units\n${shanghaiDay(3)},NOPE,ST-1,1\n`);
    const bad = await runBos(['forecast', 'import', `${dir}-bad.csv`, '--merchant', 'forecast-cli-mart'], env, 60_000);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('row 1: no variant of the brand has the SKU NOPE');

    const res = await runBos(['forecast', 'run', '--merchant', 'forecast-cli-mart'], env, 120_000);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/forecasting \|/);
    const run = (await latestRun(database.db, merchant_id))!;
    expect(run).toMatchObject({ status: 'succeeded', reason: 'cli', series: 1 });
    expect((await currentForecastRun(database.db, merchant_id))!.id).toBe(run.id);
    expect(res.stdout).toContain(`Run ${run.id}: succeeded`);
    expect(res.stdout).toMatch(/^class\s+series\s+share/m);
    expect(res.stdout).toMatch(/^model\s+series\s+share/m);

    const refused = await runBos(['forecast', 'run', '--merchant', 'forecast-cli-mart', '--level', '1.5'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('level must lie strictly between 0 and 1');

    const queued = await runBos(['forecast', 'run', '--merchant', merchant_id, '--no-wait'], env);
    expect(queued.stdout).toMatch(/^Queued run fcr_/);
    const status = await runBos(['forecast', 'status', '--merchant', 'forecast-cli-mart'], env);
    expect(status.stdout).toMatch(/: queued/);
    expect(status.stdout).toContain(`Serving run ${run.id}`);
  }, 300_000);
});
