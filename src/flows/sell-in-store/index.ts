import { inTransaction } from '../../kernel/db.js';
import { onEvent } from '../../kernel/events/event.js';
import { defineFlow } from '../../kernel/flow.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { saleOfOrder } from '../../modules/instore/index.js';
import { mailFrom } from '../../modules/mail/index.js';
import { orderClosed, orderPaid } from '../../modules/orders/index.js';
import { declineClosedSale, declineFailedSales } from './await-sale.js';
import { payPorts } from './ports-baskets.js';
import { registerPayBasketRoutes } from './routes-baskets.js';
import { registerGateRoutes } from './routes-gates.js';
import { handOverPaidSale } from './steps/hand-over.js';
import { finishStuckSessions } from './unattended.js';

/**
 * Sell in store (issue 18): every in-store sale, from a scan-and-pay basket, a till or an
 * unattended store's exit gate, becomes an order of the store, priced and promoted as online, its
 * stock taken from that store, paid by the member's consumer code (their standing payment
 * authorisation) or a card, escrow released at once. See docs/STORES.md.
 *
 *   sell.ts             sellInStore: the sale, its order, stock and payment in one transaction, then the charge
 *   await-sale.ts       awaitSale: until paid or declined; the round that declines sales whose payment failed
 *   steps/hand-over.ts  on order.paid of an in-store order: handed over, completed, receipt, instore.paid
 *   refund.ts           refundInStore: goods back into the store's stock, money back to the buyer
 *   unattended.ts       unattended stores: entry and exit gates (the exit charges once), reviews, disputes
 */
export const sellInStoreFlow = defineFlow({
  name: 'sell-in-store',
  routes: (router: ModuleRouter, ctx: ModuleContext) => {
    // Paying a scan-and-pay basket or a till sale, refunds at a till (routes-baskets.ts).
    registerPayBasketRoutes(router, ctx, payPorts);
    // Unattended stores: gates, review, disputes (routes-gates.ts).
    registerGateRoutes(router, ctx);
  },
  handlers: ({ db, config }) => [
    onEvent(orderPaid, 'sell-in-store.hand_over', async (e) => {
      await inTransaction(db, async (trx) => {
        const sale = await saleOfOrder(trx, e.merchant_id!, e.payload.order_id, { lock: true });
        if (sale === undefined || sale.status !== 'processing') return;
        await handOverPaidSale(trx, sale, { mail_from: mailFrom(config) });
      });
    }),
    onEvent(orderClosed, 'sell-in-store.decline_closed', (e) => declineClosedSale(db, e.merchant_id!, e.payload.order_id)),
  ],
  maintenance: [
    { name: 'sell-in-store.decline_failed', interval_ms: 2_000, run: async (ctx) => void (await declineFailedSales(ctx)) },
    { name: 'sell-in-store.finish_stuck_sessions', interval_ms: 30_000, run: async (ctx) => void (await finishStuckSessions(ctx)) },
  ],
});

export type { InStoreSale, InStoreSaleLine, InStoreSaleResult, SellOutcome } from './contract.js';
export { sellInStore, sellContext, saleResult, sale_lines_max, type SellContext } from './sell.js';
export { awaitSale, declineFailedSales } from './await-sale.js';
export { refundInStore, type InStoreRefundRequest, type InStoreRefundResult, type RefundOutcome } from './refund.js';
export { inStoreRefundJson, inStoreRefundSchema, inStoreSaleJson, inStoreSaleSchema } from './http.js';
export { enterStore, exitStore, finishSession, finishStuckSessions, resolveStoreSession, decideStoreDispute, type ExitOutcome } from './unattended.js';
