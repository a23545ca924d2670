import { onEvent, type EventHandler } from '../../kernel/events/event.js';
import type { JobHandler } from '../../kernel/jobs.js';
import type { MaintenanceTask, ModuleContext } from '../../kernel/module.js';
import { forecastRunCompleted } from '../forecast/index.js';
import { runPlan } from './plan.js';

export function coreJobs(_ctx: ModuleContext): JobHandler[] {
  return [];
}

/**
 * A succeeded forecast run makes its forecasts current: the plan runs again on them. Running it
 * twice for one event (delivery is at least once) replaces the same suggestions, so it is safe.
 */
export function coreHandlers(ctx: ModuleContext): EventHandler[] {
  return [
    onEvent(forecastRunCompleted, 'replenishment.plan_after_forecast', async (event, { db }) => {
      if (event.payload.status !== 'succeeded' || event.merchant_id === null) return;
      const plan = await runPlan(db, event.merchant_id);
      ctx.logger.info({ merchant_id: event.merchant_id, run_id: event.payload.run_id, suggestions: plan.suggestions, superseded: plan.superseded }, 'planned replenishment after a forecast run');
    }),
  ];
}

export const coreMaintenance: MaintenanceTask[] = [];
