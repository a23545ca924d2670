import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';

export const checks: readonly InvariantCheck[] = [
  {
    name: 'ledger.balanced',
    description: 'the ledger sums to zero: total debits equal total credits, posted and pending, per currency',
    async run(db) {
      const result = await sql<{ currency: string; dpo: bigint; cpo: bigint; dp: bigint; cp: bigint }>`
        select currency, sum(debits_posted)::bigint as dpo, sum(credits_posted)::bigint as cpo, sum(debits_pending)::bigint as dp, sum(credits_pending)::bigint as cp
        from ledger_account group by currency
        having sum(debits_posted) <> sum(credits_posted) or sum(debits_pending) <> sum(credits_pending)`.execute(db);
      return result.rows.map((r) => `${r.currency}: posted debits ${r.dpo} vs credits ${r.cpo}, pending debits ${r.dp} vs credits ${r.cp}`);
    },
  },
  {
    name: 'ledger.accounts_match_transfers',
    description: 'every account balance equals the sum of its transfers',
    async run(db) {
      const result = await sql<{ id: string; column: string; stored: bigint; computed: bigint }>`
        with movement as (
          select debit_account_id as account, amount as d_posted, 0::bigint as c_posted, 0::bigint as d_pending, 0::bigint as c_pending from ledger_transfer where kind in ('posted', 'post_pending')
          union all select credit_account_id, 0, amount, 0, 0 from ledger_transfer where kind in ('posted', 'post_pending')
          union all select debit_account_id, 0, 0, amount, 0 from ledger_transfer where kind = 'pending' and pending_state = 'pending'
          union all select credit_account_id, 0, 0, 0, amount from ledger_transfer where kind = 'pending' and pending_state = 'pending'
        ), totals as (
          select account, sum(d_posted)::bigint as dpo, sum(c_posted)::bigint as cpo, sum(d_pending)::bigint as dp, sum(c_pending)::bigint as cp from movement group by account
        )
        select a.id, 'balances' as column, 0::bigint as stored, 0::bigint as computed from ledger_account a left join totals t on t.account = a.id
        where a.debits_posted <> coalesce(t.dpo, 0) or a.credits_posted <> coalesce(t.cpo, 0) or a.debits_pending <> coalesce(t.dp, 0) or a.credits_pending <> coalesce(t.cp, 0)
        limit 100`.execute(db);
      return result.rows.map((r) => `account ${r.id}: balances differ from the sum of its transfers`);
    },
  },
  {
    name: 'ledger.no_negative',
    description: 'no account that forbids it has a negative balance',
    async run(db) {
      const result = await sql<{ id: string }>`
        select id from ledger_account where no_negative and case normal_balance
          when 'credit' then credits_posted - debits_posted - debits_pending < 0
          else debits_posted - credits_posted - credits_pending < 0 end limit 100`.execute(db);
      return result.rows.map((r) => `account ${r.id} is negative`);
    },
  },
  {
    name: 'ledger.pending_resolved_once',
    description: 'every pending transfer is resolved at most once, and its state says how',
    async run(db) {
      const result = await sql<{ id: string; pending_state: string; resolutions: number; resolution: string | null }>`
        select p.id, p.pending_state, count(r.id)::int as resolutions, max(r.kind) as resolution
        from ledger_transfer p left join ledger_transfer r on r.pending_id = p.id
        where p.kind = 'pending' group by p.id, p.pending_state
        having count(r.id) > 1
            or (p.pending_state = 'pending' and count(r.id) <> 0)
            or (p.pending_state = 'posted' and coalesce(max(r.kind), '') <> 'post_pending')
            or (p.pending_state = 'voided' and coalesce(max(r.kind), '') <> 'void_pending')
        limit 100`.execute(db);
      return result.rows.map((r) => `pending ${r.id} is ${r.pending_state} with ${r.resolutions} resolution(s) (${r.resolution ?? 'none'})`);
    },
  },
  {
    name: 'ledger.transfers_link_up',
    description: 'every transfer names accounts that exist, and every post or void names a pending transfer in the same currency',
    async run(db) {
      const result = await sql<{ id: string; problem: string }>`
        select t.id, 'names an account that does not exist' as problem from ledger_transfer t
          where not exists (select 1 from ledger_account a where a.id = t.debit_account_id)
             or not exists (select 1 from ledger_account a where a.id = t.credit_account_id)
        union all
        select r.id, 'resolves a transfer that is not a pending one of its accounts and currency' from ledger_transfer r
          left join ledger_transfer p on p.id = r.pending_id
          where r.pending_id is not null and (p.id is null or p.kind <> 'pending' or p.currency <> r.currency
            or p.debit_account_id <> r.debit_account_id or p.credit_account_id <> r.credit_account_id)
        limit 100`.execute(db);
      return result.rows.map((r) => `transfer ${r.id} ${r.problem}`);
    },
  },
];
