import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { soldStatuses } from './sales.js';

/**
 * Sales per location (the store or warehouse whose stock an order reserved) and per channel (the
 * storefront an order came through, `channel_merchant_id`), each over a window of calendar days
 * counted in a time zone: a store's days are its own, so an order placed at 23:30 in Shanghai
 * counts for that Shanghai day, whatever UTC says. A sale is an order past payment (as in
 * `dailySales`); refunds are shown beside it.
 */
export const places_max = 1_000;

export interface PlaceWindow {
  /** A location ID or a channel merchant ID. */
  key: string;
  time_zone: string;
  /** First and last local day (YYYY-MM-DD) of the period, and the first of the one before it. */
  first_day: string;
  last_day: string;
  previous_first_day: string;
}

export interface PlaceSales {
  key: string;
  period: 'current' | 'previous';
  currency: string;
  orders: number;
  gross_minor: bigint;
  refunded_minor: bigint;
  last_sale_at: Date;
}

/**
 * Sales, this period and the one before, per location (`by: 'location'`: one window per
 * location, in its time zone) or per channel (`by: 'channel'`: one window, in the merchant's time
 * zone, whose `key` is ignored; every channel that sold in it comes back).
 */
export async function salesByPlace(db: AnyDb, merchant_id: string, by: 'location' | 'channel', windows: readonly PlaceWindow[]): Promise<PlaceSales[]> {
  if (windows.length === 0) return [];
  if (windows.length > places_max) throw new Error(`at most ${places_max} places at once`);
  if (by === 'channel' && windows.length !== 1) throw new Error('channels take one window');
  const key = by === 'location' ? sql`p.key` : sql`o.channel_merchant_id`;
  const matches = by === 'location' ? sql`and o.location_id = p.key` : sql``;
  const rows = await sql<{ key: string; period: 'current' | 'previous'; currency: string; orders: number; gross_minor: string; refunded_minor: string; last_sale_at: Date }>`
    with place as (
      select u.key, u.tz,
             (u.previous_first_day::date::timestamp at time zone u.tz) as previous_start,
             (u.first_day::date::timestamp at time zone u.tz) as current_start,
             ((u.last_day::date + 1)::timestamp at time zone u.tz) as current_end
        from unnest(${windows.map((w) => w.key)}::text[], ${windows.map((w) => w.time_zone)}::text[], ${windows.map((w) => w.first_day)}::text[],
                    ${windows.map((w) => w.last_day)}::text[], ${windows.map((w) => w.previous_first_day)}::text[])
          as u(key, tz, first_day, last_day, previous_first_day)
    )
    select ${key} as key,
           case when o.created_at >= p.current_start then 'current' else 'previous' end as period,
           o.currency,
           count(*)::int as orders,
           sum(o.subtotal_minor)::text as gross_minor,
           sum(case when o.status = 'refunded' then least(coalesce(o.refund_amount_minor, o.total_minor), o.subtotal_minor) else 0 end)::text as refunded_minor,
           max(o.created_at) as last_sale_at
      from place p
      join sales_order o on o.merchant_id = ${merchant_id} ${matches}
                        and o.created_at >= p.previous_start and o.created_at < p.current_end
     where o.status in (${sql.join(soldStatuses)})
     group by 1, 2, 3
     order by 1, 2, 3`.execute(db);
  return rows.rows.map((r) => ({ ...r, gross_minor: BigInt(r.gross_minor), refunded_minor: BigInt(r.refunded_minor) }));
}

/** When the merchant last sold anything, anywhere (null when never). */
export async function lastSaleAt(db: AnyDb, merchant_id: string): Promise<Date | null> {
  const row = await sql<{ at: Date | null }>`
    select max(created_at) as at from sales_order where merchant_id = ${merchant_id} and status in (${sql.join(soldStatuses)})`.execute(db);
  return row.rows[0]?.at ?? null;
}
