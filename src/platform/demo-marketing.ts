import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { inTransaction, type AnyDb } from '../kernel/db.js';
import type { Config } from '../kernel/config.js';
import { contactSealer, ingestEvents, recordDailyStages, storedIdentifier, type IncomingEvent } from '../modules/databank/index.js';
import { listLocations } from '../modules/locations/index.js';
import { findMerchantByHandle } from '../modules/merchants/index.js';

/**
 * The store chain's (demo-mart's) shoppers for the marketing walkthrough of issue 17: enough
 * consumers around its three Shanghai stores that an audience's size moves as a rule is typed, a
 * campaign has a control group worth comparing, and a sampling campaign has someone to rank.
 * Deterministic (a seeded generator), so every first start shows the same figures.
 *
 * Each shopper has a name, city, gender, age band, member level, home coordinates (scattered
 * around one of the stores), a time zone, an email, consent (most grant marketing, some refuse,
 * some never said) and four months of history: storefront visits, products viewed and carted,
 * store visits (`Store Visited` with the store) and paid orders of mooncakes or drinks.
 */
export const demo_marketing_shoppers = 2_000;
const history_days = 120;
const surnames = ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Zhao', 'Huang', 'Zhou', 'Wu', 'Xu', 'Sun', 'Hu', 'Zhu', 'Gao', 'Lin'];
const given = ['Wei', 'Fang', 'Min', 'Jing', 'Lei', 'Yan', 'Jun', 'Hui', 'Ying', 'Tao', 'Xin', 'Qiang', 'Li', 'Na', 'Hao', 'Yu'];
const products = [
  { product: 'MC-LOTUS', category: 'mooncakes', price_minor: 16_800 },
  { product: 'WATER-550', category: 'drinks', price_minor: 200 },
];

export interface MarketingSeed {
  merchant_id: string;
  shoppers: number;
  events: number;
}

/** Seeds demo-mart's shoppers through the data bank's ingestion, in batches; returns what it wrote. */
export async function seedMarketingShoppers(db: AnyDb, config: Config, now = new Date()): Promise<MarketingSeed> {
  // Their emails are kept as contact points, sealed, so the campaign can reach them.
  const contacts = contactSealer(config);
  const mart = await findMerchantByHandle(db, 'demo-mart');
  if (mart === undefined) throw new Error('demo-mart is not seeded');
  const stores = (await listLocations(db, mart.id, { limit: 100 })).filter((l) => l.kind === 'store');
  if (stores.length === 0) throw new Error('demo-mart has no stores');
  const rng = xoroshiro128plus(17);
  const random = () => uniformFloat64(rng);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const day_ms = 86_400_000;
  let batch: IncomingEvent[] = [];
  let events = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const chunk = batch;
    batch = [];
    events += chunk.length;
    await inTransaction(db, (trx) => ingestEvents(trx, chunk, undefined, contacts));
  };
  for (let i = 1; i <= demo_marketing_shoppers; i++) {
    const user = `demo-mart-shopper-${i}`;
    const email = `shopper${i}@demo-mart.example`;
    const home = pick(stores);
    // Within about 8 km of their store, most within 3.
    const distance_km = Math.min(8, -Math.log(1 - random()) * 2);
    const bearing = random() * 2 * Math.PI;
    const home_latitude = home.latitude + (distance_km / 111.32) * Math.cos(bearing);
    const home_longitude = home.longitude + (distance_km / (111.32 * Math.cos((home.latitude * Math.PI) / 180))) * Math.sin(bearing);
    const marketing = random();
    const consent = marketing < 0.75 ? { analytics: true, marketing: true } : marketing < 0.85 ? { analytics: true, marketing: false } : { analytics: true };
    const engagement = random();
    const joined = history_days * random();
    const identifiers = [storedIdentifier('user_id', user), storedIdentifier('email', email)].filter((x) => x !== undefined);
    let n = 0;
    const event = (type: IncomingEvent['type'], name: string | null, days_ago: number, properties: Record<string, unknown> = {}, traits: Record<string, unknown> = {}) =>
      batch.push({
        merchant_id: mart.id,
        message_id: `demo-mart-shopper-${i}-${n++}`,
        type,
        event: name,
        user_id: user,
        anonymous_id: null,
        traits,
        properties,
        context: { source: 'demo', timezone: 'Asia/Shanghai' },
        occurred_at: new Date(now.getTime() - days_ago * day_ms),
        received_at: now,
        identifiers,
        ...(type === 'identify' ? { consent } : {}),
      });
    event('identify', null, joined, {}, {
      name: `${pick(surnames)} ${pick(given)}`,
      email,
      city: 'Shanghai',
      gender: random() < 0.55 ? 'female' : 'male',
      age_band: pick(['18-24', '25-34', '25-34', '35-44', '45-54', '55+']),
      member_level: engagement > 0.85 ? 'gold' : engagement > 0.55 ? 'silver' : 'none',
      home_latitude: Math.round(home_latitude * 1e5) / 1e5,
      home_longitude: Math.round(home_longitude * 1e5) / 1e5,
      timezone: 'Asia/Shanghai',
    });
    // Engaged shoppers do more, more recently; a quarter of them have bought.
    const sessions = Math.floor(engagement * 6);
    for (let s = 0; s < sessions; s++) {
      const ago = joined * random();
      const item = pick(products);
      event('page', 'Home', ago);
      event('track', 'Product Viewed', ago, { product_id: item.product, category: item.category });
      if (random() < 0.4) event('track', 'Product Added', ago, { product_id: item.product, category: item.category, quantity: 1 });
      if (random() < 0.3) event('track', 'Store Visited', ago, { location_id: pick(random() < 0.7 ? [home] : stores).id });
      if (random() < engagement * 0.35) event('track', 'Order Paid', ago, { order_id: `demo-mart-hist-${i}-${s}`, category: item.category, product_id: item.product, amount_minor: item.price_minor * (1 + Math.floor(random() * 3)), currency: 'CNY' });
    }
    if (batch.length >= 2_000) await flush();
  }
  await flush();
  await recordDailyStages(db);
  return { merchant_id: mart.id, shoppers: demo_marketing_shoppers, events };
}

