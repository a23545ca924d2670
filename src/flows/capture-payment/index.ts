import { defineFlow } from '../../kernel/flow.js';
import { recoverUnansweredPayments } from './recover-unanswered.js';
import { registerRoutes } from './routes.js';

/**
 * Capture a payment: the provider reports by signed webhook that it captured the buyer's money;
 * the platform holds it in escrow for the seller and marks the order paid, in one transaction.
 * Webhooks are group-committed (`ProviderEventCommitter`, one batch in flight, up to 200), and a
 * batch costs a fixed number of statements whatever its size:
 *
 *   routes.ts              POST /v1/webhooks/payments/{provider}: verify the signature, join a batch
 *   capture-payment.ts     payments.recordProviderEvents (lock the payments, store the events, apply
 *                          what concerns the payments alone); then the captures of open payments:
 *     steps/hold-in-escrow.ts          ledger: capture + hold per payment, one ledger batch
 *     steps/mark-order-paid.ts         orders.transitionOrders(pay), one batch of transitions
 *     steps/mark-payment-captured.ts   payments.setPaymentStatuses(captured), one statement
 *     or, for an order that already closed, the compensation refundCaptures (hold-in-escrow.ts)
 *   recover-unanswered.ts  maintenance: a payment whose provider call never answered (the server
 *                          died mid-call) is looked up at the provider by its reference and
 *                          captured as above, or failed so the buyer may pay again
 */
export const capturePaymentFlow = defineFlow({
  name: 'capture-payment',
  routes: registerRoutes,
  maintenance: [{ name: 'capture-payment.recover_unanswered', interval_ms: 2_000, run: async (ctx) => void (await recoverUnansweredPayments(ctx)) }],
});

export { ProviderEventCommitter } from './committer.js';
export { applyProviderEvents, capturePayment } from './capture-payment.js';
export { recoverUnansweredPayments } from './recover-unanswered.js';
