import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';

/**
 * Orders waiting to be picked at each of a merchant's locations: paid and not yet shipped. A
 * store's express promise grows with it. (Fulfilments will count picks per location once they
 * exist; until then a paid order is one pick at the location it was placed on.)
 */
export async function pickBacklog(db: AnyDb, merchant_id: string): Promise<Map<string, number>> {
  const rows = await sql<{ location_id: string; n: number }>`
    select location_id, count(*)::int as n from sales_order where merchant_id = ${merchant_id} and status = 'paid' group by location_id`.execute(db);
  return new Map(rows.rows.map((r) => [r.location_id, r.n]));
}
