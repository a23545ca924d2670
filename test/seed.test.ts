import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/kernel/seed.js';
import { listLocations } from '../src/modules/locations/index.js';
import { findMerchantByHandle, verifyConsoleUser } from '../src/modules/merchants/index.js';
import { buildApp } from '../src/platform/app.js';
import { modules, registry } from '../src/platform/modules.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { silentLogger, testConfig } from './support/platform.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

describe('demo platform seed', () => {
  it('seeds once even when several processes start at the same time', async () => {
    const ctx = { db: database.db, config: testConfig({ OPENBOS_DATA_DIR: `/tmp/openbos-seed-${process.pid}` }), logger: silentLogger, registry };
    const results = await Promise.all([seedDemo(ctx, modules), seedDemo(ctx, modules), seedDemo(ctx, modules)]);
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    // Four sellers and the platform operator's own account.
    const merchants = await sql<{ sellers: number; operators: number }>`select count(*) filter (where not platform_operator)::int as sellers, count(*) filter (where platform_operator)::int as operators from merchant`.execute(database.db);
    expect(merchants.rows[0]).toEqual({ sellers: 4, operators: 1 });
    expect(await seedDemo(ctx, modules)).toBeUndefined();
  });

  it('has one merchant of each kind under a stable handle', async () => {
    const kinds = Object.fromEntries(
      await Promise.all(['demo-brand', 'demo-mart', 'demo-wholesale', 'demo-c2c'].map(async (h) => [h, (await findMerchantByHandle(database.db, h))?.kind])),
    );
    expect(kinds).toEqual({ 'demo-brand': 'brand', 'demo-mart': 'retailer', 'demo-wholesale': 'wholesale', 'demo-c2c': 'individual' });
  });

  it('names every demo product in Chinese too, for the console and storefronts in Chinese', async () => {
    const titles = await sql<{ title: string; zh: string | null }>`select title, title_i18n->>'zh-CN' as zh from product`.execute(database.db);
    expect(titles.rows.length).toBeGreaterThan(0);
    for (const row of titles.rows) expect(row.zh, row.title).toMatch(/\p{Script=Han}/u);
  });

  it('gives demo-mart three stores with coordinates and one warehouse', async () => {
    const mart = await findMerchantByHandle(database.db, 'demo-mart');
    const locations = await listLocations(database.db, mart!.id, { limit: 100 });
    expect(locations.filter((l) => l.kind === 'store')).toHaveLength(3);
    expect(locations.filter((l) => l.kind === 'warehouse')).toHaveLength(1);
    for (const l of locations) {
      expect(Math.abs(l.latitude)).toBeGreaterThan(0);
      expect(Math.abs(l.longitude)).toBeGreaterThan(0);
    }
  });

  it('hands out working keys and console logins, and a few consumers', async () => {
    const ctx = { db: database.db, config: testConfig({ OPENBOS_DATA_DIR: `/tmp/openbos-seed2-${process.pid}` }), logger: silentLogger, registry };
    const fresh = await createTestDatabase();
    try {
      const credentials = await seedDemo({ ...ctx, db: fresh.db }, modules);
      expect(credentials?.merchants).toHaveLength(4);
      const { app } = buildApp({ ...ctx, db: fresh.db });
      for (const m of credentials!.merchants) {
        const res = await app.request('/v1/merchant', { headers: { authorization: `Bearer ${m.secret_key}` } });
        expect(((await res.json()) as { handle: string }).handle).toBe(m.handle);
        // A storefront in development, on any local port, may use the demo publishable key; another site may not.
        for (const origin of ['http://localhost:5173', 'http://127.0.0.1:8080', 'http://localhost']) {
          const page = await app.request('http://api.example/v1/merchant', { headers: { authorization: `Bearer ${m.publishable_key}`, origin } });
          expect(page.headers.get('access-control-allow-origin'), origin).toBe(origin);
        }
        const elsewhere = await app.request('/v1/merchant', { headers: { authorization: `Bearer ${m.publishable_key}`, origin: 'https://elsewhere.example' } });
        expect(elsewhere.status).toBe(403);
        expect(await verifyConsoleUser(fresh.db, m.merchant_id, m.console_email, m.console_password)).toBeDefined();
        expect(await verifyConsoleUser(fresh.db, m.merchant_id, m.console_email, 'wrong-password')).toBeUndefined();
      }
      const consumers = await sql<{ count: number }>`select count(*)::int as count from consumer`.execute(fresh.db);
      expect(consumers.rows[0]?.count).toBeGreaterThanOrEqual(3);
    } finally {
      await fresh.drop();
    }
  });
});
