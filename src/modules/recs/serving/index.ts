/**
 * Serving (owner: the serving helper): the placements, the rules (pins, exclusions, stock,
 * published, already bought), freshness from the events since the training, the preview. See
 * docs/RECS.md "Serving".
 */
import type { Command } from 'commander';
import type { CliContext } from '../../../kernel/cli.js';
import type { EventHandler } from '../../../kernel/events/event.js';
import type { Migration } from '../../../kernel/migrations.js';
import type { InvariantCheck, MaintenanceTask, ModuleContext, ModuleRouter } from '../../../kernel/module.js';

export const servingMigrations: Migration[] = [];
export const servingChecks: InvariantCheck[] = [];
export const servingMaintenance: MaintenanceTask[] = [];
export function registerServingRoutes(_router: ModuleRouter, _ctx: ModuleContext): void {}
export function servingHandlers(_ctx: ModuleContext): EventHandler[] {
  return [];
}
/** Subcommands of `bos recs` the serving side adds, if any. */
export function registerServingCommands(_recs: Command, _cli: CliContext): void {}
