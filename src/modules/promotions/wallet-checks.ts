import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';

/** The wallet's invariant: a promotion's `issued` counter is the wallet coupons it issued, so its issue limit held. */
export const walletChecks: readonly InvariantCheck[] = [
  {
    name: 'promotions.issued_matches_wallet',
    description: 'each promotion’s issued count equals the wallet coupons of it (claimed, pushed or won), and is within its issue limit',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'promotion ' || p.id || ': issued ' || p.issued || ', wallet coupons ' || coalesce(w.n, 0) || coalesce(', issue limit ' || p.issue_limit, '') as line
        from promotion p left join (select merchant_id, promotion_id, count(*) as n from wallet_coupon group by merchant_id, promotion_id) w on w.merchant_id = p.merchant_id and w.promotion_id = p.id
        where p.issued <> coalesce(w.n, 0) or (p.issue_limit is not null and p.issued > p.issue_limit)
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
];
