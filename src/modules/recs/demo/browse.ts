import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { DemoHttp } from './http.js';

/**
 * Demo buyers on a brand's storefront, over its API as a storefront app would call it: each
 * session opens a recommendation placement (for you, similar items, bought together, trending at a
 * store) or searches, then sends back, with the answer's attribution token, the views of what it
 * showed, a click, sometimes a cart, and sometimes an order placed through the real checkout and
 * paid with the test card. Used by the first start's demo (src/platform/demo-recs.ts) and by
 * `bos recs simulate`, which keeps buyers browsing so the console's traffic chart fills.
 */
export interface RecsShopper {
  /** A storefront visitor's ID (the data bank knows their history by it). */
  anonymous_id?: string | undefined;
  /** A signed-in consumer's session token (`X-Consumer-Token`). */
  consumer_token?: string | undefined;
  /** The email a guest checkout uses; a signed-in consumer's account has its own. */
  email?: string | undefined;
  /** What this shopper types in the search box. */
  queries: readonly string[];
}

export interface SourceFigures {
  answers: number;
  /** Answers that listed nothing. */
  empty: number;
  items: number;
  views: number;
  clicks: number;
  carts: number;
  orders: number;
  sales_minor: number;
}

export interface BrowseReport {
  recommendation: SourceFigures;
  search: SourceFigures;
  by_placement: Record<string, number>;
  /** Calls the platform refused (other than a sold-out cart). */
  errors: number;
  first_errors: string[];
}

export interface BrowseOptions {
  http: DemoHttp;
  publishable_key: string;
  shoppers: readonly RecsShopper[];
  /** Stores, for "trending at a store". */
  location_ids?: readonly string[];
  /** Sessions to run of each kind. */
  sessions: { recommendation: number; search: number };
  seed: number;
  /** How likely each step is; defaults: a buyer clicks a recommendation a third of the time, a search result more often. */
  behaviour?: Partial<Behaviour>;
  /** Between sessions (`bos recs simulate` paces itself); none by default. */
  pause?: () => Promise<void>;
  /** Stops early when it answers true. */
  stop?: () => boolean;
}

export interface Behaviour {
  click: { recommendation: number; search: number };
  cart: number;
  purchase: number;
  /** Items of an answer a buyer looks over; a click is on one of them. */
  seen: number;
}

const defaults: Behaviour = { click: { recommendation: 0.4, search: 0.55 }, cart: 0.35, purchase: 0.5, seen: 4 };

interface Answer {
  attribution_token?: string;
  placement?: string;
  data?: { product_id: string; price?: number | null; variant_id?: string | null }[];
}

interface Touch {
  attribution_token: string;
  kind: 'view' | 'click' | 'cart' | 'purchase';
  product_id: string;
  order_id?: string;
  anonymous_id?: string;
}

export function emptyFigures(): SourceFigures {
  return { answers: 0, empty: 0, items: 0, views: 0, clicks: 0, carts: 0, orders: 0, sales_minor: 0 };
}

export function emptyReport(): BrowseReport {
  return { recommendation: emptyFigures(), search: emptyFigures(), by_placement: {}, errors: 0, first_errors: [] };
}

/** Adds `more` into `into`. */
export function addReport(into: BrowseReport, more: BrowseReport): BrowseReport {
  for (const source of ['recommendation', 'search'] as const) for (const k of Object.keys(into[source]) as (keyof SourceFigures)[]) into[source][k] += more[source][k];
  for (const [p, n] of Object.entries(more.by_placement)) into.by_placement[p] = (into.by_placement[p] ?? 0) + n;
  into.errors += more.errors;
  into.first_errors.push(...more.first_errors.slice(0, Math.max(0, 5 - into.first_errors.length)));
  return into;
}

