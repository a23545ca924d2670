import type { AnyTrx } from '../../../kernel/db.js';
import { publish } from '../../../kernel/events/outbox.js';
import { orderEventPayload, orderPlaced, placedBy, type PlacedOrder } from '../../../modules/orders/index.js';

/**
 * Step 6: publish `order.placed` for every order, one outbox statement per seller, so the data
 * bank, webhooks and whatever comes next hear of it once the batch commits.
 *
 * Undo: the batch's transaction; an event exists exactly when its order does.
 */
export async function publishOrdersPlaced(trx: AnyTrx, placed: readonly PlacedOrder[]): Promise<void> {
  const byMerchant = new Map<string, PlacedOrder[]>();
  for (const p of placed) byMerchant.set(p.order.merchant_id, [...(byMerchant.get(p.order.merchant_id) ?? []), p]);
  for (const [merchant_id, orders] of byMerchant) {
    await publish(trx, orderPlaced, merchant_id, orders.map(({ order, lines }) => orderEventPayload(order, lines, null, 'awaiting_payment', placedBy(order.checkout_id))));
  }
}
