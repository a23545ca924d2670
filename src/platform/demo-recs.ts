import { sql } from 'kysely';
import type { Logger } from 'pino';
import sharp from 'sharp';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { Config } from '../kernel/config.js';
import { inTransaction, type AnyDb } from '../kernel/db.js';
import type { DemoCredentials } from '../kernel/module.js';
import { createCategory, createProduct, listProducts, updateProduct } from '../modules/catalog/index.js';
import { contactSealer, ingestEvents, recordDailyStages, storedIdentifier, type IncomingEvent } from '../modules/databank/index.js';
import { receiveStock } from '../modules/inventory/index.js';
import { listLocations } from '../modules/locations/index.js';
import { testCards } from '../modules/payments/index.js';
import { attributionSecret } from '../modules/attribution/index.js';
import { browseWeek, demoHttp, type DemoHttp, type RecsShopper, type TrafficReport } from '../modules/recs/index.js';
import { demo_recs_categories, demo_recs_pairs, demo_recs_products, demo_recs_queries, demo_recs_seeded, type Taste } from './demo-recs-catalog.js';

/**
 * Issue 19's demo on the first start: the tea brand (demo-brand) sells a range worth
 * recommending (30 teas, teaware, gift boxes and snacks, in English and Chinese, in six
 * categories), its data bank has two weeks of browsing by 40 shoppers with planted tastes
 * (green-tea people, oolong people, teaware buyers, black-tea drinkers) and the demo consumers,
 * some of them bought through the real checkout, the models are trained on it, and then the
 * shoppers browse for a week: they open their recommendations and search (some with typos), and
 * view, click, cart and buy with the attribution tokens, more and more from recommendations, so
 * the console's Recommendations page shows its traffic chart with recommendations overtaking
 * search. Through the API in process where a storefront or a merchant would call it; the data
 * bank's history is filed through its ingestion, as an import would. A step that fails is logged
 * and the rest goes on.
 */
export const demo_recs_shoppers = 40;
export const demo_recs_history_days = 14;
export const demo_recs_traffic_days = 7;

/** The demo consumers' planted tastes (they sign in with the credentials' passwords). */
export const demo_consumer_tastes: Record<string, Taste> = {
  'li.wei@example.com': 'green',
  'zhang.min@example.com': 'oolong',
  'chen.jing@example.com': 'teaware',
  'ana.silva@example.com': 'black',
  'tom.becker@example.com': 'gifts',
};
/** What the demo consumers bought (through the checkout): li.wei a green tea and its snack, chen.jing a gaiwan and cups. */
const consumer_orders: Record<string, string[]> = {
  'li.wei@example.com': ['GT-BLC', 'SN-OSMANTHUS'],
  'zhang.min@example.com': ['OO-TGY', 'SN-SESAME'],
  'chen.jing@example.com': ['TW-GAIWAN', 'TW-CUPS'],
  'ana.silva@example.com': ['BT-KEEMUN'],
};
/** The 40 shoppers' tastes: 14 green, 12 oolong, 8 teaware, 6 black. */
const shopper_tastes: readonly [Taste, number][] = [
  ['green', 14],
  ['oolong', 12],
  ['teaware', 8],
  ['black', 6],
];

export interface DemoRecsItem {
  sku: string;
  product_id: string;
  variant_id: string;
  taste: Taste;
  category_id: string | undefined;
}

export interface RecsDemo {
  merchant_id: string | undefined;
  /** Products the demo added (the seed's two are filed under categories too). */
  products_added: number;
  /** By SKU: every product of the brand the demo knows. */
  catalog: Record<string, DemoRecsItem>;
  /** Profiles' identities: user_id by shopper, with their taste. */
  shoppers: { user_id: string; anonymous_id: string; email: string; taste: Taste }[];
  history_events: number;
  orders_paid: number;
  training: { id: string; status: string; model: string | null } | undefined;
  traffic: TrafficReport | undefined;
}

type App = { request(input: string, init: RequestInit): Response | Promise<Response> };

export interface RecsDemoOptions {
  now?: Date;
  /** Sessions of the browsing week; the figures scale with it. */
  scale?: number;
  /** Waits for what the server does in the background (payment webhooks, events, jobs); the server needs none. */
  settle?: () => Promise<void>;
  /** How long to wait for the training run. */
  training_wait_ms?: number;
}

