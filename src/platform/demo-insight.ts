/**
 * The insight demo on the first start (issue 20), after the forecast run: the signals a brand's
 * report is made of, planted where the other demos leave gaps, so the first report reads as one
 * would after a month of trading.
 *
 * - demo-brand (the tea brand): shoppers search its storefront for teas it does not sell
 *   (jasmine, cold brew, chai…) and find nothing; a week's trend for Wuyi rock teas (Da Hong Pao,
 *   Lapsang souchong), viewed and carted far beyond their share of the stock; and searches
 *   filtered to 1 000-2 000 yuan (premium teapots and gift boxes), where it sells nothing.
 * - demo-mart (the store chain): searches for what its shelves lack (oat milk, kombucha…); its
 *   app's users looking at mooncakes before mid-autumn, which its stores hold little of; gift
 *   hampers searched at 200-500 yuan. Its stores' demand against their stock comes from the
 *   earlier demos' sales, or the forecast when one ran.
 *
 * Searches go through `GET /v1/search` as the storefront; views, cart adds and filtered searches
 * are filed through the data bank's ingestion, as the storefront's tracking would. A step that
 * fails is logged and the rest goes on.
 */
import type { Logger } from 'pino';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { inTransaction } from '../kernel/db.js';
import type { DemoCredentials, ModuleContext } from '../kernel/module.js';
import { listProducts } from '../modules/catalog/index.js';
import { ingestEvents, storedIdentifier, type IncomingEvent } from '../modules/databank/index.js';

type App = { request(input: string, init: RequestInit): Response | Promise<Response> };

/** What the tea brand's shoppers look for and it does not sell: query and how often. */
export const demo_brand_missing: readonly [string, number][] = [
  ['jasmine', 9],
  ['cold brew', 7],
  ['yerba mate', 4],
  ['chai', 5],
  ['hojicha', 3],
];
/** The chain's shoppers' searches its shelves cannot answer. */
export const demo_mart_missing: readonly [string, number][] = [
  ['oat milk', 6],
  ['gluten free bread', 4],
  ['kombucha', 3],
];
/**
 * A brand's week of demand the demo files: views and cart adds of the products that match, and
 * searches filtered to a price range (minor units) with these queries.
 */
interface Trend {
  matches: (attributes: Record<string, unknown>) => boolean;
  views: number;
  carts: number;
  filter: { price_min: number; price_max: number; queries: readonly string[]; searches: number };
  /** Who: the recommendation demo's shoppers for the tea brand, app users for the chain. */
  shopper: (n: number) => string;
}

/** The tea brand: Wuyi rock teas (Da Hong Pao, Lapsang souchong) trending; premium teapots and gift boxes at 1 000-2 000 yuan. */
export const demo_brand_trend: Trend = {
  matches: (a) => typeof a.origin === 'string' && a.origin.toLowerCase() === 'wuyi',
  views: 140,
  carts: 35,
  filter: { price_min: 100_000, price_max: 200_000, queries: ['teapot', 'gift box', ''], searches: 18 },
  shopper: (n) => `lumen-shopper-${1 + (n % 40)}`,
};
/** The chain: mooncakes in the weeks before mid-autumn; gift hampers at 200-500 yuan. */
export const demo_mart_trend: Trend = {
  matches: (a) => a.season === 'mid-autumn',
  views: 80,
  carts: 20,
  filter: { price_min: 20_000, price_max: 50_000, queries: ['gift hamper', '礼篮', 'mooncake gift'], searches: 14 },
  shopper: (n) => `mart-app-user-${1 + (n % 25)}`,
};

export interface InsightDemo {
  searches: number;
  events: number;
}

export async function runInsightDemo(app: App, ctx: ModuleContext, credentials: DemoCredentials, logger: Logger, options: { now?: Date } = {}): Promise<InsightDemo> {
  const out: InsightDemo = { searches: 0, events: 0 };
  const now = options.now ?? new Date();
  const brand = credentials.merchants.find((m) => m.handle === 'demo-brand');
  const mart = credentials.merchants.find((m) => m.handle === 'demo-mart');
  try {
    if (brand !== undefined) out.searches += await searchFor(app, brand.publishable_key, demo_brand_missing);
    if (mart !== undefined) out.searches += await searchFor(app, mart.publishable_key, demo_mart_missing);
  } catch (error) {
    logger.warn({ err: error }, 'insight demo: the storefront searches could not be made');
  }
  for (const [merchant, trend] of [[brand, demo_brand_trend], [mart, demo_mart_trend]] as const) {
    if (merchant === undefined) continue;
    try {
      out.events += await fileTrend(ctx, merchant.merchant_id, trend, now);
    } catch (error) {
      logger.warn({ err: error, merchant: merchant.handle }, 'insight demo: the week of demand could not be filed');
    }
  }
  return out;
}

async function searchFor(app: App, publishable_key: string, queries: readonly [string, number][]): Promise<number> {
  let n = 0;
  for (const [q, times] of queries)
    for (let i = 0; i < times; i++) {
      const res = await app.request(`/v1/search?q=${encodeURIComponent(q)}&limit=1`, { headers: { authorization: `Bearer ${publishable_key}` } });
      await res.arrayBuffer();
      if (res.status === 200) n += 1;
    }
  return n;
}

/** A week of views, cart adds and price-filtered searches, filed through the data bank's ingestion as the storefront's tracking would. */
async function fileTrend(ctx: ModuleContext, merchant_id: string, trend: Trend, now: Date): Promise<number> {
  const products = (await listProducts(ctx.db, merchant_id, { limit: 100 })).filter((p) => p.status === 'published' && trend.matches(p.attributes));
  const rng = xoroshiro128plus(20);
  const random = () => uniformFloat64(rng);
  const events: IncomingEvent[] = [];
  const event = (name: string, properties: Record<string, unknown>) => {
    const user_id = trend.shopper(Math.floor(random() * 1_000));
    events.push({
      merchant_id,
      message_id: `demo-insight-${events.length}`,
      type: 'track',
      event: name,
      user_id,
      anonymous_id: null,
      traits: {},
      properties,
      context: { source: 'demo', timezone: 'Asia/Shanghai' },
      occurred_at: new Date(now.getTime() - random() * 7 * 86_400_000),
      received_at: now,
      identifiers: [storedIdentifier('user_id', user_id)].filter((x) => x !== undefined),
    });
  };
  const product = (i: number) => ({ product_id: products[i % products.length]!.id, title: products[i % products.length]!.title });
  if (products.length > 0) {
    for (let i = 0; i < trend.views; i++) event('Product Viewed', product(i));
    for (let i = 0; i < trend.carts; i++) event('Product Added', { ...product(i), quantity: 1 });
  }
  const { price_min, price_max, queries, searches } = trend.filter;
  for (let i = 0; i < searches; i++) event('Products Searched', { query: queries[i % queries.length], price_min, price_max });
  await inTransaction(ctx.db, (trx) => ingestEvents(trx, events));
  return events.length;
}
