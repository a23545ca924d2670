import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { connectDatabase, type Database } from '../../src/kernel/db.js';

export interface TestDatabase extends Database {
  readonly name: string;
  drop(): Promise<void>;
}

/** Several checkouts sharing one PostgreSQL server each set their own prefix (OPENBOS_TEST_DB_PREFIX). */
const prefix = process.env.OPENBOS_TEST_DB_PREFIX ?? 'openbos';
const templateDatabase = `${prefix}_test_template`;

export function adminUrl(): string {
  return inject('adminDatabaseUrl');
}

export function urlFor(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh database with the current schema (cloned from the migrated template). */
export async function createTestDatabase(options: { migrated?: boolean; pool_max?: number } = {}): Promise<TestDatabase> {
  const name = `${prefix}_t_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(options.migrated === false ? `create database ${name}` : `create database ${name} template ${templateDatabase}`));
  const database = connectDatabase({ url: urlFor(name), pool_max: options.pool_max ?? 10 });
  return {
    ...database,
    name,
    async drop() {
      await database.close();
      await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}
