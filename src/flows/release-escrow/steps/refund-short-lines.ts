import type { AnyTrx } from '../../../kernel/db.js';
import { shareOfUnits } from '../../../kernel/money.js';
import { shortPickRefundsOf } from '../../../modules/fulfilment/index.js';
import { escrowAccounts, heldMoney, lineRefundId, lineRefundUnit, moveMoney, recordLineRefund, setPaymentStatus, type HeldMoney, type Payment } from '../../../modules/payments/index.js';
import { platformFundedLines } from '../../../modules/promotions/index.js';

export type { HeldMoney } from '../../../modules/payments/index.js';

/** Nothing is left in escrow for the seller: neither the buyer's money nor the platform's. */
export const nothingHeld = (held: HeldMoney) => held.amount_minor + held.platform_funded_minor <= 0n;

/**
 * Short picks refunded lines while the order goes on: return from escrow what they refunded and
 * has not been returned yet (one line refund: void the hold, refund, hold the rest again), for
 * the provider to send. The buyer gets back what they paid for the units (their price less their
 * share of the line's discount), and the platform its funding of those units' discount; the
 * seller's hold shrinks by both. Runs first in every escrow step, so a release or an order
 * refund never pays out what a short pick owes the buyer, whichever event arrives first. When
 * nothing is left held, the payment is refunded.
 *
 * Undo: the handler's transaction.
 */
export async function refundShortLines(trx: AnyTrx, payment: Payment): Promise<HeldMoney> {
  const held = await heldMoney(trx, payment);
  if (nothingHeld(held)) return held;
  const refunds = await shortPickRefundsOf(trx, payment.merchant_id, payment.order_id);
  if (refunds.length === 0) return held;
  const platformOf = payment.platform_funded_minor > 0n ? await platformFundedLines(trx, payment.merchant_id, payment.order_id) : new Map<number, bigint>();
  const paid = refunds.reduce((s, r) => s + r.paid_minor, 0n);
  const platform = refunds.reduce((s, r) => s + shareOfUnits(platformOf.get(r.line_no) ?? 0n, r.refunded_quantity, r.quantity), 0n);
  const amount = min(paid - held.line_refunded_minor, held.amount_minor);
  const platform_minor = min(platform - held.line_platform_returned_minor, held.platform_funded_minor);
  if (amount < 0n || platform_minor < 0n || amount + platform_minor <= 0n) return held;
  const seq = held.line_refunds + 1;
  await moveMoney(trx, lineRefundUnit(held, await escrowAccounts(trx, payment.merchant_id, payment.currency), amount, platform_minor), 'line refund');
  await recordLineRefund(trx, payment, { id: lineRefundId(payment.id, seq), seq, amount_minor: amount, platform_funded_minor: platform_minor, reason: 'short pick' });
  const after: HeldMoney = {
    ...held,
    amount_minor: held.amount_minor - amount,
    platform_funded_minor: held.platform_funded_minor - platform_minor,
    line_refunds: seq,
    line_refunded_minor: held.line_refunded_minor + amount,
    line_platform_returned_minor: held.line_platform_returned_minor + platform_minor,
  };
  // Everything came back line by line: nothing is left to release or refund.
  if (nothingHeld(after)) await setPaymentStatus(trx, payment, { status: 'refunded', refund_amount_minor: 0n });
  return after;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
