/**
 * Replenishment (issue 20): suppliers and what they supply, per-variant service levels and shelf
 * lives, a plan from the current forecast (safety stock over the lead time, reorder point,
 * order-up-to) that suggests purchase orders per supplier and transfers per route, approved,
 * edited or rejected by the merchant; purchase orders received into stock; markdowns before
 * expiry; stock health per store. See docs/REPLENISHMENT.md.
 */
import { defineModule, type ModuleContext, type ModuleRouter } from '../../kernel/module.js';
import { coreChecks } from './checks.js';
import { perishablesChecks } from './checks-perishables.js';
import { registerCoreCommands } from './cli.js';
import { registerPerishablesCommands } from './cli-perishables.js';
import { coreHandlers, coreJobs, coreMaintenance } from './jobs.js';
import { perishablesMaintenance } from './jobs-perishables.js';
import { coreEvents } from './events.js';
import { perishablesEvents } from './events-perishables.js';
import { coreMigrations } from './migrations.js';
import { perishablesMigrations } from './migrations-perishables.js';
import { registerCoreRoutes } from './routes.js';
import { registerPerishablesRoutes } from './routes-perishables.js';

export const replenishmentModule = defineModule({
  name: 'replenishment',
  migrations: [...coreMigrations, ...perishablesMigrations],
  checks: [...coreChecks, ...perishablesChecks],
  maintenance: [...coreMaintenance, ...perishablesMaintenance],
  routes: (router: ModuleRouter, ctx: ModuleContext) => {
    registerCoreRoutes(router, ctx);
    registerPerishablesRoutes(router, ctx);
  },
  handlers: (ctx) => coreHandlers(ctx),
  jobs: (ctx) => coreJobs(ctx),
  webhookEvents: [...coreEvents, ...perishablesEvents],
  commands: [
    {
      name: 'replenish',
      description: 'plan purchase orders and transfers from the forecast, receive stock, see stock health',
      register: (command, cli) => {
        registerCoreCommands(command, cli);
        registerPerishablesCommands(command, cli);
      },
    },
  ],
  scopes: [
    { name: 'replenishment:read', kind: 'secret', description: 'Read suppliers, suggestions, purchase orders, markdowns and stock health' },
    { name: 'replenishment:write', kind: 'secret', description: 'Manage suppliers and settings; approve, edit or reject suggestions; receive purchase orders' },
  ],
});

export { replenishmentSettings, default_service_level, default_review_days, type ReplenishmentSetting } from './settings.js';
export { replenishmentSuggested, suggestionApproved, suggestionRejected, purchaseOrderCreated, purchaseOrderReceived } from './events.js';
export { runPlan, type ForecastSource, type PlanSummary } from './plan.js';
export { markdownApproved, markdownSuggested } from './events-perishables.js';
