/**
 * The age of the stock on hand: first in, first out, the units on hand at a location are its
 * latest arrivals (receipts, transfers in, stock counted up, returns), so the newest inflows that
 * add up to the units on hand are its lots; the oldest of them partly. Read from the inventory
 * module's journal (stock_movement), as other modules' readers do.
 */
import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { addDays, type Lot } from './projection.js';

export interface StockAge {
  variant_id: string;
  location_id: string;
  on_hand: number;
  reserved: number;
  /** Oldest first. `expires_on` is null here; `withShelfLife` sets it. */
  lots: Lot[];
}

/** Stock rows read at once (a store's range is a few thousand variants). */
export const stock_age_rows_max = 50_000;

export async function stockAge(db: AnyDb, merchant_id: string, time_zone: string, filter: { location_ids?: readonly string[]; variant_ids?: readonly string[] } = {}): Promise<StockAge[]> {
  const locations = filter.location_ids === undefined ? null : [...filter.location_ids];
  const variants = filter.variant_ids === undefined ? null : [...filter.variant_ids];
  const rows = await sql<{ variant_id: string; location_id: string; on_hand: string; reserved: string; received_on: string | null; units: string | null }>`
    with level as (
      select variant_id, location_id, on_hand, reserved from stock_level
      where merchant_id = ${merchant_id} and on_hand > 0
        and (${locations}::text[] is null or location_id = any(${locations}::text[]))
        and (${variants}::text[] is null or variant_id = any(${variants}::text[]))
      limit ${stock_age_rows_max}
    ), inflow as (
      select m.variant_id, m.location_id, m.created_at, m.on_hand_delta as units,
             sum(m.on_hand_delta) over (partition by m.variant_id, m.location_id order by m.created_at desc, m.id desc) as newer_or_this
      from stock_movement m join level l on l.variant_id = m.variant_id and l.location_id = m.location_id
      where m.merchant_id = ${merchant_id} and m.on_hand_delta > 0
    )
    select l.variant_id, l.location_id, l.on_hand::text, l.reserved::text,
           to_char((i.created_at at time zone ${time_zone})::date, 'YYYY-MM-DD') as received_on,
           least(i.units, l.on_hand - (i.newer_or_this - i.units))::text as units
    from level l
    left join inflow i on i.variant_id = l.variant_id and i.location_id = l.location_id and i.newer_or_this - i.units < l.on_hand
    order by l.location_id, l.variant_id, i.created_at`.execute(db);
  const byKey = new Map<string, StockAge>();
  for (const r of rows.rows) {
    const key = `${r.variant_id}\u0000${r.location_id}`;
    let age = byKey.get(key);
    if (age === undefined) byKey.set(key, (age = { variant_id: r.variant_id, location_id: r.location_id, on_hand: Number(r.on_hand), reserved: Number(r.reserved), lots: [] }));
    if (r.received_on !== null && r.units !== null) age.lots.push({ received_on: r.received_on, units: Number(r.units), expires_on: null });
  }
  for (const age of byKey.values()) {
    // A journal that explains fewer units than are on hand (it cannot, but an import might): the rest is as old as the oldest lot.
    const explained = age.lots.reduce((s, l) => s + l.units, 0);
    if (explained < age.on_hand) age.lots.unshift({ received_on: age.lots[0]?.received_on ?? '1970-01-01', units: age.on_hand - explained, expires_on: null });
  }
  return [...byKey.values()];
}

/** A unit received on day d with a shelf life of L days may be sold on d … d + L − 1: its `expires_on`. */
export function withShelfLife(lots: readonly Lot[], shelf_life_days: number | null): Lot[] {
  return lots.map((l) => ({ ...l, expires_on: shelf_life_days === null ? null : addDays(l.received_on, shelf_life_days - 1) }));
}
