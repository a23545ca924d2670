import { randomBytes } from 'node:crypto';
import { defineModule } from '../../kernel/module.js';
import { checks } from './checks.js';
import { pruneConsumerSessions, setConsumerPassword } from './accounts.js';
import { consumerEmailVerified, demoConsumers, migrations, registerConsumer } from './consumers.js';
import { registerRoutes } from './routes.js';
import { registerRecoveryRoutes } from './recovery-routes.js';
import { consumerResetJobs } from './password-reset.js';
import { pruneAccountTokens } from './account-tokens.js';

/**
 * Platform-wide consumer accounts: the buyers who sign in to storefronts, with their sessions,
 * password resets and email verification. Not the data bank's consumer profiles
 * (`/v1/consumers`), which are what one brand knows of the people it meets; brands see buyers
 * only through those.
 */
export const accountsModule = defineModule({
  name: 'accounts',
  // Applied under the module's first name; the records keep it, so no database applies them twice.
  migrationsRecordedAs: 'consumers',
  migrations,
  routes: (router, ctx) => {
    registerRoutes(router, ctx);
    registerRecoveryRoutes(router, ctx);
  },
  jobs: ({ config }) => consumerResetJobs(config),
  checks,
  webhookEvents: [consumerEmailVerified],
  maintenance: [
    { name: 'accounts.prune_sessions', interval_ms: 3_600_000, run: async ({ db }) => void (await pruneConsumerSessions(db)) },
    { name: 'accounts.prune_account_tokens', interval_ms: 3_600_000, run: async ({ db }) => void (await pruneAccountTokens(db)) },
  ],
  async seedDemo({ db, credentials }) {
    credentials.consumers = [];
    for (const consumer of demoConsumers) {
      const { id } = await registerConsumer(db, consumer);
      const password = randomBytes(9).toString('base64url');
      await setConsumerPassword(db, id, password);
      credentials.consumers.push({ email: consumer.email, password });
    }
  },
});

export { registerConsumer, findConsumerByEmail, accountContacts, consumerRegistered, consumerEmailVerified, consumerPasswordReset, type Consumer } from './consumers.js';
export { verifyConsumerEmail, type VerifiedEmail } from './email-verification.js';
export { pruneAccountTokens } from './account-tokens.js';
export { storefrontWrite } from './routes.js';
export { consumerOfToken, pruneConsumerSessions } from './accounts.js';
export { consumerToken, consumerTokenHeader, requireConsumer } from './routes.js';
export { accountsByEmails, accountsByIds, accountsByPhone, type AccountContact } from './lookup.js';
