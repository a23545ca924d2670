import { defineModule } from '../../kernel/module.js';
import { checks } from './checks.js';
import { migrations } from './migrations.js';

/**
 * The platform's double-entry ledger: accounts, immutable transfers, two-phase (pending) transfers
 * posted in full or in part or voided exactly once, linked transfers, no-negative accounts
 * enforced by the database, idempotent by caller-chosen transfer IDs, group-committed on hot
 * accounts.
 */
export const ledgerModule = defineModule({
  name: 'ledger',
  migrations,
  checks,
});

export { accountsWithCode, accountTotalsWithCode, applyTransfers, balanceOf, ensureAccount, getAccount, listAccounts, transfer, transfersByReference, transfersOfAccount, type Account, type Transfer, type TransferError, type TransferOutcome, type TransferRequest } from './transfers.js';
export { LedgerBatcher } from './batcher.js';
