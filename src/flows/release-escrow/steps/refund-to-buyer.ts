import type { AnyTrx } from '../../../kernel/db.js';
import { escrowAccounts, moveMoney, refundUnit, setPaymentStatus } from '../../../modules/payments/index.js';
import type { HeldMoney } from './refund-short-lines.js';

/**
 * A refund was granted: of what escrow still holds (`held`, after line refunds of short picks), void the hold (a full refund) or post the part the seller keeps, less
 * commission (a partial one), return the refund to the buyer through provider clearing and the
 * platform's share of the discount it funded to the platform (escrow.ts `refundSplit`), and mark
 * the payment refunded or partially refunded. A refund above what was paid returns what was paid.
 * The payments module's `payments.send_refunds` then asks the provider to send it.
 *
 * Undo: the handler's transaction.
 */
export async function refundToBuyer(trx: AnyTrx, held: HeldMoney, refund_minor: bigint): Promise<void> {
  const amount = refund_minor > held.amount_minor ? held.amount_minor : refund_minor;
  await moveMoney(trx, refundUnit(held, await escrowAccounts(trx, held.merchant_id, held.currency), amount), 'refund');
  await setPaymentStatus(trx, held, { status: amount >= held.amount_minor ? 'refunded' : 'partially_refunded', refund_amount_minor: amount });
}
