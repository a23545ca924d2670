import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';

/** Stock health and markdowns (owner: perishables helper). docs/REPLENISHMENT.md "API". */
export function registerPerishablesRoutes(_router: ModuleRouter, _ctx: ModuleContext): void {}
