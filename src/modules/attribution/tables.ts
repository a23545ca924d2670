import type { Generated } from 'kysely';
import type { Placement, AttributionSource } from './token.js';

/** One answer served: a recommendation placement's or a search's (raw rows kept 35 days). */
export interface AttrServedTable {
  merchant_id: string;
  /** The answer's ID (`srv_…`), the token's `served_id`. */
  id: string;
  source: AttributionSource;
  placement: Placement | 'search';
  served_at: Date;
  /** The brand's calendar day of `served_at`, in its time zone when served. */
  day: string;
  product_ids: string[];
  profile_id: string | null;
  query: string | null;
}

/** Per brand, day (its time zone) and placement: answers, items shown and touches. */
export interface AttrDailyTable {
  merchant_id: string;
  day: string;
  placement: Placement | 'search';
  answers: bigint;
  items: bigint;
  views: bigint;
  clicks: bigint;
  carts: bigint;
}

export interface AttributionTables {
  attr_served: AttrServedTable;
  attr_daily: AttrDailyTable;
  attr_touch: AttrTouchTable;
  attr_order_line: AttrOrderLineTable;
  attr_daily_sales: AttrDailySalesTable;
}

export const touchKinds = ['view', 'click', 'cart', 'purchase'] as const;
export type TouchKind = (typeof touchKinds)[number];

/** A view, click, cart or purchase that followed an answer (one per answer, kind, product and order). */
export interface AttrTouchTable {
  merchant_id: string;
  id: string;
  served_id: string;
  source: AttributionSource;
  placement: Placement | 'search';
  served_at: Date;
  kind: TouchKind;
  product_id: string;
  /** The order a purchase names; '' for the other kinds. */
  order_id: string;
  anonymous_id: string | null;
  consumer_id: string | null;
  occurred_at: Date;
  /** The brand's day of `occurred_at`. */
  day: string;
  /** A purchase: when its order was found paid and its lines attributed. */
  settled_at: Date | null;
  created_at: Generated<Date>;
}

/** An order line attributed to an answer: one per line, with what the buyer paid for it. */
export interface AttrOrderLineTable {
  merchant_id: string;
  order_id: string;
  line_no: number;
  touch_id: string;
  served_id: string;
  placement: Placement | 'search';
  product_id: string;
  currency: string;
  amount_minor: bigint;
  refunded_minor: Generated<bigint>;
  order_total_minor: bigint;
  /** The brand's day the order was paid. */
  day: string;
  attributed_at: Generated<Date>;
}

/** Per brand, day, placement and currency: attributed orders and sales (net of refunds). */
export interface AttrDailySalesTable {
  merchant_id: string;
  day: string;
  placement: Placement | 'search';
  currency: string;
  orders: bigint;
  sales_minor: bigint;
}
