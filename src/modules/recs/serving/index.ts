/**
 * Serving (issue 19): the placements, the rules (pins, exclusions, stock, published, already
 * bought), freshness from the events since the training, the preview. See docs/RECS.md "Serving".
 */
import type { Command } from 'commander';
import type { CliContext } from '../../../kernel/cli.js';
import { onEvents, type EventHandler } from '../../../kernel/events/event.js';
import type { MaintenanceTask, ModuleContext } from '../../../kernel/module.js';
import { productCreated, productUpdated } from '../../catalog/index.js';
import { servingStates } from './state.js';

export { servingMigrations } from './migrations.js';
export { servingChecks } from './checks.js';
export { registerServingRoutes } from './routes.js';
export { RecsListener, servingStates, recs_changed_channel, type MerchantState, type ServingOptions } from './state.js';
export { answerPlacement, reasonKinds, removalRules, type Answer, type Candidate, type Reason, type Removed } from './answer.js';
export { createRule, deleteRule, listRules, type RecRule, type NewRule } from './rules.js';

export const servingMaintenance: MaintenanceTask[] = [];

/**
 * A product created or changed is caught up at once in this process (the catalog's events), as
 * well as by any process on its next catch-up (it reads the catalog's changes since).
 */
export function servingHandlers(ctx: ModuleContext): EventHandler[] {
  const states = servingStates(ctx.db);
  const catchUp = async (merchant_ids: readonly (string | null)[]) => {
    for (const m of new Set(merchant_ids)) if (m !== null) await states.catchUp(m).catch((error: unknown) => ctx.logger.warn({ err: error, merchant_id: m }, 'recommendations could not catch up'));
  };
  return [
    onEvents(productCreated, 'recs.serving_product_created', (events) => catchUp(events.map((e) => e.merchant_id))),
    onEvents(productUpdated, 'recs.serving_product_updated', (events) => catchUp(events.map((e) => e.merchant_id))),
  ];
}

/** Subcommands of `bos recs` the serving side adds: none (previews and rules are in the console and the API). */
export function registerServingCommands(_recs: Command, _cli: CliContext): void {}
