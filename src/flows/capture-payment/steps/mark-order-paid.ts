import type { AnyTrx } from '../../../kernel/db.js';
import { Problem } from '../../../kernel/problem.js';
import { transitionOrder } from '../../../modules/orders/index.js';
import type { Payment } from '../../../modules/payments/index.js';

/**
 * Step 2: the order the payment is for moves from awaiting payment to paid (`pay`), with the
 * provider as actor, which publishes `order.paid`. Answers false when the order can no longer be
 * paid: it closed (unpaid too long, or cancelled) before the money arrived.
 *
 * Undo: the batch's transaction. A paid order is never un-paid; it is refunded.
 */
export async function markOrderPaid(trx: AnyTrx, payment: Payment): Promise<boolean> {
  try {
    await transitionOrder(trx, payment.merchant_id, payment.order_id, 'pay', { actor: `provider:${payment.provider}`, reason: `payment ${payment.id}` });
    return true;
  } catch (error) {
    // The state machine refuses before it writes anything, so the transaction is still usable.
    if (error instanceof Problem && error.code === 'illegal_order_transition') return false;
    throw error;
  }
}
