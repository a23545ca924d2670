import { sql } from 'kysely';
import { loadConfig } from '../../kernel/config.js';
import type { InvariantCheck } from '../../kernel/module.js';
import { refusedEndpointUrl } from './destinations.js';
import { endpoints_per_merchant_max } from './endpoints.js';
import { destinationPolicyOf, webhookSettings } from './settings.js';

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
  {
    name: 'webhooks.no_private_destinations',
    description: 'no enabled webhook endpoint points at a loopback, private or link-local address (or localhost) that OPENBOS_WEBHOOK_ALLOWED_HOSTS does not allow',
    async run(db, config) {
      // The API refuses such URLs; this catches rows written around it, and endpoints left behind
      // when the operator shortened the allow-list (the sender refuses those, and they keep failing).
      const policy = destinationPolicyOf(config ?? loadConfig({}, webhookSettings.shape));
      const violations: string[] = [];
      let after = { merchant_id: '', id: '' };
      for (;;) {
        const page = await sql<{ merchant_id: string; id: string; url: string }>`
          select merchant_id, id, url from webhook_endpoint where disabled_at is null and (merchant_id, id) > (${after.merchant_id}, ${after.id})
          order by merchant_id, id limit ${check_page_size}`.execute(db);
        for (const e of page.rows) {
          const refused = refusedEndpointUrl(e.url, policy);
          if (refused !== undefined && violations.length < 100) violations.push(`endpoint ${e.id} of merchant ${e.merchant_id} points at ${e.url}: ${refused}`);
        }
        const last = page.rows.at(-1);
        if (last === undefined || page.rows.length < check_page_size) return violations;
        after = last;
      }
    },
  },
];

const check_page_size = 1_000;
