import { randomBytes } from 'node:crypto';
import { defineModule } from '../../kernel/module.js';
import { pruneConsumerSessions, setConsumerPassword } from './accounts.js';
import { demoConsumers, migrations, registerConsumer } from './consumers.js';
import { registerRoutes } from './routes.js';

/** Platform-wide consumer accounts (buyers); brands see consumers only through their data banks. */
export const consumersModule = defineModule({
  name: 'consumers',
  migrations,
  routes: registerRoutes,
  maintenance: [{ name: 'consumers.prune_sessions', interval_ms: 3_600_000, run: async ({ db }) => void (await pruneConsumerSessions(db)) }],
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

export { registerConsumer, findConsumerByEmail, consumerRegistered, type Consumer } from './consumers.js';
export { consumerOfToken, pruneConsumerSessions } from './accounts.js';
export { consumerToken, consumerTokenHeader, requireConsumer } from './routes.js';
