import type { AnyTrx } from '../../../kernel/db.js';
import { escrowAccounts, moveMoney, releaseUnit, setPaymentStatus, type Payment } from '../../../modules/payments/index.js';

/**
 * The buyer has the goods: post the hold to the seller for the amount less the platform's
 * commission, take the commission, and mark the payment `released`.
 *
 * Undo: the handler's transaction. Released money is the seller's; it is never taken back here.
 */
export async function releaseToSeller(trx: AnyTrx, payment: Payment): Promise<void> {
  await moveMoney(trx, releaseUnit(payment, await escrowAccounts(trx, payment.merchant_id, payment.currency)), 'release');
  await setPaymentStatus(trx, payment, { status: 'released' });
}
