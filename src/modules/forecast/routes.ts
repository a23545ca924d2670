import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';

/** Owner: forecast-module helper. Routes in docs/FORECAST.md "API". */
export function registerForecastRoutes(_router: ModuleRouter, _ctx: ModuleContext): void {}
