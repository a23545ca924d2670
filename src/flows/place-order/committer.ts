import type { Logger } from 'pino';
import type { AnyDb } from '../../kernel/db.js';
import { GroupCommitter, type GroupCommitOptions } from '../../kernel/group-commit.js';
import { placeBatch } from './place-batch.js';
import type { CheckoutRequest, CheckoutResult } from './types.js';

/** Checkouts, group-committed: a batch of buyers is placed in one transaction (place-batch.ts). */
export class CheckoutCommitter extends GroupCommitter<CheckoutRequest, CheckoutResult> {
  constructor(db: AnyDb, logger: Logger, options: GroupCommitOptions = {}) {
    super('checkout', (batch, turn) => placeBatch(db, batch, turn), logger, options);
  }
}
