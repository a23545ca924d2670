import { sql } from 'kysely';
import type { AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import type { Order, OrderLine } from './state-machine.js';

/**
 * New orders, as checkout places them: one order per seller of a checkout, awaiting payment.
 * The orders module owns their shape and their rows; the place-order flow decides when they are
 * written (src/flows/place-order).
 */
export interface PlacedOrder {
  order: Order;
  lines: OrderLine[];
}

/** What a checkout says about all its orders. */
export interface CheckoutHeader {
  checkout_id: string;
  channel_merchant_id: string;
  currency: string;
  buyer_email: string | null;
  /** The signed-in consumer placing it, if any. */
  consumer_id: string | null;
  cart_id: string | null;
  /** How long the orders wait for payment before they close by themselves. */
  unpaid_ttl_s: number;
}

/** A line at the price the server quoted. */
export interface PricedLine {
  merchant_id: string;
  variant_id: string;
  product_id: string;
  sku: string;
  title: string;
  title_i18n: Record<string, string>;
  quantity: number;
  unit_price_minor: bigint;
}

/** The actor recorded on an order's first transition. */
export const placedBy = (checkout_id: string) => `checkout:${checkout_id}`;

/** Splits one checkout into one order per seller, each shipping from the seller's chosen location. */
export function splitIntoOrders(checkout: CheckoutHeader, lines: readonly PricedLine[], location_by_merchant: ReadonlyMap<string, string>): PlacedOrder[] {
  const bySeller = new Map<string, PricedLine[]>();
  for (const line of lines) bySeller.set(line.merchant_id, [...(bySeller.get(line.merchant_id) ?? []), line]);
  const now = new Date();
  return [...bySeller].map(([merchant_id, sellerLines]) => {
    const id = newId('ord');
    const orderLines: OrderLine[] = sellerLines.map((q, i) => ({
      merchant_id,
      order_id: id,
      line_no: i + 1,
      variant_id: q.variant_id,
      product_id: q.product_id,
      sku: q.sku,
      title: q.title,
      title_i18n: q.title_i18n,
      quantity: q.quantity,
      unit_price_minor: q.unit_price_minor,
      total_minor: q.unit_price_minor * BigInt(q.quantity),
    }));
    const subtotal = orderLines.reduce((sum, l) => sum + l.total_minor, 0n);
    const location_id = location_by_merchant.get(merchant_id);
    if (location_id === undefined) throw new Error(`no location allocated for seller ${merchant_id} of checkout ${checkout.checkout_id}`);
    const order: Order = {
      merchant_id,
      id,
      // Assigned by insertPlacedOrders, from the merchant's counter.
      number: 0n,
      checkout_id: checkout.checkout_id,
      cart_id: checkout.cart_id,
      channel_merchant_id: checkout.channel_merchant_id,
      buyer_email: checkout.buyer_email,
      consumer_id: checkout.consumer_id,
      status: 'awaiting_payment',
      status_before_refund: null,
      currency: checkout.currency,
      subtotal_minor: subtotal,
      total_minor: subtotal,
      location_id,
      expires_at: new Date(now.getTime() + checkout.unpaid_ttl_s * 1_000),
      shipped_at: null,
      tracking_number: null,
      refund_amount_minor: null,
      created_at: now,
      updated_at: now,
    };
    return { order, lines: orderLines };
  });
}

/** The first readable order number of every merchant; numbers count up from it. */
export const order_number_base = 10_000n;

/**
 * Writes placed orders, their lines and their first transition (`place`) inside the caller's
 * transaction. One array parameter per column, and the inserts in one statement
 * (data-modifying CTEs all run): a batch of hundreds of orders costs one round trip.
 *
 * The same statement numbers the orders: each merchant's counter row is bumped once by the
 * batch's count of that merchant's orders (in merchant order, so concurrent batches lock counters
 * in one order), and the batch's orders take the numbers in between, in batch order. The counter
 * row stays locked until the batch commits, so numbers are unique and increase per merchant.
 * The numbers are written back onto the placed orders, which checkout answers with.
 */
export async function insertPlacedOrders(trx: AnyTrx, placed: readonly PlacedOrder[]): Promise<void> {
  if (placed.length === 0) return;
  const orders = placed.map((p) => p.order);
  const o = <K extends keyof Order>(k: K) => orders.map((x) => x[k]);
  const lines = placed.flatMap((p) => p.lines);
  const l = <K extends keyof OrderLine>(k: K) => lines.map((x) => x[k]);
  const numbered = await sql<{ id: string; merchant_id: string; number: bigint }>`with input as (
      select * from unnest(${o('merchant_id')}::text[], ${o('id')}::text[], ${o('checkout_id')}::text[], ${o('cart_id')}::text[], ${o('channel_merchant_id')}::text[], ${o('buyer_email')}::text[], ${o('consumer_id')}::text[],
        ${o('status')}::text[], ${o('currency')}::text[], ${orders.map((x) => x.subtotal_minor.toString())}::bigint[], ${orders.map((x) => x.total_minor.toString())}::bigint[],
        ${o('location_id')}::text[], ${orders.map((x) => x.expires_at?.toISOString() ?? null)}::timestamptz[])
        with ordinality as u(merchant_id, id, checkout_id, cart_id, channel_merchant_id, buyer_email, consumer_id, status, currency, subtotal_minor, total_minor, location_id, expires_at, ord)
    ), counts as (
      select merchant_id, count(*)::bigint as n from input group by merchant_id
    ), bumped as (
      insert into order_number_counter as c (merchant_id, last_number)
      select merchant_id, n from counts order by merchant_id
      on conflict (merchant_id) do update set last_number = c.last_number + excluded.last_number
      returning c.merchant_id, c.last_number
    ), placed_orders as (
      insert into sales_order (merchant_id, id, number, checkout_id, cart_id, channel_merchant_id, buyer_email, consumer_id, status, currency, subtotal_minor, total_minor, location_id, expires_at)
      select i.merchant_id, i.id, ${order_number_base.toString()}::bigint + b.last_number - k.n + row_number() over (partition by i.merchant_id order by i.ord),
        i.checkout_id, i.cart_id, i.channel_merchant_id, i.buyer_email, i.consumer_id, i.status, i.currency, i.subtotal_minor, i.total_minor, i.location_id, i.expires_at
        from input i join bumped b using (merchant_id) join counts k using (merchant_id)
      returning merchant_id, id, number
    ), placed_lines as (
      insert into order_line (merchant_id, order_id, line_no, variant_id, product_id, sku, title, title_i18n, quantity, unit_price_minor, total_minor)
      select * from unnest(${l('merchant_id')}::text[], ${l('order_id')}::text[], ${l('line_no')}::int[], ${l('variant_id')}::text[], ${l('product_id')}::text[], ${l('sku')}::text[], ${l('title')}::text[],
        ${lines.map((x) => JSON.stringify(x.title_i18n))}::jsonb[],
        ${l('quantity')}::int[], ${lines.map((x) => x.unit_price_minor.toString())}::bigint[], ${lines.map((x) => x.total_minor.toString())}::bigint[])
    ), placed_transitions as (
      insert into order_transition (merchant_id, id, order_id, to_status, action, actor)
      select m, i, oid, 'awaiting_payment', 'place', a from unnest(${o('merchant_id')}::text[], ${orders.map(() => newId('otr'))}::text[], ${o('id')}::text[],
        ${orders.map((x) => placedBy(x.checkout_id))}::text[]) as t(m, i, oid, a)
    )
    select merchant_id, id, number from placed_orders`.execute(trx);
  const numbers = new Map(numbered.rows.map((r) => [`${r.merchant_id}|${r.id}`, BigInt(r.number)]));
  for (const order of orders) order.number = numbers.get(`${order.merchant_id}|${order.id}`)!;
}
