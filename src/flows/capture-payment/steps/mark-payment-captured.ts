import type { Payment, PaymentStatusChange } from '../../../modules/payments/index.js';

/**
 * Step 3: the payment is `captured`: its money is held in escrow until the order completes
 * (release-escrow flow) or is refunded. Written with the batch's other payment statuses in one
 * statement (`setPaymentStatuses`).
 *
 * Undo: the batch's transaction.
 */
export function capturedStatus(payment: Payment): { payment: Payment; change: PaymentStatusChange } {
  return { payment, change: { status: 'captured' } };
}
