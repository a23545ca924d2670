import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';
import { getLocation } from '../locations/index.js';

/** At most this many (merchant, store) pairs are looked up by `stores.guides_at_own_stores`. */
const pairs_max = 10_000;

export const checks: readonly InvariantCheck[] = [
  {
    name: 'stores.thread_status_matches_messages',
    description: 'a store thread is waiting exactly when its last message is the consumer’s, and has messages',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'store thread ' || t.id || ' of ' || t.merchant_id || ' is ' || t.status || ' but its last message is ' || coalesce(m.author, 'missing') as line
          from store_thread t
          left join lateral (select author from store_message where merchant_id = t.merchant_id and thread_id = t.id order by created_at desc, id desc limit 1) m on true
         where m.author is null or (t.status = 'waiting') <> (m.author = 'consumer')
         limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'stores.guides_at_own_stores',
    description: 'every guide and every thread is at a store of its own merchant',
    async run(db) {
      const pairs = await sql<{ merchant_id: string; location_id: string }>`
        select merchant_id, location_id from store_guide union select merchant_id, location_id from store_thread limit ${pairs_max}`.execute(db);
      const lines: string[] = [];
      for (const p of pairs.rows) {
        const location = await getLocation(db, p.merchant_id, p.location_id);
        if (location === undefined || location.kind !== 'store') lines.push(`merchant ${p.merchant_id} has guides or threads at ${p.location_id}, which is not one of its stores`);
      }
      return lines;
    },
  },
];
