import type { SeedContext } from '../../kernel/module.js';
import { listLocations } from '../locations/index.js';
import { findMerchantByHandle } from '../merchants/index.js';
import { createRider } from './riders.js';

/** demo-mart's three Shanghai stores each have one rider on duty for express deliveries. */
const demoRiders: Record<string, { name: string; phone: string }> = {
  'ST-PEOPLES-SQ': { name: 'Li Wei', phone: '+86 139 0000 0101' },
  'ST-XUJIAHUI': { name: 'Zhang Min', phone: '+86 139 0000 0102' },
  'ST-LUJIAZUI': { name: 'Chen Jie', phone: '+86 139 0000 0103' },
};

export async function seedRiders({ db }: SeedContext): Promise<void> {
  const mart = await findMerchantByHandle(db, 'demo-mart');
  if (mart === undefined) throw new Error('the merchants seed must run before the riders seed');
  const stores = await listLocations(db, mart.id, { kind: 'store', limit: 100 });
  for (const store of stores) {
    const rider = demoRiders[store.code];
    if (rider !== undefined) await createRider(db, mart.id, store.id, rider);
  }
}
