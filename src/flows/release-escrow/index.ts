import { onEvent } from '../../kernel/events/event.js';
import { defineFlow } from '../../kernel/flow.js';
import { fulfilmentLineRefunded } from '../../modules/fulfilment/index.js';
import { orderCompleted, orderRefunded } from '../../modules/orders/index.js';
import { refundEscrow, refundShortPicks, releaseEscrow } from './release-escrow.js';

/**
 * Release escrow: money held for a seller since capture (capture-payment flow) leaves escrow
 * when the order ends, each in one transaction:
 *
 *   on order.completed → steps/find-held-payment.ts → steps/release-to-seller.ts (less commission)
 *   on order.refunded  → steps/find-held-payment.ts → steps/refund-to-buyer.ts
 *   on fulfilment.line_refunded → steps/find-held-payment.ts → steps/refund-short-lines.ts
 *
 * Every step first returns what short picks refunded and escrow has not returned yet
 * (steps/refund-short-lines.ts), so the events may arrive in any order.
 *
 * The handlers keep the names they had in the payments module, because the outbox records
 * completion per handler name.
 */
export const releaseEscrowFlow = defineFlow({
  name: 'release-escrow',
  handlers: ({ db }) => [
    onEvent(orderCompleted, 'payments.release_escrow', (e) => releaseEscrow(db, e.merchant_id!, e.payload.order_id)),
    onEvent(orderRefunded, 'payments.refund_escrow', (e) => refundEscrow(db, e.merchant_id!, e.payload.order_id, BigInt(e.payload.refund_amount_minor ?? e.payload.total_minor))),
    onEvent(fulfilmentLineRefunded, 'payments.refund_short_lines', (e) => refundShortPicks(db, e.merchant_id!, e.payload.order_id)),
  ],
});

export { releaseEscrow, refundEscrow, refundShortPicks } from './release-escrow.js';
