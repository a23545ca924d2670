import type { ModuleContext } from '../../kernel/module.js';
import { defineModule } from '../../kernel/module.js';
import { onEvent } from '../../kernel/events/event.js';
import { orderCompleted, orderRefunded } from '../orders/index.js';
import { checks } from './checks.js';
import { migrations } from './migrations.js';
import { ProviderEventCommitter, refundEscrow, releaseEscrow, sendPendingRefunds } from './payments.js';
import type { PaymentProvider } from './provider.js';
import { runPayouts } from './payouts.js';
import { registerRoutes } from './routes.js';
import { TestPaymentProvider } from './test-provider.js';

/**
 * Payments and escrow: the buyer pays, the platform holds the money in escrow on the ledger,
 * the seller ships, the buyer confirms (or the timer does), the money is released to the seller
 * minus commission; refunds void or split the hold; payouts settle sellers with statements.
 */
function testProvider({ db, config }: ModuleContext): TestPaymentProvider {
  return new TestPaymentProvider(db, {
    secret: config.OPENBOS_TEST_PROVIDER_SECRET,
    async deliver(body, headers) {
      const res = await fetch(`http://127.0.0.1:${config.PORT}/v1/webhooks/payments/test`, { method: 'POST', headers, body });
      await res.arrayBuffer();
      return res.status;
    },
  });
}

function providers(ctx: ModuleContext): Map<string, PaymentProvider> {
  return new Map([['test', testProvider(ctx)]]);
}

export const paymentsModule = defineModule({
  name: 'payments',
  migrations,
  checks,
  routes: (router, ctx) => registerRoutes(router, ctx, providers(ctx), new ProviderEventCommitter(ctx.db, ctx.logger.child({ component: 'payment-events' }))),
  handlers: ({ db }) => [
    onEvent(orderCompleted, 'payments.release_escrow', (e) => releaseEscrow(db, e.merchant_id!, e.payload.order_id)),
    onEvent(orderRefunded, 'payments.refund_escrow', (e) => refundEscrow(db, e.merchant_id!, e.payload.order_id, BigInt(e.payload.refund_amount_minor ?? e.payload.total_minor))),
  ],
  maintenance: [
    { name: 'payments.test_provider_webhooks', interval_ms: 200, run: async (ctx) => void (await testProvider(ctx).deliverDue()) },
    { name: 'payments.send_refunds', interval_ms: 2_000, run: async (ctx) => void (await sendPendingRefunds(ctx.db, testProvider(ctx))) },
    { name: 'payments.payouts', interval_ms: 24 * 3_600_000, run: async ({ db }) => void (await runPayouts(db)) },
  ],
});

export { payCheckout, releaseEscrow, refundEscrow, sendPendingRefunds, applyProviderEvents, ProviderEventCommitter, type Payment } from './payments.js';
export { runPayouts, getPayoutStatement, listPayouts } from './payouts.js';
export { TestPaymentProvider, testCards, signPayload, signatureHeader } from './test-provider.js';
export type { PaymentProvider, ProviderEvent } from './provider.js';
export { escrowAccounts, transferIds } from './escrow.js';
