import type { AnyDb } from '../../../kernel/db.js';
import { claimForCheckout, reopenCart, type Cart, type CartKey } from '../../../modules/orders/index.js';

/**
 * Cart checkout, step 1: mark the cart checked out before its checkout joins a batch, so two
 * concurrent checkouts of one cart cannot both order; the second gets 409 `cart_checked_out`.
 * The same statement opens the cart with the buyer's key (404 when it does not open it), and
 * from then on no item can change (setCartItem refuses a checked-out cart), so the items read
 * next are the ones ordered.
 *
 * Undo: this step commits on its own, outside the batch's transaction, so it has a
 * compensation: `releaseCart` reopens the cart when the checkout fails for any reason (an empty
 * cart, a changed total, sold out, a refused line, 503, an error), so the buyer can fix it and
 * try again.
 */
export async function claimCart(db: AnyDb, cart_id: string, key: CartKey): Promise<Cart> {
  return claimForCheckout(db, cart_id, key);
}

/** The compensation of `claimCart`. */
export async function releaseCart(db: AnyDb, cart_id: string): Promise<void> {
  await reopenCart(db, cart_id);
}
