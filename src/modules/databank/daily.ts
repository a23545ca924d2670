import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { localDay, previousDay } from '../../kernel/time-zone.js';
import { merchantTimeZone } from '../merchants/index.js';
import { snapshotStages } from './lifecycle.js';

/**
 * Records every brand's A-I-P-L stages for today (refreshed each run) and, once, the final
 * record of yesterday, so the daily history exists without anyone asking for it. Today and
 * yesterday are the brand's own, in its time zone.
 */
export async function recordDailyStages(db: AnyDb, now: Date = new Date()): Promise<number> {
  const brands = await sql<{ merchant_id: string }>`select distinct merchant_id from cdp_profile`.execute(db);
  for (const b of brands.rows) {
    const zone = await merchantTimeZone(db, b.merchant_id);
    const today = localDay(now, zone);
    const yesterday = previousDay(today);
    const recorded = await sql`select 1 from cdp_stage_daily where merchant_id = ${b.merchant_id} and day = ${yesterday}::date limit 1`.execute(db);
    if (recorded.rows.length === 0) await snapshotStages(db, b.merchant_id, yesterday, undefined, zone);
    await snapshotStages(db, b.merchant_id, today, undefined, zone);
  }
  return brands.rows.length;
}
