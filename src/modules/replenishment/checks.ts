import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';

/**
 * Replenishment's invariants: every purchase order's received units are exactly the stock its
 * receipts moved; an approved transfer moved its stock; suppliers, items and purchase orders name
 * the merchant's own variants and locations; nothing is received beyond what was ordered.
 */
export const coreChecks: InvariantCheck[] = [
  {
    name: 'replenishment.received_units_moved',
    description: 'every purchase order’s received units equal the stock movements (receipts) it made',
    async run(db) {
      const result = await sql<{ merchant_id: string; id: string; variant_id: string; received: number; moved: number }>`
        with received as (
          select merchant_id, purchase_order_id as id, variant_id, sum(received_quantity)::bigint as received from purchase_order_line group by 1, 2, 3
        ), moved as (
          select m.merchant_id, m.reference as id, m.variant_id, sum(m.on_hand_delta)::bigint as moved
          from stock_movement m join purchase_order o on o.merchant_id = m.merchant_id and o.id = m.reference and o.location_id = m.location_id
          where m.reason = 'receipt' group by 1, 2, 3
        )
        select merchant_id, id, variant_id, coalesce(r.received, 0)::int as received, coalesce(m.moved, 0)::int as moved
        from received r full outer join moved m using (merchant_id, id, variant_id)
        where coalesce(r.received, 0) <> coalesce(m.moved, 0)
        limit 100`.execute(db);
      return result.rows.map((r) => `purchase order ${r.merchant_id}/${r.id}: ${r.variant_id} received ${r.received} units, but its receipts moved ${r.moved}`);
    },
  },
  {
    name: 'replenishment.received_within_ordered',
    description: 'no purchase order line is received beyond what was ordered',
    async run(db) {
      const result = await sql<{ merchant_id: string; purchase_order_id: string; variant_id: string; quantity: number; received_quantity: number }>`
        select merchant_id, purchase_order_id, variant_id, quantity, received_quantity from purchase_order_line
        where received_quantity > quantity or received_quantity < 0 limit 100`.execute(db);
      return result.rows.map((r) => `purchase order ${r.merchant_id}/${r.purchase_order_id}: ${r.variant_id} received ${r.received_quantity} of ${r.quantity} ordered`);
    },
  },
  {
    name: 'replenishment.approved_transfers_moved',
    description: 'every approved transfer suggestion’s transfers moved its lines out of the source and into the destination',
    async run(db) {
      const result = await sql<{ merchant_id: string; id: string; variant_id: string; quantity: number; moved_out: number; moved_in: number }>`
        with lines as (
          select s.merchant_id, s.id, s.from_location_id, s.to_location_id, l.variant_id, l.quantity, s.transfer_ids
          from replenishment_suggestion s, jsonb_to_recordset(s.lines) as l(variant_id text, quantity int)
          where s.kind = 'transfer' and s.status = 'approved'
        )
        select l.merchant_id, l.id, l.variant_id, l.quantity,
          coalesce((select -sum(m.on_hand_delta) from stock_movement m where m.merchant_id = l.merchant_id and m.reference = any(l.transfer_ids) and m.variant_id = l.variant_id and m.location_id = l.from_location_id and m.reason = 'transfer_out'), 0)::int as moved_out,
          coalesce((select sum(m.on_hand_delta) from stock_movement m where m.merchant_id = l.merchant_id and m.reference = any(l.transfer_ids) and m.variant_id = l.variant_id and m.location_id = l.to_location_id and m.reason = 'transfer_in'), 0)::int as moved_in
        from lines l
        where l.quantity <> coalesce((select -sum(m.on_hand_delta) from stock_movement m where m.merchant_id = l.merchant_id and m.reference = any(l.transfer_ids) and m.variant_id = l.variant_id and m.location_id = l.from_location_id and m.reason = 'transfer_out'), 0)
           or l.quantity <> coalesce((select sum(m.on_hand_delta) from stock_movement m where m.merchant_id = l.merchant_id and m.reference = any(l.transfer_ids) and m.variant_id = l.variant_id and m.location_id = l.to_location_id and m.reason = 'transfer_in'), 0)
        limit 100`.execute(db);
      return result.rows.map((r) => `transfer suggestion ${r.merchant_id}/${r.id}: ${r.variant_id} approved ${r.quantity}, moved out ${r.moved_out} and in ${r.moved_in}`);
    },
  },
  {
    name: 'replenishment.own_variants_and_locations',
    description: 'supplier items, purchase orders and suggestions name only their merchant’s own variants, locations and suppliers',
    async run(db) {
      const result = await sql<{ what: string; merchant_id: string; id: string; ref: string }>`
        select 'supplier item' as what, i.merchant_id, i.supplier_id as id, i.variant_id as ref from supplier_item i
          where not exists (select 1 from variant v where v.merchant_id = i.merchant_id and v.id = i.variant_id)
        union all
        select 'purchase order line', l.merchant_id, l.purchase_order_id, l.variant_id from purchase_order_line l
          where not exists (select 1 from variant v where v.merchant_id = l.merchant_id and v.id = l.variant_id)
        union all
        select 'purchase order location', o.merchant_id, o.id, o.location_id from purchase_order o
          where not exists (select 1 from location x where x.merchant_id = o.merchant_id and x.id = o.location_id)
        union all
        select 'suggestion location', s.merchant_id, s.id, coalesce(s.from_location_id, s.to_location_id) from replenishment_suggestion s
          where not exists (select 1 from location x where x.merchant_id = s.merchant_id and x.id = s.to_location_id)
             or (s.from_location_id is not null and not exists (select 1 from location x where x.merchant_id = s.merchant_id and x.id = s.from_location_id))
        union all
        select 'suggestion supplier', s.merchant_id, s.id, s.supplier_id from replenishment_suggestion s
          where s.supplier_id is not null and not exists (select 1 from supplier x where x.merchant_id = s.merchant_id and x.id = s.supplier_id)
        limit 100`.execute(db);
      return result.rows.map((r) => `${r.what} ${r.merchant_id}/${r.id} names ${r.ref}, which is not the merchant's own`);
    },
  },
];
