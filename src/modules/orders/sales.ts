import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import type { OrderStatus } from './tables.js';

/**
 * Sales figures for the merchant's overview, computed by PostgreSQL so that they stay fast with
 * hundreds of thousands of orders: the database aggregates, and only one row a day, one a status
 * and one a top product cross the wire.
 *
 * A sale is an order that was paid: anything past awaiting payment except closed (never paid).
 * It counts on the day it was placed, in the merchant's time zone. Refunds are shown beside it,
 * not hidden in it, so the chart shows what was sold and what came back.
 *
 * Sales are goods (GMV): an order counts at its subtotal, without the delivery price it charged,
 * and a refund counts at most the goods it returned (a refund covers the goods first, then the
 * delivery), so net sales never go below zero on a fully refunded order (docs/ANALYTICS.md).
 */
export const soldStatuses: readonly OrderStatus[] = ['paid', 'shipped', 'delivered', 'completed', 'refund_requested', 'awaiting_return', 'disputed', 'refunded'];

export const sales_days_max = 90;
export const top_products_max = 20;

export interface SalesDay {
  day: string;
  orders: number;
  gross_minor: bigint;
  refunded_minor: bigint;
}

/** One row for every day of the window, oldest first, days without sales included as zeros. */
export async function dailySales(db: AnyDb, merchant_id: string, currency: string, time_zone: string, days: number): Promise<SalesDay[]> {
  if (days < 1 || days > sales_days_max) throw new Error(`days must be 1 to ${sales_days_max}`);
  const rows = await sql<{ day: string; orders: number; gross_minor: string; refunded_minor: string }>`
    with window_ as (
      select (date_trunc('day', now() at time zone ${time_zone}) - make_interval(days => ${days - 1}::int))::date as first_day
    ),
    sold as (
      select (o.created_at at time zone ${time_zone})::date as day,
             count(*)::int as orders,
             sum(o.subtotal_minor) as gross_minor,
             sum(case when o.status = 'refunded' then least(coalesce(o.refund_amount_minor, o.total_minor), o.subtotal_minor) else 0 end) as refunded_minor
        from sales_order o, window_ w
       where o.merchant_id = ${merchant_id}
         and o.currency = ${currency}
         and o.status in (${sql.join(soldStatuses)})
         and o.created_at >= (w.first_day::timestamp at time zone ${time_zone})
       group by 1
    )
    select to_char(d, 'YYYY-MM-DD') as day,
           coalesce(s.orders, 0) as orders,
           coalesce(s.gross_minor, 0)::text as gross_minor,
           coalesce(s.refunded_minor, 0)::text as refunded_minor
      from window_ w
     cross join generate_series(w.first_day, w.first_day + ${days - 1}::int, interval '1 day') as d
      left join sold s on s.day = d::date
     order by d`.execute(db);
  return rows.rows.map((r) => ({ day: r.day, orders: r.orders, gross_minor: BigInt(r.gross_minor), refunded_minor: BigInt(r.refunded_minor) }));
}

export interface TopProduct {
  product_id: string;
  title: string;
  units: number;
  revenue_minor: bigint;
}

/** Best sellers by revenue over the last `days` days, in one currency. */
export async function topProducts(db: AnyDb, merchant_id: string, currency: string, days: number, limit: number): Promise<TopProduct[]> {
  if (limit < 1 || limit > top_products_max) throw new Error(`limit must be 1 to ${top_products_max}`);
  const rows = await sql<{ product_id: string; title: string; units: string; revenue_minor: string }>`
    select l.product_id, min(l.title) as title, sum(l.quantity)::text as units, sum(l.total_minor)::text as revenue_minor
      from sales_order o
      join order_line l on l.merchant_id = o.merchant_id and l.order_id = o.id
     where o.merchant_id = ${merchant_id}
       and o.currency = ${currency}
       and o.status in (${sql.join(soldStatuses)})
       and o.created_at >= now() - make_interval(days => ${days}::int)
     group by l.product_id
     order by sum(l.total_minor) desc, l.product_id
     limit ${limit}`.execute(db);
  return rows.rows.map((r) => ({ product_id: r.product_id, title: r.title, units: Number(r.units), revenue_minor: BigInt(r.revenue_minor) }));
}
