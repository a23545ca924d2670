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

/**
 * The demo orders are placed through the API after the seed, by the process that seeded, while
 * the server already listens (they go through its routes). Until they are placed `/ready` says
 * so: this marker row, written before the server listens and removed when the orders are placed,
 * is what every process of the platform (each worker of a cluster too) reads. Placing them takes
 * seconds; a marker older than `demo_activity_wait_s_max` was left by a process that died while
 * placing them, and no one waits for it.
 */
const demo_activity_pending = 'demo:activity-pending';
export const demo_activity_wait_s_max = 600;

export async function markDemoActivityPending(db: AnyDb): Promise<void> {
  await tablesOf<Tables>(db).insertInto('bos_seed').values({ name: demo_activity_pending, applied_at: new Date() }).onConflict((oc) => oc.doNothing()).execute();
}

/**
 * Removes the marker: the demo orders are placed, or (with `stale_only`) removes one left by a
 * start that died before it placed them all, returning whether there was one.
 */
export async function markDemoActivityDone(db: AnyDb, options: { stale_only?: boolean } = {}): Promise<boolean> {
  let query = tablesOf<Tables>(db).deleteFrom('bos_seed').where('name', '=', demo_activity_pending);
  if (options.stale_only === true) query = query.where('applied_at', '<', staleBefore());
  const removed = await query.executeTakeFirst();
  return removed.numDeletedRows > 0n;
}

/** Whether the process that seeded is still placing the demo orders. */
export async function demoActivityPending(db: AnyDb): Promise<boolean> {
  const row = await tablesOf<Tables>(db).selectFrom('bos_seed').select('name').where('name', '=', demo_activity_pending).where('applied_at', '>=', staleBefore()).executeTakeFirst();
  return row !== undefined;
}

const staleBefore = () => new Date(Date.now() - demo_activity_wait_s_max * 1_000);

export async function readDemoCredentials(dataDir: string): Promise<DemoCredentials | undefined> {
  try {
    return JSON.parse(await fs.readFile(credentialsFile(dataDir), 'utf8')) as DemoCredentials;
  } catch {
    return undefined;
  }
}
