/**
 * Training runs (owner: the training helper): reading a brand's interactions, choosing a model by
 * offline evaluation, writing the lists serving reads. See docs/RECS.md "Training".
 */
import type { Command } from 'commander';
import type { CliContext } from '../../../kernel/cli.js';
import type { JobHandler } from '../../../kernel/jobs.js';
import type { Migration } from '../../../kernel/migrations.js';
import type { InvariantCheck, MaintenanceTask, ModuleContext, ModuleRouter } from '../../../kernel/module.js';
import { trainingMigrations as migrations } from './migrations.js';

export const trainingMigrations: Migration[] = [...migrations];
export const trainingChecks: InvariantCheck[] = [];
export const trainingMaintenance: MaintenanceTask[] = [];
export function registerTrainingRoutes(_router: ModuleRouter, _ctx: ModuleContext): void {}
export function trainingJobs(_ctx: ModuleContext): JobHandler[] {
  return [];
}
/** Subcommands of `bos recs` (train, status). */
export function registerTrainingCommands(_recs: Command, _cli: CliContext): void {}
