import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';

/** What a stop says must be what its fulfilment is, and a route's stops belong to its store. */
export const localDeliveryChecks: readonly InvariantCheck[] = [
  {
    name: 'local_delivery.stops_match_fulfilments',
    description: 'a stop delivered or failed has its fulfilment delivered or failed (or returned since); a stop of a route that is out has left the store',
    async run(db) {
      const result = await sql<{ route_id: string; fulfilment_id: string; stop: string; route: string; fulfilment: string }>`
        select s.route_id, s.fulfilment_id, s.status as stop, r.status as route, f.status as fulfilment
        from local_route_stop s
        join local_route r on r.merchant_id = s.merchant_id and r.id = s.route_id
        join fulfilment f on f.merchant_id = s.merchant_id and f.id = s.fulfilment_id
        where (s.status = 'delivered' and f.status not in ('delivered', 'returned'))
           or (s.status = 'failed' and f.status not in ('delivery_failed', 'returned'))
           or (r.status <> 'planned' and f.status in ('awaiting_pick', 'picking', 'packed'))
           or f.location_id <> r.location_id
        limit 100`.execute(db);
      return result.rows.map((r) => `route ${r.route_id} (${r.route}): stop ${r.fulfilment_id} is ${r.stop} but its fulfilment is ${r.fulfilment}`);
    },
  },
];
