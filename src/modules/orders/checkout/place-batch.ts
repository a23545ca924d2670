import { sql } from 'kysely';
import { inTransaction, type AnyDb, type AnyTrx } from '../../../kernel/db.js';
import { publish } from '../../../kernel/events/outbox.js';
import { newId } from '../../../kernel/ids.js';
import type { LockTurn } from '../../../kernel/group-commit.js';
import { Problem } from '../../../kernel/problem.js';
import { quoteLines, type LineQuote } from '../../catalog/index.js';
import { applyStockChanges, lockStock, type StockChange } from '../../inventory/index.js';
import { orderPlaced } from '../events.js';
import { eventPayload, type Order, type OrderLine } from '../state-machine.js';
import { allocate, type AllocationRequest } from './allocate.js';

export interface CheckoutItem {
  variant_id: string;
  quantity: number;
  /** What the buyer saw; if the server's price differs, the checkout is refused, never repriced silently. */
  expected_unit_price_minor?: number | undefined;
}

export interface CheckoutRequest {
  checkout_id: string;
  channel_merchant_id: string;
  currency: string;
  buyer_email: string | null;
  /** The signed-in consumer placing it, if any. */
  consumer_id: string | null;
  cart_id: string | null;
  items: readonly CheckoutItem[];
  locations: Readonly<Record<string, string>>;
  unpaid_ttl_s: number;
}

export interface PlacedOrder {
  order: Order;
  lines: OrderLine[];
}

export type CheckoutResult = { ok: true; orders: PlacedOrder[] } | { ok: false; problem: Problem };

const refusalStatus = { variant_not_found: 422, variant_unpublished: 422, currency_not_priced: 422, below_minimum_order_quantity: 422 } as const;

/**
 * Places a batch of checkouts in ONE short transaction (group commit): one price query, one lock
 * of every stock row involved (in a global order, so batches never deadlock), first come first
 * served allocation in memory, then bulk inserts of orders, lines, transitions, the stock journal
 * and events. Each caller is answered only after the commit.
 */
export async function placeBatch(db: AnyDb, requests: readonly CheckoutRequest[], turn?: LockTurn): Promise<CheckoutResult[]> {
  return inTransaction(db, async (trx) => {
    const results = new Array<CheckoutResult | undefined>(requests.length);
    const quoted = await quoteAll(trx, requests);
    const valid: { index: number; quotes: Extract<LineQuote, { ok: true }>[] }[] = [];
    requests.forEach((request, index) => {
      const refusal = refuse(request, quoted[index]!);
      if (refusal !== undefined) results[index] = { ok: false, problem: refusal };
      else valid.push({ index, quotes: quoted[index] as Extract<LineQuote, { ok: true }>[] });
    });

    // Batches lock in the order they were formed, so earlier buyers always come first.
    await turn?.wait;
    const levels = await lockStock(trx, valid.flatMap((v) => v.quotes.map((q) => ({ merchant_id: q.merchant_id, variant_id: q.variant_id }))));
    turn?.done();
    const allocationRequests: AllocationRequest[] = valid.map((v) => ({ lines: v.quotes, locations: requests[v.index]!.locations }));
    const allocations = allocate(allocationRequests, levels);

    const placed: PlacedOrder[] = [];
    valid.forEach((v, i) => {
      const allocation = allocations[i]!;
      if (!allocation.ok) {
        results[v.index] = { ok: false, problem: new Problem(409, 'out_of_stock', 'Sold out', `Only ${allocation.available} of ${allocation.requested} requested units of ${allocation.variant_id} are available`) };
        return;
      }
      const orders = buildOrders(requests[v.index]!, v.quotes, allocation.location_by_merchant);
      placed.push(...orders);
      results[v.index] = { ok: true, orders };
    });
    await writeOrders(trx, placed);
    return results.map((r) => r!);
  });
}

async function quoteAll(trx: AnyTrx, requests: readonly CheckoutRequest[]): Promise<LineQuote[][]> {
  const byCurrency = new Map<string, number[]>();
  requests.forEach((r, i) => byCurrency.set(r.currency, [...(byCurrency.get(r.currency) ?? []), i]));
  const quoted = new Array<LineQuote[]>(requests.length);
  for (const [currency, indexes] of byCurrency) {
    const lines = indexes.flatMap((i) => requests[i]!.items.map((item) => ({ variant_id: item.variant_id, quantity: item.quantity })));
    const quotes = await quoteLines(trx, lines, currency);
    let offset = 0;
    for (const i of indexes) {
      quoted[i] = quotes.slice(offset, offset + requests[i]!.items.length);
      offset += requests[i]!.items.length;
    }
  }
  return quoted;
}

function refuse(request: CheckoutRequest, quotes: readonly LineQuote[]): Problem | undefined {
  for (const [i, quote] of quotes.entries()) {
    if (!quote.ok) return new Problem(refusalStatus[quote.refusal], quote.refusal, 'This item cannot be bought', quote.detail, [{ field: `items.${i}.variant_id`, location: 'body', message: quote.detail }]);
    const expected = request.items[i]!.expected_unit_price_minor;
    if (expected !== undefined && BigInt(expected) !== quote.unit_price_minor) {
      return new Problem(422, 'price_changed', 'The price is not what the buyer saw', `${quote.sku} costs ${quote.unit_price_minor} ${quote.currency} minor units, not ${expected}; prices are set by the seller, never by the client`, [{ field: `items.${i}.expected_unit_price_minor`, location: 'body', message: `the price is ${quote.unit_price_minor}` }]);
    }
  }
  return undefined;
}

