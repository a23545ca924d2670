/**
 * Recommendations (issue 19): models trained per brand on its own events (engine/, training/),
 * placements served from precomputed lists kept fresh by the events that arrive since (serving/),
 * business rules, pins and exclusions. See docs/RECS.md.
 */
import { defineModule, type ModuleContext, type ModuleRouter } from '../../kernel/module.js';
import { migrations } from './migrations.js';
import { registerServingCommands, registerServingRoutes, servingChecks, servingHandlers, servingMaintenance } from './serving/index.js';
import { registerDemoCommands } from './demo/index.js';
import { registerTrainingCommands, registerTrainingRoutes, trainingChecks, trainingJobs, trainingMaintenance } from './training/index.js';

export const recsModule = defineModule({
  name: 'recs',
  migrations,
  checks: [...trainingChecks, ...servingChecks],
  maintenance: [...trainingMaintenance, ...servingMaintenance],
  routes: (router: ModuleRouter, ctx: ModuleContext) => {
    registerTrainingRoutes(router, ctx);
    registerServingRoutes(router, ctx);
  },
  handlers: (ctx) => servingHandlers(ctx),
  jobs: (ctx) => trainingJobs(ctx),
  commands: [
    {
      name: 'recs',
      description: 'train recommendation models and inspect them',
      register: (command, cli) => {
        registerTrainingCommands(command, cli);
        registerServingCommands(command, cli);
        registerDemoCommands(command, cli);
      },
    },
  ],
  scopes: [
    { name: 'recs:read', kind: 'secret', description: 'Read recommendation models, trainings, rules and previews' },
    { name: 'recs:write', kind: 'secret', description: 'Train recommendation models and pin or exclude products' },
  ],
});

export type { Dataset, Interaction, InteractionKind, Metrics, ModelName, ModelSpec, ScoredItem, Split, TrainedModel, TrainOptions } from './engine/types.js';
export { RecsListener, servingStates, recs_changed_channel, answerPlacement, createRule, deleteRule, listRules, type MerchantState, type ServingOptions, type Answer, type Reason, type RecRule } from './serving/index.js';
export { browseSessions, browseWeek, simulationShoppers, sessionsOn, demoHttp, demoFetchHttp, type BrowseReport, type DayFigures, type DemoHttp, type RecsShopper, type SourceFigures, type TrafficReport } from './demo/index.js';
