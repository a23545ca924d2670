import type { ModuleContext } from '../../kernel/module.js';
import { defineModule } from '../../kernel/module.js';
import { checks } from './checks.js';
import { migrations } from './migrations.js';
import { sendPendingRefunds } from './payments.js';
import type { PaymentProvider } from './provider.js';
import { runPayouts } from './payouts.js';
import { registerRoutes } from './routes.js';
import { registerAuthorisationRoutes } from './authorisation-routes.js';
import { TestPaymentProvider } from './test-provider.js';
import { testProviderEnabled, testProviderSecret } from './test-provider-secret.js';
import { commands } from './cli.js';
import { payoutPaid } from './events.js';
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
function testProvider(ctx: ModuleContext): TestPaymentProvider {
  return senderOf(ctx).provider;
}

/**
 * The test provider of one server process with its webhook sender. Webhooks are sent as soon as
 * they are queued, as a real provider's delivery fleet does (a payment is confirmed within
 * milliseconds of the provider's decision, not at the next round of a timer), and the
 * maintenance task's round every 200 ms sends what is left: webhooks queued by another process,
 * or due again after a failed delivery. One round at a time per process; a webhook claimed by a
 * round is not due to any other until its delivery is over. Sending at once starts with the
 * maintenance rounds: a process that runs none (a test, a `bos` command) sends nothing by itself.
 */
class TestWebhookSender {
  readonly provider: TestPaymentProvider;
  private running: Promise<void> | undefined;
  private again = false;
  private scheduled = false;
  /** Set by the first maintenance round: this process runs the server's background work. */
  private live = false;

  constructor({ db, config }: ModuleContext) {
    this.provider = new TestPaymentProvider(db, {
      secret: testProviderSecret(config),
      answer_delay_ms: paymentSettings.of(config).OPENBOS_TEST_PROVIDER_ANSWER_DELAY_MS,
      onQueued: () => this.nudge(),
      async deliver(body, headers) {
        const res = await fetch(`http://127.0.0.1:${config.PORT}/v1/webhooks/payments/test`, { method: 'POST', headers, body });
        await res.arrayBuffer();
        return res.status;
      },
    });
  }

  /** Webhooks were queued: a round starts within a millisecond, or right after the current one. */
  nudge(): void {
    if (!this.live || this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      void this.send().catch(() => undefined);
    }, 1).unref();
  }

  /** The maintenance task's round: from now on webhooks are also sent as soon as they are queued. */
  round(): Promise<void> {
    this.live = true;
    return this.send();
  }

  /** Sends due webhooks as a stream (512 in flight) until none is due, then again if more were queued meanwhile. */
  send(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.provider.deliverStream(512);
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}

const senders = new WeakMap<object, TestWebhookSender>();

function senderOf(ctx: ModuleContext): TestWebhookSender {
  let sender = senders.get(ctx.db);
  if (sender === undefined) {
    sender = new TestWebhookSender(ctx);
    senders.set(ctx.db, sender);
  }
  return sender;
}

/**
 * The payment providers by name; a real provider registers here beside the test one, which is
 * left out in production unless enabled explicitly (it accepts fake cards).
 */
export function paymentProviders(ctx: ModuleContext): ReadonlyMap<string, PaymentProvider> {
  return new Map(testProviderEnabled(ctx.config) ? [['test', testProvider(ctx)]] : []);
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
  routes: (router, ctx) => {
    registerRoutes(router, ctx, paymentProviders(ctx));
    registerAuthorisationRoutes(router, ctx, paymentProviders(ctx));
  },
  maintenance: [
    { name: 'payments.test_provider_webhooks', interval_ms: 200, run: whenTestProvider(async (ctx) => senderOf(ctx).round()) },
    { name: 'payments.send_refunds', interval_ms: 2_000, run: whenTestProvider(async (ctx) => void (await sendPendingRefunds(ctx.db, testProvider(ctx)))) },
    { name: 'payments.payouts', interval_ms: 24 * 3_600_000, run: async ({ db }) => void (await runPayouts(db)) },
  ],
  scopes: [
    { name: 'payments:read', kind: 'secret', description: 'Read payments, escrow and the balance the platform owes the store' },
    { name: 'payouts:read', kind: 'secret', description: 'Read payouts and their statements' },
    { name: 'payouts:write', kind: 'secret', description: 'Ask to be paid the available balance now' },
  ],
  webhookEvents: [payoutPaid],
  settings: paymentSettings,
  commands,
});

export { paymentSettings } from './settings.js';

export { payCheckout, sendPendingRefunds, recordProviderEvents, setPaymentStatuses, type ReceivedProviderEvent, unansweredPayments, resolveUnansweredPayment, heldPayment, heldMoney, type HeldMoney, recordLineRefund, setPaymentStatus, type EventOutcome, type Payment, type PaymentStatusChange, type RecordedProviderEvent } from './payments.js';
export { runPayouts, requestPayout, getPayoutStatement, listPayouts, type PayoutSummary } from './payouts.js';
export { payoutPaid } from './events.js';
export { TestPaymentProvider, testCards, signPayload, signatureHeader } from './test-provider.js';
export { testProviderEnabled, testProviderSecret } from './test-provider-secret.js';
export { InvalidSignatureError, type ChargeLookup, type PaymentProvider, type ProviderEvent } from './provider.js';
export { captureUnit, escrowAccounts, lineRefundId, lineRefundUnit, moveMoney, moveMoneyInUnits, refundSplit, refundUnit, releaseUnit, transferIds, type EscrowAccounts } from './escrow.js';
export { authorisationOf, authorisationRefusal, authorisations_max, chargePayment, paymentById, createPaymentAuthorisation, listPaymentAuthorisations, openPayment, revokePaymentAuthorisation, type ChargeSource, type PaymentAuthorisation } from './authorisations.js';
export { refundFromSeller, sellerRefundTransferId, type SellerRefund } from './seller-refunds.js';
