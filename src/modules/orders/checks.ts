import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';
import { openReservations } from '../inventory/index.js';

/** Statuses in which an order still holds reserved stock (if not shipped). */
const holding = ['awaiting_payment', 'paid', 'refund_requested', 'disputed'];

export const checks: readonly InvariantCheck[] = [
  {
    name: 'orders.reservations_match_orders',
    description: 'every unit reserved in stock belongs to an open, unshipped order, and every such order holds its units (orders whose fulfilments move their stock are checked by fulfilment.reservations_match_fulfilments)',
    async run(db) {
      const byFulfilment = new Set((await sql<{ key: string }>`select merchant_id || '|' || id as key from sales_order where stock_by_fulfilment`.execute(db)).rows.map((r) => r.key));
      const reserved = (await openReservations(db)).filter((r) => !byFulfilment.has(`${r.merchant_id}|${r.reference}`));
      const expected = await sql<{ merchant_id: string; order_id: string; variant_id: string; location_id: string; quantity: bigint }>`
        select o.merchant_id, o.id as order_id, l.variant_id, o.location_id, sum(l.quantity)::bigint as quantity
        from sales_order o join order_line l on l.merchant_id = o.merchant_id and l.order_id = o.id
        where o.status = any(${holding}::text[]) and o.shipped_at is null and not o.stock_by_fulfilment
        group by o.merchant_id, o.id, l.variant_id, o.location_id`.execute(db);
      const key = (m: string, ref: string, v: string, loc: string) => `${m}|${ref}|${v}|${loc}`;
      const want = new Map(expected.rows.map((r) => [key(r.merchant_id, r.order_id, r.variant_id, r.location_id), r.quantity]));
      const violations: string[] = [];
      for (const r of reserved) {
        const k = key(r.merchant_id, r.reference, r.variant_id, r.location_id);
        const w = want.get(k);
        if (w !== r.reserved) violations.push(`reference ${r.reference} holds ${r.reserved} of ${r.variant_id}@${r.location_id}, its order expects ${w ?? 0n} (dangling reservation)`);
        want.delete(k);
      }
      for (const [k, w] of want) violations.push(`order ${k.split('|')[1]} should hold ${w} units of ${k.split('|')[2]} but no reservation exists`);
      return violations.slice(0, 100);
    },
  },
  {
    name: 'orders.lines_belong_to_orders',
    description: 'every order line and transition belongs to an existing order, and every order has a line',
    async run(db) {
      const result = await sql<{ what: string; merchant_id: string; order_id: string }>`
        select 'line' as what, l.merchant_id, l.order_id from order_line l
          where not exists (select 1 from sales_order o where o.merchant_id = l.merchant_id and o.id = l.order_id)
        union all
        select 'transition', t.merchant_id, t.order_id from order_transition t
          where not exists (select 1 from sales_order o where o.merchant_id = t.merchant_id and o.id = t.order_id)
        union all
        select 'order without lines', o.merchant_id, o.id from sales_order o
          where not exists (select 1 from order_line l where l.merchant_id = o.merchant_id and l.order_id = o.id)
        limit 100`.execute(db);
      return result.rows.map((r) => `${r.what}: ${r.merchant_id}/${r.order_id}`);
    },
  },
  {
    name: 'orders.totals_add_up',
    description: 'every order total equals the sum of its lines (its subtotal) plus its delivery price less its discount, and its discount is at least its lines’ discounts',
    async run(db) {
      const result = await sql<{ id: string; subtotal_minor: bigint; delivery_minor: bigint; discount_minor: bigint; total_minor: bigint; lines: bigint | null; line_discounts: bigint | null }>`
        select o.id, o.subtotal_minor, o.delivery_minor, o.discount_minor, o.total_minor, sum(l.total_minor)::bigint as lines, sum(l.discount_minor)::bigint as line_discounts
        from sales_order o left join order_line l on l.merchant_id = o.merchant_id and l.order_id = o.id
        group by o.merchant_id, o.id, o.subtotal_minor, o.delivery_minor, o.discount_minor, o.total_minor
        having o.subtotal_minor <> coalesce(sum(l.total_minor), 0) or o.total_minor <> o.subtotal_minor + o.delivery_minor - o.discount_minor
          or o.discount_minor < coalesce(sum(l.discount_minor), 0) or o.discount_minor > coalesce(sum(l.discount_minor), 0) + o.delivery_minor limit 100`.execute(db);
      return result.rows.map((r) => `order ${r.id}: total ${r.total_minor} but lines add up to ${r.lines ?? 0n} (subtotal ${r.subtotal_minor}), delivery is ${r.delivery_minor} and discount ${r.discount_minor} (lines' discounts ${r.line_discounts ?? 0n})`);
    },
  },
  {
    name: 'orders.delivery_charged',
    description: 'every order charges exactly the price of its recorded delivery (nothing without one; deliveries recorded before charging began charge nothing)',
    async run(db) {
      const result = await sql<{ id: string; delivery_minor: bigint; price_minor: bigint | null }>`
        select o.id, o.delivery_minor, d.price_minor
        from sales_order o left join order_delivery d on d.merchant_id = o.merchant_id and d.order_id = o.id
        where o.delivery_minor <> case when d.charged_in_total then d.price_minor else 0 end limit 100`.execute(db);
      return result.rows.map((r) => `order ${r.id}: charges ${r.delivery_minor} for delivery but its delivery costs ${r.price_minor ?? 'nothing (none recorded)'}`);
    },
  },
  {
    name: 'orders.deliveries_served_where_reserved',
    description: 'every recorded delivery is served from its order’s location (where its stock was reserved), and an erased one keeps no coordinates',
    async run(db) {
      const result = await sql<{ order_id: string; delivery_location: string; order_location: string; erased: boolean }>`
        select d.order_id, d.location_id as delivery_location, o.location_id as order_location, d.erased_at is not null as erased
        from order_delivery d join sales_order o on o.merchant_id = d.merchant_id and o.id = d.order_id
        where d.location_id <> o.location_id or (d.erased_at is not null and (d.latitude is not null or d.longitude is not null)) limit 100`.execute(db);
      return result.rows.map((r) => (r.erased ? `order ${r.order_id}: delivery erased but keeps coordinates` : `order ${r.order_id}: delivery served from ${r.delivery_location} but the order reserves at ${r.order_location}`));
    },
  },
];
