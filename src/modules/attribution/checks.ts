import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';
import { getOrder } from '../orders/index.js';
import { served_retention_days } from './retention.js';

/** At most this many of the latest attributed orders are compared with the orders module. */
const orders_checked_max = 1_000;

const lines = async (query: Promise<{ rows: { line: string }[] }>) => (await query).rows.map((r) => r.line);

export const checks: readonly InvariantCheck[] = [
  {
    name: 'attribution.touch_answers_own_merchant',
    description: 'every touch names an answer served to its own brand, with the placement its token claimed',
    run: (db) =>
      lines(
        sql<{ line: string }>`
          select 'touch ' || t.id || ' of ' || t.merchant_id || ' names answer ' || t.served_id || ', served to ' || s.merchant_id || ' (' || s.placement || '), but claims ' || t.placement as line
            from attr_touch t join attr_served s on s.id = t.served_id
           where s.merchant_id <> t.merchant_id or s.placement <> t.placement or s.source <> t.source
           limit 100`.execute(db),
      ),
  },
  {
    name: 'attribution.order_sales_within_total',
    description: 'the sales attributed to an order never exceed what it cost, and each attributed line is a line of the order, of the product its touch named',
    async run(db) {
      const over = await lines(
        sql<{ line: string }>`
          select 'order ' || order_id || ' of ' || merchant_id || ' has ' || sum(amount_minor) || ' attributed, over its total ' || max(order_total_minor) as line
            from attr_order_line group by merchant_id, order_id
          having sum(amount_minor) > max(order_total_minor) or count(distinct order_total_minor) > 1
           limit 100`.execute(db),
      );
      const latest = await sql<{ merchant_id: string; order_id: string; line_no: number; product_id: string; order_total_minor: bigint; touch_ok: boolean }>`
        select l.merchant_id, l.order_id, l.line_no, l.product_id, l.order_total_minor,
               (t.id is null or (t.kind = 'purchase' and t.order_id = l.order_id and t.product_id = l.product_id)) as touch_ok
          from (select * from attr_order_line order by attributed_at desc limit ${orders_checked_max}) l
          left join attr_touch t on t.merchant_id = l.merchant_id and t.id = l.touch_id`.execute(db);
      const orders = new Map<string, Awaited<ReturnType<typeof getOrder>>>();
      for (const l of latest.rows) {
        const key = `${l.merchant_id}/${l.order_id}`;
        if (!orders.has(key)) orders.set(key, await getOrder(db, l.merchant_id, l.order_id));
        const order = orders.get(key);
        const line = order?.lines.find((x) => x.line_no === l.line_no);
        if (order === undefined || line === undefined) over.push(`attributed line ${l.line_no} of order ${l.order_id} (${l.merchant_id}) is not a line of an order of the brand`);
        else if (line.product_id !== l.product_id) over.push(`attributed line ${l.line_no} of order ${l.order_id} (${l.merchant_id}) is of product ${line.product_id}, not ${l.product_id}`);
        else if (order.total_minor !== l.order_total_minor) over.push(`order ${l.order_id} (${l.merchant_id}) totals ${order.total_minor}, attribution recorded ${l.order_total_minor}`);
        if (!l.touch_ok) over.push(`attributed line ${l.line_no} of order ${l.order_id} (${l.merchant_id}) names a touch that is not a purchase of that order and product`);
      }
      return over.slice(0, 100);
    },
  },
  {
    name: 'attribution.one_attribution_per_line',
    description: 'an order line is attributed at most once (to one answer), and a purchase touch is settled only once its order was paid or refunded',
    run: (db) =>
      lines(
        sql<{ line: string }>`
          select 'order ' || order_id || ' of ' || merchant_id || ' line ' || line_no || ' is attributed ' || count(*) || ' times' as line
            from attr_order_line group by merchant_id, order_id, line_no having count(*) > 1
          union all
          select 'touch ' || id || ' of ' || merchant_id || ' is a ' || kind || ' with an order or a settlement' as line
            from attr_touch where kind <> 'purchase' and (order_id <> '' or settled_at is not null)
           limit 100`.execute(db),
      ),
  },
  {
    name: 'attribution.rollups_match_raw',
    description: `the daily rollups equal the raw rows: answers and items served, views, clicks and carts (over the last ${served_retention_days - 5} days, which the raw rows still cover), orders and sales (all days)`,
    run: (db) =>
      lines(
        sql<{ line: string }>`
          with since as (select (current_date - ${served_retention_days - 5}::int) as day),
          served as (
            select merchant_id, day, placement, count(*) as answers, sum(cardinality(product_ids)) as items
              from attr_served where day >= (select day from since) group by 1, 2, 3
          ), touched as (
            select merchant_id, day, placement, count(*) filter (where kind = 'view') as views, count(*) filter (where kind = 'click') as clicks, count(*) filter (where kind = 'cart') as carts
              from attr_touch where kind <> 'purchase' and day >= (select day from since) group by 1, 2, 3
          ), raw as (
            select coalesce(s.merchant_id, t.merchant_id) as merchant_id, coalesce(s.day, t.day) as day, coalesce(s.placement, t.placement) as placement,
                   coalesce(s.answers, 0) as answers, coalesce(s.items, 0) as items, coalesce(t.views, 0) as views, coalesce(t.clicks, 0) as clicks, coalesce(t.carts, 0) as carts
              from served s full join touched t using (merchant_id, day, placement)
          ), rolled as (
            select merchant_id, day, placement, answers, items, views, clicks, carts from attr_daily where day >= (select day from since)
          ), sales_raw as (
            select merchant_id, day, placement, currency, count(distinct order_id) as orders, sum(amount_minor - refunded_minor) as sales_minor
              from attr_order_line group by 1, 2, 3, 4
          )
          select 'the rollup of ' || coalesce(r.merchant_id, w.merchant_id) || ' on ' || coalesce(r.day, w.day) || ' for ' || coalesce(r.placement, w.placement) || ' says '
                 || coalesce(r.answers, 0) || '/' || coalesce(r.items, 0) || '/' || coalesce(r.views, 0) || '/' || coalesce(r.clicks, 0) || '/' || coalesce(r.carts, 0)
                 || ' (answers/items/views/clicks/carts), the raw rows ' || coalesce(w.answers, 0) || '/' || coalesce(w.items, 0) || '/' || coalesce(w.views, 0) || '/' || coalesce(w.clicks, 0) || '/' || coalesce(w.carts, 0) as line
            from rolled r full join raw w using (merchant_id, day, placement)
           where (coalesce(r.answers, 0), coalesce(r.items, 0), coalesce(r.views, 0), coalesce(r.clicks, 0), coalesce(r.carts, 0))
                 is distinct from (coalesce(w.answers, 0), coalesce(w.items, 0), coalesce(w.views, 0), coalesce(w.clicks, 0), coalesce(w.carts, 0))
          union all
          select 'the sales rollup of ' || coalesce(r.merchant_id, w.merchant_id) || ' on ' || coalesce(r.day, w.day) || ' for ' || coalesce(r.placement, w.placement) || ' in ' || coalesce(r.currency, w.currency)
                 || ' says ' || coalesce(r.orders, 0) || ' orders, ' || coalesce(r.sales_minor, 0) || '; the attributed lines ' || coalesce(w.orders, 0) || ', ' || coalesce(w.sales_minor, 0) as line
            from attr_daily_sales r full join sales_raw w using (merchant_id, day, placement, currency)
           where (coalesce(r.orders, 0), coalesce(r.sales_minor, 0)) is distinct from (coalesce(w.orders, 0), coalesce(w.sales_minor, 0))
           limit 100`.execute(db),
      ),
  },
];
