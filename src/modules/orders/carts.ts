import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { quoteLines, type LineQuote } from '../catalog/index.js';
import type { CartTable, OrderTables } from './tables.js';

/**
 * Guest carts. A cart may hold items of several sellers; checkout splits it into one order per
 * seller. The cart ID names it, and its token (shown once, stored hashed) lets its holder use it.
 */
export const cart_lines_max = 50;

export type Cart = Omit<CartTable, 'token_hash' | 'created_at' | 'updated_at'> & { created_at: Date; updated_at: Date };
export type CartView = Cart & { items: { variant_id: string; quantity: number; quote: LineQuote }[]; total_minor: bigint };

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createCart(db: AnyDb, input: { channel_merchant_id: string; currency: string; buyer_email?: string | undefined }): Promise<{ cart: Cart; token: string }> {
  const token = `ct_${randomBytes(24).toString('base64url')}`;
  const row = await tablesOf<OrderTables>(db)
    .insertInto('cart')
    .values({ id: newId('cart'), token_hash: hash(token), channel_merchant_id: input.channel_merchant_id, currency: input.currency, buyer_email: input.buyer_email ?? null, status: 'open' })
    .returningAll()
    .executeTakeFirstOrThrow();
  const { token_hash: _h, ...cart } = row;
  return { cart, token };
}

/** The cart, if the token opens it; otherwise 404 (a wrong token must not reveal that it exists). */
export async function openCart(db: AnyDb, cart_id: string, token: string | undefined): Promise<Cart> {
  const row = await tablesOf<OrderTables>(db).selectFrom('cart').selectAll().where('id', '=', cart_id).executeTakeFirst();
  const presented = Buffer.from(hash(token ?? ''));
  if (row === undefined || !timingSafeEqual(presented, Buffer.from(row.token_hash))) throw problems.notFound('The cart');
  const { token_hash: _h, ...cart } = row;
  return cart;
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
