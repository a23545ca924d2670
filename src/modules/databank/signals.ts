import { minorUnitDigits, isCurrency } from '../../kernel/money.js';

/**
 * What an event says about where a consumer stands, A-I-P-L:
 * - Aware: exposed (an impression, an ad, a list or category page, a search);
 * - Interested: engaged (a product view or click, favourite, add to cart, follow, sign-up, sample);
 * - Purchased: bought; Loyal: bought again within the window, or reviewed or shared positively.
 * Event names follow the Segment e-commerce spec; the platform's own events use the same names.
 */
export type Signal = 'aware' | 'interested' | 'purchase' | 'loyal';

const byName: Record<string, Signal> = {
  'ad impression': 'aware',
  'impression': 'aware',
  'product list viewed': 'aware',
  'products searched': 'aware',
  'category viewed': 'aware',
  'promotion viewed': 'aware',
  'product viewed': 'interested',
  'product clicked': 'interested',
  'product added': 'interested',
  'product added to wishlist': 'interested',
  'cart viewed': 'interested',
  'checkout started': 'interested',
  'followed': 'interested',
  'signed up': 'interested',
  'membership joined': 'interested',
  'sample claimed': 'interested',
  'sample received': 'interested',
  'coupon claimed': 'interested',
  // In a store (instore's databank-events.ts): walking in with a scan-and-pay basket or a code, scanning a product.
  'store visited': 'interested',
  'product scanned': 'interested',
  'order completed': 'purchase',
  'order paid': 'purchase',
  'product reviewed': 'loyal',
  'product shared': 'loyal',
};

/**
 * The platform records its orders under their real states: `Order Paid` is the purchase, and the
 * `Order Completed` it records later (the buyer confirmed receipt) is the same purchase finished,
 * not a second one. Events from analytics SDKs keep the Segment meaning: `Order Completed` is the
 * purchase. The platform's events say `context.source: "openbos"`.
 */
export const platform_source = 'openbos';

export function isPlatformCompletion(event: string, context: Record<string, unknown> | undefined): boolean {
  return context?.source === platform_source && event.trim().toLowerCase() === 'order completed';
}

export function signalOf(type: string, event: string | null, properties: Record<string, unknown>, context?: Record<string, unknown>): Signal | undefined {
  if (type === 'page' || type === 'screen') return 'aware';
  if (type !== 'track' || event === null) return undefined;
  if (isPlatformCompletion(event, context)) return undefined;
  const signal = byName[event.trim().toLowerCase()];
  // A review counts toward loyalty only when it is positive.
  if (signal === 'loyal' && event.toLowerCase() === 'product reviewed') {
    const rating = Number(properties.rating);
    return Number.isFinite(rating) && rating >= 4 ? 'loyal' : 'interested';
  }
  return signal;
}

/** The largest order value an event may carry, in major units: sums of many stay exact in bigint. */
const order_value_major_max = 1e13;

/** The order-value properties of an event that no order can have (so it is refused, not stored). */
export function orderValueErrors(properties: Record<string, unknown>): string[] {
  const bad: string[] = [];
  for (const key of ['revenue', 'total'] as const) {
    const v = properties[key];
    if (v === undefined || v === null || typeof v === 'string') continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > order_value_major_max) bad.push(key);
  }
  const minor = properties.amount_minor;
  if (minor !== undefined && minor !== null && (typeof minor !== 'number' || !Number.isSafeInteger(minor))) bad.push('amount_minor');
  return bad;
}

/** Order value in minor units: `amount_minor` (the platform's), else `revenue`/`total` in major units. */
export function orderValueMinor(properties: Record<string, unknown>): bigint {
  if (typeof properties.amount_minor === 'number' && Number.isSafeInteger(properties.amount_minor)) return BigInt(properties.amount_minor);
  const major = Number(properties.revenue ?? properties.total ?? 0);
  // Strings are not refused at the door (SDKs send them), so they are bounded here.
  if (!Number.isFinite(major) || major <= 0 || major > order_value_major_max) return 0n;
  const currency = typeof properties.currency === 'string' && isCurrency(properties.currency.toUpperCase()) ? properties.currency.toUpperCase() : 'USD';
  return BigInt(Math.round(major * 10 ** minorUnitDigits(currency)));
}

/** The event names that carry a signal, lower-cased (SQL compares `lower(event)`). */
export function eventNamesFor(signal: Signal): string[] {
  return Object.entries(byName)
    .filter(([, s]) => s === signal)
    .map(([n]) => n);
}
