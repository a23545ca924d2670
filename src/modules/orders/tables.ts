import type { Generated } from 'kysely';

export const orderStatuses = ['awaiting_payment', 'paid', 'shipped', 'delivered', 'completed', 'closed', 'refund_requested', 'awaiting_return', 'disputed', 'refunded'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export interface SalesOrderTable {
  merchant_id: string;
  id: string;
  /** Readable per-merchant number (#10001, ...), assigned when the order is placed. */
  number: bigint;
  checkout_id: string;
  cart_id: string | null;
  /** The storefront (publishable key's merchant) the order came through. */
  channel_merchant_id: string;
  buyer_email: string | null;
  /** The signed-in consumer who placed it; null for a guest. */
  consumer_id: string | null;
  status: OrderStatus;
  /** Where a refund request came from, so a rejected request returns the order there. */
  status_before_refund: OrderStatus | null;
  currency: string;
  /** The goods: the sum of the order's lines. */
  subtotal_minor: bigint;
  /** The delivery price charged (its order_delivery's price; 0 without one). */
  delivery_minor: bigint;
  /** The promotions' discounts on its lines and its delivery (order_discount in the promotions module). */
  discount_minor: bigint;
  /** What the buyer pays: subtotal_minor + delivery_minor - discount_minor. */
  total_minor: bigint;
  location_id: string;
  expires_at: Date | null;
  shipped_at: Date | null;
  tracking_number: string | null;
  /** What a refund request asks back; the whole total when absent. */
  refund_amount_minor: bigint | null;
  /** Its fulfilments (opened when it was paid) move its stock, at their own locations. */
  stock_by_fulfilment: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface OrderLineTable {
  merchant_id: string;
  order_id: string;
  line_no: number;
  variant_id: string;
  product_id: string;
  sku: string;
  title: string;
  /** The title by language tag when the order was placed (see the catalog's title_i18n). */
  title_i18n: Record<string, string>;
  quantity: number;
  unit_price_minor: bigint;
  total_minor: bigint;
  /** What promotions took off this line (its share of every discount); the buyer paid total_minor - discount_minor for it. */
  discount_minor: bigint;
}

export interface OrderTransitionTable {
  merchant_id: string;
  id: string;
  order_id: string;
  from_status: OrderStatus | null;
  to_status: OrderStatus;
  action: string;
  actor: string;
  reason: string | null;
  occurred_at: Generated<Date>;
}

export interface CartTable {
  id: string;
  token_hash: string;
  channel_merchant_id: string;
  currency: string;
  buyer_email: string | null;
  /** The signed-in consumer whose cart it is; null for a guest cart (its token opens it). */
  consumer_id: string | null;
  status: 'open' | 'checked_out';
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface CartItemTable {
  cart_id: string;
  variant_id: string;
  quantity: number;
  added_at: Generated<Date>;
}

export const deliveryKinds = ['express', 'pickup', 'standard', 'cross_border'] as const;
export type DeliveryKind = (typeof deliveryKinds)[number];
/** What an order's recorded delivery may be: a checkout's kinds, and `in_store` (sold in a store, handed over at the till: docs/STORES.md). */
export const orderDeliveryKinds = [...deliveryKinds, 'in_store'] as const;
export type OrderDeliveryKind = (typeof orderDeliveryKinds)[number];

/** The delivery chosen at checkout, one per order (see migration order_delivery). Personal data: recipient and address. */
export interface OrderDeliveryTable {
  merchant_id: string;
  order_id: string;
  kind: OrderDeliveryKind;
  location_id: string;
  currency: string;
  price_minor: bigint;
  window_from: Date | null;
  window_to: Date | null;
  ready_by: Date | null;
  deliver_by: Date | null;
  confidence: number;
  carrier: string | null;
  lane: string | null;
  recipient_name: string;
  recipient_phone: string;
  address_line1: string | null;
  address_city: string | null;
  address_country: string | null;
  address_postal_code: string | null;
  latitude: number | null;
  longitude: number | null;
  /** When the buyer was erased and the recipient and address masked. */
  erased_at: Date | null;
  /** Whether price_minor is in the order's total; false only for deliveries recorded before delivery was charged. */
  charged_in_total: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface OrderTables {
  order_delivery: OrderDeliveryTable;
  sales_order: SalesOrderTable;
  order_line: OrderLineTable;
  order_transition: OrderTransitionTable;
  cart: CartTable;
  cart_item: CartItemTable;
}
