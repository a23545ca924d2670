/**
 * Product insight (issue 20): a brand's demand signals turned into product ideas, each finding
 * with its evidence and size: searches with no result, attribute values viewed and carted far
 * more than they are stocked, price bands with demand and no offer, regions and stores where
 * demand outgrows supply. See docs/INSIGHT.md.
 */
import { defineModule, type ModuleContext, type ModuleRouter } from '../../kernel/module.js';
import { insightChecks } from './checks.js';
import { registerInsightCommands } from './cli.js';
import { migrations } from './migrations.js';
import { registerInsightRoutes } from './routes.js';

export const insightModule = defineModule({
  name: 'insight',
  migrations,
  checks: insightChecks,
  routes: (router: ModuleRouter, ctx: ModuleContext) => registerInsightRoutes(router, ctx),
  commands: [{ name: 'insight', description: 'the product-insight report: what to make next', register: (command, cli) => registerInsightCommands(command, cli) }],
  scopes: [{ name: 'insight:read', kind: 'secret', description: 'Read the product-insight report' }],
});
