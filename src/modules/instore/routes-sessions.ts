import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';

export function registerSessionsRoutes(_router: ModuleRouter, _ctx: ModuleContext): void {}
