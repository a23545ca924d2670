import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { inTransaction, type AnyDb } from '../kernel/db.js';
import { ingestEvents, recordDailyStages, storedIdentifier, type IncomingEvent } from '../modules/databank/index.js';
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
export async function seedMarketingShoppers(db: AnyDb, now = new Date()): Promise<MarketingSeed> {
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
    await inTransaction(db, (trx) => ingestEvents(trx, chunk));
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
