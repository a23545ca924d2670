import { defineModule } from '../../kernel/module.js';
import { checks } from './checks.js';
import { migrations } from './migrations.js';
import { registerRoutes } from './routes.js';
import { seedMerchants } from './seed.js';
import { pruneSessions } from './console-sessions.js';
import { apiKeyCreated, apiKeyRevoked, apiKeyUpdated } from './events.js';
import { commands } from './cli.js';
import { scopes } from './scopes.js';
import { merchantSettings } from './settings.js';
import { passwordResetJobs, pruneConsolePasswordResets } from './password-reset.js';
import { pruneChallenges } from './sign-in-challenges.js';

/** Merchants (the platform’s tenants), their API keys, console users and sessions, and audit trail. */
export const merchantsModule = defineModule({
  name: 'merchants',
  migrations,
  routes: registerRoutes,
  checks,
  seedDemo: seedMerchants,
  jobs: ({ config }) => passwordResetJobs(config),
  maintenance: [
    { name: 'merchants.prune_sessions', interval_ms: 3_600_000, run: async ({ db }) => void (await pruneSessions(db)) },
    { name: 'merchants.prune_password_resets', interval_ms: 3_600_000, run: async ({ db }) => void (await pruneConsolePasswordResets(db)) },
    { name: 'merchants.prune_sign_in_challenges', interval_ms: 3_600_000, run: async ({ db }) => void (await pruneChallenges(db)) },
  ],
  scopes,
  webhookEvents: [apiKeyCreated, apiKeyUpdated, apiKeyRevoked],
  settings: merchantSettings,
  commands,
});

export { createMerchant, findMerchantByHandle, getMerchant, listMerchants, merchantsByIds, merchantTimeZone, setMerchantTimeZone, type Merchant, type NewMerchant } from './merchants.js';
export { createApiKey, updateApiKey, revokeApiKey, listApiKeys, keyAuthenticator, type ApiKey } from './api-keys.js';
export { createConsoleUser, verifyConsoleUser, listConsoleUsers, updateConsoleUser, type ConsoleUser } from './console-users.js';
export { signIn, signOut, openSession, pruneSessions, csrfTokenFor, type SignInStep, type SignedIn } from './console-sessions.js';
export { twoFactorEnabled, twoFactorRequired, resetTwoFactor, setTwoFactorRequired, type TwoFactorStatus } from './two-factor.js';
export { requestConsolePasswordReset, confirmConsolePasswordReset, pruneConsolePasswordResets, reset_token_ttl_s } from './password-reset.js';
export { scopesOfRole, consoleRoles } from './roles.js';
export { recordAudit, listAuditEvents } from './audit.js';
export { merchantCreated, apiKeyCreated, apiKeyUpdated, apiKeyRevoked } from './events.js';
export { demoMerchants } from './seed.js';
export { merchantIdOf } from './cli.js';
export type { MerchantKind, ConsoleRole } from './tables.js';
