import type { AnyTrx } from '../../../kernel/db.js';
import { captureUnit, escrowAccounts, moveMoney, refundUnit, setPaymentStatus, type Payment } from '../../../modules/payments/index.js';

/**
 * Step 1: the captured money enters the platform's escrow on the ledger (provider clearing →
 * escrow, posted) and is held for the seller (escrow → seller payable, pending). Transfer IDs come
 * from the payment, so a repeated capture finds its transfers there instead of moving money twice.
 *
 * Undo: inside the batch's transaction, the rollback. Once the money is in, the compensation is
 * `refundCapture` (below): the whole payment goes back to the buyer.
 */
export async function holdInEscrow(trx: AnyTrx, payment: Payment): Promise<void> {
  await moveMoney(trx, captureUnit(payment, await escrowAccounts(trx, payment.merchant_id, payment.currency)), 'capture');
}

/**
 * The compensation of `holdInEscrow`: void the hold and return the whole amount to the buyer
 * (escrow → provider clearing), and mark the payment refunded with why. The payments module's
 * `payments.send_refunds` then asks the provider to send the money back.
 */
export async function refundCapture(trx: AnyTrx, payment: Payment, failure_code: string): Promise<void> {
  await moveMoney(trx, refundUnit(payment, await escrowAccounts(trx, payment.merchant_id, payment.currency), payment.amount_minor), 'refund of a capture');
  await setPaymentStatus(trx, payment, { status: 'refunded', refund_amount_minor: payment.amount_minor, failure_code });
}
