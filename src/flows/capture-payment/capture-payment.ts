import type { AnyTrx } from '../../kernel/db.js';
import { recordProviderEvents, setPaymentStatuses, type EventOutcome, type Payment, type ReceivedProviderEvent } from '../../modules/payments/index.js';
import { holdInEscrow, refundCaptures } from './steps/hold-in-escrow.js';
import { markOrdersPaid } from './steps/mark-order-paid.js';
import { capturedStatus } from './steps/mark-payment-captured.js';

/**
 * Applies a batch of provider events inside one transaction (the group commit's), as if one after
 * the other in arrival order. The payments module records the events and applies what concerns
 * the payments alone; the captures of open payments are the flow below, all of the batch's at
 * once, so a batch costs a fixed number of statements whatever its size.
 */
export async function applyProviderEvents(trx: AnyTrx, batch: readonly ReceivedProviderEvent[]): Promise<EventOutcome[]> {
  const recorded = await recordProviderEvents(trx, batch);
  await capturePayments(
    trx,
    recorded.flatMap((r) => ('capture' in r ? [r.capture] : [])),
  );
  return recorded.map((r) => ('outcome' in r ? r.outcome : 'applied'));
}

/**
 * The provider captured the buyers' money: hold it in escrow for the sellers and mark the orders
 * paid, in the caller's transaction. An order that closed before its money arrived gets it all
 * back (the compensation `refundCaptures`).
 */
export async function capturePayments(trx: AnyTrx, payments: readonly Payment[]): Promise<void> {
  if (payments.length === 0) return;
  await holdInEscrow(trx, payments);
  const paid = await markOrdersPaid(trx, payments);
  const closed = payments.filter((_, i) => !paid[i]);
  await refundCaptures(trx, closed);
  await setPaymentStatuses(trx, [...payments.filter((_, i) => paid[i]).map(capturedStatus), ...closed.map((payment) => ({ payment, change: { status: 'refunded' as const, refund_amount_minor: payment.amount_minor, failure_code: 'order_closed_before_capture' } }))]);
}

/** One capture (the recovery of an unanswered payment): `capturePayments` with one payment. */
export async function capturePayment(trx: AnyTrx, payment: Payment): Promise<EventOutcome> {
  await capturePayments(trx, [payment]);
  return 'applied';
}
