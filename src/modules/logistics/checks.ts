import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';
import { statusRank } from './carrier.js';

const rankCase = sql.raw(`case status ${Object.entries(statusRank).map(([s, r]) => `when '${s}' then ${r}`).join(' ')} end`);

export const checks: readonly InvariantCheck[] = [
  {
    name: 'logistics.one_carrier_one_label',
    description: 'every shipment has exactly one carrier and at most one label, and no label is bought twice for one request',
    async run(db) {
      const result = await sql<{ id: string; problem: string }>`
        select id, 'has no carrier' as problem from shipment where carrier is null or carrier = ''
        union all
        select s.id, 'has a label the carrier does not know' from shipment s
          where s.label_id is not null and s.carrier in (select distinct carrier from sim_carrier_label)
          and not exists (select 1 from sim_carrier_label l where l.merchant_id = s.merchant_id and l.id = s.label_id and l.carrier = s.carrier)
        union all
        select min(s.id), 'shares its label with another shipment' from shipment s where s.label_id is not null group by s.merchant_id, s.carrier, s.label_id having count(*) > 1
        union all
        select l.reference, 'was bought more than one label for request ' || l.request_key from sim_carrier_label l group by l.merchant_id, l.carrier, l.request_key, l.reference having count(*) > 1
        limit 100`.execute(db);
      return result.rows.map((r) => `shipment ${r.id} ${r.problem}`);
    },
  },
  {
    name: 'logistics.status_is_furthest_event',
    description: 'a shipment’s status is the furthest status of its tracking events (label_created without any; a cancelled one stays cancelled)',
    async run(db) {
      const result = await sql<{ id: string; status: string; furthest: string | null }>`
        with furthest as (
          select merchant_id, shipment_id, (array_agg(status order by ${rankCase} desc))[1] as status
          from shipment_event group by merchant_id, shipment_id)
        select s.id, s.status, f.status as furthest
        from shipment s left join furthest f on f.merchant_id = s.merchant_id and f.shipment_id = s.id
        where s.status <> 'cancelled' and s.status <> coalesce(f.status, 'label_created')
        limit 100`.execute(db);
      return result.rows.map((r) => `shipment ${r.id} is ${r.status} but its furthest tracking event is ${r.furthest ?? 'none'}`);
    },
  },
  {
    name: 'logistics.delivered_orders_delivered',
    description: 'a delivered shipment’s order is delivered or later (completed, or in or past a refund)',
    async run(db) {
      const result = await sql<{ id: string; order_id: string; order_status: string | null }>`
        select s.id, s.order_id, o.status as order_status
        from shipment s left join sales_order o on o.merchant_id = s.merchant_id and o.id = s.order_id
        where s.status = 'delivered' and (o.status is null or o.status not in ('delivered', 'completed', 'refund_requested', 'awaiting_return', 'disputed', 'refunded'))
        limit 100`.execute(db);
      return result.rows.map((r) => `shipment ${r.id} is delivered but order ${r.order_id} is ${r.order_status ?? 'missing'}`);
    },
  },
];
