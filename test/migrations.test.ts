import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../src/kernel/db.js';
import { migrateToLatest, pendingMigrations, sqlMigration, type ModuleMigrations } from '../src/kernel/migrations.js';
import { allMigrations } from '../src/platform/modules.js';
import { createTestDatabase, urlFor, type TestDatabase } from './support/database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrated: false });
});
afterAll(async () => database.drop());

describe('migrations', () => {
  it('apply once when several processes start at the same time', async () => {
    const others = Array.from({ length: 4 }, () => connectDatabase({ url: urlFor(database.name), pool_max: 2 }));
    try {
      const results = await Promise.all(others.map((o) => migrateToLatest(o.db, allMigrations)));
      const applied = results.flat();
      const total = allMigrations.reduce((n, m) => n + m.migrations.length, 0);
      expect(applied).toHaveLength(total);
      expect(new Set(applied).size).toBe(total);
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
    const recorded = await sql<{ count: number }>`select count(*)::int as count from bos_migration`.execute(database.db);
    expect(recorded.rows[0]?.count).toBe(allMigrations.reduce((n, m) => n + m.migrations.length, 0));
    expect(await pendingMigrations(database.db, allMigrations)).toEqual([]);
  });

  it('apply in global timestamp order across modules, and a new one is picked up later', async () => {
    const extra: ModuleMigrations = { module: 'probe', migrations: [sqlMigration('20991231T2359_create_probe', 'create table probe (merchant_id text, id text, primary key (merchant_id, id))')] };
    expect(await pendingMigrations(database.db, [...allMigrations, extra])).toEqual(['20991231T2359_probe_create_probe']);
    expect(await migrateToLatest(database.db, [...allMigrations, extra])).toEqual(['20991231T2359_probe_create_probe']);
    expect(await migrateToLatest(database.db, [...allMigrations, extra])).toEqual([]);
  });

  it('roll back a failing migration entirely and report which one failed', async () => {
    const broken: ModuleMigrations = {
      module: 'broken',
      migrations: [sqlMigration('20991231T2360_half_done', 'create table half_done (id text); select no_such_function();')],
    };
    await expect(migrateToLatest(database.db, [...allMigrations, { module: 'probe', migrations: [sqlMigration('20991231T2359_create_probe', 'select 1')] }, broken])).rejects.toThrow(/20991231T2360_broken_half_done/);
    const exists = await sql<{ t: string | null }>`select to_regclass('half_done')::text as t`.execute(database.db);
    expect(exists.rows[0]?.t).toBeNull();
  });

  it('keep the names a renamed module’s migrations were first applied under', async () => {
    const db = await createTestDatabase({ migrated: true });
    try {
      const recorded = await sql<{ name: string }>`select name from bos_migration where name like '%create_consumer%'`.execute(db.db);
      // The accounts module was called consumers when these were first applied in the field.
      expect(recorded.rows.length).toBeGreaterThan(0);
      expect(recorded.rows.every((r) => r.name.includes('_consumers_'))).toBe(true);
      expect(allMigrations.map((m) => m.module)).toContain('consumers');
      expect(await pendingMigrations(db.db, allMigrations)).toEqual([]);
    } finally {
      await db.drop();
    }
  });

  it('refuse a badly named migration', async () => {
    await expect(migrateToLatest(database.db, [{ module: 'x', migrations: [sqlMigration('add_stuff', 'select 1')] }])).rejects.toThrow(/YYYYMMDDTHHMM/);
  });
});

describe('migrations added later', () => {
  it('apply a module’s new migration even when its timestamp sorts before ones already applied', async () => {
    const db = await createTestDatabase({ migrated: false });
    try {
      const late: ModuleMigrations = { module: 'late', migrations: [sqlMigration('20000101T0000_create_late', 'create table late_probe (merchant_id text, id text, primary key (merchant_id, id))')] };
      await migrateToLatest(db.db, allMigrations);
      expect(await migrateToLatest(db.db, [late, ...allMigrations])).toEqual(['20000101T0000_late_create_late']);
    } finally {
      await db.drop();
    }
  });
});
