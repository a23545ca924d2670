import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { inTransaction, tablesOf, type AnyDb } from './db.js';
import { sqlMigration, type Migration } from './migrations.js';
import type { BosModule, DemoCredentials, ModuleContext } from './module.js';

/**
 * The demo platform is seeded once per database: every module's seed runs in one transaction
 * together with the marker row, under an advisory lock, so two processes starting at once seed
 * it once and a failed seed leaves nothing half-made.
 */
interface Tables {
  bos_seed: { name: string; applied_at: Date };
}

export const seedMigrations: readonly Migration[] = [
  sqlMigration('20261122T1402_create_seed', `create table bos_seed (name text primary key, applied_at timestamptz not null default now());`),
];

const demo = 'demo';
const seed_lock_key = 7_357_001;

export function credentialsFile(dataDir: string): string {
  return path.join(dataDir, 'demo-credentials.json');
}

export async function isSeeded(db: AnyDb): Promise<boolean> {
  const row = await tablesOf<Tables>(db).selectFrom('bos_seed').select('name').where('name', '=', demo).executeTakeFirst();
  return row !== undefined;
}

/** Seeds the demo platform unless it is there; returns the credentials when this call seeded. */
export async function seedDemo(ctx: ModuleContext, modules: readonly BosModule[]): Promise<DemoCredentials | undefined> {
  const credentials: DemoCredentials = { merchants: [] };
  const seeded = await inTransaction(ctx.db, async (trx) => {
    await sql`select pg_advisory_xact_lock(${seed_lock_key})`.execute(trx);
    if (await isSeeded(trx)) return false;
    for (const module of modules) await module.seedDemo?.({ ...ctx, db: trx, credentials });
    await tablesOf<Tables>(trx).insertInto('bos_seed').values({ name: demo, applied_at: new Date() }).execute();
    return true;
  });
  if (!seeded) return undefined;
  await fs.mkdir(ctx.config.dataDir, { recursive: true });
  await fs.writeFile(credentialsFile(ctx.config.dataDir), `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return credentials;
}

export async function readDemoCredentials(dataDir: string): Promise<DemoCredentials | undefined> {
  try {
    return JSON.parse(await fs.readFile(credentialsFile(dataDir), 'utf8')) as DemoCredentials;
  } catch {
    return undefined;
  }
}
