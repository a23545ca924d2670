import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';

export function registerBasketsRoutes(_router: ModuleRouter, _ctx: ModuleContext): void {}
