import type { AnyTrx } from '../../../kernel/db.js';
import { escrowAccounts, moveMoney, releaseUnit, setPaymentStatus } from '../../../modules/payments/index.js';
import type { HeldMoney } from './refund-short-lines.js';

/**
 * The buyer has the goods: post the hold to the seller for what it holds (what the buyer paid and
 * what the platform added for the discounts it funds, less any line refunds of short picks) less
 * the platform's commission, take the commission, and mark the payment `released`.
 *
 * Undo: the handler's transaction. Released money is the seller's; it is never taken back here.
 */
export async function releaseToSeller(trx: AnyTrx, held: HeldMoney): Promise<void> {
  await moveMoney(trx, releaseUnit(held, await escrowAccounts(trx, held.merchant_id, held.currency)), 'release');
  await setPaymentStatus(trx, held, { status: 'released' });
}
