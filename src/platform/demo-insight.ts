/**
 * The insight demo on the first start (issue 20), after the forecast run: the signals a brand's
 * report is made of, planted where the other demos leave gaps, so the first report reads as one
 * would after a month of trading.
 *
 * - demo-brand (the tea brand): shoppers search its storefront for teas it does not sell
 *   (jasmine, pu-erh's cousins, cold brew…) and find nothing; a week's trend for Wuyi rock teas
 *   (Da Hong Pao, Lapsang souchong), viewed and carted far beyond their share of the stock; and
 *   searches filtered to 1 000-2 000 yuan (premium teaware and gifts), where it sells nothing.
 * - demo-mart (the store chain): searches for what its shelves lack; its stores' sales against
 *   their stock come from the earlier demos (and the forecast, when one ran).
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
/** The origin the tea brand's trend is for, and its size over the last week. */
export const demo_trend_origin = 'wuyi';
export const demo_trend_views = 140;
export const demo_trend_carts = 35;
/** Searches filtered to 1 000-2 000 yuan (minor units). */
export const demo_premium_filter = { price_min: 100_000, price_max: 200_000, searches: 18 };

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
  if (brand === undefined) return out;
  try {
    out.events = await fileTrend(ctx, brand.merchant_id, now);
  } catch (error) {
    logger.warn({ err: error }, 'insight demo: the tea brand’s trend could not be filed');
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

/** The Wuyi trend and the premium searches, by the recommendation demo's shoppers, over the last seven days. */
async function fileTrend(ctx: ModuleContext, merchant_id: string, now: Date): Promise<number> {
  const products = (await listProducts(ctx.db, merchant_id, { limit: 100 })).filter((p) => p.status === 'published' && String(p.attributes.origin ?? '').toLowerCase() === demo_trend_origin);
  const rng = xoroshiro128plus(20);
  const random = () => uniformFloat64(rng);
  const events: IncomingEvent[] = [];
  const event = (k: number, name: string, properties: Record<string, unknown>) => {
    const user_id = `lumen-shopper-${1 + Math.floor(random() * 40)}`;
    events.push({
      merchant_id,
      message_id: `demo-insight-${k}`,
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
  let k = 0;
  if (products.length > 0) {
    for (let i = 0; i < demo_trend_views; i++) event(k++, 'Product Viewed', { product_id: products[i % products.length]!.id, title: products[i % products.length]!.title });
    for (let i = 0; i < demo_trend_carts; i++) event(k++, 'Product Added', { product_id: products[i % products.length]!.id, title: products[i % products.length]!.title, quantity: 1 });
  }
  const { price_min, price_max, searches } = demo_premium_filter;
  for (let i = 0; i < searches; i++) event(k++, 'Products Searched', { query: i % 3 === 0 ? 'teapot' : i % 3 === 1 ? 'gift box' : '', price_min, price_max });
  await inTransaction(ctx.db, (trx) => ingestEvents(trx, events));
  return events.length;
}