export async function runRecsDemo(app: App, ctx: { db: AnyDb; config: Config }, credentials: DemoCredentials, logger: Logger, options: RecsDemoOptions = {}): Promise<RecsDemo> {
  const out: RecsDemo = { merchant_id: undefined, products_added: 0, catalog: {}, shoppers: [], history_events: 0, orders_paid: 0, training: undefined, traffic: undefined };
  const brand = credentials.merchants.find((m) => m.handle === 'demo-brand');
  if (brand === undefined) return out;
  out.merchant_id = brand.merchant_id;
  const now = options.now ?? new Date();
  const http = demoHttp(app);
  const seller = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => http<T>(method, path, { key: brand.secret_key, body });

  try {
    out.catalog = await widenRange(ctx.db, brand.merchant_id, (product_id, png) => http('POST', `/v1/products/${product_id}/images`, { key: brand.secret_key, raw: { bytes: png, type: 'image/png' } }));
    out.products_added = demo_recs_products.filter((p) => out.catalog[p.sku] !== undefined).length;
  } catch (error) {
    logger.warn({ err: error }, 'recs demo: the tea brand’s range could not be widened');
    return out;
  }

  const rng = xoroshiro128plus(19);
  const random = () => uniformFloat64(rng);
  out.shoppers = shoppersOf(random);
  const history = await fileHistory(ctx, brand.merchant_id, out, random, now).catch((error: unknown) => {
    logger.warn({ err: error }, 'recs demo: the browsing history could not be filed');
    return { events: 0, orders: [] as { email: string; skus: string[] }[] };
  });
  out.history_events = history.events;

  // Some of them bought, through the real checkout, as guests with their email (the data bank
  // files each paid order under the profile with that email).
  const placed: string[] = [];
  for (const order of history.orders) {
    const items = order.skus.map((sku) => out.catalog[sku]).filter((x) => x !== undefined).map((x) => ({ variant_id: x.variant_id, quantity: 1 }));
    if (items.length === 0) continue;
    const checkout = await http<{ checkout_id: string; orders: { id: string }[] }>('POST', '/v1/checkouts', { key: brand.publishable_key, body: { currency: 'CNY', items, buyer_email: order.email } });
    if (checkout.status !== 201) {
      logger.warn({ status: checkout.status, problem: checkout.body }, 'recs demo: an order could not be placed');
      continue;
    }
    placed.push(...checkout.body.orders.map((o) => o.id));
    await http('POST', `/v1/checkouts/${checkout.body.checkout_id}/payments`, { key: brand.publishable_key, body: { payment_method: testCards.succeeds } });
  }
  out.orders_paid = await waitFor(placed.length, async () => {
    await options.settle?.();
    return countPaidInBank(ctx.db, brand.merchant_id, placed);
  });
  if (out.orders_paid < placed.length) logger.warn({ placed: placed.length, paid: out.orders_paid }, 'recs demo: not every order was paid and filed in the data bank in time; training goes on without them');

  // The brand trains its models, as its e-commerce team would from the console or `bos recs train`.
  out.training = await train(seller, options, options.training_wait_ms ?? 90_000, logger);

  // A week of browsing: recommendations and searches, with the views, clicks, carts and orders
  // that follow, attributed by the answers' tokens.
  try {
    const locations = (await seller<{ data?: { id: string; kind: string; latitude: number; longitude: number }[] }>('GET', '/v1/locations?limit=100')).body.data ?? [];
    out.traffic = await browseWeek({
      db: ctx.db,
      secret: attributionSecret(ctx.config),
      merchant_id: brand.merchant_id,
      http,
      publishable_key: brand.publishable_key,
      shoppers: [...out.shoppers.map((s): RecsShopper => ({ anonymous_id: s.anonymous_id, email: s.email, queries: demo_recs_queries[s.taste] })), ...(await consumerShoppers(http, brand.publishable_key, credentials))],
      locations,
      days: demo_recs_traffic_days,
      scale: options.scale ?? 1,
      now,
      seed: 19,
    });
  } catch (error) {
    logger.warn({ err: error }, 'recs demo: the demo buyers could not browse');
  }
  return out;
}

/** The demo consumers, signed in, each with the searches of their taste. */
async function consumerShoppers(http: DemoHttp, publishable_key: string, credentials: DemoCredentials): Promise<RecsShopper[]> {
  const shoppers: RecsShopper[] = [];
  for (const consumer of credentials.consumers ?? []) {
    const taste = demo_consumer_tastes[consumer.email];
    if (taste === undefined) continue;
    const session = await http<{ token: string }>('POST', '/v1/account/sessions', { key: publishable_key, body: { email: consumer.email, password: consumer.password } });
    if (session.status === 201) shoppers.push({ consumer_token: session.body.token, email: consumer.email, queries: demo_recs_queries[taste] });
  }
  return shoppers;
}

type Seller = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

