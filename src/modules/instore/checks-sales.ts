import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';

export const salesChecks: InvariantCheck[] = [
  {
    name: 'instore.sale_is_one_order_of_its_store',
    description: 'every in-store sale is one order of its merchant, served (delivery in_store) and reserved at the sale’s store, with the sale’s totals; a declined sale’s order is closed',
    async run(db) {
      const result = await sql<{ id: string; what: string }>`
        select s.id, case when o.id is null then 'has no order'
                          when o.location_id <> s.location_id then 'is at ' || s.location_id || ' but its order at ' || o.location_id
                          when d.kind is distinct from 'in_store' or d.location_id <> s.location_id then 'has an order not delivered in_store at the store'
                          when o.total_minor <> s.total_minor or o.subtotal_minor <> s.subtotal_minor or o.discount_minor <> s.discount_minor then 'totals ' || s.total_minor || ' but its order ' || o.total_minor
                          else 'is declined but its order is ' || o.status end as what
        from instore_sale s
        left join sales_order o on o.merchant_id = s.merchant_id and o.id = s.order_id
        left join order_delivery d on d.merchant_id = s.merchant_id and d.order_id = s.order_id
        where o.id is null or o.location_id <> s.location_id or d.kind is distinct from 'in_store' or d.location_id <> s.location_id
           or o.total_minor <> s.total_minor or o.subtotal_minor <> s.subtotal_minor or o.discount_minor <> s.discount_minor
           or (s.status = 'declined' and o.status <> 'closed')
        limit 100`.execute(db);
      return result.rows.map((r) => `sale ${r.id} ${r.what}`);
    },
  },
  {
    name: 'instore.paid_sale_moved_its_units',
    description: 'a paid in-store sale’s order sold exactly its units out of that store’s stock (and nowhere else), and took back at that store exactly the units refunded',
    async run(db) {
      const result = await sql<{ id: string; variant_id: string; sold: string; moved: string; refunded: string; returned: string; elsewhere: string }>`
        with sold as (
          select s.merchant_id, s.id, s.order_id, s.location_id, l.variant_id, sum((l.line->>'quantity')::int) as units
          from instore_sale s, lateral (select x as line, x->>'variant_id' as variant_id from jsonb_array_elements(s.lines) x) l
          where s.status in ('paid', 'partially_refunded', 'refunded')
          group by s.merchant_id, s.id, s.order_id, s.location_id, l.variant_id),
        refunded as (
          select r.merchant_id, r.sale_id, x->>'variant_id' as variant_id, sum((x->>'quantity')::int) as units
          from instore_refund r, jsonb_array_elements(r.lines) x group by r.merchant_id, r.sale_id, x->>'variant_id'),
        moved as (
          select m.merchant_id, m.reference as order_id, m.variant_id,
            coalesce(sum(-m.on_hand_delta) filter (where m.reason = 'sale' and m.location_id = s.location_id), 0) as sold_here,
            coalesce(sum(m.on_hand_delta) filter (where m.reason = 'receipt' and m.location_id = s.location_id), 0) as returned_here,
            count(*) filter (where m.location_id <> s.location_id) as elsewhere
          from stock_movement m join instore_sale s on s.merchant_id = m.merchant_id and s.order_id = m.reference
          group by m.merchant_id, m.reference, m.variant_id)
        select sold.id, sold.variant_id, sold.units::text as sold, coalesce(mv.sold_here, 0)::text as moved, coalesce(r.units, 0)::text as refunded,
               coalesce(mv.returned_here, 0)::text as returned, coalesce(mv.elsewhere, 0)::text as elsewhere
        from sold
        left join moved mv on mv.merchant_id = sold.merchant_id and mv.order_id = sold.order_id and mv.variant_id = sold.variant_id
        left join refunded r on r.merchant_id = sold.merchant_id and r.sale_id = sold.id and r.variant_id = sold.variant_id
        where sold.units <> coalesce(mv.sold_here, 0) or coalesce(r.units, 0) <> coalesce(mv.returned_here, 0) or coalesce(mv.elsewhere, 0) > 0
        limit 100`.execute(db);
      return result.rows.map((r) => `sale ${r.id}, ${r.variant_id}: sold ${r.sold} but the store's stock sold ${r.moved}; refunded ${r.refunded}, taken back ${r.returned}; ${r.elsewhere} movements at other places`);
    },
  },
  {
    name: 'instore.one_live_sale_per_source',
    description: 'a basket, till sale or session is sold at most once (declined attempts aside), and each order is at most one sale',
    async run(db) {
      const result = await sql<{ what: string }>`
        select 'source ' || source_kind || ' ' || source_id || ' has ' || count(*) || ' live sales' as what from instore_sale where status <> 'declined'
          group by merchant_id, source_kind, source_id having count(*) > 1
        union all
        select 'order ' || order_id || ' has ' || count(*) || ' sales' from instore_sale group by merchant_id, order_id having count(*) > 1
        limit 100`.execute(db);
      return result.rows.map((r) => r.what);
    },
  },
];
