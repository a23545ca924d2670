/**
 * Training runs (owner: the training helper): reading a brand's interactions, choosing a model by
 * offline evaluation, writing the lists serving reads. See docs/RECS.md "Training".
 */
import type { JobHandler } from '../../../kernel/jobs.js';
import type { Migration } from '../../../kernel/migrations.js';
import type { InvariantCheck, MaintenanceTask, ModuleContext } from '../../../kernel/module.js';
import { trainingChecks as checks } from './checks.js';
import { trainingMigrations as migrations } from './migrations.js';
import { trainingJobHandlers, trainingMaintenance as maintenance } from './schedule.js';

export const trainingMigrations: Migration[] = [...migrations];
export const trainingChecks: InvariantCheck[] = [...checks];
export const trainingMaintenance: MaintenanceTask[] = [...maintenance];
export { registerTrainingRoutes } from './routes.js';
export function trainingJobs(ctx: ModuleContext): JobHandler[] {
  return trainingJobHandlers(ctx.db, ctx.logger);
}
/** Subcommands of `bos recs` (train, status). */
export { registerTrainingCommands, metricsTable } from './cli.js';

export { readInteractions, interactionsSql, interactionEvents, type InteractionRow } from './interactions.js';
export { requestTraining, getTraining, latestTraining, currentTraining, listTrainings, resumeStaleTrainings, trainJob, stale_after_s, attempts_max, type TrainingRun, type TrainingStatus, type TrainingReason } from './runs.js';
export { runTraining, type TrainingProgress, type RunOptions } from './run.js';
export { startTraining, trainingsSettled, scheduleRetraining, retrain_growth, retrain_after_hours } from './schedule.js';
export { similar_max, together_max, popular_all_max, popular_group_max, for_you_max, similar_min_users, together_min_support } from './lists.js';
