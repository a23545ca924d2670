/**
 * Units on their way: the outstanding lines of approved purchase orders, by the day they are
 * expected at their location (the merchant's calendar; an overdue order is expected today).
 * Transfers move stock at once (the inventory module's transfer), so none are in transit.
 */
import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';

export interface Arrival {
  variant_id: string;
  location_id: string;
  /** The expected day, never before today. */
  on: string;
  units: number;
}

export async function arrivals(db: AnyDb, merchant_id: string, time_zone: string, today: string, location_ids: readonly string[]): Promise<Arrival[]> {
  const rows = await sql<Arrival>`
    select l.variant_id, o.location_id,
           to_char(greatest((o.expected_at at time zone ${time_zone})::date, ${today}::date), 'YYYY-MM-DD') as on,
           sum(l.quantity - l.received_quantity)::int as units
    from purchase_order o
    join purchase_order_line l on l.merchant_id = o.merchant_id and l.purchase_order_id = o.id
    where o.merchant_id = ${merchant_id} and o.status in ('approved', 'partially_received') and o.location_id = any(${[...location_ids]}::text[])
      and l.quantity > l.received_quantity
    group by 1, 2, 3`.execute(db);
  return rows.rows;
}
