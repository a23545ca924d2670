import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261122T1600_create_ledger',
    `-- The platform's double-entry books. Accounts of the platform and of every seller live in one
     -- ledger, because escrow moves money between them; so these are platform tables.
     create table ledger_account (
       id text primary key,
       owner_id text not null,
       code text not null,
       currency char(3) not null,
       normal_balance text not null check (normal_balance in ('debit', 'credit')),
       no_negative boolean not null default false,
       debits_pending bigint not null default 0 check (debits_pending >= 0),
       debits_posted bigint not null default 0 check (debits_posted >= 0),
       credits_pending bigint not null default 0 check (credits_pending >= 0),
       credits_posted bigint not null default 0 check (credits_posted >= 0),
       created_at timestamptz not null default now(),
       unique (owner_id, code, currency),
       -- An account that forbids a negative balance can never go below zero, counting what is
       -- pending against it.
       constraint ledger_account_no_negative check (
         not no_negative or case normal_balance
           when 'credit' then credits_posted - debits_posted - debits_pending >= 0
           else debits_posted - credits_posted - credits_pending >= 0 end)
     );
     create table ledger_transfer (
       id text primary key,
       kind text not null check (kind in ('posted', 'pending', 'post_pending', 'void_pending')),
       debit_account_id text not null references ledger_account (id),
       credit_account_id text not null references ledger_account (id),
       amount bigint not null check (amount >= 0),
       currency char(3) not null,
       pending_id text references ledger_transfer (id),
       pending_state text check (pending_state in ('pending', 'posted', 'voided')),
       code text not null,
       reference text,
       linked_group text,
       created_at timestamptz not null default now(),
       check (debit_account_id <> credit_account_id),
       check ((kind = 'pending') = (pending_state is not null)),
       check ((kind in ('post_pending', 'void_pending')) = (pending_id is not null)),
       check (kind in ('void_pending', 'post_pending') or amount > 0)
     );
     -- A pending transfer resolves at most once: one post or one void, ever.
     create unique index ledger_transfer_resolves_once on ledger_transfer (pending_id) where pending_id is not null;
     create index ledger_transfer_reference on ledger_transfer (reference) where reference is not null;
     create index ledger_transfer_debit on ledger_transfer (debit_account_id, id);
     create index ledger_transfer_credit on ledger_transfer (credit_account_id, id);`,
  ),
  sqlMigration(
    '20261130T0520_transfer_links_checked_by_code',
    `-- A foreign key costs a trigger and a row lock per inserted transfer, two or three times per
     -- row, on the escrow account that every payment touches. The batch already locks every account
     -- and pending transfer it uses before it writes, accounts are never deleted and transfers are
     -- immutable, so the links are enforced there and proved by the ledger.transfers_link_up check.
     alter table ledger_transfer drop constraint ledger_transfer_debit_account_id_fkey;
     alter table ledger_transfer drop constraint ledger_transfer_credit_account_id_fkey;
     alter table ledger_transfer drop constraint ledger_transfer_pending_id_fkey;`,
  ),
];
