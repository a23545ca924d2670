import type { AnyTrx } from '../../../kernel/db.js';
import { setPaymentStatus, type Payment } from '../../../modules/payments/index.js';

/**
 * Step 3: the payment is `captured`: its money is held in escrow until the order completes
 * (release-escrow flow) or is refunded.
 *
 * Undo: the batch's transaction.
 */
export async function markPaymentCaptured(trx: AnyTrx, payment: Payment): Promise<void> {
  await setPaymentStatus(trx, payment, { status: 'captured' });
}
