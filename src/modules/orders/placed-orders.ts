import { sql } from 'kysely';
import type { AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import type { Order, OrderLine } from './state-machine.js';
import type { OrderDeliveryTable } from './tables.js';

/**
 * New orders, as checkout places them: one order per seller of a checkout, awaiting payment.
 * The orders module owns their shape and their rows; the place-order flow decides when they are
 * written (src/flows/place-order).
 */
export interface PlacedOrder {
  order: Order;
  lines: OrderLine[];
  /** The delivery the buyer chose, when they chose one (recipient and address are personal data). */
  delivery?: OrderDelivery | undefined;
  /** Each promotion's share of each line (`line_no`) and of the delivery (`line_no` 0); they add up to the order's discount. */
  discounts?: { line_no: number; key: string; amount_minor: bigint }[] | undefined;
}

/** The delivery recorded with an order: the option, its promise and price, the recipient and address. */
export type OrderDelivery = Omit<OrderDeliveryTable, 'merchant_id' | 'order_id' | 'currency' | 'erased_at' | 'charged_in_total' | 'created_at'>;

/**
 * One order's worth of a seller's lines: where it ships from, and, for a delivery split over
 * several places, how many units of each variant this place sends (all of every line when absent).
 */
export interface OrderPart {
  location_id: string;
  quantities?: ReadonlyMap<string, number> | undefined;
  delivery?: OrderDelivery | undefined;
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
  /** The product's category (promotion scopes name categories); absent where unknown. */
  category_id?: string | null | undefined;
  sku: string;
  title: string;
  title_i18n: Record<string, string>;
  quantity: number;
  unit_price_minor: bigint;
  /** What each promotion takes off the whole line (the promotions module's key for it); absent: nothing. */
  discounts?: readonly Discount[] | undefined;
}

/** One promotion's share of a line or a delivery; `key` names the promotion for the promotions module. */
export interface Discount {
  key: string;
  amount_minor: bigint;
}

/**
 * Several discounts of one line (or one delivery) shared over the parts it is split into. The
 * part's own share of their sum comes first (cumulative floor, so it never passes the part's
 * amount), then the discounts are laid end to end and each part takes the stretch that falls in
 * its share. Flooring each discount separately could give a part one unit more than its goods
 * (two 50% discounts on 2 units of 1.01 split in two: 0.50 + 0.50, then 0.51 + 0.51 on 1.01).
 */
function shareEach(discounts: readonly Discount[], before: bigint, upTo: bigint, total: bigint): Discount[] {
  const whole = discounts.reduce((sum, d) => sum + d.amount_minor, 0n);
  const from = total === 0n ? 0n : (whole * before) / total;
  const to = total === 0n ? 0n : (whole * upTo) / total;
  let start = 0n;
  return discounts.map((d) => {
    const end = start + d.amount_minor;
    const overlap = (end < to ? end : to) - (start > from ? start : from);
    start = end;
    return { key: d.key, amount_minor: overlap > 0n ? overlap : 0n };
  });
}

/** The actor recorded on an order's first transition. */
export const placedBy = (checkout_id: string) => `checkout:${checkout_id}`;

/**
 * Splits one checkout into orders: one per seller, or, when a seller's chosen delivery is served
 * from several places (a split standard delivery), one per place, each with the units that place
 * sends, so every order keeps one location that its reservation, release and sale use.
 */
export function splitIntoOrders(checkout: CheckoutHeader, lines: readonly PricedLine[], parts_by_merchant: ReadonlyMap<string, readonly OrderPart[]>, delivery_discounts: ReadonlyMap<string, readonly Discount[]> = new Map()): PlacedOrder[] {
  const bySeller = new Map<string, PricedLine[]>();
  for (const line of lines) bySeller.set(line.merchant_id, [...(bySeller.get(line.merchant_id) ?? []), line]);
  const now = new Date();
  return [...bySeller].flatMap(([merchant_id, sellerLines]) => {
    const parts = parts_by_merchant.get(merchant_id);
    if (parts === undefined || parts.length === 0) throw new Error(`no location allocated for seller ${merchant_id} of checkout ${checkout.checkout_id}`);
    // A line split over several places, and a seller's delivery discount over its parcels, are
    // shared by cumulative floor, so the orders' discounts add up to exactly the checkout's.
    const unitsBefore = new Map<string, bigint>();
    const deliveryTotal = parts.reduce((sum, p) => sum + (p.delivery?.price_minor ?? 0n), 0n);
    const deliveryDiscounts = delivery_discounts.get(merchant_id) ?? [];
    let deliveryBefore = 0n;
    return parts.map((part) => {
      const id = newId('ord');
      const discounts: { line_no: number; key: string; amount_minor: bigint }[] = [];
      const orderLines: OrderLine[] = sellerLines
        .map((q) => ({ q, quantity: part.quantities === undefined ? q.quantity : (part.quantities.get(q.variant_id) ?? 0) }))
        .filter(({ quantity }) => quantity > 0)
        .map(({ q, quantity }, i) => {
          const before = unitsBefore.get(q.variant_id) ?? 0n;
          unitsBefore.set(q.variant_id, before + BigInt(quantity));
          let discount_minor = 0n;
          for (const { key, amount_minor } of shareEach(q.discounts ?? [], before, before + BigInt(quantity), BigInt(q.quantity))) {
            if (amount_minor > 0n) discounts.push({ line_no: i + 1, key, amount_minor });
            discount_minor += amount_minor;
          }
          return {
            merchant_id,
            order_id: id,
            line_no: i + 1,
            variant_id: q.variant_id,
            product_id: q.product_id,
            sku: q.sku,
            title: q.title,
            title_i18n: q.title_i18n,
            quantity,
            unit_price_minor: q.unit_price_minor,
            total_minor: q.unit_price_minor * BigInt(quantity),
            discount_minor,
          };
        });
      const subtotal = orderLines.reduce((sum, l) => sum + l.total_minor, 0n);
      // The buyer pays the delivery with the goods: each order (one per serving place) carries
      // the price of its own delivery, so a split standard delivery charges each parcel once.
      const delivery = part.delivery?.price_minor ?? 0n;
      let delivery_discount = 0n;
      for (const { key, amount_minor } of shareEach(deliveryDiscounts, deliveryBefore, deliveryBefore + delivery, deliveryTotal)) {
        if (amount_minor > 0n) discounts.push({ line_no: 0, key, amount_minor });
        delivery_discount += amount_minor;
      }
      deliveryBefore += delivery;
      const discount = orderLines.reduce((sum, l) => sum + l.discount_minor, 0n) + delivery_discount;
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
        delivery_minor: delivery,
        discount_minor: discount,
        total_minor: subtotal + delivery - discount,
        location_id: part.location_id,
        expires_at: new Date(now.getTime() + checkout.unpaid_ttl_s * 1_000),
        shipped_at: null,
        tracking_number: null,
        refund_amount_minor: null,
        stock_by_fulfilment: false,
        created_at: now,
        updated_at: now,
      };
      return { order, lines: orderLines, delivery: part.delivery, discounts };
    });
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
  const delivered = placed.flatMap((p) => (p.delivery === undefined ? [] : [{ ...p.delivery, merchant_id: p.order.merchant_id, order_id: p.order.id, currency: p.order.currency }]));
  const d = <K extends keyof (typeof delivered)[number]>(k: K) => delivered.map((x) => x[k]);
  const at = (k: 'window_from' | 'window_to' | 'ready_by' | 'deliver_by') => delivered.map((x) => x[k]?.toISOString() ?? null);
  const numbered = await sql<{ id: string; merchant_id: string; number: bigint }>`with input as (
      select * from unnest(${o('merchant_id')}::text[], ${o('id')}::text[], ${o('checkout_id')}::text[], ${o('cart_id')}::text[], ${o('channel_merchant_id')}::text[], ${o('buyer_email')}::text[], ${o('consumer_id')}::text[],
        ${o('status')}::text[], ${o('currency')}::text[], ${orders.map((x) => x.subtotal_minor.toString())}::bigint[], ${orders.map((x) => x.delivery_minor.toString())}::bigint[], ${orders.map((x) => x.discount_minor.toString())}::bigint[], ${orders.map((x) => x.total_minor.toString())}::bigint[],
        ${o('location_id')}::text[], ${orders.map((x) => x.expires_at?.toISOString() ?? null)}::timestamptz[])
        with ordinality as u(merchant_id, id, checkout_id, cart_id, channel_merchant_id, buyer_email, consumer_id, status, currency, subtotal_minor, delivery_minor, discount_minor, total_minor, location_id, expires_at, ord)
    ), counts as (
      select merchant_id, count(*)::bigint as n from input group by merchant_id
    ), bumped as (
      insert into order_number_counter as c (merchant_id, last_number)
      select merchant_id, n from counts order by merchant_id
      on conflict (merchant_id) do update set last_number = c.last_number + excluded.last_number
      returning c.merchant_id, c.last_number
    ), placed_orders as (
      insert into sales_order (merchant_id, id, number, checkout_id, cart_id, channel_merchant_id, buyer_email, consumer_id, status, currency, subtotal_minor, delivery_minor, discount_minor, total_minor, location_id, expires_at)
      select i.merchant_id, i.id, ${order_number_base.toString()}::bigint + b.last_number - k.n + row_number() over (partition by i.merchant_id order by i.ord),
        i.checkout_id, i.cart_id, i.channel_merchant_id, i.buyer_email, i.consumer_id, i.status, i.currency, i.subtotal_minor, i.delivery_minor, i.discount_minor, i.total_minor, i.location_id, i.expires_at
        from input i join bumped b using (merchant_id) join counts k using (merchant_id)
      returning merchant_id, id, number
    ), placed_lines as (
      insert into order_line (merchant_id, order_id, line_no, variant_id, product_id, sku, title, title_i18n, quantity, unit_price_minor, total_minor, discount_minor)
      select * from unnest(${l('merchant_id')}::text[], ${l('order_id')}::text[], ${l('line_no')}::int[], ${l('variant_id')}::text[], ${l('product_id')}::text[], ${l('sku')}::text[], ${l('title')}::text[],
        ${lines.map((x) => JSON.stringify(x.title_i18n))}::jsonb[],
        ${l('quantity')}::int[], ${lines.map((x) => x.unit_price_minor.toString())}::bigint[], ${lines.map((x) => x.total_minor.toString())}::bigint[], ${lines.map((x) => x.discount_minor.toString())}::bigint[])
    ), placed_transitions as (
      insert into order_transition (merchant_id, id, order_id, to_status, action, actor)
      select m, i, oid, 'awaiting_payment', 'place', a from unnest(${o('merchant_id')}::text[], ${orders.map(() => newId('otr'))}::text[], ${o('id')}::text[],
        ${orders.map((x) => placedBy(x.checkout_id))}::text[]) as t(m, i, oid, a)
    ), placed_deliveries as (
      insert into order_delivery (merchant_id, order_id, kind, location_id, currency, price_minor, window_from, window_to, ready_by, deliver_by, confidence, carrier, lane,
        recipient_name, recipient_phone, address_line1, address_city, address_country, address_postal_code, latitude, longitude)
      select * from unnest(${d('merchant_id')}::text[], ${d('order_id')}::text[], ${d('kind')}::text[], ${d('location_id')}::text[], ${d('currency')}::text[],
        ${delivered.map((x) => x.price_minor.toString())}::bigint[], ${at('window_from')}::timestamptz[], ${at('window_to')}::timestamptz[], ${at('ready_by')}::timestamptz[], ${at('deliver_by')}::timestamptz[],
        ${d('confidence')}::float8[], ${d('carrier')}::text[], ${d('lane')}::text[], ${d('recipient_name')}::text[], ${d('recipient_phone')}::text[],
        ${d('address_line1')}::text[], ${d('address_city')}::text[], ${d('address_country')}::text[], ${d('address_postal_code')}::text[], ${d('latitude')}::float8[], ${d('longitude')}::float8[])
    )
    select merchant_id, id, number from placed_orders`.execute(trx);
  const numbers = new Map(numbered.rows.map((r) => [`${r.merchant_id}|${r.id}`, BigInt(r.number)]));
  for (const order of orders) order.number = numbers.get(`${order.merchant_id}|${order.id}`)!;
}
