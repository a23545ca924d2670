import { inTransaction } from '../../kernel/db.js';
import type { ModuleContext } from '../../kernel/module.js';
import { paymentProviders, paymentSettings, resolveUnansweredPayment, unansweredPayments, type PaymentProvider } from '../../modules/payments/index.js';
import { capturePayment } from './capture-payment.js';

/**
 * Recovery of payments whose provider call never answered. The payment row is committed before
 * the provider is called, so a server that dies mid-call leaves it `processing` without the
 * provider's charge ID. Its webhooks link it by reference when they arrive; this covers the rest
 * (webhooks lost, or a provider that never charged): after OPENBOS_PAYMENT_RECOVERY_AFTER_S it
 * asks the provider for the charge by the payment's reference and applies the answer. Captured:
 * held in escrow and the order paid, the same capture a webhook makes. Failed or never charged:
 * the payment fails, so the buyer may pay again. Still processing: linked, the webhook follows.
 *
 * Runs in every server process; the payment's row lock makes each recovery happen once.
 */
export async function recoverUnansweredPayments(ctx: ModuleContext, providers: ReadonlyMap<string, PaymentProvider> = paymentProviders(ctx)): Promise<number> {
  const after_s = paymentSettings.of(ctx.config).OPENBOS_PAYMENT_RECOVERY_AFTER_S;
  let recovered = 0;
  for (const provider of providers.values()) {
    for (const payment of await unansweredPayments(ctx.db, provider.name, after_s)) {
      // One payment that cannot be settled (a provider error, a charge of another amount) is
      // logged and tried again next time; it does not hold up the others.
      try {
        const found = await provider.lookup(payment.id);
        const outcome = await inTransaction(ctx.db, async (trx) => {
          const resolved = await resolveUnansweredPayment(trx, payment, found);
          return 'capture' in resolved ? capturePayment(trx, resolved.capture) : resolved.outcome;
        });
        if (outcome === 'applied') recovered++;
        ctx.logger.warn({ payment_id: payment.id, provider: provider.name, found: found.status, outcome }, 'recovered a payment whose provider call never answered');
      } catch (error) {
        ctx.logger.error({ err: error, payment_id: payment.id, provider: provider.name }, 'could not recover a payment whose provider call never answered');
      }
    }
  }
  return recovered;
}
