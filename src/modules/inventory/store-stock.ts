import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';

/**
 * What one location holds now: the variants with some available (on hand less reserved), most
 * available first, at most `limit` of them, and how many there are in all: one aggregate over the
 * stock levels of that location. A store's page reads it.
 */
export async function stockAtLocation(db: AnyDb, merchant_id: string, location_id: string, limit: number): Promise<{ total: number; levels: { variant_id: string; available: number }[] }> {
  const rows = await sql<{ variant_id: string | null; available: number | null; total: number }>`
    with held as (
      select variant_id, (on_hand - reserved)::int as available
        from stock_level
       where merchant_id = ${merchant_id} and location_id = ${location_id} and on_hand > reserved
    )
    select t.total, h.variant_id, h.available
      from (select count(*)::int as total from held) t
      left join lateral (select * from held order by available desc, variant_id limit ${limit}) h on true`.execute(db);
  const total = rows.rows[0]?.total ?? 0;
  return { total, levels: rows.rows.filter((r) => r.variant_id !== null).map((r) => ({ variant_id: r.variant_id!, available: r.available! })) };
}
