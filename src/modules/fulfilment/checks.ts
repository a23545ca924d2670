import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';
import { openReservations } from '../inventory/index.js';
import { holdingStatuses } from './fulfilments.js';

/** Orders whose lines their fulfilments must cover: paid and not ended by a refund. */
const covering = ['paid', 'shipped', 'delivered', 'completed', 'refund_requested', 'awaiting_return', 'disputed'];
const left = ['handed_to_carrier', 'out_for_delivery', 'delivered', 'picked_up', 'delivery_failed', 'lost', 'returned'];

export const checks: readonly InvariantCheck[] = [
  {
    name: 'fulfilment.lines_covered_once',
    description: 'every paid order’s lines are covered exactly once: by its live fulfilments (what was packed, or the whole line before packing) and by what short picks refunded',
    async run(db) {
      const result = await sql<{ order_id: string; line_no: number; ordered: number; covered: number }>`
        select o.id as order_id, l.line_no, l.quantity as ordered,
          (coalesce(sum(coalesce(fl.picked_quantity, fl.quantity)) filter (where f.status <> 'cancelled'), 0) + coalesce(sum(fl.refunded_quantity), 0))::int as covered
        from sales_order o
        join order_line l on l.merchant_id = o.merchant_id and l.order_id = o.id
        left join fulfilment_line fl on fl.merchant_id = o.merchant_id and fl.order_id = o.id and fl.line_no = l.line_no
        left join fulfilment f on f.merchant_id = fl.merchant_id and f.id = fl.fulfilment_id
        where o.stock_by_fulfilment and o.status = any(${covering}::text[])
        group by o.merchant_id, o.id, l.line_no, l.quantity
        having coalesce(sum(coalesce(fl.picked_quantity, fl.quantity)) filter (where f.status <> 'cancelled'), 0) + coalesce(sum(fl.refunded_quantity), 0) <> l.quantity
        limit 100`.execute(db);
      return result.rows.map((r) => `order ${r.order_id} line ${r.line_no}: ordered ${r.ordered}, its live fulfilments cover ${r.covered}`);
    },
  },
  {
    name: 'fulfilment.never_more_than_ordered',
    description: 'fulfilled quantities never exceed what was ordered, whatever became of the order',
    async run(db) {
      const result = await sql<{ order_id: string; line_no: number; ordered: number; fulfilled: number }>`
        select l.order_id, l.line_no, l.quantity as ordered, sum(coalesce(fl.picked_quantity, fl.quantity))::int as fulfilled
        from fulfilment_line fl
        join fulfilment f on f.merchant_id = fl.merchant_id and f.id = fl.fulfilment_id and f.status <> 'cancelled'
        join order_line l on l.merchant_id = fl.merchant_id and l.order_id = fl.order_id and l.line_no = fl.line_no
        group by l.merchant_id, l.order_id, l.line_no, l.quantity
        having sum(coalesce(fl.picked_quantity, fl.quantity)) > l.quantity
        limit 100`.execute(db);
      return result.rows.map((r) => `order ${r.order_id} line ${r.line_no}: ordered ${r.ordered}, fulfilled ${r.fulfilled}`);
    },
  },
  {
    name: 'fulfilment.stock_moved_as_fulfilled',
    description: 'the stock sold by each fulfilment, at its own location, equals what it fulfilled once it left; nothing before',
    async run(db) {
      const result = await sql<{ id: string; variant_id: string; expected: number; sold: number }>`
        with expected as (
          select f.merchant_id, f.id, f.order_id, f.location_id, fl.variant_id,
                 case when f.status = any(${left}::text[]) then sum(coalesce(fl.picked_quantity, fl.quantity)) else 0 end as quantity
          from fulfilment f join fulfilment_line fl on fl.merchant_id = f.merchant_id and fl.fulfilment_id = f.id
          group by f.merchant_id, f.id, f.order_id, f.location_id, f.status, fl.variant_id),
        sold as (
          select m.merchant_id, m.note as id, m.variant_id, m.location_id, -sum(m.on_hand_delta) as quantity
          from stock_movement m
          where m.reason = 'sale' and m.note like 'ful\\_%'
          group by m.merchant_id, m.note, m.variant_id, m.location_id)
        select coalesce(e.id, s.id) as id, coalesce(e.variant_id, s.variant_id) as variant_id, coalesce(e.quantity, 0)::int as expected, coalesce(s.quantity, 0)::int as sold
        from expected e full join sold s on s.merchant_id = e.merchant_id and s.id = e.id and s.variant_id = e.variant_id and s.location_id = e.location_id
        where coalesce(e.quantity, 0) <> coalesce(s.quantity, 0)
        limit 100`.execute(db);
      return result.rows.map((r) => `fulfilment ${r.id}: ${r.variant_id} fulfilled ${r.expected}, stock sold ${r.sold}`);
    },
  },
  {
    name: 'fulfilment.reservations_match_fulfilments',
    description: 'an order whose fulfilments move its stock holds reserved exactly what its fulfilments still hold (what was packed, once packed), at their locations',
    async run(db) {
      const owned = await sql<{ merchant_id: string; order_id: string; variant_id: string; location_id: string; quantity: string }>`
        select o.merchant_id, o.id as order_id, fl.variant_id, f.location_id, coalesce(sum(coalesce(fl.picked_quantity, fl.quantity)) filter (where f.status = any(${holdingStatuses}::text[])), 0)::bigint as quantity
        from sales_order o
        join fulfilment f on f.merchant_id = o.merchant_id and f.order_id = o.id
        join fulfilment_line fl on fl.merchant_id = f.merchant_id and fl.fulfilment_id = f.id
        where o.stock_by_fulfilment
        group by o.merchant_id, o.id, fl.variant_id, f.location_id`.execute(db);
      const orders = new Set(owned.rows.map((r) => `${r.merchant_id}|${r.order_id}`));
      const key = (m: string, o: string, v: string, l: string) => `${m}|${o}|${v}|${l}`;
      const want = new Map(owned.rows.filter((r) => BigInt(r.quantity) !== 0n).map((r) => [key(r.merchant_id, r.order_id, r.variant_id, r.location_id), BigInt(r.quantity)]));
      const violations: string[] = [];
      for (const r of await openReservations(db)) {
        if (!orders.has(`${r.merchant_id}|${r.reference}`)) continue;
        const k = key(r.merchant_id, r.reference, r.variant_id, r.location_id);
        if (want.get(k) !== r.reserved) violations.push(`order ${r.reference} holds ${r.reserved} of ${r.variant_id}@${r.location_id}; its fulfilments hold ${want.get(k) ?? 0n}`);
        want.delete(k);
      }
      for (const [k, w] of want) violations.push(`order ${k.split('|')[1]}'s fulfilments hold ${w} of ${k.split('|')[2]}@${k.split('|')[3]} but nothing is reserved there`);
      return violations.slice(0, 100);
    },
  },
  {
    name: 'fulfilment.one_transition_per_state',
    description: 'a fulfilment’s status is the state its last transition entered, and no state was entered twice',
    async run(db) {
      const result = await sql<{ id: string; status: string; last: string | null }>`
        select f.id, f.status, (select t.to_status from fulfilment_transition t where t.merchant_id = f.merchant_id and t.fulfilment_id = f.id order by t.occurred_at desc, t.id desc limit 1) as last
        from fulfilment f
        where f.status is distinct from (select t.to_status from fulfilment_transition t where t.merchant_id = f.merchant_id and t.fulfilment_id = f.id order by t.occurred_at desc, t.id desc limit 1)
        limit 100`.execute(db);
      return result.rows.map((r) => `fulfilment ${r.id} is ${r.status} but its last transition entered ${r.last ?? 'nothing'}`);
    },
  },
];
