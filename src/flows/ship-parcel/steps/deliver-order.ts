import type { AnyTrx } from '../../../kernel/db.js';
import { Problem } from '../../../kernel/problem.js';
import { transitionOrders } from '../../../modules/orders/index.js';

/**
 * The carrier delivered the parcel: the order moves to delivered through the state machine (the
 * escrow's auto-confirm timer keeps running as after any delivery). An order that is no longer
 * shipped (the buyer asked for a refund meanwhile, or the seller marked it delivered by hand) is
 * left as it is. In the flow's transaction: the rollback undoes it.
 */
export async function deliverOrder(trx: AnyTrx, merchant_id: string, order_id: string, carrier: string): Promise<boolean> {
  const [answer] = await transitionOrders(trx, [{ merchant_id, order_id, action: 'deliver', options: { actor: `system:carrier:${carrier}`, reason: 'the carrier delivered the parcel' } }]);
  return answer !== undefined && !(answer instanceof Problem);
}
