import type { Generated, Selectable } from 'kysely';
import type { Conditions, Effect, Scope } from './rules.js';

export const promotionKinds = ['automatic', 'coupon'] as const;
export type PromotionKind = (typeof promotionKinds)[number];
export const promotionStatuses = ['active', 'paused', 'archived'] as const;
export type PromotionStatus = (typeof promotionStatuses)[number];
export const stackings = ['exclusive', 'combinable'] as const;
export type Stacking = (typeof stackings)[number];
export const fundings = ['seller', 'platform'] as const;
export type Funding = (typeof fundings)[number];
export const walletSources = ['claimed', 'pushed', 'game'] as const;
export type WalletSource = (typeof walletSources)[number];

/**
 * A merchant's promotion: its effect, scope and conditions (rules.ts), how it stacks, who funds
 * it, and its limits. The counters (redemptions, spent_minor, issued) change only with the row
 * locked (`for update`) inside the checkout's group-committed transaction or the transaction that
 * gives a redemption back, so no limit is ever passed however many buyers redeem at once.
 */
export interface PromotionTable {
  merchant_id: string;
  id: string;
  name: string;
  description: string | null;
  kind: PromotionKind;
  status: PromotionStatus;
  currency: string;
  effect: Effect;
  scope: Scope;
  conditions: Conditions;
  stacking: Stacking;
  /** Higher first; ties by id. */
  priority: number;
  /** `discounted`: computed on what earlier promotions left; `original`: on the list price. */
  applies_to: 'original' | 'discounted';
  funded_by: Funding;
  starts_at: Date | null;
  ends_at: Date | null;
  /** Checkouts that may redeem it in all (null: no limit). */
  max_redemptions: number | null;
  /** Discount money it may give in all, minor units (null: no budget). */
  budget_minor: bigint | null;
  per_consumer_limit: number | null;
  per_day_limit: number | null;
  /** Wallet coupons that may be issued in all (claimed, pushed or won), null: no limit. */
  issue_limit: number | null;
  /** Whether a signed-in consumer may claim it into their wallet (coupon promotions). */
  claimable: boolean;
  /** How long a wallet coupon stays valid after it is claimed (hours); null: until the promotion ends. */
  wallet_valid_h: number | null;
  /** Whether a refunded order gives its redemption back (a cancelled or closed one always does). */
  refund_returns_redemption: boolean;
  redemptions: number;
  spent_minor: bigint;
  issued: number;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** A coupon code: the promotion's shared code, or one of a batch of unique codes. */
export interface CouponCodeTable {
  merchant_id: string;
  /** Upper case, as the buyer types it. */
  code: string;
  promotion_id: string;
  batch_id: string | null;
  /** How many checkouts may use this code (null: the promotion's limits only). */
  uses_max: number | null;
  uses: number;
  created_at: Generated<Date>;
}

export interface CouponBatchTable {
  merchant_id: string;
  id: string;
  promotion_id: string;
  prefix: string;
  count: number;
  uses_per_code: number | null;
  created_at: Generated<Date>;
}

/** Redemptions per consumer and per day, counted under the promotion's lock. */
export interface PromotionUsageTable {
  merchant_id: string;
  promotion_id: string;
  /** `c:<consumer id>`, `e:<email hash>`, or `d:<yyyy-mm-dd>` for the day's count. */
  usage_key: string;
  redemptions: number;
}

/** One checkout's use of one promotion: what it gave, through which code or wallet coupon. */
export interface PromotionRedemptionTable {
  merchant_id: string;
  id: string;
  promotion_id: string;
  checkout_id: string;
  consumer_key: string | null;
  code: string | null;
  wallet_coupon_id: string | null;
  /** The day it counted against (the promotion's per-day limit), in UTC. */
  day: string;
  amount_minor: bigint;
  /** What its closed (or refunded, by the promotion's rule) orders gave back to the budget. */
  released_minor: bigint;
  /** Its orders not yet closed or given back; at 0 the redemption is released. */
  live_orders: number;
  status: 'held' | 'released';
  released_at: Date | null;
  release_reason: string | null;
  created_at: Generated<Date>;
}

/** One promotion's share of one order line (line_no) or of its delivery (line_no 0). */
export interface OrderDiscountTable {
  merchant_id: string;
  order_id: string;
  line_no: number;
  promotion_id: string;
  /** The promotion's owner (the seller, or the storefront's merchant in a marketplace checkout). */
  promotion_merchant_id: string;
  redemption_id: string;
  amount_minor: bigint;
  funded_by: Funding;
  released: boolean;
}

/** A coupon in a consumer's wallet. */
export interface WalletCouponTable {
  merchant_id: string;
  id: string;
  promotion_id: string;
  /** Null while a coupon won by a phone with no account waits for its owner (phone_hash). */
  consumer_id: string | null;
  /** The data bank's hash of the player's phone, for a coupon won at a screen by phone. */
  phone_hash: string | null;
  source: WalletSource;
  /** The store where it was won or claimed (screen games), if any. */
  location_id: string | null;
  device_id: string | null;
  status: 'available' | 'used' | 'expired';
  claimed_at: Generated<Date>;
  expires_at: Date | null;
  used_at: Date | null;
  checkout_id: string | null;
}

/** A store's registered screen that runs games; it authenticates with a token shown once. */
export interface ScreenDeviceTable {
  merchant_id: string;
  id: string;
  location_id: string;
  name: string;
  token_hash: string;
  active: boolean;
  created_at: Generated<Date>;
}

export type WalletCoupon = Selectable<WalletCouponTable>;

export interface PromotionSettingsTable {
  merchant_id: string;
  /** The most promotions one checkout may stack (of this merchant's). */
  max_stack: number;
  updated_at: Generated<Date>;
}

export interface PromotionTables {
  promotion: PromotionTable;
  coupon_code: CouponCodeTable;
  coupon_batch: CouponBatchTable;
  promotion_usage: PromotionUsageTable;
  promotion_redemption: PromotionRedemptionTable;
  order_discount: OrderDiscountTable;
  wallet_coupon: WalletCouponTable;
  promotion_settings: PromotionSettingsTable;
  screen_device: ScreenDeviceTable;
}
