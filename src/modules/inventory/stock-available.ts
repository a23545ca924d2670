import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import type { StockKey } from './stock.js';

/**
 * Which of these variants have some available (on hand less reserved) now: at one of
 * `location_ids`, or at any location when it is undefined. One probe of the stock levels' primary
 * key per variant; recommendations check their final candidates with it at answer time when
 * they hold no snapshot of the brand's stock (see `stock_changed_channel`).
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

/**
 * LISTEN channel on which every commit that changes whether a stock level has any available
 * (on hand > reserved) notifies the level's key, `<merchant_id> <variant_id> <location_id>`
 * (a trigger on `stock_level`, so every writer is covered), and `*` when the table is truncated.
 * The payload names the key, never the new state: a listener re-reads the level
 * (`levelsAvailable`), so notifications merged by PostgreSQL within one transaction cannot
 * mislead it.
 */
export const stock_changed_channel = 'stock_changed';

/** A `stock_changed` payload: the level's key, `all` (truncated: forget everything), or undefined (malformed). */
export function parseStockChanged(payload: string | undefined): StockKey | 'all' | undefined {
  if (payload === '*') return 'all';
  const parts = payload?.split(' ');
  if (parts?.length !== 3 || parts.some((p) => p === '')) return undefined;
  return { merchant_id: parts[0]!, variant_id: parts[1]!, location_id: parts[2]! };
}

/** A brand's stock levels with some available, by (variant, location), a keyset page after `after`. */
export async function availableLevels(db: AnyDb, merchant_id: string, page: { after?: { variant_id: string; location_id: string } | undefined; limit: number }): Promise<{ variant_id: string; location_id: string }[]> {
  const after = page.after;
  const rows = await sql<{ variant_id: string; location_id: string }>`
    select variant_id, location_id from stock_level
     where merchant_id = ${merchant_id} and on_hand > reserved
       and (${after === undefined}::boolean or (variant_id, location_id) > (${after?.variant_id ?? ''}, ${after?.location_id ?? ''}))
     order by variant_id, location_id limit ${page.limit}`.execute(db);
  return rows.rows;
}

/** Which of these levels (of one brand) have some available now; a level that does not exist has none. */
export async function levelsAvailable(db: AnyDb, merchant_id: string, keys: readonly { variant_id: string; location_id: string }[]): Promise<{ variant_id: string; location_id: string; available: boolean }[]> {
  if (keys.length === 0) return [];
  const rows = await sql<{ variant_id: string; location_id: string; available: boolean }>`
    select k.variant_id, k.location_id, coalesce(s.on_hand > s.reserved, false) as available
      from unnest(${keys.map((k) => k.variant_id)}::text[], ${keys.map((k) => k.location_id)}::text[]) as k(variant_id, location_id)
      left join stock_level s on s.merchant_id = ${merchant_id} and s.variant_id = k.variant_id and s.location_id = k.location_id`.execute(db);
  return rows.rows;
}
