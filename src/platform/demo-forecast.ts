/**
 * The forecasting demo on the first start (owner: forecast-module helper): demo-mart's fresh and
 * packaged range with months of sales history per store (imported, as a chain moving its POS
 * history in would), then a forecast run. Then the replenishment, perishables and insight demos.
 */
import type { DemoCredentials, ModuleContext } from '../kernel/module.js';
import type { Logger } from 'pino';
import { runReplenishmentDemo } from './demo-replenishment.js';
import { runPerishablesDemo } from './demo-perishables.js';
import { runInsightDemo } from './demo-insight.js';

type App = { request(input: string, init: RequestInit): Response | Promise<Response> };

export async function runForecastDemo(app: App, ctx: ModuleContext, credentials: DemoCredentials, logger: Logger): Promise<void> {
  await runReplenishmentDemo(app, ctx, credentials, logger);
  await runPerishablesDemo(app, ctx, credentials, logger);
  await runInsightDemo(app, ctx, credentials, logger);
}
