import { inTransaction } from '../../kernel/db.js';
import type { SeedContext } from '../../kernel/module.js';
import { findConsumerByEmail } from '../accounts/index.js';
import { findMerchantByHandle } from '../merchants/index.js';
import { addPoints, joinMember, setLevels, type Level } from './members.js';

/** demo-mart's ladder, and the demo consumers as members with some points (Li Wei already Gold). */
export const demoLevels: Level[] = [
  { name: 'Silver', min_points: 0, earn_rate: 1, perks: 'Member prices and birthday coupon' },
  { name: 'Gold', min_points: 1_000, earn_rate: 1.5, perks: 'Free express delivery; 1.5 points per yuan' },
  { name: 'Platinum', min_points: 5_000, earn_rate: 2, perks: 'Free express delivery, early access to sales; 2 points per yuan' },
];

const demoPoints: Record<string, number> = {
  'li.wei@example.com': 1_250,
  'zhang.min@example.com': 420,
  'chen.jing@example.com': 5_300,
  'ana.silva@example.com': 80,
};

export async function seedMembership({ db }: SeedContext): Promise<void> {
  const mart = await findMerchantByHandle(db, 'demo-mart');
  if (mart === undefined) throw new Error('the merchants seed must run before the membership seed');
  await setLevels(db, mart.id, demoLevels);
  for (const [email, points] of Object.entries(demoPoints)) {
    const consumer = await findConsumerByEmail(db, email);
    if (consumer === undefined) continue;
    await inTransaction(db, async (trx) => {
      await joinMember(trx, mart.id, consumer.id, 'seed');
      await addPoints(trx, mart.id, consumer.id, { source: `seed:welcome:${consumer.id}`, points, reason: 'adjusted' });
    });
  }
}
