import { inTransaction, type AnyDb } from '../../kernel/db.js';
import type { ModuleContext } from '../../kernel/module.js';
import { getSale, processingSales, saleOfOrder, markSaleDeclined } from '../../modules/instore/index.js';
import { paymentById } from '../../modules/payments/index.js';
import type { InStoreSaleResult } from './contract.js';
import { saleResult } from './sell.js';
import { declineSale } from './steps/charge-sale.js';

const poll_ms = 25;

/**
 * Waits until the sale is paid or declined, or `timeout_ms` passed, and answers it as it stands
 * then (still `processing` at the timeout). A payment that failed by webhook declines the sale
 * here (the order closes), as the maintenance round would a moment later. Undefined: no such sale.
 */
export async function awaitSale(db: AnyDb, merchant_id: string, sale_id: string, timeout_ms: number): Promise<InStoreSaleResult | undefined> {
  const until = Date.now() + Math.max(0, timeout_ms);
  for (;;) {
    let sale = await getSale(db, merchant_id, sale_id);
    if (sale === undefined) return undefined;
    if (sale.status === 'processing' && sale.payment_id !== null) {
      const payment = await paymentById(db, merchant_id, sale.payment_id);
      if (payment?.status === 'failed') sale = (await declineSale(db, sale, payment.failure_code ?? 'payment_failed')) ?? sale;
    }
    if (sale.status !== 'processing' || Date.now() >= until) return saleResult(sale);
    await new Promise((r) => setTimeout(r, poll_ms));
  }
}

/** The maintenance round: sales whose payment failed by webhook (after it answered "processing") are declined. */
export async function declineFailedSales({ db }: Pick<ModuleContext, 'db'>): Promise<number> {
  let declined = 0;
  for (const sale of await processingSales(db, new Date(Date.now() - 1_000), 200)) {
    if (sale.payment_id === null) continue;
    const payment = await paymentById(db, sale.merchant_id, sale.payment_id);
    if (payment?.status !== 'failed') continue;
    await declineSale(db, sale, payment.failure_code ?? 'payment_failed');
    declined++;
  }
  return declined;
}

/** An in-store order closed on its own (unpaid in time, cancelled): its sale, still processing, is declined. */
export async function declineClosedSale(db: AnyDb, merchant_id: string, order_id: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const sale = await saleOfOrder(trx, merchant_id, order_id, { lock: true });
    if (sale !== undefined && sale.status === 'processing') await markSaleDeclined(trx, sale, 'order_closed');
  });
}
