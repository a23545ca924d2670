import { z } from '@hono/zod-openapi';
import type { AnyDb } from '../../kernel/db.js';
import { toJsonAmount } from '../../kernel/money.js';
import { consumerToken, consumerTokenHeader, requireConsumer, type Consumer } from '../accounts/index.js';
import { openCart, type Cart } from './carts.js';
import type { Order, OrderLine } from './state-machine.js';
import type { OrderDelivery } from './placed-orders.js';
import { orderDeliveryKinds, orderStatuses } from './tables.js';

/**
 * The HTTP shapes of orders and carts, shared by this module's routes and by the flows that
 * answer with orders or open carts (checkout, in src/flows/place-order).
 */
const id = z.string().min(1).max(64);

export const orderChannels = ['online', 'marketplace'] as const;

const lineOut = z.object({ line_no: z.number().int(), variant_id: z.string(), product_id: z.string(), sku: z.string(), title: z.string(), title_i18n: z.record(z.string(), z.string()).openapi({ description: 'the title by language tag when the order was placed; `title` where a language is missing' }), quantity: z.number().int(), unit_price_minor: z.number().int(), total_minor: z.number().int(), discount_minor: z.number().int().openapi({ description: 'what promotions took off this line; the buyer paid total_minor - discount_minor for it' }) });
export const orderSchema = z
  .object({
    id: z.string(),
    number: z.number().int().openapi({ description: 'readable order number, unique and increasing per merchant; shown as `#10042` beside the ID' }),
    merchant_id: z.string(),
    checkout_id: z.string(),
    channel: z.enum(orderChannels).openapi({ description: '`online`: through the merchant’s own storefront or API; `marketplace`: through another merchant’s storefront (`channel_merchant_id`)' }),
    channel_merchant_id: z.string(),
    status: z.enum(orderStatuses),
    currency: z.string(),
    subtotal_minor: z.number().int().openapi({ description: 'the goods: the sum of the lines' }),
    delivery_minor: z.number().int().openapi({ description: 'the delivery price charged with the goods (its `delivery.price_minor`); 0 without a delivery' }),
    discount_minor: z.number().int().openapi({ description: 'what promotions and coupons took off: its lines’ discounts and any delivery discount' }),
    total_minor: z.number().int().openapi({ description: 'what the buyer pays, the payment captures and a refund can return at most: subtotal_minor + delivery_minor - discount_minor' }),
    location_id: z.string(),
    buyer_email: z.string().nullable(),
    expires_at: z.string().nullable(),
    shipped_at: z.string().nullable(),
    tracking_number: z.string().nullable(),
    refund_amount_minor: z.number().int().nullable(),
    created_at: z.string(),
    lines: z.array(lineOut),
  })
  .openapi('Order');

/** The delivery chosen at checkout without anything personal: what the buyer's answers carry. */
export const deliverySummarySchema = z
  .object({
    kind: z.enum(orderDeliveryKinds),
    location_id: z.string().openapi({ description: 'the place that serves it: the store for express and pickup, the place this parcel ships from otherwise' }),
    price_minor: z.number().int().openapi({ description: 'the delivery price quoted and accepted, charged in the order total (`delivery_minor`)' }),
    window_from: z.string().nullable(),
    window_to: z.string().nullable().openapi({ description: 'express: delivered by' }),
    ready_by: z.string().nullable().openapi({ description: 'pickup: ready at the store by' }),
    deliver_by: z.string().nullable().openapi({ description: 'standard and cross-border: delivered by' }),
    confidence: z.number(),
    carrier: z.string().nullable(),
  })
  .openapi('OrderDeliverySummary');

/** The delivery with its recipient and address: only for the seller who delivers it. */
export const deliverySchema = deliverySummarySchema
  .extend({
    recipient: z.object({ name: z.string(), phone: z.string() }),
    address: z.object({ line1: z.string().nullable(), city: z.string().nullable(), country: z.string().nullable(), postal_code: z.string().nullable(), latitude: z.number().nullable(), longitude: z.number().nullable() }).nullable().openapi({ description: 'null for pickup without an address' }),
    erased: z.boolean().openapi({ description: 'the buyer was erased: recipient and address are masked' }),
  })
  .openapi('OrderDelivery');

