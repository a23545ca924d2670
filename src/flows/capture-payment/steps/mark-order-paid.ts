import type { AnyTrx } from '../../../kernel/db.js';
import { Problem } from '../../../kernel/problem.js';
import { transitionOrders } from '../../../modules/orders/index.js';
import type { Payment } from '../../../modules/payments/index.js';

/**
 * Step 2: the orders the payments are for move from awaiting payment to paid (`pay`), with the
 * provider as actor, which publishes `order.paid`, all in one batch of transitions. Answers, per
 * payment, false when its order can no longer be paid: it closed (unpaid too long, or cancelled)
 * before the money arrived.
 *
 * Undo: the batch's transaction. A paid order is never un-paid; it is refunded.
 */
export async function markOrdersPaid(trx: AnyTrx, payments: readonly Payment[]): Promise<boolean[]> {
  const answers = await transitionOrders(
    trx,
    payments.map((p) => ({ merchant_id: p.merchant_id, order_id: p.order_id, action: 'pay' as const, options: { actor: `provider:${p.provider}`, reason: `payment ${p.id}` } })),
  );
  return answers.map((answer, i) => {
    // The state machine refuses before it writes anything for that order.
    if (answer instanceof Problem && answer.code === 'illegal_order_transition') return false;
    if (answer instanceof Problem) throw answer;
    if (answer === undefined) throw new Error(`payment ${payments[i]!.id} is for order ${payments[i]!.order_id}, which does not exist`);
    return true;
  });
}
