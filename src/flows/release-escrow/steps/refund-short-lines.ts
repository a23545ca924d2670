import type { AnyTrx } from '../../../kernel/db.js';
import { shortPickRefundsOf } from '../../../modules/fulfilment/index.js';
import { escrowAccounts, heldMoney, lineRefundId, lineRefundUnit, moveMoney, recordLineRefund, setPaymentStatus, type Payment } from '../../../modules/payments/index.js';

/** The payment with what escrow holds for it now, after its line refunds. */
export type HeldMoney = Payment & { line_refunds: number; line_refunded_minor: bigint };

/**
 * Short picks refunded lines while the order goes on: return from escrow what they refunded and
 * has not been returned yet (one line refund: void the hold, refund, hold the rest again), for
 * the provider to send. Runs first in every escrow step, so a release or an order refund never
 * pays out what a short pick owes the buyer, whichever event arrives first. When nothing is left
 * held, the payment is refunded.
 *
 * Undo: the handler's transaction.
 */
export async function refundShortLines(trx: AnyTrx, payment: Payment): Promise<HeldMoney> {
  const held = await heldMoney(trx, payment);
  const owed = (await shortPickRefundsOf(trx, payment.merchant_id, payment.order_id)) - held.line_refunded_minor;
  if (owed <= 0n || held.amount_minor <= 0n) return held;
  const amount = owed > held.amount_minor ? held.amount_minor : owed;
  const seq = held.line_refunds + 1;
  await moveMoney(trx, lineRefundUnit(held, await escrowAccounts(trx, payment.merchant_id, payment.currency), amount), 'line refund');
  await recordLineRefund(trx, payment, { id: lineRefundId(payment.id, seq), seq, amount_minor: amount, reason: 'short pick' });
  const after = { ...held, amount_minor: held.amount_minor - amount, line_refunds: seq, line_refunded_minor: held.line_refunded_minor + amount };
  // Everything came back to the buyer line by line: nothing is left to release or refund.
  if (after.amount_minor === 0n) await setPaymentStatus(trx, payment, { status: 'refunded', refund_amount_minor: 0n });
  return after;
}
