import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';
import { endpoints_per_merchant_max } from './endpoints.js';

/*
 * That every delivery belongs to an existing endpoint of its merchant is a foreign key, and that
 * a delivery succeeded exactly when it has a delivery time and a 2xx answer are CHECK
 * constraints; these checks cover what the schema cannot state.
 */
export const checks: readonly InvariantCheck[] = [
  {
    name: 'webhooks.events_of_own_merchant',
    description: 'every delivery carries an event of its own merchant, of the type the event has in the outbox',
    async run(db) {
      // Delivered outbox events are pruned after a week; older deliveries are not compared.
      const result = await sql<{ id: string; merchant_id: string; event_id: string }>`
        select d.id, d.merchant_id, d.event_id from webhook_delivery d join bos_outbox_event o on o.id = d.event_id
        where o.merchant_id is distinct from d.merchant_id or o.type <> d.event_type
        limit 100`.execute(db);
      return result.rows.map((r) => `delivery ${r.id} of merchant ${r.merchant_id} carries event ${r.event_id}, which is another merchant's or of another type`);
    },
  },
  {
    name: 'webhooks.endpoint_limit',
    description: `no merchant has more than ${endpoints_per_merchant_max} webhook endpoints`,
    async run(db) {
      const result = await sql<{ merchant_id: string; endpoints: number }>`
        select merchant_id, count(*)::int as endpoints from webhook_endpoint group by merchant_id
        having count(*) > ${endpoints_per_merchant_max} limit 100`.execute(db);
      return result.rows.map((r) => `merchant ${r.merchant_id} has ${r.endpoints} webhook endpoints`);
    },
  },
];
