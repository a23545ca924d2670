import type { Problem } from '../../kernel/problem.js';

/**
 * The one way a store sells (docs/STORES.md, "Selling in a store"): a scan-and-pay basket, a
 * till sale and an unattended session's basket all become one order of the store's merchant,
 * delivery kind `in_store`, stock reserved at the store in the sale's transaction and sold when
 * the payment is captured, escrow released at once (or per the merchant's setting).
 *
 * `sellInStore` (sell.ts) is idempotent by `source`: the same source sold twice answers the first
 * sale (at most one order per basket, till sale or session, enforced by a unique key).
 */
export interface InStoreSale {
  merchant_id: string;
  location_id: string;
  /** What is being sold; one order at most per source. */
  source: { kind: 'basket' | 'pos' | 'session'; id: string };
  lines: readonly { variant_id: string; quantity: number }[];
  /** The member, when identified (by a consumer code, or a signed-in consumer's own basket). */
  buyer: { consumer_id: string; code_use_id?: string | undefined } | null;
  /** How it is paid: the buyer's standing payment authorisation, or a card at a till (test provider). */
  payment: { method: 'authorisation' } | { method: 'card'; card: string };
  /** Wallet coupons: the best combination of the member's (default), or none. */
  coupons: 'best_from_wallet' | 'none';
  /** `consumer:<id>`, `user:<id>` (a clerk), `device:<id>` (a gate). */
  actor: string;
  /** The sale's currency; by default the merchant's when every line is priced in it, else the one currency all lines are priced in. */
  currency?: string | undefined;
}

export interface InStoreSaleLine {
  variant_id: string;
  sku: string;
  title: string;
  quantity: number;
  unit_price_minor: bigint;
  discount_minor: bigint;
  total_minor: bigint;
}

export interface InStoreSaleResult {
  sale_id: string;
  order_id: string;
  order_number: string;
  payment_id: string | null;
  /** `processing` until the provider's capture arrives; `paid` after; `declined` closes the order and releases the stock. */
  status: 'processing' | 'paid' | 'declined';
  currency: string;
  subtotal_minor: bigint;
  discount_minor: bigint;
  total_minor: bigint;
  lines: InStoreSaleLine[];
  coupons_applied: { code: string; discount_minor: bigint }[];
  points_earned: number;
}

export type SellOutcome = { ok: true; sale: InStoreSaleResult } | { ok: false; problem: Problem };
