import type { AnyTrx } from '../../../kernel/db.js';
import { escrowAccounts, moveMoney, refundUnit, setPaymentStatus, type Payment } from '../../../modules/payments/index.js';

/**
 * A refund was granted: void the hold (a full refund) or post the part the seller keeps, less
 * commission (a partial one), return the refund to the buyer through provider clearing, and mark
 * the payment refunded or partially refunded. A refund above what was paid returns what was paid.
 * The payments module's `payments.send_refunds` then asks the provider to send it.
 *
 * Undo: the handler's transaction.
 */
export async function refundToBuyer(trx: AnyTrx, payment: Payment, refund_minor: bigint): Promise<void> {
  const amount = refund_minor > payment.amount_minor ? payment.amount_minor : refund_minor;
  await moveMoney(trx, refundUnit(payment, await escrowAccounts(trx, payment.merchant_id, payment.currency), amount), 'refund');
  await setPaymentStatus(trx, payment, { status: amount >= payment.amount_minor ? 'refunded' : 'partially_refunded', refund_amount_minor: amount });
}