export function deliverySummaryJson(d: OrderDelivery): z.infer<typeof deliverySummarySchema> {
  const iso = (x: Date | null) => x?.toISOString() ?? null;
  return { kind: d.kind, location_id: d.location_id, price_minor: toJsonAmount(d.price_minor), window_from: iso(d.window_from), window_to: iso(d.window_to), ready_by: iso(d.ready_by), deliver_by: iso(d.deliver_by), confidence: d.confidence, carrier: d.carrier };
}

export function deliveryJson(d: OrderDelivery & { erased_at: Date | null }): z.infer<typeof deliverySchema> {
  const hasAddress = d.address_line1 !== null || d.latitude !== null || d.address_country !== null;
  return {
    ...deliverySummaryJson(d),
    recipient: { name: d.recipient_name, phone: d.recipient_phone },
    address: hasAddress ? { line1: d.address_line1, city: d.address_city, country: d.address_country, postal_code: d.address_postal_code, latitude: d.latitude, longitude: d.longitude } : null,
    erased: d.erased_at !== null,
  };
}

/**
 * The sales channel of an order. Every order today is placed online through a storefront's
 * publishable key; it is the merchant's own channel unless another merchant's storefront sold it.
 */
export function orderChannel(o: Pick<Order, 'merchant_id' | 'channel_merchant_id'>): (typeof orderChannels)[number] {
  return o.channel_merchant_id === o.merchant_id ? 'online' : 'marketplace';
}

export function orderJson(o: Order & { lines: readonly OrderLine[] }): z.infer<typeof orderSchema> {
  return {
    id: o.id,
    number: Number(o.number),
    merchant_id: o.merchant_id,
    checkout_id: o.checkout_id,
    channel: orderChannel(o),
    channel_merchant_id: o.channel_merchant_id,
    status: o.status,
    currency: o.currency,
    subtotal_minor: toJsonAmount(o.subtotal_minor),
    delivery_minor: toJsonAmount(o.delivery_minor),
    discount_minor: toJsonAmount(o.discount_minor),
    total_minor: toJsonAmount(o.total_minor),
    location_id: o.location_id,
    buyer_email: o.buyer_email,
    expires_at: o.expires_at?.toISOString() ?? null,
    shipped_at: o.shipped_at?.toISOString() ?? null,
    tracking_number: o.tracking_number,
    refund_amount_minor: o.refund_amount_minor === null ? null : toJsonAmount(o.refund_amount_minor),
    created_at: o.created_at.toISOString(),
    lines: o.lines.map((l) => ({ line_no: l.line_no, variant_id: l.variant_id, product_id: l.product_id, sku: l.sku, title: l.title, title_i18n: l.title_i18n, quantity: l.quantity, unit_price_minor: toJsonAmount(l.unit_price_minor), total_minor: toJsonAmount(l.total_minor), discount_minor: toJsonAmount(l.discount_minor) })),
  };
}

export const buyerEmail = z.string().email().max(254).optional();

/** What every cart route shares: its path parameter, its headers and who may call it. */
export const cartParams = z.object({ cart_id: id.openapi({ param: { name: 'cart_id', in: 'path' } }) });
export const cartToken = z.object({ 'x-cart-token': z.string().max(100).optional().openapi({ param: { name: 'x-cart-token', in: 'header' }, description: 'the token returned when the cart was created; a signed-in consumer’s own cart opens without it' }) }).extend(consumerToken.shape);
export const cartAccess = { scope: 'checkout:write', tenancy: 'public', keyKinds: ['publishable', 'secret'] } as const;

/** The signed-in consumer when the request carries a session token (which must then be valid); undefined for a guest. */
export async function signedInConsumer(db: AnyDb, headers: Record<string, string | undefined>): Promise<Consumer | undefined> {
  const token = headers[consumerTokenHeader];
  return token === undefined ? undefined : requireConsumer(db, token);
}

/** The cart a request names, opened by its token or by the signed-in consumer who owns it; otherwise 404. */
export async function openRequestCart(db: AnyDb, cart_id: string, headers: Record<string, string | undefined>): Promise<{ cart: Cart; consumer: Consumer | undefined }> {
  const consumer = await signedInConsumer(db, headers);
  return { cart: await openCart(db, cart_id, headers['x-cart-token'], consumer?.id), consumer };
}
