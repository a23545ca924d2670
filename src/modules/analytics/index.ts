import { defineModule } from '../../kernel/module.js';
import { registerRoutes } from './routes.js';

/**
 * Analysis across the business: reports composed from the public functions of the modules that
 * own the data. It owns no tables of its own yet.
 */
export const analyticsModule = defineModule({
  name: 'analytics',
  migrations: [],
  routes: registerRoutes,
});

export { merchantOverview, type Overview, type OverviewRequest } from './overview.js';
