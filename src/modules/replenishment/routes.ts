import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';

/** Suppliers, settings, plan, suggestions, purchase orders (owner: replenishment-core helper). docs/REPLENISHMENT.md "API". */
export function registerCoreRoutes(_router: ModuleRouter, _ctx: ModuleContext): void {}
