import { inTransaction } from '../../kernel/db.js';
import type { SeedContext } from '../../kernel/module.js';
import { findMerchantByHandle } from '../merchants/index.js';
import { storedIdentifier } from './identifiers.js';
import type { IncomingEvent } from './ingestion/incoming-event.js';
import { ingestEvents } from './ingestion/ingest-events.js';
import { recordDailyStages } from './daily.js';

/** demo-brand's data bank: a few consumers at every lifecycle stage, over the last weeks. */
export async function seedDataBank({ db }: SeedContext): Promise<void> {
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
  await inTransaction(db, (trx) => ingestEvents(trx, events));
  await recordDailyStages(db);
}
