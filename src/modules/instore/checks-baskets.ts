import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import type { InvariantCheck } from '../../kernel/module.js';
import { getPosSession, sessionTotals, type SessionTotals } from './tills.js';

/** Sessions checked per run, newest first (older ones were checked by earlier runs). */
const sessions_checked_max = 2_000;

export const basketsChecks: InvariantCheck[] = [
  {
    name: 'instore.basket_paid_once',
    description: 'Every paid basket or till sale has exactly one order, of its store and merchant, delivered in store; no order pays two baskets',
    async run(db: AnyDb) {
      const rows = await sql<{ merchant_id: string; id: string; problem: string }>`
        select b.merchant_id, b.id, case
                 when b.order_id is null then 'paid without an order'
                 when o.id is null then 'its order ' || b.order_id || ' does not exist'
                 when o.location_id is distinct from b.location_id then 'its order ' || b.order_id || ' is not of its store'
                 else 'its order ' || b.order_id || ' also pays another basket' end as problem
          from instore_basket b
          left join sales_order o on o.merchant_id = b.merchant_id and o.id = b.order_id
         where b.status <> 'open'
           and (b.order_id is null or o.id is null or o.location_id is distinct from b.location_id
                or exists (select 1 from instore_basket b2 where b2.merchant_id = b.merchant_id and b2.order_id = b.order_id and b2.id <> b.id))
         limit 100`.execute(db);
      return rows.rows.map((r) => `basket ${r.id} of ${r.merchant_id}: ${r.problem}`);
    },
  },
  {
    name: 'instore.pos_session_totals',
    description: 'A closed register session’s totals equal its sales and refunds',
    async run(db: AnyDb) {
      const closed = await sql<{ merchant_id: string; id: string; totals: SessionTotals }>`
        select merchant_id, id, totals from pos_session where status = 'closed' order by closed_at desc limit ${sessions_checked_max}`.execute(db);
      const violations: string[] = [];
      for (const row of closed.rows) {
        const session = (await getPosSession(db, row.merchant_id, row.id))!;
        const now = await sessionTotals(db, session, session.counted_cash_minor);
        if (JSON.stringify(sorted(now)) !== JSON.stringify(sorted(row.totals))) {
          violations.push(`register session ${row.id} of ${row.merchant_id}: closed with ${JSON.stringify(row.totals)}, its sales and refunds say ${JSON.stringify(now)}`);
        }
      }
      return violations;
    },
  },
];

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, sorted(v)]));
  return value;
}
