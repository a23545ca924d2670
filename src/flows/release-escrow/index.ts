import { onEvent } from '../../kernel/events/event.js';
import { defineFlow } from '../../kernel/flow.js';
import { orderCompleted, orderRefunded } from '../../modules/orders/index.js';
import { refundEscrow, releaseEscrow } from './release-escrow.js';

/**
 * Release escrow: money held for a seller since capture (capture-payment flow) leaves escrow
 * when the order ends, each in one transaction:
 *
 *   on order.completed → steps/find-held-payment.ts → steps/release-to-seller.ts (less commission)
 *   on order.refunded  → steps/find-held-payment.ts → steps/refund-to-buyer.ts
 *
 * The handlers keep the names they had in the payments module, because the outbox records
 * completion per handler name.
 */
export const releaseEscrowFlow = defineFlow({
  name: 'release-escrow',
  handlers: ({ db }) => [
    onEvent(orderCompleted, 'payments.release_escrow', (e) => releaseEscrow(db, e.merchant_id!, e.payload.order_id)),
    onEvent(orderRefunded, 'payments.refund_escrow', (e) => refundEscrow(db, e.merchant_id!, e.payload.order_id, BigInt(e.payload.refund_amount_minor ?? e.payload.total_minor))),
  ],
});

export { releaseEscrow, refundEscrow } from './release-escrow.js';