/** Categories, the 28 new products (published, priced, stocked at the brand's locations, with a picture), the seed's two filed under theirs. */
async function widenRange(db: AnyDb, merchant_id: string, upload: (product_id: string, png: Buffer) => Promise<{ status: number }>): Promise<Record<string, DemoRecsItem>> {
  const categories = {} as Record<Taste, string>;
  for (const [taste, c] of Object.entries(demo_recs_categories) as [Taste, { name: string; zh: string }][]) categories[taste] = (await createCategory(db, merchant_id, { name: c.name })).id;
  const catalog: Record<string, DemoRecsItem> = {};
  for (const product of await listProducts(db, merchant_id, { limit: 100 })) {
    const taste = product.variants.map((v) => demo_recs_seeded[v.sku]).find((t) => t !== undefined);
    if (taste === undefined) continue;
    await updateProduct(db, merchant_id, product.id, { category_id: categories[taste], attributes: { ...product.attributes, repeat_purchase: true } });
    for (const v of product.variants) catalog[v.sku] = { sku: v.sku, product_id: product.id, variant_id: v.id, taste, category_id: categories[taste] };
  }
  const locations = await listLocations(db, merchant_id, { limit: 100 });
  for (const p of demo_recs_products) {
    const created = await createProduct(db, merchant_id, {
      title: p.title,
      title_i18n: { 'zh-CN': p.zh },
      status: 'published',
      category_id: categories[p.taste],
      attributes: p.attributes,
      variants: [{ sku: p.sku, weight_g: p.taste === 'teaware' ? 900 : 200, prices: [{ currency: 'CNY', amount_minor: p.price_minor }] }],
    });
    const variant = created.variants[0]!;
    catalog[p.sku] = { sku: p.sku, product_id: created.id, variant_id: variant.id, taste: p.taste, category_id: categories[p.taste] };
    for (const location of locations) await receiveStock(db, { merchant_id, variant_id: variant.id, location_id: location.id }, location.kind === 'warehouse' ? 200 : 30, 'demo opening stock');
    // A square of the product's colour, uploaded as a merchant would from the console.
    const picture = await sharp(Buffer.from(squareSvg(p.title, p.colour))).png().toBuffer();
    await upload(created.id, picture);
  }
  return catalog;
}

function squareSvg(title: string, colour: string, size_px = 320): string {
  const initials = title.split(/\s+/).filter((w) => /^[A-Za-z]/.test(w)).slice(0, 2).map((w) => w[0]!.toUpperCase()).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size_px}" height="${size_px}"><rect width="100%" height="100%" fill="${colour}"/><circle cx="50%" cy="50%" r="34%" fill="#ffffff" fill-opacity="0.14"/><text x="50%" y="50%" dy="0.35em" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="${Math.round(size_px * 0.3)}" fill="#ffffff">${initials}</text></svg>`;
}

function shoppersOf(random: () => number): RecsDemo['shoppers'] {
  const tastes = shopper_tastes.flatMap(([taste, n]) => Array.from({ length: n }, () => taste));
  // Shuffled, so shopper numbers do not give the taste away.
  for (let i = tastes.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [tastes[i], tastes[j]] = [tastes[j]!, tastes[i]!];
  }
  return tastes.slice(0, demo_recs_shoppers).map((taste, k) => ({ user_id: `lumen-shopper-${k + 1}`, anonymous_id: `lumen-anon-${k + 1}`, email: `shopper${k + 1}@lumen-tea.example`, taste }));
}

/**
 * Two weeks of browsing in the data bank, filed through its ingestion: each shopper's sessions
 * view mostly products of their taste (and what goes with them), cart some, wish for a few; the
 * demo consumers too, under the profiles the data bank's seed gave them. Returns the orders the
 * shoppers go on to place.
 */
