import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { DemoHttp } from './http.js';

/**
 * Demo buyers on a brand's storefront, over its API as a storefront app would call it: each
 * session lands on a page with a recommendation placement (the home page's "for you", a store's
 * "trending" at it or near it, a product page's "similar items" or "bought together", the cart's
 * "bought together") or searches, then sends back, with the answer's attribution token, a click
 * (and the view of the product page it opens), sometimes a cart; a click opens the product page,
 * a cart the cart page, whose placements the buyer may go on from; and the basket is sometimes
 * ordered through the real checkout and paid with the test card. Used by the first start's demo (src/platform/demo-recs.ts) and by
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
  /** The brand's locations: its stores for "trending at a store", any with a position for "trending near" (a shopper near it). */
  locations?: readonly DemoLocation[];
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

/** A location as `GET /v1/locations` lists it. */
export interface DemoLocation {
  id: string;
  kind?: string;
  latitude?: number;
  longitude?: number;
}

export interface Behaviour {
  click: { recommendation: number; search: number };
  cart: number;
  /** A session's basket is bought. */
  purchase: number;
  /** After a cart, the cart page's "bought together" is looked at. */
  cart_page: number;
  /** After a click that is not carted, the product page's "similar" or "bought together" is looked at. */
  product_page: number;
  /** Items of an answer a buyer looks over; a click is on one of them. */
  seen: number;
}

const defaults: Behaviour = { click: { recommendation: 0.4, search: 0.55 }, cart: 0.35, purchase: 0.5, cart_page: 0.7, product_page: 0.5, seen: 4 };

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

/** A page of the storefront a session opens: the home page, a store's, a product's, the cart, or a search. */
interface Page {
  source: 'recommendation' | 'search';
  path: string;
}

/** A session opens at most this many pages: where it lands, then a product page or the cart. */
const pages_per_session = 3;

export async function browseSessions(options: BrowseOptions): Promise<BrowseReport> {
  const report = emptyReport();
  if (options.shoppers.length === 0) return report;
  const behaviour = { ...defaults, ...options.behaviour };
  const rng = xoroshiro128plus(options.seed);
  const random = () => uniformFloat64(rng);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const { http, publishable_key } = options;
  const stores = (options.locations ?? []).filter((l) => l.kind === undefined || l.kind === 'store');
  const positions = (options.locations ?? []).filter((l) => l.latitude !== undefined && l.longitude !== undefined);
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
  // What each buyer clicked (their product pages to come back to), and what any answer listed
  // (a product page a buyer lands on from a link).
  const clickedBy = new Map<RecsShopper, string[]>();
  const listed: string[] = [];
  const productPage = (product_id: string): Page =>
    random() < 0.5 ? { source: 'recommendation', path: `/v1/recommendations/similar?product_id=${encodeURIComponent(product_id)}&limit=10` } : { source: 'recommendation', path: `/v1/recommendations/bought-together?product_ids=${encodeURIComponent(product_id)}&limit=10` };
  const cartPage = (product_ids: readonly string[]): Page => ({ source: 'recommendation', path: `/v1/recommendations/bought-together?product_ids=${[...new Set(product_ids)].slice(0, 20).map(encodeURIComponent).join(',')}&limit=10` });
  // Trending at a store, or near the shopper (a few hundred metres from one of the brand's
  // locations: the stores around count, or what is trending everywhere where none is near).
  const trendingPage = (): Page => {
    if (stores.length > 0 && (positions.length === 0 || random() < 0.5)) return { source: 'recommendation', path: `/v1/recommendations/trending?location_id=${encodeURIComponent(pick(stores).id)}&limit=10` };
    if (positions.length === 0) return { source: 'recommendation', path: '/v1/recommendations/trending?limit=10' };
    const at = pick(positions);
    const near = `${(at.latitude! + (random() - 0.5) * 0.01).toFixed(5)},${(at.longitude! + (random() - 0.5) * 0.01).toFixed(5)}`;
    return { source: 'recommendation', path: `/v1/recommendations/trending?near=${near}&radius_km=5&limit=10` };
  };
  for (const source of kinds) {
    if (options.stop?.() === true) break;
    const shopper = pick(options.shoppers);
    const who = shopper.anonymous_id === undefined ? '' : `anonymous_id=${encodeURIComponent(shopper.anonymous_id)}`;
    const call = { key: publishable_key, consumer: shopper.consumer_token };
    const anonymous = shopper.anonymous_id === undefined ? {} : { anonymous_id: shopper.anonymous_id };
    // Where the session lands: the search box; or the home page (for you), a store's page
    // (trending), a product page (similar or bought together), or the cart (bought together).
    let landing: Page;
    if (source === 'search') landing = { source, path: `/v1/search?q=${encodeURIComponent(pick(shopper.queries))}&limit=10${who === '' ? '' : `&${who}`}` };
    else {
      const r = random();
      const clicked = clickedBy.get(shopper) ?? [];
      const known = clicked.length > 0 ? clicked : listed;
      if (r < 0.5 || (r >= 0.7 && known.length === 0)) landing = { source, path: `/v1/recommendations/for-you?limit=10${who === '' ? '' : `&${who}`}` };
      else if (r < 0.7) landing = trendingPage();
      else if (r < 0.85) landing = productPage(pick(known));
      else landing = cartPage(known.slice(-2));
    }
    // What the buyer puts in the cart, with the token of the answer it came from.
    const basket: { product_id: string; token: string; source: 'recommendation' | 'search' }[] = [];
    const pages: Page[] = [landing];
    for (let n = 0; n < pages.length && n < pages_per_session; n++) {
      const page = pages[n]!;
      const answer = await http<Answer>('GET', page.path, call);
      if (answer.status !== 200) {
        fail(`GET ${page.path.split('?')[0]}`, answer);
        break;
      }
      const figures = report[page.source];
      const items = answer.body.data ?? [];
      const token = answer.body.attribution_token;
      figures.answers += 1;
      figures.items += items.length;
      const placement = answer.body.placement ?? (page.source === 'search' ? 'search' : 'unknown');
      report.by_placement[placement] = (report.by_placement[placement] ?? 0) + 1;
      for (const item of items.slice(0, 4)) if (!listed.includes(item.product_id)) listed.push(item.product_id);
      if (listed.length > 50) listed.splice(0, listed.length - 50);
      if (items.length === 0 || token === undefined) {
        figures.empty += items.length === 0 ? 1 : 0;
        break;
      }
      // The buyer looks over the first items; sometimes one is clicked (the first most often), its
      // page opens (a view), and it may go in the cart. The product page shows what is similar or
      // bought with it, the cart what is bought with what is in it, and the buyer may go on there.
      const seen = items.slice(0, behaviour.seen);
      if (random() >= behaviour.click[page.source]) break;
      const clicked = seen[Math.min(seen.length - 1, Math.floor(random() * random() * seen.length))]!;
      const touches: Touch[] = [
        { attribution_token: token, kind: 'click', product_id: clicked.product_id, ...anonymous },
        { attribution_token: token, kind: 'view', product_id: clicked.product_id, ...anonymous },
      ];
      figures.clicks += 1;
      figures.views += 1;
      const own = clickedBy.get(shopper) ?? [];
      clickedBy.set(shopper, [...own.filter((p) => p !== clicked.product_id).slice(-9), clicked.product_id]);
      if (random() < behaviour.cart && !basket.some((b) => b.product_id === clicked.product_id)) {
        touches.push({ attribution_token: token, kind: 'cart', product_id: clicked.product_id, ...anonymous });
        figures.carts += 1;
        basket.push({ product_id: clicked.product_id, token, source: page.source });
        if (random() < behaviour.cart_page) pages.push(cartPage(basket.map((b) => b.product_id)));
      } else if (random() < behaviour.product_page) pages.push(productPage(clicked.product_id));
      const sent = await http('POST', '/v1/attribution/events', { ...call, body: { events: touches } });
      if (sent.status !== 200 && sent.status !== 201 && sent.status !== 202) fail('POST /v1/attribution/events', sent);
    }
    if (basket.length > 0 && random() < behaviour.purchase) {
      const order = await buy(http, publishable_key, shopper, basket.map((b) => b.product_id));
      if (typeof order === 'string') fail('a checkout', { status: 0, body: order });
      else if (order !== undefined) {
        const touches: Touch[] = basket.map((b) => ({ attribution_token: b.token, kind: 'purchase', product_id: b.product_id, order_id: order.order_id, ...anonymous }));
        for (const s of ['recommendation', 'search'] as const) {
          const lines = basket.filter((b) => b.source === s);
          if (lines.length === 0) continue;
          report[s].orders += 1;
          report[s].sales_minor += lines.reduce((sum, b) => sum + (order.paid_by_product.get(b.product_id) ?? 0), 0);
        }
        const sent = await http('POST', '/v1/attribution/events', { ...call, body: { events: touches } });
        if (sent.status !== 200 && sent.status !== 201 && sent.status !== 202) fail('POST /v1/attribution/events', sent);
      }
    }
    await options.pause?.();
  }
  return report;
}