export async function browseSessions(options: BrowseOptions): Promise<BrowseReport> {
  const report = emptyReport();
  if (options.shoppers.length === 0) return report;
  const behaviour = { ...defaults, ...options.behaviour };
  const rng = xoroshiro128plus(options.seed);
  const random = () => uniformFloat64(rng);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const { http, publishable_key } = options;
  const fail = (what: string, res: { status: number; body: unknown }) => {
    report.errors += 1;
    if (report.first_errors.length < 5) report.first_errors.push(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
  };
  // Interleaved, recommendations and searches in proportion, as a day's visitors come.
  const kinds: ('recommendation' | 'search')[] = [...Array.from({ length: options.sessions.recommendation }, () => 'recommendation' as const), ...Array.from({ length: options.sessions.search }, () => 'search' as const)];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  // What each buyer clicked: their product pages, for "similar" and "bought together".
  const clickedBy = new Map<RecsShopper, string[]>();
  for (const source of kinds) {
    if (options.stop?.() === true) break;
    const shopper = pick(options.shoppers);
    const who = shopper.anonymous_id === undefined ? '' : `anonymous_id=${encodeURIComponent(shopper.anonymous_id)}`;
    const call = { key: publishable_key, consumer: shopper.consumer_token };
    let path: string;
    if (source === 'search') {
      path = `/v1/search?q=${encodeURIComponent(pick(shopper.queries))}&limit=10${who === '' ? '' : `&${who}`}`;
    } else {
      const r = random();
      const clicked = clickedBy.get(shopper) ?? [];
      if (r < 0.6 || clicked.length === 0) path = `/v1/recommendations/for-you?limit=10${who === '' ? '' : `&${who}`}`;
      else if (r < 0.8) path = `/v1/recommendations/similar?product_id=${encodeURIComponent(pick(clicked))}&limit=10`;
      else if (r < 0.9) path = `/v1/recommendations/bought-together?product_ids=${encodeURIComponent(pick(clicked))}&limit=10`;
      else path = (options.location_ids ?? []).length > 0 ? `/v1/recommendations/trending?location_id=${encodeURIComponent(pick(options.location_ids!))}&limit=10` : `/v1/recommendations/new-consumer?limit=10`;
    }
    const answer = await http<Answer>('GET', path, call);
    if (answer.status !== 200) {
      fail(`GET ${path.split('?')[0]}`, answer);
      continue;
    }
    const figures = report[source];
    const items = answer.body.data ?? [];
    const token = answer.body.attribution_token;
    figures.answers += 1;
    figures.items += items.length;
    const placement = answer.body.placement ?? (source === 'search' ? 'search' : 'unknown');
    report.by_placement[placement] = (report.by_placement[placement] ?? 0) + 1;
    if (items.length === 0 || token === undefined) {
      figures.empty += items.length === 0 ? 1 : 0;
      await options.pause?.();
      continue;
    }
    const touches: Touch[] = [];
    const anonymous = shopper.anonymous_id === undefined ? {} : { anonymous_id: shopper.anonymous_id };
    // The buyer looks over the first items; sometimes one is clicked (the first most often), its
    // page opens (a view), and it may go in the cart and be bought.
    const seen = items.slice(0, behaviour.seen);
    if (random() < behaviour.click[source]) {
      const clicked = seen[Math.min(seen.length - 1, Math.floor(random() * random() * seen.length))]!;
      touches.push({ attribution_token: token, kind: 'click', product_id: clicked.product_id, ...anonymous });
      touches.push({ attribution_token: token, kind: 'view', product_id: clicked.product_id, ...anonymous });
      figures.clicks += 1;
      figures.views += 1;
      const own = clickedBy.get(shopper) ?? [];
      clickedBy.set(shopper, [...own.slice(-9), clicked.product_id]);
      if (random() < behaviour.cart) {
        touches.push({ attribution_token: token, kind: 'cart', product_id: clicked.product_id, ...anonymous });
        figures.carts += 1;
        if (random() < behaviour.purchase) {
          const order = await buy(http, publishable_key, shopper, clicked.product_id);
          if (typeof order === 'string') fail('a checkout', { status: 0, body: order });
          else if (order !== undefined) {
            touches.push({ attribution_token: token, kind: 'purchase', product_id: clicked.product_id, order_id: order.order_id, ...anonymous });
            figures.orders += 1;
            figures.sales_minor += order.total_minor;
          }
        }
      }
    }
    if (touches.length === 0) {
      await options.pause?.();
      continue;
    }
    const sent = await http('POST', '/v1/attribution/events', { ...call, body: { events: touches } });
    if (sent.status !== 200 && sent.status !== 201 && sent.status !== 202) fail('POST /v1/attribution/events', sent);
    await options.pause?.();
  }
  return report;
}

/**
 * Buys one of the product through the checkout and pays with the test card: as the signed-in
 * consumer, or as a guest with the shopper's email. `undefined` when it is sold out (not an
 * error: the buyer leaves); a string says what went wrong.
 */
async function buy(http: DemoHttp, publishable_key: string, shopper: RecsShopper, product_id: string): Promise<{ order_id: string; total_minor: number } | string | undefined> {
  const product = await http<{ variants?: { id: string; status?: string }[] }>('GET', `/v1/products/${encodeURIComponent(product_id)}`, { key: publishable_key });
  const variant = product.body.variants?.find((v) => v.status === undefined || v.status === 'active') ?? product.body.variants?.[0];
  if (product.status !== 200 || variant === undefined) return `the product ${product_id} could not be read (${product.status})`;
  const guest = shopper.consumer_token === undefined;
  if (guest && shopper.email === undefined) return undefined;
  const checkout = await http<{ checkout_id: string; orders: { id: string; total_minor: number }[]; code?: string }>('POST', '/v1/checkouts', {
    key: publishable_key,
    consumer: shopper.consumer_token,
    body: { currency: 'CNY', items: [{ variant_id: variant.id, quantity: 1 }], ...(guest ? { buyer_email: shopper.email } : {}) },
  });
  if (checkout.status === 409) return undefined;
  if (checkout.status !== 201) return `checkout ${checkout.status} ${JSON.stringify(checkout.body).slice(0, 160)}`;
  const order = checkout.body.orders[0]!;
  const paid = await http('POST', `/v1/checkouts/${checkout.body.checkout_id}/payments`, { key: publishable_key, body: { payment_method: '4242424242424242' } });
  if (paid.status !== 201 && paid.status !== 200 && paid.status !== 202) return `payment ${paid.status}`;
  return { order_id: order.id, total_minor: Number(order.total_minor) };
}