async function fileHistory(ctx: { db: AnyDb; config: Config }, merchant_id: string, out: RecsDemo, random: () => number, now: Date): Promise<{ events: number; orders: { email: string; skus: string[] }[] }> {
  const contacts = contactSealer(ctx.config);
  const byTaste = new Map<Taste, string[]>();
  for (const item of Object.values(out.catalog)) if (item.sku !== 'LJ-250') byTaste.set(item.taste, [...(byTaste.get(item.taste) ?? []), item.sku]);
  const everything = Object.keys(out.catalog).filter((s) => s !== 'LJ-250');
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const events: IncomingEvent[] = [];
  const orders: { email: string; skus: string[] }[] = [];
  const people = [
    ...out.shoppers.map((s) => ({ ...s, name: undefined as string | undefined, sessions: 3 + Math.floor(random() * 5) })),
    ...Object.entries(demo_consumer_tastes).map(([email, taste]) => ({ user_id: `demo-${email.split('@')[0]!.replace('.', '-')}`, anonymous_id: `lumen-anon-${email.split('@')[0]!}`, email, taste, name: undefined, sessions: 10 })),
  ];
  for (const person of people) {
    const own = byTaste.get(person.taste) ?? everything;
    const identifiers = [storedIdentifier('user_id', person.user_id), storedIdentifier('email', person.email), storedIdentifier('anonymous_id', person.anonymous_id)].filter((x) => x !== undefined);
    let n = 0;
    const event = (type: IncomingEvent['type'], name: string | null, days_ago: number, properties: Record<string, unknown> = {}, traits: Record<string, unknown> = {}) =>
      events.push({
        merchant_id,
        message_id: `demo-recs-${person.user_id}-${n++}`,
        type,
        event: name,
        user_id: person.user_id,
        anonymous_id: person.anonymous_id,
        traits,
        properties,
        context: { source: 'demo', timezone: 'Asia/Shanghai' },
        occurred_at: new Date(now.getTime() - days_ago * 86_400_000),
        received_at: now,
        identifiers,
      });
    const first = demo_recs_history_days * (0.6 + 0.4 * random());
    if (person.email.endsWith('@lumen-tea.example')) event('identify', null, first, {}, { email: person.email, city: pick(['Hangzhou', 'Shanghai', 'Suzhou', 'Nanjing']) });
    const viewed = new Map<string, number>();
    for (let s = 0; s < person.sessions; s++) {
      const ago = first * random();
      const views = 2 + Math.floor(random() * 3);
      for (let v = 0; v < views; v++) {
        const r = random();
        const sku = r < 0.78 ? pick(own) : r < 0.9 ? (demo_recs_pairs[pick(own)] ?? pick(own)) : pick(everything);
        const item = out.catalog[sku]!;
        const properties = { product_id: item.product_id, sku, category: demo_recs_categories[item.taste].name };
        const at = Math.max(0.01, ago - v * 0.002);
        event('track', 'Product Viewed', at, properties);
        viewed.set(sku, (viewed.get(sku) ?? 0) + 1);
        if (item.taste === person.taste && random() < 0.3) event('track', 'Product Added', at - 0.001, { ...properties, quantity: 1 });
        if (random() < 0.08) event('track', 'Product Added to Wishlist', at - 0.001, properties);
      }
    }
    const planned = consumer_orders[person.email];
    if (planned !== undefined) orders.push({ email: person.email, skus: planned });
    else if (person.email.endsWith('@lumen-tea.example') && random() < 0.55) {
      const favourite = [...viewed.entries()].filter(([sku]) => out.catalog[sku]?.taste === person.taste).sort((a, b) => b[1] - a[1])[0]?.[0] ?? pick(own);
      const pair = demo_recs_pairs[favourite];
      orders.push({ email: person.email, skus: pair !== undefined && random() < 0.6 ? [favourite, pair] : [favourite] });
    }
  }
  for (let i = 0; i < events.length; i += 2_000) {
    const chunk = events.slice(i, i + 2_000);
    await inTransaction(ctx.db, (trx) => ingestEvents(trx, chunk, undefined, contacts));
  }
  await recordDailyStages(ctx.db);
  return { events: events.length, orders };
}

/** The orders among these that the data bank has filed as paid (`Order Paid`, from the platform's events). */
async function countPaidInBank(db: AnyDb, merchant_id: string, order_ids: readonly string[]): Promise<number> {
  if (order_ids.length === 0) return 0;
  const rows = await sql<{ n: number }>`
    select count(distinct properties->>'order_id')::int as n from cdp_event
    where merchant_id = ${merchant_id} and event = 'Order Paid' and properties->>'order_id' = any(${order_ids}::text[])`.execute(db);
  return rows.rows[0]?.n ?? 0;
}

async function waitFor(target: number, count: () => Promise<number>, within_ms = 30_000): Promise<number> {
  const deadline = Date.now() + within_ms;
  let n = await count();
  while (n < target && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    n = await count();
  }
  return n;
}

/** `POST /v1/recommendations/trainings`, then the run's progress until it is done (the job runner takes it). */
async function train(seller: Seller, options: RecsDemoOptions, within_ms: number, logger: Logger): Promise<RecsDemo['training']> {
  const requested = await seller<{ id: string; status: string }>('POST', '/v1/recommendations/trainings', {});
  if (requested.status !== 201 && requested.status !== 202 && requested.status !== 200) {
    logger.warn({ status: requested.status, problem: requested.body }, 'recs demo: the training could not be requested');
    return undefined;
  }
  const id = requested.body.id;
  const deadline = Date.now() + within_ms;
  let run: { status: string; model?: string | null; chosen_model?: string | null } = requested.body;
  while (run.status !== 'succeeded' && run.status !== 'failed' && Date.now() < deadline) {
    await options.settle?.();
    await new Promise((resolve) => setTimeout(resolve, 250));
    run = (await seller<{ status: string; model?: string | null; chosen_model?: string | null }>('GET', `/v1/recommendations/trainings/${id}`)).body;
  }
  if (run.status !== 'succeeded') logger.warn({ training_id: id, status: run.status }, 'recs demo: the training did not succeed in time; the demo buyers browse without it');
  return { id, status: run.status, model: run.chosen_model ?? run.model ?? null };
}
