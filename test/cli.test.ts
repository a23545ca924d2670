import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urlFor, createTestDatabase, type TestDatabase } from './support/database.js';
import { createMerchant } from '../src/modules/merchants/index.js';
import { buildApp } from '../src/platform/app.js';
import { runBos } from './support/process.js';
import { silentLogger, testConfig } from './support/platform.js';
import { registry } from '../src/platform/modules.js';

/** The `bos` command against a real database, run as a separate process the way users run it. */
let database: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  database = await createTestDatabase();
  env = { DATABASE_URL: urlFor(database.name), OPENBOS_DATA_DIR: `/tmp/openbos-cli-${process.pid}` };
  await createMerchant(database.db, { handle: 'cli-shop', name: 'CLI shop', kind: 'retailer', default_currency: 'EUR', country: 'FR' });
});
afterAll(async () => database.drop());

async function callMerchant(token: string): Promise<number> {
  const { app } = buildApp({ db: database.db, config: testConfig(), logger: silentLogger, registry });
  return (await app.request('/v1/merchant', { headers: { authorization: `Bearer ${token}` } })).status;
}

describe('bos CLI', () => {
  it('keys create --json prints one JSON object holding a key that works, and keys revoke stops it', async () => {
    const created = await runBos(['keys', 'create', '--merchant', 'cli-shop', '--kind', 'publishable', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const lines = created.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const key = JSON.parse(lines[0]!) as { id: string; key: string; kind: string; scopes: string[] };
    expect(key.key).toMatch(/^pk_/);
    expect(key.scopes.sort()).toEqual(['checkout:write', 'events:write', 'storefront:read']);

    const secret = JSON.parse((await runBos(['keys', 'create', '--merchant', 'cli-shop', '--json'], env)).stdout) as { id: string; key: string };
    expect(await callMerchant(secret.key)).toBe(200);
    const revoked = await runBos(['keys', 'revoke', '--merchant', 'cli-shop', secret.id], env);
    expect(revoked.code).toBe(0);
    expect(await callMerchant(secret.key)).toBe(401);
  });

  it('refuses scopes a publishable key may not hold, creating nothing', async () => {
    const res = await runBos(['keys', 'create', '--merchant', 'cli-shop', '--kind', 'publishable', '--scopes', 'keys:write', '--json'], env);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/invalid fields|not allowed/);
  });

  it('says which merchant is unknown', async () => {
    const res = await runBos(['keys', 'create', '--merchant', 'nobody-here'], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('nobody-here');
  });

  it('doctor names a bad variable and what it allows', async () => {
    const res = await runBos(['doctor'], { ...env, PORT: 'http' });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/PORT="http"/);
  });

  it('doctor reports a reachable, migrated database', async () => {
    const res = await runBos(['doctor'], env);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain('ok   database reachable');
    expect(res.stdout).toContain('ok   migrations applied');
  });

  it('a bad configuration stops any command before it touches the database', async () => {
    const res = await runBos(['migrate'], { ...env, OPENBOS_DB_POOL_MAX: '0' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('OPENBOS_DB_POOL_MAX');
  });

  it('check passes on a sound database and fails, naming the table, when tenancy keys are broken', async () => {
    const ok = await runBos(['check'], env);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/All \d+ invariants hold/);

    await database.pool.query('create table rogue_table (id text primary key, merchant_id text)');
    try {
      const bad = await runBos(['check', '--json'], env);
      expect(bad.code).toBe(1);
      const report = JSON.parse(bad.stdout) as { ok: boolean; checks: { name: string; violations: string[] }[] };
      expect(report.ok).toBe(false);
      expect(report.checks.find((c) => c.name === 'kernel.merchant_keys')?.violations.join()).toContain('rogue_table');
    } finally {
      await database.pool.query('drop table rogue_table');
    }
  });

  it('migrate reports an up-to-date schema', async () => {
    const res = await runBos(['migrate'], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('up to date');
  });
});
