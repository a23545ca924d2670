import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct } from '../src/modules/catalog/index.js';
import { receiveStock } from '../src/modules/inventory/index.js';
import { createLocation } from '../src/modules/locations/index.js';
import { createMerchant } from '../src/modules/merchants/index.js';
import { createTestDatabase, urlFor, type TestDatabase } from './support/database.js';
import { runBos } from './support/process.js';

/** `bos replenish health | markdowns`, run as a separate process the way users run them. */
let database: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  database = await createTestDatabase();
  env = { DATABASE_URL: urlFor(database.name), OPENBOS_DATA_DIR: `/tmp/openbos-perishables-cli-${process.pid}` };
  const merchant_id = (await createMerchant(database.db, { handle: 'perish-cli-mart', name: 'Perishables CLI mart', kind: 'retailer', default_currency: 'CNY', country: 'CN', time_zone: 'Asia/Shanghai' })).id;
  const store = await createLocation(database.db, merchant_id, { kind: 'store', code: 'ST-1', name: 'Store 1', address: { line1: '1 Road', city: 'Shanghai', region: 'Shanghai', country: 'CN' }, latitude: 31.2, longitude: 121.4, timezone: 'Asia/Shanghai' });
  const product = await createProduct(database.db, merchant_id, { title: 'Milk', status: 'published', variants: [{ sku: 'MILK', prices: [{ currency: 'CNY', amount_minor: 1_000 }] }] });
  await receiveStock(database.db, { merchant_id, variant_id: product.variants[0]!.id, location_id: store.id }, 12);
});
afterAll(async () => database.drop());

describe('bos replenish health | markdowns', () => {
  it('prints a store’s items with their stock (no forecast yet: its figures are dashes), and refuses an unknown location code', async () => {
    const res = await runBos(['replenish', 'health', '--merchant', 'perish-cli-mart', '--location', 'ST-1'], env, 60_000);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Store 1 (ST-1): 1 items');
    expect(res.stdout).toMatch(/MILK\s+12\s+–/);
    const bad = await runBos(['replenish', 'health', '--merchant', 'perish-cli-mart', '--location', 'NOPE'], env, 60_000);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('No location with the code NOPE');
  });

  it('computes and lists markdowns: none without a forecast', async () => {
    const res = await runBos(['replenish', 'markdowns', '--merchant', 'perish-cli-mart', '--compute'], env, 60_000);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('0 new');
    expect(res.stdout).toContain('No open markdowns.');
  });
});
