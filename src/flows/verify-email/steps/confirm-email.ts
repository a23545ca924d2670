import type { AnyTrx } from '../../../kernel/db.js';
import { verifyConsumerEmail, type VerifiedEmail } from '../../../modules/accounts/index.js';

/**
 * Step 1: the emailed token is used up and the account's email marked verified, which publishes
 * `consumer.email_verified`. An unknown, expired or used token stops the flow with
 * `account_token_invalid`.
 *
 * Undo: the flow's transaction.
 */
export function confirmEmail(trx: AnyTrx, token: string): Promise<VerifiedEmail> {
  return verifyConsumerEmail(trx, token);
}
