import { inTransaction, type AnyDb } from '../../../kernel/db.js';
import { Problem } from '../../../kernel/problem.js';
import { markSaleDeclined, saleOfOrder, type SaleRow } from '../../../modules/instore/index.js';
import { transitionOrder } from '../../../modules/orders/index.js';
import { chargePayment, paymentById, type ChargeSource } from '../../../modules/payments/index.js';
import type { SellContext } from '../sell.js';

/**
 * Step 5, after the sale's transaction committed: the provider is asked to authorise and capture
 * the payment (off-session with the buyer's authorisation, or the card presented). `processing`:
 * the capture follows by webhook. Declined at once (or the provider stays unavailable): the
 * compensation `declineSale` closes the order, which releases the stock and gives the coupons
 * back, and the sale is declined; the answer is 402 with the provider's reason (503 unavailable).
 */
export async function chargeSale(sell: SellContext, sale: SaleRow, source: ChargeSource): Promise<{ ok: true; sale: SaleRow } | { ok: false; problem: Problem }> {
  const payment = await paymentById(sell.db, sale.merchant_id, sale.payment_id!);
  if (payment === undefined) throw new Error(`sale ${sale.id}: its payment ${sale.payment_id} is missing`);
  let charged;
  try {
    charged = await chargePayment(sell.db, sell.sealer, sell.provider, payment, source);
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    await declineSale(sell.db, sale, 'provider_unavailable');
    return { ok: false, problem: error };
  }
  if (charged.status !== 'failed') return { ok: true, sale };
  const code = charged.failure_code ?? 'card_declined';
  await declineSale(sell.db, sale, code);
  return { ok: false, problem: new Problem(402, code, 'The payment was declined', `The charge of the in-store sale was declined (${code}); nothing was charged and the goods stay in the store`) };
}

/**
 * The compensation of a failed charge: the order closes (stock released, coupons given back) and
 * the sale is declined, in one transaction; a sale no longer processing is left as it is.
 */
export async function declineSale(db: AnyDb, sale: Pick<SaleRow, 'merchant_id' | 'order_id'>, failure_code: string): Promise<SaleRow | undefined> {
  return inTransaction(db, async (trx) => {
    const locked = await saleOfOrder(trx, sale.merchant_id, sale.order_id, { lock: true });
    if (locked === undefined || locked.status !== 'processing') return locked;
    await transitionOrder(trx, locked.merchant_id, locked.order_id, 'close', { actor: 'system:sell-in-store', reason: `the in-store charge failed (${failure_code})` });
    return markSaleDeclined(trx, locked, failure_code);
  });
}