/** Splits one checkout into one order per seller. */
function buildOrders(request: CheckoutRequest, quotes: readonly Extract<LineQuote, { ok: true }>[], locations: Map<string, string>): PlacedOrder[] {
  const bySeller = new Map<string, Extract<LineQuote, { ok: true }>[]>();
  for (const q of quotes) bySeller.set(q.merchant_id, [...(bySeller.get(q.merchant_id) ?? []), q]);
  const now = new Date();
  return [...bySeller].map(([merchant_id, sellerQuotes]) => {
    const id = newId('ord');
    const lines: OrderLine[] = sellerQuotes.map((q, i) => ({
      merchant_id,
      order_id: id,
      line_no: i + 1,
      variant_id: q.variant_id,
      product_id: q.product_id,
      sku: q.sku,
      title: q.title,
      quantity: q.quantity,
      unit_price_minor: q.unit_price_minor,
      total_minor: q.unit_price_minor * BigInt(q.quantity),
    }));
    const subtotal = lines.reduce((sum, l) => sum + l.total_minor, 0n);
    const order: Order = {
      merchant_id,
      id,
      checkout_id: request.checkout_id,
      cart_id: request.cart_id,
      channel_merchant_id: request.channel_merchant_id,
      buyer_email: request.buyer_email,
      consumer_id: request.consumer_id,
      status: 'awaiting_payment',
      status_before_refund: null,
      currency: request.currency,
      subtotal_minor: subtotal,
      total_minor: subtotal,
      location_id: locations.get(merchant_id)!,
      expires_at: new Date(now.getTime() + request.unpaid_ttl_s * 1_000),
      shipped_at: null,
      tracking_number: null,
      refund_amount_minor: null,
      created_at: now,
      updated_at: now,
    };
    return { order, lines };
  });
}

async function writeOrders(trx: AnyTrx, placed: readonly PlacedOrder[]): Promise<void> {
  if (placed.length === 0) return;
  // One array parameter per column, and the three inserts in one statement (data-modifying CTEs
  // all run): a batch of hundreds of orders costs one round trip here.
  const orders = placed.map((p) => p.order);
  const o = <K extends keyof Order>(k: K) => orders.map((x) => x[k]);
  const lines = placed.flatMap((p) => p.lines);
  const l = <K extends keyof OrderLine>(k: K) => lines.map((x) => x[k]);
  await sql`with placed_orders as (
      insert into sales_order (merchant_id, id, checkout_id, cart_id, channel_merchant_id, buyer_email, consumer_id, status, currency, subtotal_minor, total_minor, location_id, expires_at)
      select * from unnest(${o('merchant_id')}::text[], ${o('id')}::text[], ${o('checkout_id')}::text[], ${o('cart_id')}::text[], ${o('channel_merchant_id')}::text[], ${o('buyer_email')}::text[], ${o('consumer_id')}::text[],
        ${o('status')}::text[], ${o('currency')}::text[], ${orders.map((x) => x.subtotal_minor.toString())}::bigint[], ${orders.map((x) => x.total_minor.toString())}::bigint[],
        ${o('location_id')}::text[], ${orders.map((x) => x.expires_at?.toISOString() ?? null)}::timestamptz[])
    ), placed_lines as (
      insert into order_line (merchant_id, order_id, line_no, variant_id, product_id, sku, title, quantity, unit_price_minor, total_minor)
      select * from unnest(${l('merchant_id')}::text[], ${l('order_id')}::text[], ${l('line_no')}::int[], ${l('variant_id')}::text[], ${l('product_id')}::text[], ${l('sku')}::text[], ${l('title')}::text[],
        ${l('quantity')}::int[], ${lines.map((x) => x.unit_price_minor.toString())}::bigint[], ${lines.map((x) => x.total_minor.toString())}::bigint[])
    )
    insert into order_transition (merchant_id, id, order_id, to_status, action, actor)
    select m, i, oid, 'awaiting_payment', 'place', a from unnest(${o('merchant_id')}::text[], ${orders.map(() => newId('otr'))}::text[], ${o('id')}::text[],
      ${orders.map((x) => `checkout:${x.checkout_id}`)}::text[]) as t(m, i, oid, a)`.execute(trx);
  const reservations: StockChange[] = placed.flatMap(({ order, lines }) =>
    lines.map((l) => ({ merchant_id: order.merchant_id, variant_id: l.variant_id, location_id: order.location_id, reason: 'reservation' as const, on_hand_delta: 0n, reserved_delta: BigInt(l.quantity), reference: order.id })),
  );
  await applyStockChanges(trx, reservations);
  const byMerchant = new Map<string, PlacedOrder[]>();
  for (const p of placed) byMerchant.set(p.order.merchant_id, [...(byMerchant.get(p.order.merchant_id) ?? []), p]);
  for (const [merchant_id, orders] of byMerchant) {
    await publish(trx, orderPlaced, merchant_id, orders.map(({ order, lines }) => eventPayload(order, lines, null, 'awaiting_payment', `checkout:${order.checkout_id}`)));
  }
}
