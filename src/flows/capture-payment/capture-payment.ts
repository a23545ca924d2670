import type { AnyTrx } from '../../kernel/db.js';
import { recordProviderEvent, type EventOutcome, type Payment, type ProviderEvent } from '../../modules/payments/index.js';
import { holdInEscrow, refundCapture } from './steps/hold-in-escrow.js';
import { markOrderPaid } from './steps/mark-order-paid.js';
import { markPaymentCaptured } from './steps/mark-payment-captured.js';

/**
 * Applies a batch of provider events inside one transaction (the group commit's), in arrival
 * order. The payments module records each event and applies what concerns the payment alone;
 * a capture of an open payment is the flow below.
 */
export async function applyProviderEvents(trx: AnyTrx, batch: readonly { provider: string; event: ProviderEvent }[]): Promise<EventOutcome[]> {
  const outcomes: EventOutcome[] = [];
  for (const { provider, event } of batch) {
    const recorded = await recordProviderEvent(trx, provider, event);
    if ('outcome' in recorded) outcomes.push(recorded.outcome);
    else outcomes.push(await capturePayment(trx, recorded.capture));
  }
  return outcomes;
}

/**
 * The provider captured the buyer's money: hold it in escrow for the seller and mark the order
 * paid, in one transaction. If the order closed before the money arrived, it all goes back.
 */
export async function capturePayment(trx: AnyTrx, payment: Payment): Promise<EventOutcome> {
  await holdInEscrow(trx, payment);
  if (await markOrderPaid(trx, payment)) {
    await markPaymentCaptured(trx, payment);
  } else {
    await refundCapture(trx, payment, 'order_closed_before_capture');
  }
  return 'applied';
}
