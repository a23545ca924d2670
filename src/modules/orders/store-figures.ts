import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { soldStatuses } from './sales.js';

/**
 * One store's own figures, beside `salesByPlace`: its best sellers and its sales by hour of day,
 * each over the store's local days in its time zone and each one aggregate in PostgreSQL. A sale
 * is an order past payment whose stock was the store's (`location_id`).
 */
export interface StoreWindow {
  location_id: string;
  time_zone: string;
  /** First and last local day (YYYY-MM-DD). */
  first_day: string;
  last_day: string;
}

export interface StoreTopProduct {
  product_id: string;
  title: string;
  units: number;
  revenue_minor: bigint;
}

const bounds = (w: StoreWindow) => sql`o.created_at >= (${w.first_day}::date::timestamp at time zone ${w.time_zone}) and o.created_at < ((${w.last_day}::date + 1)::timestamp at time zone ${w.time_zone})`;

/** Best sellers of one store by revenue in one currency. */
export async function topProductsAt(db: AnyDb, merchant_id: string, w: StoreWindow, currency: string, limit: number): Promise<StoreTopProduct[]> {
  const rows = await sql<{ product_id: string; title: string; units: string; revenue_minor: string }>`
    select l.product_id, min(l.title) as title, sum(l.quantity)::text as units, sum(l.total_minor)::text as revenue_minor
      from sales_order o
      join order_line l on l.merchant_id = o.merchant_id and l.order_id = o.id
     where o.merchant_id = ${merchant_id} and o.location_id = ${w.location_id} and o.currency = ${currency}
       and o.status in (${sql.join(soldStatuses)}) and ${bounds(w)}
     group by l.product_id
     order by sum(l.total_minor) desc, l.product_id
     limit ${limit}`.execute(db);
  return rows.rows.map((r) => ({ product_id: r.product_id, title: r.title, units: Number(r.units), revenue_minor: BigInt(r.revenue_minor) }));
}

/** Orders of one store per local hour of day (0-23), only the hours that had any. */
export async function ordersByHourAt(db: AnyDb, merchant_id: string, w: StoreWindow): Promise<{ hour: number; orders: number }[]> {
  const rows = await sql<{ hour: number; orders: number }>`
    select extract(hour from o.created_at at time zone ${w.time_zone})::int as hour, count(*)::int as orders
      from sales_order o
     where o.merchant_id = ${merchant_id} and o.location_id = ${w.location_id}
       and o.status in (${sql.join(soldStatuses)}) and ${bounds(w)}
     group by 1 order by 1`.execute(db);
  return rows.rows;
}
