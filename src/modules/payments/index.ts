import type { ModuleContext } from '../../kernel/module.js';
import { defineModule } from '../../kernel/module.js';
import { checks } from './checks.js';
import { migrations } from './migrations.js';
import { sendPendingRefunds } from './payments.js';
import type { PaymentProvider } from './provider.js';
import { runPayouts } from './payouts.js';
import { registerRoutes } from './routes.js';
import { TestPaymentProvider } from './test-provider.js';
import { testProviderEnabled, testProviderSecret } from './test-provider-secret.js';
import { commands } from './cli.js';
import { paymentSettings } from './settings.js';

/**
 * Payments and escrow: the buyer pays, the platform holds the money in escrow on the ledger,
 * the seller ships, the buyer confirms (or the timer does), the money is released to the seller
 * minus commission; refunds void or split the hold; payouts settle sellers with statements.
 * The steps that span modules are flows: a provider's capture marks the order paid
 * (src/flows/capture-payment), and an order's completion or refund settles its escrow
 * (src/flows/release-escrow). This module owns the payments, the provider events and how money
 * moves for them, and exposes what those flows need.
 */
function testProvider({ db, config }: ModuleContext): TestPaymentProvider {
  return new TestPaymentProvider(db, {
    secret: testProviderSecret(config),
    answer_delay_ms: paymentSettings.of(config).OPENBOS_TEST_PROVIDER_ANSWER_DELAY_MS,
    async deliver(body, headers) {
      const res = await fetch(`http://127.0.0.1:${config.PORT}/v1/webhooks/payments/test`, { method: 'POST', headers, body });
      await res.arrayBuffer();
      return res.status;
    },
  });
}

/**
 * The payment providers by name; a real provider registers here beside the test one, which is
 * left out in production unless enabled explicitly (it accepts fake cards).
 */
export function paymentProviders(ctx: ModuleContext): ReadonlyMap<string, PaymentProvider> {
  return new Map(testProviderEnabled(ctx.config) ? [['test', testProvider(ctx)]] : []);
}

/** Sends due test-provider webhooks round after round while rounds come back full (at most 20 a tick). */
async function drainTestWebhooks(provider: TestPaymentProvider): Promise<void> {
  const round = 200;
  for (let i = 0; i < 20 && (await provider.deliverDue(round)) === round; i++);
}

/** Runs a test-provider task only where the test provider is enabled. */
function whenTestProvider(run: (ctx: ModuleContext) => Promise<void>): (ctx: ModuleContext) => Promise<void> {
  return async (ctx) => {
    if (testProviderEnabled(ctx.config)) await run(ctx);
  };
}

export const paymentsModule = defineModule({
  name: 'payments',
  migrations,
  checks,
  routes: (router, ctx) => registerRoutes(router, ctx, paymentProviders(ctx)),
  maintenance: [
    // A full round means more are due: send on at once rather than wait for the next tick.
    { name: 'payments.test_provider_webhooks', interval_ms: 200, run: whenTestProvider(async (ctx) => void (await drainTestWebhooks(testProvider(ctx)))) },
    { name: 'payments.send_refunds', interval_ms: 2_000, run: whenTestProvider(async (ctx) => void (await sendPendingRefunds(ctx.db, testProvider(ctx)))) },
    { name: 'payments.payouts', interval_ms: 24 * 3_600_000, run: async ({ db }) => void (await runPayouts(db)) },
  ],
  scopes: [
    { name: 'payments:read', kind: 'secret', description: 'Read payments, escrow and the balance the platform owes the store' },
    { name: 'payouts:read', kind: 'secret', description: 'Read payouts and their statements' },
  ],
  settings: paymentSettings,
  commands,
});

export { paymentSettings } from './settings.js';

export { payCheckout, sendPendingRefunds, recordProviderEvent, recordProviderEvents, setPaymentStatuses, type ReceivedProviderEvent, unansweredPayments, resolveUnansweredPayment, heldPayment, setPaymentStatus, type EventOutcome, type Payment, type PaymentStatusChange, type RecordedProviderEvent } from './payments.js';
export { runPayouts, getPayoutStatement, listPayouts } from './payouts.js';
export { TestPaymentProvider, testCards, signPayload, signatureHeader } from './test-provider.js';
export { testProviderEnabled, testProviderSecret } from './test-provider-secret.js';
export { InvalidSignatureError, type ChargeLookup, type PaymentProvider, type ProviderEvent } from './provider.js';
export { captureUnit, escrowAccounts, moveMoney, moveMoneyInUnits, refundUnit, releaseUnit, transferIds, type EscrowAccounts } from './escrow.js';
