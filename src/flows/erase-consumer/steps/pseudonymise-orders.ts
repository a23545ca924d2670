import type { AnyTrx } from '../../../kernel/db.js';
import { pseudonymiseBuyer } from '../../../modules/orders/index.js';

/**
 * Step 1: the merchant's orders keep the person as a pseudonym (the accounts need the orders),
 * and its storefront's carts lose the email; yields the raw addresses found, for the next steps.
 *
 * Undo: none; erasure is meant not to be undone. It runs in the flow's one transaction.
 */
export async function pseudonymiseOrders(trx: AnyTrx, merchant_id: string, email_hashes: readonly string[]): Promise<string[]> {
  return (await pseudonymiseBuyer(trx, merchant_id, email_hashes)).emails;
}
