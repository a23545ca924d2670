import type { Logger } from 'pino';
import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { GroupCommitter, type GroupCommitOptions } from '../../kernel/group-commit.js';
import { applyTransfers, type TransferOutcome, type TransferRequest } from './transfers.js';

/**
 * Transfers on hot accounts (the one escrow account takes part in every payment), group
 * committed: each submitted unit of linked transfers joins the next batch, and the whole batch is
 * applied in one transaction. One batch in flight at a time: the accounts it locks are hot anyway.
 */
export class LedgerBatcher extends GroupCommitter<readonly TransferRequest[], TransferOutcome[]> {
  constructor(db: AnyDb, logger: Logger, options: GroupCommitOptions = {}) {
    super('ledger', (units) => inTransaction(db, (trx) => applyTransfers(trx, units)), logger, { batches_in_flight_max: 1, batch_size_max: 1_000, ...options });
  }
}
