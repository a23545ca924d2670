import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { onEvent, type EventHandler } from '../../kernel/events/event.js';
import { getOrder, orderPaid, orderRefunded } from '../orders/index.js';
import { earnForOrder, reverseForOrder } from './members.js';

/**
 * Points on spend: a paid order of the brand by a signed-in buyer earns points at the buyer's
 * level (the buyer joins on their first order), and a refund takes them back. Each is at most
 * once per order (the journal's unique source), so a redelivered event changes nothing.
 */
export function pointsHandlers(db: AnyDb): EventHandler[] {
  return [
    onEvent(orderPaid, 'membership.earn_points', async (e) => {
      const merchant_id = e.merchant_id;
      if (merchant_id === null) return;
      const order = await getOrder(db, merchant_id, e.payload.order_id);
      if (order?.consumer_id == null) return;
      const consumer_id = order.consumer_id;
      await inTransaction(db, (trx) => earnForOrder(trx, merchant_id, { order_id: order.id, consumer_id, total_minor: order.total_minor, currency: order.currency }));
    }),
    onEvent(orderRefunded, 'membership.reverse_points', async (e) => {
      const merchant_id = e.merchant_id;
      if (merchant_id === null) return;
      await inTransaction(db, (trx) => reverseForOrder(trx, merchant_id, { order_id: e.payload.order_id, total_minor: e.payload.total_minor, refund_amount_minor: e.payload.refund_amount_minor }));
    }),
  ];
}
