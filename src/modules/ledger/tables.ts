import type { Generated } from 'kysely';

export type TransferKind = 'posted' | 'pending' | 'post_pending' | 'void_pending';

export interface LedgerAccountTable {
  id: string;
  owner_id: string;
  code: string;
  currency: string;
  normal_balance: 'debit' | 'credit';
  no_negative: boolean;
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
  created_at: Generated<Date>;
}

export interface LedgerTransferTable {
  id: string;
  kind: TransferKind;
  debit_account_id: string;
  credit_account_id: string;
  amount: bigint;
  currency: string;
  pending_id: string | null;
  pending_state: 'pending' | 'posted' | 'voided' | null;
  code: string;
  reference: string | null;
  linked_group: string | null;
  created_at: Generated<Date>;
}

export interface LedgerTables {
  ledger_account: LedgerAccountTable;
  ledger_transfer: LedgerTransferTable;
}
