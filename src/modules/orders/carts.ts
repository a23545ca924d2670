import { timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import { hashToken, newToken } from '../../kernel/tokens.js';
import { tablesOf, type AnyDb } from '../../kernel/db.js';
import type { Logger } from 'pino';
import { GroupCommitter } from '../../kernel/group-commit.js';
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
/** Every column but the token's hash, which never leaves this module. */
export const cartColumns = ['id', 'channel_merchant_id', 'currency', 'buyer_email', 'consumer_id', 'status', 'created_at', 'updated_at'] as const;

export type CartView = Cart & { items: { variant_id: string; quantity: number; quote: LineQuote }[]; total_minor: bigint };


export interface NewCart {
  channel_merchant_id: string;
  currency: string;
  buyer_email?: string | undefined;
  consumer_id?: string | undefined;
}

/**
 * Opens carts in one statement (those that buyers open at the same moment, `CartOpener`); a new
 * cart's view needs no query, since it is empty. Answers in the order asked.
 */
export async function createCarts(db: AnyDb, inputs: readonly NewCart[]): Promise<{ cart: CartView; token: string }[]> {
  const tokens = inputs.map(() => newToken('ct_', 24));
  const rows = await tablesOf<OrderTables>(db)
    .insertInto('cart')
    .values(inputs.map((input, i) => ({ id: newId('cart'), token_hash: hashToken(tokens[i]!), channel_merchant_id: input.channel_merchant_id, currency: input.currency, buyer_email: input.buyer_email ?? null, consumer_id: input.consumer_id ?? null, status: 'open' })))
    .returning(cartColumns)
    .execute();
  // IDs are sortable and made in the order asked, so sorting the returned rows restores it.
  rows.sort((a, b) => (a.id < b.id ? -1 : 1));
  return rows.map((cart, i) => ({ cart: { ...cart, items: [], total_minor: 0n }, token: tokens[i]! }));
}

/**
 * Carts opened at the same moment are inserted together (group commit): one statement and one
 * commit for a batch instead of one per buyer, which matters when a storefront opens hundreds of
 * carts a second. Each buyer hears of their own cart once the batch committed.
 */
export class CartOpener extends GroupCommitter<NewCart, { cart: CartView; token: string }> {
  constructor(db: AnyDb, logger: Logger) {
    super('cart', (batch) => createCarts(db, batch), logger, { batch_size_max: 200 });
  }
}

/**
 * The cart, if it belongs to the signed-in consumer, or if it is a guest's cart and the token
 * opens it; otherwise 404 (a wrong token must not reveal that it exists). Once a consumer owns a
 * cart its guest token opens nothing: whoever kept the token must not read the account's cart.
 */
export async function openCart(db: AnyDb, cart_id: string, token: string | undefined, consumer_id?: string): Promise<Cart> {
  const row = await tablesOf<OrderTables>(db).selectFrom('cart').selectAll().where('id', '=', cart_id).executeTakeFirst();
  if (row === undefined || !keyOpens(row, { token, consumer_id })) throw problems.notFound('The cart');
  const { token_hash: _h, ...cart } = row;
  return cart;
}

/** `openCart`'s rule for a cart row already read: its consumer's session, or the token of a guest cart. */
export function keyOpens(row: { consumer_id: string | null; token_hash: string }, key: CartKey): boolean {
  const owned = key.consumer_id !== undefined && row.consumer_id === key.consumer_id;
  const guestOpens = row.consumer_id === null && timingSafeEqual(Buffer.from(hashToken(key.token ?? '')), Buffer.from(row.token_hash));
  return owned || guestOpens;
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

/** What a request presents to open a cart: the cart's guest token and, when signed in, the consumer. */
export interface CartKey {
  token: string | undefined;
  consumer_id: string | undefined;
}

/**
 * `openCart`'s rule as a SQL condition, for the statements that open and change a cart at once:
 * the signed-in consumer's own cart, or a guest cart whose token hash matches. The stored value is
 * a SHA-256 of a random token, compared as API keys are (`token_hash = ...`), so the comparison's
 * timing tells nothing about any token.
 */
function opens(key: CartKey) {
  return sql<boolean>`((cart.consumer_id is null and cart.token_hash = ${hashToken(key.token ?? '')}) or cart.consumer_id = ${key.consumer_id ?? null}::text)`;
}

/** A cart with its lines priced by `quotes` (one per line, in the same order). */
export function cartView(cart: Cart, items: readonly { variant_id: string; quantity: number }[], quotes: readonly LineQuote[]): CartView {
  const total_minor = quotes.reduce((sum, q) => (q.ok ? sum + q.unit_price_minor * BigInt(q.quantity) : sum), 0n);
  return { ...cart, items: items.map((item, i) => ({ ...item, quote: quotes[i]! })), total_minor };
}

/** The cart priced at current prices. */
export async function viewCart(db: AnyDb, cart: Cart): Promise<CartView> {
  const items = await cartItems(db, cart.id);
  return cartView(cart, items, await quoteLines(db, items, cart.currency));
}

/**
 * Claims an open cart for checkout in one statement, so two concurrent checkouts of one cart
 * cannot both order: the cart, if the key opens it and it was open; otherwise why not (404 when
 * the key does not open it, so a wrong token learns nothing; 409 when it is checked out).
 */
export async function claimForCheckout(db: AnyDb, cart_id: string, key: CartKey): Promise<Cart> {
  const row = await tablesOf<OrderTables>(db)
    .updateTable('cart')
    .set({ status: 'checked_out', updated_at: sql`now()` })
    .where('id', '=', cart_id)
    .where('status', '=', 'open')
    .where(opens(key))
    .returning(cartColumns)
    .executeTakeFirst();
  if (row !== undefined) return row;
  // The rare refusal pays a second query to say which one it is.
  await openCart(db, cart_id, key.token, key.consumer_id);
  throw problems.conflict('cart_checked_out', 'This cart has already been checked out');
}

/** Reopens a cart whose checkout was refused (sold out, price changed), so the buyer may fix it. */
export async function reopenCart(db: AnyDb, cart_id: string): Promise<void> {
  await tablesOf<OrderTables>(db).updateTable('cart').set({ status: 'open', updated_at: sql`now()` }).where('id', '=', cart_id).execute();
}

/** The items of many carts in one statement, each cart's in the order they were added. */
export async function itemsOfCarts(db: AnyDb, cart_ids: readonly string[]): Promise<Map<string, { variant_id: string; quantity: number }[]>> {
  const rows = await tablesOf<OrderTables>(db).selectFrom('cart_item').select(['cart_id', 'variant_id', 'quantity']).where('cart_id', '=', sql<string>`any(${[...cart_ids]}::text[])`).orderBy('cart_id').orderBy('added_at').orderBy('variant_id').execute();
  const byCart = new Map<string, { variant_id: string; quantity: number }[]>();
  for (const { cart_id, variant_id, quantity } of rows) byCart.set(cart_id, [...(byCart.get(cart_id) ?? []), { variant_id, quantity }]);
  return byCart;
}

export async function cartItems(db: AnyDb, cart_id: string): Promise<{ variant_id: string; quantity: number }[]> {
  return tablesOf<OrderTables>(db).selectFrom('cart_item').select(['variant_id', 'quantity']).where('cart_id', '=', cart_id).orderBy('added_at').orderBy('variant_id').execute();
}
