import type { AnyTrx } from '../../../kernel/db.js';
import { linkGuestOrders } from '../../../modules/orders/index.js';
import type { VerifiedEmail } from '../../../modules/accounts/index.js';

/**
 * Step 2: the guest orders placed with the verified email at the storefront the link was asked
 * from become the consumer's (`order.linked_to_consumer` per order). Only after step 1: the
 * email is proven theirs.
 *
 * Undo: the flow's transaction.
 */
export async function claimGuestOrders(trx: AnyTrx, verified: VerifiedEmail): Promise<string[]> {
  const linked = await linkGuestOrders(trx, { consumer_id: verified.consumer_id, email: verified.email, channel_merchant_id: verified.merchant_id });
  return linked.map((o) => o.id);
}