/**
 * The walkthrough of issue 17 on the store chain, through the real API as its marketing manager
 * would, right after its shoppers are seeded:
 * 1. a saved audience, "Mooncake fans near People’s Square": viewed mooncakes in the last 90 days,
 *    lives or was seen within 3 km of the store, consented to marketing, not contacted this week;
 * 2. a three-step campaign to it with a 20% control group: an email (through the demo's local SMTP
 *    server), two days' wait, then a reminder for those who did not buy. It starts at once, so the
 *    first email goes out within seconds, and the suppressed sends keep their reasons;
 * 3. the shoppers' response, simulated (a demo has no real shoppers): some of those emailed, and
 *    fewer of those held back, buy mooncakes in the next hours, so the campaign's lift report has
 *    something to measure;
 * 4. a sampling campaign ranking the audience by its propensity to buy mooncakes.
 */
export interface MarketingDemo {
  audience_id: string | undefined;
  campaign_id: string | undefined;
  sent: number;
  sampling_id: string | undefined;
}

interface Call {
  status: number;
  body: Record<string, unknown> & { data?: Record<string, unknown>[] };
}

/** Shares of the emailed and the held-back shoppers who buy after the first email (the demo's assumption). */
export const demo_response = { treatment: 0.18, control: 0.06 } as const;

