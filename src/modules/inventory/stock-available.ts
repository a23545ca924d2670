import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';

/**
 * Which of these variants have some available (on hand less reserved) now: at one of
 * `location_ids`, or at any location when it is undefined. One probe of the stock levels' primary
 * key per variant; recommendations check their final candidates with it at answer time.
 */
export async function variantsAvailable(db: AnyDb, merchant_id: string, variant_ids: readonly string[], location_ids?: readonly string[]): Promise<Set<string>> {
  if (variant_ids.length === 0 || (location_ids !== undefined && location_ids.length === 0)) return new Set();
  const rows =
    location_ids === undefined
      ? await sql<{ variant_id: string }>`
          select v.id as variant_id from unnest(${[...new Set(variant_ids)]}::text[]) v(id)
           where exists (select 1 from stock_level s where s.merchant_id = ${merchant_id} and s.variant_id = v.id and s.on_hand > s.reserved)`.execute(db)
      : await sql<{ variant_id: string }>`
          select distinct variant_id from stock_level
           where merchant_id = ${merchant_id} and variant_id = any(${[...new Set(variant_ids)]}::text[]) and location_id = any(${[...new Set(location_ids)]}::text[]) and on_hand > reserved`.execute(db);
  return new Set(rows.rows.map((r) => r.variant_id));
}
