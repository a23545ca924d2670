import type { Problem } from '../../kernel/problem.js';
import type { DeliveryOption } from '../../modules/fulfilment/index.js';
import type { CheckoutHeader, DeliveryKind, PlacedOrder } from '../../modules/orders/index.js';
import type { Pricing } from '../../modules/promotions/index.js';

/** One line of a checkout, as the buyer sent it. */
export interface CheckoutItem {
  variant_id: string;
  quantity: number;
  /** What the buyer saw; if the server's price differs, the checkout is refused, never repriced silently. */
  expected_unit_price_minor?: number | undefined;
}

/**
 * One buyer's checkout, waiting in the group commit for its batch. `items: 'cart'` is a claimed
 * cart whose items the batch reads itself, for all its carts in one statement.
 */
export interface CheckoutRequest extends CheckoutHeader {
  items: readonly CheckoutItem[] | 'cart';
  /** The location chosen by the buyer per seller (pick-up store, ship-from-store). */
  locations: Readonly<Record<string, string>>;
  /** The delivery chosen per seller, its promise recomputed by the server (steps/promise-delivery.ts). */
  deliveries?: ReadonlyMap<string, ChosenDelivery> | undefined;
  /** The coupons the buyer brought: codes typed, and wallet coupons (`best`: the server picks from the wallet). */
  coupons?: CheckoutCoupons | undefined;
  /** The total the buyer saw (goods and delivery less discounts); checked in the batch, after the promotions. */
  expected_total_minor?: bigint | undefined;
}

export interface CheckoutCoupons {
  codes?: readonly string[] | undefined;
  wallet?: 'best' | readonly string[] | undefined;
}

/** What the buyer chose for one seller, as sent: the option and the price (and time) they saw. */
export interface DeliveryChoice {
  kind: DeliveryKind;
  /** The store, for express and pickup. */
  location_id?: string | undefined;
  expected_price_minor: number;
  /** The promised time the buyer saw (window_to, ready_by or deliver_by). */
  expected_by?: string | undefined;
}

export interface Recipient {
  name: string;
  phone: string;
}

export interface DeliveryAddress {
  line1: string;
  city: string;
  country: string;
  postal_code?: string | undefined;
  latitude: number;
  longitude: number;
}

/** The `delivery` of a checkout: one recipient and address, and the option for every seller or per seller. */
export interface DeliveryInput {
  recipient: Recipient;
  /** Required unless every option is pickup. */
  address?: DeliveryAddress | undefined;
  option?: DeliveryChoice | undefined;
  sellers?: Readonly<Record<string, DeliveryChoice>> | undefined;
}

/** A seller's delivery once the server recomputed its promise: the option as it stands now. */
export interface ChosenDelivery {
  option: DeliveryOption;
  recipient: Recipient;
  address: DeliveryAddress | null;
}

/** A checkout with its items known, whether the buyer sent them or its cart held them. */
export interface ItemizedCheckout extends CheckoutRequest {
  items: readonly CheckoutItem[];
}

/** What a buyer hears once their batch committed: their orders, or why there are none. */
export type CheckoutResult = { ok: true; orders: PlacedOrder[]; pricing: Pricing; variant_ids: string[] } | { ok: false; problem: Problem };
