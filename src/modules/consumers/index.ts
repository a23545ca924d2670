import { defineModule } from '../../kernel/module.js';
import { demoConsumers, migrations, registerConsumer } from './consumers.js';
import { registerRoutes } from './routes.js';

/** Platform-wide consumer accounts (buyers); brands see consumers only through their data banks. */
export const consumersModule = defineModule({
  name: 'consumers',
  migrations,
  routes: registerRoutes,
  async seedDemo({ db }) {
    for (const consumer of demoConsumers) await registerConsumer(db, consumer);
  },
});

export { registerConsumer, findConsumerByEmail, consumerRegistered, type Consumer } from './consumers.js';
export { consumerOfToken } from './accounts.js';
export { consumerToken, consumerTokenHeader, requireConsumer } from './routes.js';
