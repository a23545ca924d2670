import type { AnyDb } from '../../../kernel/db.js';
import { problems } from '../../../kernel/problem.js';
import { claimForCheckout, reopenCart } from '../../../modules/orders/index.js';

/**
 * Cart checkout, step 1: mark the cart checked out before its checkout joins a batch, so two
 * concurrent checkouts of one cart cannot both order; the second gets 409 `cart_checked_out`.
 *
 * Undo: this step commits on its own, outside the batch's transaction, so it has a
 * compensation: `releaseCart` reopens the cart when the checkout fails for any reason (sold out,
 * a refused line, 503, an error), so the buyer can fix it and try again.
 */
export async function claimCart(db: AnyDb, cart_id: string): Promise<void> {
  if (!(await claimForCheckout(db, cart_id))) throw problems.conflict('cart_checked_out', 'This cart has already been checked out');
}

/** The compensation of `claimCart`. */
export async function releaseCart(db: AnyDb, cart_id: string): Promise<void> {
  await reopenCart(db, cart_id);
}
