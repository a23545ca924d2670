import type { Logger } from 'pino';
import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { GroupCommitter } from '../../kernel/group-commit.js';
import type { EventOutcome, ProviderEvent } from '../../modules/payments/index.js';
import { applyProviderEvents } from './capture-payment.js';

/**
 * Provider webhooks, group-committed: one transaction per batch, one batch at a time, so the
 * platform's escrow account, which every capture moves, is locked once per batch.
 */
export class ProviderEventCommitter extends GroupCommitter<{ provider: string; event: ProviderEvent }, EventOutcome> {
  constructor(db: AnyDb, logger: Logger) {
    super('payment events', (batch) => inTransaction(db, (trx) => applyProviderEvents(trx, batch)), logger, { batches_in_flight_max: 1, batch_size_max: 500 });
  }
}
