import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { connectDatabase } from '../../src/kernel/db.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/kernel/embedded-postgres.js';
import { migrateToLatest } from '../../src/kernel/migrations.js';
import { allMigrations } from '../../src/platform/modules.js';

/**
 * Tests run against real PostgreSQL: DATABASE_URL when set, otherwise an embedded server in
 * .openbos/test. A template database with every migration applied is built once per run; each
 * test file clones it into a database of its own, so files run in parallel without sharing rows.
 */
/** Several checkouts sharing one PostgreSQL server each set their own prefix (OPENBOS_TEST_DB_PREFIX). */
const prefix = process.env.OPENBOS_TEST_DB_PREFIX ?? 'openbos';
export const templateDatabase = `${prefix}_test_template`;

let embedded: EmbeddedPostgres | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let adminUrl = process.env.DATABASE_URL;
  if (adminUrl === undefined || adminUrl === '') {
    embedded = await startEmbeddedPostgres({
      dataDir: path.resolve('.openbos/test'),
      port: Number(process.env.OPENBOS_TEST_PG_PORT ?? 54_329),
      database: 'postgres',
      owner: true,
    });
    adminUrl = embedded.url;
  }
  await recreateTemplate(adminUrl);
  project.provide('adminDatabaseUrl', adminUrl);
  return async () => {
    await embedded?.stop();
  };
}

async function recreateTemplate(adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // Databases left by an interrupted run are dropped so they do not pile up.
    const stale = await admin.query<{ datname: string }>(`select datname from pg_database where datname like $2 or datname = $1`, [templateDatabase, `${prefix}\\_t\\_%`]);
    for (const { datname } of stale.rows) await admin.query(`drop database if exists ${pg.escapeIdentifier(datname)} with (force)`);
    await admin.query(`create database ${pg.escapeIdentifier(templateDatabase)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${templateDatabase}`;
  const database = connectDatabase({ url: url.toString(), pool_max: 2 });
  try {
    await migrateToLatest(database.db, allMigrations);
  } finally {
    await database.close();
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}
