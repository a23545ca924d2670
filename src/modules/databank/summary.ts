import { minorUnitDigits, isCurrency } from '../../kernel/money.js';
import { orderValueMinor } from './signals.js';

/**
 * One event as a sentence a merchant reads at a glance ("Paid order ord_… ¥44.65", "Viewed
 * product Green tea"), for the timeline's `summary`. Event names follow the Segment e-commerce
 * spec; an event this does not know reads as its name. English: the console renders its own
 * sentences per language and falls back to this.
 */
export interface SummarisedEvent {
  type: string;
  event: string | null;
  properties: unknown;
}

const text_max = 80;

function str(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const t = v.trim();
  return t.length > text_max ? `${t.slice(0, text_max - 1)}…` : t;
}

/** "¥44.65": the amount in its currency, or nothing when the event carries none. */
export function formatAmount(properties: Record<string, unknown>, key: 'amount' | 'refund' = 'amount'): string | undefined {
  const code = typeof properties.currency === 'string' && isCurrency(properties.currency.toUpperCase()) ? properties.currency.toUpperCase() : undefined;
  const minor = key === 'refund' ? (typeof properties.refund_amount_minor === 'number' ? BigInt(properties.refund_amount_minor) : 0n) : orderValueMinor(properties);
  if (code === undefined || minor <= 0n) return undefined;
  const major = Number(minor) / 10 ** minorUnitDigits(code);
  return new Intl.NumberFormat('en', { style: 'currency', currency: code, currencyDisplay: 'narrowSymbol' }).format(major);
}

const join = (...parts: (string | undefined)[]) => parts.filter((p) => p !== undefined).join(' ');

function product(p: Record<string, unknown>): string | undefined {
  return str(p.name) ?? str(p.title) ?? str(p.sku) ?? str(p.product_id);
}

export function summarise(e: SummarisedEvent): string {
  const p = e.properties !== null && typeof e.properties === 'object' && !Array.isArray(e.properties) ? (e.properties as Record<string, unknown>) : {};
  const name = e.event === null ? undefined : str(e.event);
  switch (e.type) {
    case 'page':
      return join('Viewed page', name ?? str(p.title) ?? str(p.path) ?? str(p.url));
    case 'screen':
      return join('Viewed screen', name);
    case 'identify':
      return 'Identified';
    case 'group':
      return join('Joined group', str(p.name));
    case 'alias':
      return 'Linked an earlier identity';
  }
  const order = str(p.order_id);
  const amount = formatAmount(p);
  switch (name?.toLowerCase()) {
    case 'checkout started':
      return order === undefined ? join('Started checkout', amount) : join('Placed order', order, amount);
    case 'order paid':
      return join('Paid order', order, amount);
    case 'order completed':
      if (order !== undefined) return join('Completed order', order, amount);
      return product(p) === undefined ? join('Ordered', amount) : join('Bought', product(p), amount);
    case 'order shipped':
      return join('Order', order, 'shipped');
    case 'order delivered':
      return join('Order', order, 'delivered');
    case 'order refunded':
      return join('Refunded', formatAmount(p, 'refund') ?? amount, order === undefined ? undefined : `on order ${order}`);
    case 'order cancelled':
      return join('Order', order, 'cancelled');
    case 'product viewed':
      return join('Viewed product', product(p));
    case 'product clicked':
      return join('Clicked product', product(p));
    case 'product added':
      return product(p) === undefined ? 'Added a product to the cart' : `Added ${product(p)} to the cart`;
    case 'product removed':
      return product(p) === undefined ? 'Removed a product from the cart' : `Removed ${product(p)} from the cart`;
    case 'product added to wishlist':
      return product(p) === undefined ? 'Added a product to the wishlist' : `Added ${product(p)} to the wishlist`;
    case 'product list viewed':
      return join('Viewed the list', str(p.category) ?? str(p.list_id));
    case 'products searched':
      return str(p.query) === undefined ? 'Searched' : `Searched for “${str(p.query)}”`;
    case 'product reviewed': {
      const rating = str(p.rating);
      return join('Reviewed', product(p), rating === undefined ? undefined : `(${rating}/5)`);
    }
    case 'product shared':
      return join('Shared', product(p));
    case 'cart viewed':
      return 'Viewed the cart';
  }
  return name ?? 'Event';
}
