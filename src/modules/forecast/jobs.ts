import type { JobHandler } from '../../kernel/jobs.js';
import type { MaintenanceTask, ModuleContext } from '../../kernel/module.js';

/** The durable forecast run (job `forecast.run`) and its schedule (owner: forecast-module helper). */
export function forecastJobs(_ctx: ModuleContext): JobHandler[] {
  return [];
}
export const forecastMaintenance: MaintenanceTask[] = [];