/**
 * Buys the basket (one of each product) through the checkout and pays with the test card: as the
 * signed-in consumer, or as a guest with the shopper's email. `undefined` when something is sold
 * out (not an error: the buyer leaves); a string says what went wrong. What the buyer paid for each
 * product comes from the order's lines.
 */
async function buy(http: DemoHttp, publishable_key: string, shopper: RecsShopper, product_ids: readonly string[]): Promise<{ order_id: string; paid_by_product: Map<string, number> } | string | undefined> {
  const guest = shopper.consumer_token === undefined;
  if (guest && shopper.email === undefined) return undefined;
  const items: { variant_id: string; quantity: number }[] = [];
  for (const product_id of product_ids) {
    const product = await http<{ variants?: { id: string; status?: string }[] }>('GET', `/v1/products/${encodeURIComponent(product_id)}`, { key: publishable_key });
    const variant = product.body.variants?.find((v) => v.status === undefined || v.status === 'active') ?? product.body.variants?.[0];
    if (product.status !== 200 || variant === undefined) return `the product ${product_id} could not be read (${product.status})`;
    items.push({ variant_id: variant.id, quantity: 1 });
  }
  const checkout = await http<{ checkout_id: string; orders: { id: string; lines?: { product_id: string; total_minor: number; discount_minor: number }[] }[]; code?: string }>('POST', '/v1/checkouts', {
    key: publishable_key,
    consumer: shopper.consumer_token,
    body: { currency: 'CNY', items, ...(guest ? { buyer_email: shopper.email } : {}) },
  });
  if (checkout.status === 409) return undefined;
  if (checkout.status !== 201) return `checkout ${checkout.status} ${JSON.stringify(checkout.body).slice(0, 160)}`;
  const order = checkout.body.orders[0]!;
  const paid = await http('POST', `/v1/checkouts/${checkout.body.checkout_id}/payments`, { key: publishable_key, body: { payment_method: '4242424242424242' } });
  if (paid.status !== 201 && paid.status !== 200 && paid.status !== 202) return `payment ${paid.status}`;
  const paid_by_product = new Map<string, number>();
  for (const line of checkout.body.orders.flatMap((o) => o.lines ?? [])) paid_by_product.set(line.product_id, (paid_by_product.get(line.product_id) ?? 0) + Number(line.total_minor) - Number(line.discount_minor));
  return { order_id: order.id, paid_by_product };
}
