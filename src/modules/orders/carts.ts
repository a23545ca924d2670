import { timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import { hashToken, newToken } from '../../kernel/tokens.js';
import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { quoteLines, type LineQuote } from '../catalog/index.js';
import type { CartTable, OrderTables } from './tables.js';

/**
 * Carts of guests and of signed-in consumers. A cart may hold items of several sellers; checkout
 * splits it into one order per seller. The cart ID names it, and its token (shown once, stored
 * hashed) lets its holder use it. A signed-in consumer's cart also opens with their session, on
 * any device; a guest who signs in claims their cart with both.
 */
export const cart_lines_max = 50;

export type Cart = Omit<CartTable, 'token_hash' | 'created_at' | 'updated_at'> & { created_at: Date; updated_at: Date };
export type CartView = Cart & { items: { variant_id: string; quantity: number; quote: LineQuote }[]; total_minor: bigint };


export async function createCart(db: AnyDb, input: { channel_merchant_id: string; currency: string; buyer_email?: string | undefined; consumer_id?: string | undefined }): Promise<{ cart: Cart; token: string }> {
  const token = newToken('ct_', 24);
  const row = await tablesOf<OrderTables>(db)
    .insertInto('cart')
    .values({ id: newId('cart'), token_hash: hashToken(token), channel_merchant_id: input.channel_merchant_id, currency: input.currency, buyer_email: input.buyer_email ?? null, consumer_id: input.consumer_id ?? null, status: 'open' })
    .returningAll()
    .executeTakeFirstOrThrow();
  const { token_hash: _h, ...cart } = row;
  return { cart, token };
}

/**
 * The cart, if it belongs to the signed-in consumer, or if it is a guest's cart and the token
 * opens it; otherwise 404 (a wrong token must not reveal that it exists). Once a consumer owns a
 * cart its guest token opens nothing: whoever kept the token must not read the account's cart.
 */
export async function openCart(db: AnyDb, cart_id: string, token: string | undefined, consumer_id?: string): Promise<Cart> {
  const row = await tablesOf<OrderTables>(db).selectFrom('cart').selectAll().where('id', '=', cart_id).executeTakeFirst();
  const presented = Buffer.from(hashToken(token ?? ''));
  const owned = row !== undefined && consumer_id !== undefined && row.consumer_id === consumer_id;
  const guestOpens = row !== undefined && row.consumer_id === null && timingSafeEqual(presented, Buffer.from(row.token_hash));
  if (row === undefined || (!owned && !guestOpens)) throw problems.notFound('The cart');
  const { token_hash: _h, ...cart } = row;
  return cart;
}

/** A guest cart becomes the signed-in consumer's; another consumer's cart is refused with 409. */
export async function claimCart(db: AnyDb, cart: Cart, consumer: { id: string; email: string }): Promise<Cart> {
  if (cart.consumer_id !== null && cart.consumer_id !== consumer.id) throw problems.conflict('cart_owned', 'This cart belongs to another account');
  const row = await tablesOf<OrderTables>(db)
    .updateTable('cart')
    // The guest token is retired: from now on only the account opens the cart.
    .set({ consumer_id: consumer.id, token_hash: hashToken(newToken('ct_', 24)), buyer_email: sql`coalesce(buyer_email, ${consumer.email})`, updated_at: sql`now()` })
    .where('id', '=', cart.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const { token_hash: _h, ...claimed } = row;
  return claimed;
}

/** A consumer's open carts, newest first. */
export async function consumerCarts(db: AnyDb, consumer_id: string): Promise<Cart[]> {
  const rows = await tablesOf<OrderTables>(db).selectFrom('cart').selectAll().where('consumer_id', '=', consumer_id).where('status', '=', 'open').orderBy('id', 'desc').limit(20).execute();
  return rows.map(({ token_hash: _h, ...cart }) => cart);
}

export async function setCartItem(db: AnyDb, cart: Cart, variant_id: string, quantity: number): Promise<void> {
  if (cart.status !== 'open') throw problems.conflict('cart_checked_out', 'This cart has been checked out');
  await inTransaction(db, async (trx) => {
    const t = tablesOf<OrderTables>(trx);
    await sql`select 1 from cart where id = ${cart.id} for update`.execute(trx);
    if (quantity === 0) {
      await t.deleteFrom('cart_item').where('cart_id', '=', cart.id).where('variant_id', '=', variant_id).execute();
      return;
    }
    const [quote] = await quoteLines(trx, [{ variant_id, quantity }], cart.currency);
    if (quote !== undefined && !quote.ok) throw problems.unprocessable(quote.refusal, quote.detail);
    const lines = await t.selectFrom('cart_item').select('variant_id').where('cart_id', '=', cart.id).execute();
    if (!lines.some((l) => l.variant_id === variant_id) && lines.length >= cart_lines_max) {
      throw problems.unprocessable('cart_item_limit', `A cart holds at most ${cart_lines_max} different items`);
    }
    await t
      .insertInto('cart_item')
      .values({ cart_id: cart.id, variant_id, quantity })
      .onConflict((oc) => oc.columns(['cart_id', 'variant_id']).doUpdateSet({ quantity }))
      .execute();
    await t.updateTable('cart').set({ updated_at: sql`now()` }).where('id', '=', cart.id).execute();
  });
}

export async function viewCart(db: AnyDb, cart: Cart): Promise<CartView> {
  const items = await tablesOf<OrderTables>(db).selectFrom('cart_item').select(['variant_id', 'quantity']).where('cart_id', '=', cart.id).orderBy('added_at').execute();
  const quotes = await quoteLines(db, items, cart.currency);
  const total_minor = quotes.reduce((sum, q) => (q.ok ? sum + q.unit_price_minor * BigInt(q.quantity) : sum), 0n);
  return { ...cart, items: items.map((item, i) => ({ ...item, quote: quotes[i]! })), total_minor };
}

/** Claims an open cart for checkout, so two concurrent checkouts of one cart cannot both order. */
export async function claimForCheckout(db: AnyDb, cart_id: string): Promise<boolean> {
  const row = await tablesOf<OrderTables>(db).updateTable('cart').set({ status: 'checked_out', updated_at: sql`now()` }).where('id', '=', cart_id).where('status', '=', 'open').returning('id').executeTakeFirst();
  return row !== undefined;
}

/** Reopens a cart whose checkout was refused (sold out, price changed), so the buyer may fix it. */
export async function reopenCart(db: AnyDb, cart_id: string): Promise<void> {
  await tablesOf<OrderTables>(db).updateTable('cart').set({ status: 'open', updated_at: sql`now()` }).where('id', '=', cart_id).execute();
}

export async function cartItems(db: AnyDb, cart_id: string): Promise<{ variant_id: string; quantity: number }[]> {
  return tablesOf<OrderTables>(db).selectFrom('cart_item').select(['variant_id', 'quantity']).where('cart_id', '=', cart_id).orderBy('added_at').execute();
}
