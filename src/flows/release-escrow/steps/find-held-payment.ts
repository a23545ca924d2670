import type { AnyTrx } from '../../../kernel/db.js';
import { heldPayment, type Payment } from '../../../modules/payments/index.js';

/**
 * The order's payment whose money is held in escrow, locked until the transaction ends; undefined
 * when nothing is held (never paid, or already released or refunded), which is what makes a
 * repeated event harmless.
 *
 * Undo: nothing; it only reads and locks.
 */
export async function findHeldPayment(trx: AnyTrx, merchant_id: string, order_id: string): Promise<Payment | undefined> {
  return heldPayment(trx, merchant_id, order_id);
}
