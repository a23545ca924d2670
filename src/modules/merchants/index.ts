import { defineModule } from '../../kernel/module.js';
import { checks } from './checks.js';
import { migrations } from './migrations.js';
import { registerRoutes } from './routes.js';
import { seedMerchants } from './seed.js';

/** Merchants (the platform's tenants), their API keys, console users and audit trail. */
export const merchantsModule = defineModule({
  name: 'merchants',
  migrations,
  routes: registerRoutes,
  checks,
  seedDemo: seedMerchants,
});

export { createMerchant, findMerchantByHandle, getMerchant, listMerchants, type Merchant, type NewMerchant } from './merchants.js';
export { createApiKey, revokeApiKey, listApiKeys, keyAuthenticator, type ApiKey } from './api-keys.js';
export { createConsoleUser, verifyConsoleUser, type ConsoleUser } from './console-users.js';
export { recordAudit, listAuditEvents } from './audit.js';
export { merchantCreated, apiKeyCreated, apiKeyRevoked } from './events.js';
export { demoMerchants } from './seed.js';
export type { MerchantKind, ConsoleRole } from './tables.js';
