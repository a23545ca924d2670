import type { AnyTrx } from '../../../kernel/db.js';
import { problems } from '../../../kernel/problem.js';
import { itemsOfCarts } from '../../../modules/orders/index.js';
import type { CheckoutRequest, CheckoutResult, ItemizedCheckout } from '../types.js';

/**
 * Step 0: the items of every claimed cart in the batch, in one statement. The carts were claimed
 * (checked out) before they joined the batch and no item of a checked-out cart changes, so what is
 * read here is what the buyer orders. A cart without items is refused (422 `cart_empty`).
 *
 * Undo: nothing; it only reads.
 */
export async function readCartItems(trx: AnyTrx, requests: readonly CheckoutRequest[]): Promise<(ItemizedCheckout | Extract<CheckoutResult, { ok: false }>)[]> {
  const cart_ids = requests.flatMap((r) => (r.items === 'cart' && r.cart_id !== null ? [r.cart_id] : []));
  const byCart = cart_ids.length === 0 ? new Map<string, { variant_id: string; quantity: number }[]>() : await itemsOfCarts(trx, cart_ids);
  return requests.map((r) => {
    if (r.items !== 'cart') return { ...r, items: r.items };
    const items = r.cart_id === null ? undefined : byCart.get(r.cart_id);
    if (items === undefined || items.length === 0) return { ok: false, problem: problems.unprocessable('cart_empty', 'The cart has no items') };
    return { ...r, items };
  });
}
