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

/**
 * The locations that hold every line in full (available at least the quantity asked), with what
 * they hold: one aggregate over the stock levels' primary key, so a chain of 10,000 stores sends
 * back only the few that could serve the cart in one parcel, not every store that holds any of it.
 */
export async function locationsHoldingAll(db: AnyDb, merchant_id: string, lines: readonly { variant_id: string; quantity: number }[]): Promise<{ location_id: string; variant_id: string; available: number }[]> {
  if (lines.length === 0) return [];
  const need = new Map<string, number>();
  for (const l of lines) need.set(l.variant_id, (need.get(l.variant_id) ?? 0) + l.quantity);
  const rows = await sql<{ location_id: string; variant_ids: string[]; available: number[] }>`
    select s.location_id, array_agg(s.variant_id) as variant_ids, array_agg((s.on_hand - s.reserved)::int) as available
      from stock_level s join unnest(${[...need.keys()]}::text[], ${[...need.values()]}::int[]) as n(variant_id, quantity) on n.variant_id = s.variant_id
     where s.merchant_id = ${merchant_id} and s.on_hand - s.reserved >= n.quantity
     group by s.location_id
    having count(*) = ${need.size}`.execute(db);
  return rows.rows.flatMap((r) => r.variant_ids.map((variant_id, i) => ({ location_id: r.location_id, variant_id, available: r.available[i]! })));
}
