import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';

/** The product-insight report, JSON and CSV (owner: insight helper). docs/INSIGHT.md "API". */
export function registerInsightRoutes(_router: ModuleRouter, _ctx: ModuleContext): void {}
