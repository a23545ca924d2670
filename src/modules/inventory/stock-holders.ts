import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';

/**
 * Where a merchant holds these variants: one row per location and variant with some available
 * (on hand less reserved), from the stock levels' primary key. Delivery promises read it.
 */
export async function availableAtLocations(db: AnyDb, merchant_id: string, variant_ids: readonly string[]): Promise<{ location_id: string; variant_id: string; available: number }[]> {
  if (variant_ids.length === 0) return [];
  const rows = await sql<{ location_id: string; variant_id: string; available: number }>`
    select location_id, variant_id, (on_hand - reserved)::int as available
      from stock_level
     where merchant_id = ${merchant_id} and variant_id = any(${[...new Set(variant_ids)]}::text[]) and on_hand > reserved`.execute(db);
  return rows.rows;
}
