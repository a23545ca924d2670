import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';

/** The currencies in which every one of these variants has a price (a till that was not told the currency picks from them). */
export async function priceCurrencies(db: AnyDb, variant_ids: readonly string[]): Promise<string[]> {
  const ids = [...new Set(variant_ids)];
  if (ids.length === 0) return [];
  const rows = await sql<{ currency: string }>`
    select currency from price where variant_id = any(${ids}::text[])
    group by currency having count(distinct variant_id) = ${ids.length} order by currency`.execute(db);
  return rows.rows.map((r) => r.currency.trim());
}
