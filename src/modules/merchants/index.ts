import { defineModule } from '../../kernel/module.js';
import { checks } from './checks.js';
import { migrations } from './migrations.js';
import { registerRoutes } from './routes.js';
import { seedMerchants } from './seed.js';
import { pruneSessions } from './console-sessions.js';
import { pruneChallenges } from './sign-in-challenges.js';

/** Merchants (the platform’s tenants), their API keys, console users and sessions, and audit trail. */
export const merchantsModule = defineModule({
  name: 'merchants',
  migrations,
  routes: registerRoutes,
  checks,
  seedDemo: seedMerchants,
  maintenance: [
    { name: 'merchants.prune_sessions', interval_ms: 3_600_000, run: async ({ db }) => void (await pruneSessions(db)) },
    { name: 'merchants.prune_sign_in_challenges', interval_ms: 3_600_000, run: async ({ db }) => void (await pruneChallenges(db)) },
  ],
});

export { createMerchant, findMerchantByHandle, getMerchant, listMerchants, type Merchant, type NewMerchant } from './merchants.js';
export { createApiKey, updateApiKey, revokeApiKey, listApiKeys, keyAuthenticator, type ApiKey } from './api-keys.js';
export { createConsoleUser, verifyConsoleUser, listConsoleUsers, updateConsoleUser, type ConsoleUser } from './console-users.js';
export { signIn, signOut, openSession, pruneSessions, csrfTokenFor, type SignInStep, type SignedIn } from './console-sessions.js';
export { twoFactorEnabled, twoFactorRequired, resetTwoFactor, setTwoFactorRequired, type TwoFactorStatus } from './two-factor.js';
export { scopesOfRole, consoleRoles } from './roles.js';
export { recordAudit, listAuditEvents } from './audit.js';
export { merchantCreated, apiKeyCreated, apiKeyUpdated, apiKeyRevoked } from './events.js';
export { demoMerchants } from './seed.js';
export type { MerchantKind, ConsoleRole } from './tables.js';