export async function runMarketingDemo(app: { request: (path: string, init: RequestInit) => Response | Promise<Response> }, db: AnyDb, secret_key: string, logger: Logger): Promise<MarketingDemo> {
  const call = async (method: string, path: string, body?: unknown): Promise<Call> => {
    const res = await app.request(path, { method, headers: { authorization: `Bearer ${secret_key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as Call['body'] };
  };
  const out: MarketingDemo = { audience_id: undefined, campaign_id: undefined, sent: 0, sampling_id: undefined };
  const stores = await call('GET', '/v1/locations?kind=store&limit=10');
  const square = stores.body.data?.find((l) => l.code === 'ST-PEOPLES-SQ');
  if (square === undefined) return out;
  const audience = await call('POST', '/v1/audiences', {
    name: 'Mooncake fans near People’s Square',
    description: 'Viewed mooncakes in the last 90 days, within 3 km of the store, consented to marketing, not contacted this week',
    track_membership: true,
    rule: {
      kind: 'and',
      rules: [
        { kind: 'event', event: 'Product Viewed', within_days: 90, where: [{ property: 'category', op: 'eq', value: 'mooncakes' }] },
        { kind: 'near', location_id: square.id, radius_km: 3, how: 'either', within_days: 90 },
        { kind: 'consent', purpose: 'marketing', channel: 'email' },
        { kind: 'not', rule: { kind: 'event', event: 'Message Delivered', within_days: 7 } },
      ],
    },
  });
  if (audience.status !== 201) {
    logger.warn({ problem: audience.body }, 'marketing demo: the audience could not be saved');
    return out;
  }
  out.audience_id = audience.body.id as string;
  const campaign = await call('POST', '/v1/campaigns', {
    name: 'Mid-autumn: mooncakes near People’s Square',
    control_share: 0.2,
    entry: { kind: 'audience', audience_id: out.audience_id },
    steps: [
      { kind: 'send', channel: 'email', message: { subject: 'Lotus seed mooncakes are in', text: 'Hello {{name}}, the lotus seed paste mooncakes are in at People’s Square.', url: 'https://harbour-mart.example/mooncakes' } },
      { kind: 'wait', days: 2 },
      { kind: 'branch', if: { event: 'Order Paid', since: 'entry' }, then: 4, else: 3 },
      { kind: 'send', channel: 'email', message: { subject: 'Mid-autumn is close', text: 'Hello {{name}}, a box of mooncakes is waiting for you at People’s Square.', url: 'https://harbour-mart.example/mooncakes' } },
      { kind: 'exit' },
    ],
  });
  if (campaign.status !== 201) {
    logger.warn({ problem: campaign.body }, 'marketing demo: the campaign could not be created');
    return out;
  }
  const campaign_id = campaign.body.id as string;
  out.campaign_id = campaign_id;
  // A first start at night would have every email held by the quiet hours (21:00 to 08:00 in
  // the consumer's zone) and show an empty campaign: the demo's first step goes out at any hour,
  // and the chain's quiet hours are put back once it has.
  const reach = await call('GET', '/v1/reach/settings');
  const quiet_hours = reach.status === 200 ? (reach.body.quiet_hours ?? null) : null;
  if (quiet_hours !== null) await call('PUT', '/v1/reach/settings', { quiet_hours: null });
  let sends: FirstSend[];
  try {
    const started = await call('POST', `/v1/campaigns/${campaign_id}/start`);
    if (started.status !== 200) {
      logger.warn({ problem: started.body }, 'marketing demo: the campaign could not be started');
      return out;
    }
    sends = await waitForFirstSends(db, campaign_id);
    out.sent = sends.filter((s) => s.status === 'sent').length;
  } finally {
    if (quiet_hours !== null) await call('PUT', '/v1/reach/settings', { quiet_hours });
  }
  await simulateResponse(db, campaign_id, sends);
  const mooncakes = await call('GET', '/v1/products?limit=50');
  const product = mooncakes.body.data?.find((p) => p.title === 'Mooncake box, lotus seed paste');
  const variant = (product?.variants as { id: string }[] | undefined)?.[0];
  if (product !== undefined && variant !== undefined) {
    const sampling = await call('POST', '/v1/sampling-campaigns', { name: 'Mooncake samples for likely buyers', audience: { audience_id: out.audience_id }, target: { product_id: product.id }, variant_id: variant.id, top_n: 40, budget_minor: 40 * 3_000, sample_cost_minor: 3_000, control_share: 0.5, conversion_days: 14 });
    if (sampling.status === 201) out.sampling_id = sampling.body.id as string;
    else logger.warn({ problem: sampling.body }, 'marketing demo: the sampling campaign could not be created');
  }
  return out;
}

/**
 * The shoppers' simulated response to the first email: an order of mooncakes in the next hours
 * for a deterministic share of those emailed and of those held back (by a hash of the profile),
 * recorded as the store's `Order Paid` events in the data bank, as a till or an import would.
 */
async function simulateResponse(db: AnyDb, campaign_id: string, sends: readonly { profile_id: string; arm: string; status: string | null }[]): Promise<void> {
  // Bought after the email went (the sends are done by now), within the campaign's window.
  const bought_at = new Date();
  const buyers = sends.filter((s) => (s.arm === 'control' || s.status === 'sent') && share(`${campaign_id}:${s.profile_id}`) < (s.arm === 'control' ? demo_response.control : demo_response.treatment));
  if (buyers.length === 0) return;
  const profiles = await sql<{ merchant_id: string; profile_id: string; user_id: string }>`
    select distinct on (profile_id) merchant_id, profile_id, user_id from cdp_event
    where profile_id = any(${buyers.map((b) => b.profile_id)}::text[]) and user_id is not null order by profile_id`.execute(db);
  const events: IncomingEvent[] = [];
  for (const { merchant_id, profile_id, user_id: user } of profiles.rows) {
    const p = { merchant_id, id: profile_id };
    events.push({
      merchant_id: p.merchant_id,
      message_id: `demo-response-${campaign_id}-${p.id}`,
      type: 'track',
      event: 'Order Paid',
      user_id: user,
      anonymous_id: null,
      traits: {},
      properties: { order_id: `demo-response-${p.id}`, category: 'mooncakes', product_id: 'MC-LOTUS', amount_minor: 16_800, currency: 'CNY' },
      context: { source: 'demo' },
      occurred_at: bought_at,
      received_at: bought_at,
      identifiers: [storedIdentifier('user_id', user)].filter((x) => x !== undefined),
    });
  }
  if (events.length > 0) await inTransaction(db, (trx) => ingestEvents(trx, events));
}

/** A number in [0, 1) from a string, the same on every run. */
function share(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

/** The first step runs on the campaign's durable timer; waits (bounded) for its sends. */
type FirstSend = { profile_id: string; arm: string; status: string | null };

async function waitForFirstSends(db: AnyDb, campaign_id: string): Promise<FirstSend[]> {
  const deadline = Date.now() + 60_000;
  let sends: FirstSend[] = [];
  while (Date.now() < deadline) {
    const rows = await sql<{ profile_id: string; arm: string; status: string | null; step_index: number }>`
      select e.profile_id, e.arm, s.status, e.step_index from campaign_enrolment e
      left join reach_send s on s.merchant_id = e.merchant_id and s.campaign_id = e.campaign_id and s.profile_id = e.profile_id and s.step_id = '0'
      where e.merchant_id = (select merchant_id from campaign where id = ${campaign_id}) and e.campaign_id = ${campaign_id}`.execute(db);
    sends = rows.rows;
    if (rows.rows.length > 0 && rows.rows.every((r) => r.step_index > 0 || r.status !== null)) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return sends;
}
