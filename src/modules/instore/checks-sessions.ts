import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';

/**
 * The invariants of unattended stores (docs/STORES.md, "Invariants"):
 * - a closed session is charged (its sale recorded), on review or empty; one left `charging`
 *   (a crash between its exit and its sale) is finished within minutes by the flow's maintenance;
 * - no session stays open more than a day without being flagged for the merchant (the flagging
 *   runs every 5 minutes, so the check allows 10 minutes past the day);
 * - a shelf event names only sessions of its own store.
 */
export const sessionsChecks: InvariantCheck[] = [
  {
    name: 'instore.sessions_closed_once',
    description: 'every closed shopping session is charged exactly once (one live in-store sale, source the session, the one it records), on review, or empty; none is left charging',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'session ' || s.id || ' (' || s.merchant_id || ') ' ||
               case when s.status = 'charged' and (x.n is null or x.n <> 1 or x.sale_id <> s.sale_id) then 'is charged but has ' || coalesce(x.n, 0) || ' live sale(s)' || coalesce(' (' || x.sale_id || ', recorded ' || s.sale_id || ')', '')
                    when s.status = 'charging' then 'is left charging since ' || s.closed_at::text
                    else 'is ' || s.status || ' but has ' || x.n || ' live sale(s)' end as line
        from store_session s
        left join (select merchant_id, source_id, count(*)::int as n, min(id) as sale_id from instore_sale
                   where source_kind = 'session' and status <> 'declined' group by merchant_id, source_id) x
          on x.merchant_id = s.merchant_id and x.source_id = s.id
        where (s.status = 'charged' and (x.n is null or x.n <> 1 or x.sale_id <> s.sale_id))
           or (s.status = 'charging' and s.closed_at < now() - interval '10 minutes')
           or (s.status in ('open', 'review', 'empty') and x.n is not null)
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'instore.sessions_stale_flagged',
    description: 'no shopping session stays open more than a day without being flagged for the merchant',
    async run(db) {
      const rows = await sql<{ id: string; merchant_id: string; opened_at: Date }>`
        select id, merchant_id, opened_at from store_session
        where status = 'open' and stale_flagged_at is null and opened_at < now() - interval '1 day 10 minutes'
        order by opened_at limit 100`.execute(db);
      return rows.rows.map((r) => `session ${r.id} (${r.merchant_id}) is open since ${r.opened_at.toISOString()} and not flagged`);
    },
  },
  {
    name: 'instore.session_shelf_events_same_store',
    description: 'every shelf event names only shopping sessions of its own store',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'shelf event ' || e.event_id || ' (' || e.merchant_id || ') of store ' || e.location_id || ' names session ' || s.id || ' of store ' || s.location_id as line
        from shelf_event_candidate c
        join shelf_event e on e.merchant_id = c.merchant_id and e.id = c.shelf_event_id
        join store_session s on s.merchant_id = c.merchant_id and s.id = c.session_id
        where s.location_id <> e.location_id
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
];
