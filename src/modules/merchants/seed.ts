import { randomBytes } from 'node:crypto';
import type { SeedContext } from '../../kernel/module.js';
import { createApiKey } from './api-keys.js';
import { createConsoleUser } from './console-users.js';
import { createMerchant, type NewMerchant } from './merchants.js';
import { merchantSettings } from './settings.js';

/** The four demo merchants, one of each kind of seller the platform serves. */
export const demoMerchants: readonly NewMerchant[] = [
  { handle: 'demo-brand', name: 'Lumen Tea Co. (demo brand)', kind: 'brand', default_currency: 'CNY', country: 'CN', time_zone: 'Asia/Shanghai' },
  { handle: 'demo-mart', name: 'Harbour Mart (demo store chain)', kind: 'retailer', default_currency: 'CNY', country: 'CN', time_zone: 'Asia/Shanghai' },
  { handle: 'demo-wholesale', name: 'Delta Wholesale Supply (demo B2B)', kind: 'wholesale', default_currency: 'CNY', country: 'CN', time_zone: 'Asia/Shanghai' },
  { handle: 'demo-c2c', name: 'Mei’s Vintage Finds (demo individual seller)', kind: 'individual', default_currency: 'CNY', country: 'CN', time_zone: 'Asia/Shanghai' },
];

/** A storefront in development, on any port of this machine, may use the demo publishable keys. */
const developmentOrigins = ['http://localhost:*', 'http://127.0.0.1:*'];

export async function seedMerchants({ db, credentials, registry, config }: SeedContext): Promise<void> {
  for (const input of demoMerchants) {
    const merchant = await createMerchant(db, { ...input, time_zone: input.time_zone ?? merchantSettings.of(config).OPENBOS_DEFAULT_TIME_ZONE }, 'seed');
    const secret = await createApiKey(db, { merchant_id: merchant.id, kind: 'secret', name: 'demo secret key' }, 'seed', registry.scopes);
    const publishable = await createApiKey(db, { merchant_id: merchant.id, kind: 'publishable', name: 'demo publishable key', allowed_origins: developmentOrigins }, 'seed', registry.scopes);
    const email = `owner@${input.handle}.example`;
    const password = randomBytes(9).toString('base64url');
    await createConsoleUser(db, { merchant_id: merchant.id, email, name: `${input.name.split(' (')[0]} owner`, role: 'owner', password }, 'seed');
    credentials.merchants.push({
      handle: input.handle,
      merchant_id: merchant.id,
      secret_key: secret.token,
      publishable_key: publishable.token,
      console_email: email,
      console_password: password,
    });
  }
}
