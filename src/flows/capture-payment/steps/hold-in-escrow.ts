import type { AnyTrx } from '../../../kernel/db.js';
import { captureUnit, escrowAccounts, moveMoneyInUnits, refundUnit, type Payment } from '../../../modules/payments/index.js';

/**
 * Step 1: the captured money enters the platform's escrow on the ledger (provider clearing →
 * escrow, posted), with what the platform adds for the discounts it funds (promotion expense →
 * escrow, the payment's `platform_funded_minor`), and is held for the seller (escrow → seller
 * payable, pending), one linked unit per payment, all in one ledger batch. Transfer IDs come from the payment, so a repeated capture
 * finds its transfers there instead of moving money twice.
 *
 * Undo: inside the batch's transaction, the rollback. Once the money is in, the compensation is
 * `refundCaptures` (below): the whole payment goes back to the buyer.
 */
export async function holdInEscrow(trx: AnyTrx, payments: readonly Payment[]): Promise<void> {
  const units = [];
  for (const p of payments) units.push(captureUnit(p, await escrowAccounts(trx, p.merchant_id, p.currency)));
  await moveMoneyInUnits(trx, units, 'capture');
}

/**
 * The compensation of `holdInEscrow`: void the hold and return the whole amount to the buyer
 * (escrow → provider clearing) and the platform's funding to the platform. The caller marks the payments refunded with why; the payments
 * module's `payments.send_refunds` then asks the provider to send the money back.
 */
export async function refundCaptures(trx: AnyTrx, payments: readonly Payment[]): Promise<void> {
  const units = [];
  for (const p of payments) units.push(refundUnit(p, await escrowAccounts(trx, p.merchant_id, p.currency), p.amount_minor));
  await moveMoneyInUnits(trx, units, 'refund of a capture');
}
