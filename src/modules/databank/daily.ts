import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { snapshotStages } from './lifecycle.js';

/**
 * Records every brand's A-I-P-L stages for today (refreshed each run) and, once, the final
 * record of yesterday, so the daily history exists without anyone asking for it.
 */
export async function recordDailyStages(db: AnyDb, now: Date = new Date()): Promise<number> {
  const today = now.toISOString().slice(0, 10);
  const yesterday = new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
  const brands = await sql<{ merchant_id: string; has_yesterday: boolean }>`
    select p.merchant_id, exists (select 1 from cdp_stage_daily d where d.merchant_id = p.merchant_id and d.day = ${yesterday}::date) as has_yesterday
    from (select distinct merchant_id from cdp_profile) p`.execute(db);
  for (const b of brands.rows) {
    if (!b.has_yesterday) await snapshotStages(db, b.merchant_id, yesterday);
    await snapshotStages(db, b.merchant_id, today);
  }
  return brands.rows.length;
}
