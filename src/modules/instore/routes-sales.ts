import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';

export function registerSalesRoutes(_router: ModuleRouter, _ctx: ModuleContext): void {}
