import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import type { MaintenanceTask } from '../../kernel/module.js';

/**
 * `attr_served` grows by one row per answer, `attr_touch` by one per touch: both are kept
 * `served_retention_days` (a token attributes for 30 days, so a touch of an older answer is refused
 * anyway, and a touch sent again after that is refused as expired rather than counted twice). The
 * daily rollups and the attributed order lines are kept: a year is 366 × 6 rollup rows per brand.
 */
export const served_retention_days = 35;
const delete_batch = 10_000;

/** Deletes raw answers and touches older than the retention, in batches; returns how many went. */
export async function pruneRaw(db: AnyDb, now = new Date()): Promise<{ served: number; touches: number }> {
  const before = new Date(now.getTime() - served_retention_days * 86_400_000);
  let served = 0;
  let touches = 0;
  for (;;) {
    const r = await sql`delete from attr_served where ctid in (select ctid from attr_served where served_at < ${before} limit ${delete_batch})`.execute(db);
    served += Number(r.numAffectedRows ?? 0n);
    if (Number(r.numAffectedRows ?? 0n) < delete_batch) break;
  }
  for (;;) {
    const r = await sql`delete from attr_touch where ctid in (select ctid from attr_touch where occurred_at < ${before} limit ${delete_batch})`.execute(db);
    touches += Number(r.numAffectedRows ?? 0n);
    if (Number(r.numAffectedRows ?? 0n) < delete_batch) break;
  }
  return { served, touches };
}

export const retentionTask: MaintenanceTask = { name: 'attribution.retention', interval_ms: 3_600_000, run: async (ctx) => void (await pruneRaw(ctx.db)) };
