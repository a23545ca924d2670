import { sql } from 'kysely';
import type { Logger } from 'pino';
import { inTransaction, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { GroupCommitter } from '../../kernel/group-commit.js';
import { problems, type Problem } from '../../kernel/problem.js';
import { quoteLines, type LineQuote } from '../catalog/index.js';
import { cart_lines_max, cartColumns, cartView, itemsOfCarts, keyOpens, type Cart, type CartKey, type CartView } from './carts.js';

/**
 * Setting the quantity of an item in a cart (0 removes it). Buyers who do it at the same moment
 * are served together (group commit, `CartItemWriter`): one transaction for the batch, whatever
 * its size, of four statements: lock the carts named, read their lines, price every line in one
 * catalog query per currency, write every change (and touch the carts changed). Each buyer hears
 * their own outcome: the cart as their change left it, priced, or why not (404 when their key
 * does not open the cart, 409 once it is checked out, 422 for a line that cannot be bought or a
 * cart already holding `cart_lines_max` different items).
 *
 * The lines are read after the carts are locked, by a statement of their own, so they are
 * current: writes to one cart, in one batch or in several, apply one after the other and never
 * exceed the limit. Batches lock carts in ID order, so two batches in flight never deadlock.
 */
export interface CartItemRequest {
  cart_id: string;
  key: CartKey;
  variant_id: string;
  quantity: number;
}

export type CartItemResult = { ok: true; cart: CartView } | { ok: false; problem: Problem };

type Line = { variant_id: string; quantity: number };

export class CartItemWriter extends GroupCommitter<CartItemRequest, CartItemResult> {
  constructor(db: AnyDb, logger: Logger) {
    super('cart_item', (batch) => setCartItems(db, batch), logger, { batch_size_max: 200 });
  }
}

/** A batch of item writes in one transaction; answers in the order asked. */
export async function setCartItems(db: AnyDb, requests: readonly CartItemRequest[]): Promise<CartItemResult[]> {
  return inTransaction(db, async (trx) => {
    const carts = await lockCarts(trx, requests.map((r) => r.cart_id));
    const before = await itemsOfCarts(trx, [...carts.keys()]);
    const quotes = await quoteAll(trx, requests, carts, before);
    const after = new Map<string, Line[]>();
    const results = requests.map((request) => applyOne(request, carts, before, after, quotes));
    await writeChanges(trx, before, after);
    return results;
  });
}

/** The carts named, locked in ID order, with what opens them. */
async function lockCarts(trx: AnyTrx, cart_ids: readonly string[]): Promise<Map<string, Cart & { token_hash: string }>> {
  const ids = [...new Set(cart_ids)].sort();
  const rows = await sql<Cart & { token_hash: string }>`
    select ${sql.join(cartColumns.map((c) => sql.ref(c)))}, token_hash from cart where id = any(${ids}::text[]) order by id for update`.execute(trx);
  return new Map(rows.rows.map((r) => [r.id, r]));
}

/**
 * Every line the batch may leave in a cart, priced in one catalog query per currency: the lines
 * the carts hold and the lines asked for (a price tier depends on the quantity).
 */
async function quoteAll(trx: AnyTrx, requests: readonly CartItemRequest[], carts: Map<string, Cart>, before: Map<string, Line[]>): Promise<Map<string, LineQuote>> {
  const byCurrency = new Map<string, Line[]>();
  const add = (currency: string, line: Line) => byCurrency.set(currency, [...(byCurrency.get(currency) ?? []), line]);
  for (const [cart_id, cart] of carts) for (const line of before.get(cart_id) ?? []) add(cart.currency, line);
  for (const r of requests) {
    const cart = carts.get(r.cart_id);
    if (cart !== undefined && r.quantity > 0) add(cart.currency, { variant_id: r.variant_id, quantity: r.quantity });
  }
  const quotes = new Map<string, LineQuote>();
  for (const [currency, lines] of byCurrency) {
    const priced = await quoteLines(trx, lines, currency);
    lines.forEach((line, i) => quotes.set(quoteKey(currency, line), priced[i]!));
  }
  return quotes;
}

const quoteKey = (currency: string, line: Line) => `${currency}|${line.variant_id}|${line.quantity}`;

/** One request against the cart as the requests before it in the batch left it. */
function applyOne(request: CartItemRequest, carts: Map<string, Cart & { token_hash: string }>, before: Map<string, Line[]>, after: Map<string, Line[]>, quotes: Map<string, LineQuote>): CartItemResult {
  const row = carts.get(request.cart_id);
  if (row === undefined || !keyOpens(row, request.key)) return { ok: false, problem: problems.notFound('The cart') };
  if (row.status !== 'open') return { ok: false, problem: problems.conflict('cart_checked_out', 'This cart has been checked out') };
  const lines = after.get(row.id) ?? before.get(row.id) ?? [];
  const held = lines.some((l) => l.variant_id === request.variant_id);
  let next: Line[];
  if (request.quantity === 0) {
    next = lines.filter((l) => l.variant_id !== request.variant_id);
  } else {
    const quote = quotes.get(quoteKey(row.currency, request))!;
    if (!quote.ok) return { ok: false, problem: problems.unprocessable(quote.refusal, quote.detail) };
    if (!held && lines.length >= cart_lines_max) return { ok: false, problem: problems.unprocessable('cart_item_limit', `A cart holds at most ${cart_lines_max} different items`) };
    const line = { variant_id: request.variant_id, quantity: request.quantity };
    next = held ? lines.map((l) => (l.variant_id === request.variant_id ? line : l)) : [...lines, line];
  }
  after.set(row.id, next);
  const { token_hash: _h, ...cart } = row;
  return { ok: true, cart: cartView(cart, next, next.map((l) => quotes.get(quoteKey(row.currency, l))!)) };
}

/** Every cart's lines as the batch left them, in one statement: upserts, removals and the carts touched. */
async function writeChanges(trx: AnyTrx, before: Map<string, Line[]>, after: Map<string, Line[]>): Promise<void> {
  const upserts: { cart_id: string; variant_id: string; quantity: number }[] = [];
  const removals: { cart_id: string; variant_id: string }[] = [];
  for (const [cart_id, lines] of after) {
    const was = new Map((before.get(cart_id) ?? []).map((l) => [l.variant_id, l.quantity]));
    for (const l of lines) if (was.get(l.variant_id) !== l.quantity) upserts.push({ cart_id, ...l });
    for (const variant_id of was.keys()) if (!lines.some((l) => l.variant_id === variant_id)) removals.push({ cart_id, variant_id });
  }
  if (after.size === 0) return;
  await sql`
    with upserted as (
      -- A line new to its cart takes the time it is written, row by row, so lines keep the
      -- order they were added in, within a batch as across batches.
      insert into cart_item (cart_id, variant_id, quantity, added_at)
      select c, v, q, clock_timestamp() from unnest(${upserts.map((u) => u.cart_id)}::text[], ${upserts.map((u) => u.variant_id)}::text[], ${upserts.map((u) => u.quantity)}::int[]) with ordinality as u(c, v, q, n) order by n
      on conflict (cart_id, variant_id) do update set quantity = excluded.quantity
      returning 1),
    removed as (
      delete from cart_item where (cart_id, variant_id) in (select * from unnest(${removals.map((r) => r.cart_id)}::text[], ${removals.map((r) => r.variant_id)}::text[]))
      returning 1)
    update cart set updated_at = now() where id = any(${[...after.keys()]}::text[])`.execute(trx);
}
