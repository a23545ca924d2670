import type { SeedContext } from '../../kernel/module.js';
import { newId } from '../../kernel/ids.js';
import { tablesOf } from '../../kernel/db.js';
import { findConsumerByEmail } from '../accounts/index.js';
import { listLocations } from '../locations/index.js';
import { findMerchantByHandle } from '../merchants/index.js';
import type { StoresTables } from './tables.js';

/**
 * demo-mart's guides: two at People's Square (one online), one at Xujiahui, and Li Wei's question
 * to People's Square with the tea specialist's answer.
 */
export async function seedStores({ db }: SeedContext): Promise<void> {
  const mart = await findMerchantByHandle(db, 'demo-mart');
  if (mart === undefined) return;
  const stores = await listLocations(db, mart.id, { kind: 'store', limit: 100 });
  const peoples = stores.find((l) => l.code === 'ST-PEOPLES-SQ');
  const xujiahui = stores.find((l) => l.code === 'ST-XUJIAHUI');
  if (peoples === undefined || xujiahui === undefined) return;
  const t = tablesOf<StoresTables>(db);
  const now = new Date();
  const guide = (location_id: string, name: string, title: string, seen: Date | null) => ({ merchant_id: mart.id, id: newId('sgd'), location_id, name, title, console_user_id: null, active: true, last_seen_at: seen });
  const fang = guide(peoples.id, 'Wang Fang', 'Tea specialist', now);
  await t.insertInto('store_guide').values([fang, guide(peoples.id, 'Liu Yang', 'Store manager', null), guide(xujiahui.id, 'Zhao Lei', 'Fresh food guide', null)]).execute();

  const li = await findConsumerByEmail(db, 'li.wei@example.com');
  if (li === undefined) return;
  const asked = new Date(now.getTime() - 40 * 60_000);
  const answered = new Date(now.getTime() - 32 * 60_000);
  const thread_id = newId('sth');
  await t.insertInto('store_thread').values({ merchant_id: mart.id, id: thread_id, location_id: peoples.id, consumer_id: li.id, consumer_name: li.name, guide_id: fang.id, status: 'answered', waiting_since: null, last_message_at: answered }).execute();
  await t
    .insertInto('store_message')
    .values([
      { merchant_id: mart.id, id: newId('smsg'), thread_id, author: 'consumer', guide_id: null, actor: null, body: 'Hi! Do you have this spring’s Longjing in the store today? I could come by after work.', created_at: asked },
      { merchant_id: mart.id, id: newId('smsg'), thread_id, author: 'guide', guide_id: fang.id, actor: 'seed', body: 'Yes, we have it on the tea shelf by the entrance, and you can taste it at the counter. See you later!', created_at: answered },
    ])
    .execute();
}
