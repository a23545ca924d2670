import type { EventHandler } from '../../kernel/events/event.js';
import type { JobHandler } from '../../kernel/jobs.js';
import type { MaintenanceTask, ModuleContext } from '../../kernel/module.js';

/** Owner: replenishment-core helper (e.g. plan after each forecast run). */
export function coreJobs(_ctx: ModuleContext): JobHandler[] {
  return [];
}
export function coreHandlers(_ctx: ModuleContext): EventHandler[] {
  return [];
}
export const coreMaintenance: MaintenanceTask[] = [];
