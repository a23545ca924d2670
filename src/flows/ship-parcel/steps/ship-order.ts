import type { AnyTrx } from '../../../kernel/db.js';
import { transitionOrder } from '../../../modules/orders/index.js';

/**
 * Ships the order through the orders state machine, with the label's tracking number: the same
 * `ship` transition as `POST /v1/orders/{id}/ship` (reserved stock becomes a sale, the
 * auto-confirm timer starts, `order.shipped` is published). In the flow's transaction: the
 * rollback undoes it. An order no longer paid is refused (409) and the transaction rolls back.
 */
export async function shipOrder(trx: AnyTrx, input: { merchant_id: string; order_id: string; tracking_number: string; actor: string; auto_confirm_after_s: number }): Promise<void> {
  await transitionOrder(trx, input.merchant_id, input.order_id, 'ship', { actor: input.actor, tracking_number: input.tracking_number, auto_confirm_after_s: input.auto_confirm_after_s, reason: 'shipped by carrier' });
}
