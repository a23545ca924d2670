import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { claimGuestOrders } from './steps/claim-guest-orders.js';
import { confirmEmail } from './steps/confirm-email.js';

/** A consumer opened the emailed verification link: confirm the email, then claim their guest orders, in one transaction. */
export async function verifyEmail(db: AnyDb, token: string): Promise<{ consumer_id: string; email: string; linked_order_ids: string[] }> {
  return inTransaction(db, async (trx) => {
    const verified = await confirmEmail(trx, token);
    const linked_order_ids = await claimGuestOrders(trx, verified);
    return { consumer_id: verified.consumer_id, email: verified.email, linked_order_ids };
  });
}
