import { inTransaction } from '../../kernel/db.js';
import type { SeedContext } from '../../kernel/module.js';
import { localDay } from '../../kernel/time-zone.js';
import { listLocations } from '../locations/index.js';
import { findMerchantByHandle } from '../merchants/index.js';
import { storedIdentifier } from './identifiers.js';
import type { IncomingEvent } from './ingestion/incoming-event.js';
import { ingestEvents } from './ingestion/ingest-events.js';
import { contactSealer } from './contact-points.js';
import { recordDailyStages } from './daily.js';

/** demo-brand's data bank: a few consumers at every lifecycle stage, over the last weeks. */
export async function seedDataBank({ db, config }: SeedContext): Promise<void> {
  const contacts = contactSealer(config);
  const brand = await findMerchantByHandle(db, 'demo-brand');
  if (brand === undefined) throw new Error('the merchants seed must run before the data bank seed');
  const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);
  const people = [
    { user: 'demo-li-wei', email: 'li.wei@example.com', name: 'Li Wei', story: ['Product List Viewed', 'Product Viewed', 'Order Completed', 'Order Completed'] },
    { user: 'demo-zhang-min', email: 'zhang.min@example.com', name: 'Zhang Min', story: ['Product Viewed', 'Product Added', 'Order Completed'] },
    { user: 'demo-chen-jing', email: 'chen.jing@example.com', name: 'Chen Jing', story: ['Products Searched', 'Product Viewed', 'Product Added to Wishlist'] },
    { user: 'demo-ana-silva', email: 'ana.silva@example.com', name: 'Ana Silva', story: ['Ad Impression', 'Product List Viewed'] },
  ];
  const events: IncomingEvent[] = people.flatMap((p) =>
    [{ type: 'identify' as const, event: null, traits: { name: p.name, email: p.email } }, ...p.story.map((event) => ({ type: 'track' as const, event, traits: {} }))].map((e, i, all) => ({
      merchant_id: brand.id,
      message_id: `demo-${p.user}-${i}`,
      type: e.type,
      event: e.event,
      user_id: p.user,
      anonymous_id: null,
      traits: e.traits,
      properties: e.event === 'Order Completed' ? { amount_minor: 12_800, currency: 'CNY' } : { product_id: 'LJ-100' },
      context: { source: 'demo' },
      occurred_at: daysAgo((all.length - i) * 3),
      received_at: new Date(),
      identifiers: [storedIdentifier('user_id', p.user), storedIdentifier('email', p.email)].filter((x) => x !== undefined),
    })),
  );
  await inTransaction(db, (trx) => ingestEvents(trx, events, undefined, contacts));
  await seedStoreVisits(db);
  await recordDailyStages(db);
}

/**
 * demo-mart's visitors today and yesterday: door counts in its stores (`Store Visited` naming the
 * store) and pages of its storefront, so the overview compares stores' visits and conversion on
 * the first start. Each store draws a different crowd; the times stay within each local day.
 */
async function seedStoreVisits(db: SeedContext['db']): Promise<void> {
  const mart = await findMerchantByHandle(db, 'demo-mart');
  if (mart === undefined) return;
  const stores = (await listLocations(db, mart.id, { kind: 'store', limit: 100 })).sort((a, b) => a.code.localeCompare(b.code));
  const now = Date.now();
  const today = localDay(new Date(now), mart.time_zone);
  // Minutes apart, unless that would reach back past local midnight: then seconds apart.
  const at = (days_ago: number, k: number) => {
    const candidate = new Date(now - days_ago * 86_400_000 - k * 300_000);
    return localDay(new Date(now - k * 300_000), mart.time_zone) === today ? candidate : new Date(now - days_ago * 86_400_000 - k * 1_000);
  };
  // Door counts well above the demo orders of each store, as real footfall is (conversion 5-40%).
  const crowd = [24, 18, 12];
  const visit = (kind: 'store' | 'online', place: string, n: number, days_ago: number): IncomingEvent[] =>
    Array.from({ length: n }, (_, k) => ({
      merchant_id: mart.id,
      message_id: `demo-visit-${place}-${days_ago}-${k}`,
      type: kind === 'store' ? ('track' as const) : ('page' as const),
      event: kind === 'store' ? 'Store Visited' : null,
      user_id: `demo-visitor-${k}`,
      anonymous_id: null,
      traits: {},
      properties: kind === 'store' ? { location_id: place } : { path: '/' },
      context: { source: 'demo' },
      occurred_at: at(days_ago, k + 1),
      received_at: new Date(now),
      identifiers: [storedIdentifier('user_id', `demo-visitor-${k}`)].filter((x) => x !== undefined),
    }));
  const events = [
    ...stores.flatMap((store, i) => [...visit('store', store.id, crowd[i % crowd.length]!, 0), ...visit('store', store.id, crowd[(i + 1) % crowd.length]!, 1)]),
    ...visit('online', 'storefront', 7, 0),
    ...visit('online', 'storefront', 5, 1),
  ];
  await inTransaction(db, (trx) => ingestEvents(trx, events));
}
