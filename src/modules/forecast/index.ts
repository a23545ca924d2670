/**
 * Demand forecasting (issue 20): daily sales history per variant and location (orders, in-store
 * sales, imported history; out-of-stock days censored), a durable run that classifies every series
 * and forecasts it with the model a rolling-origin backtest chose, with prediction intervals,
 * adding up coherently from store to region to chain. See docs/FORECAST.md.
 */
import { defineModule, type ModuleContext, type ModuleRouter } from '../../kernel/module.js';
import { forecastChecks } from './checks.js';
import { forecastEvents } from './events.js';
import { registerForecastCommands } from './cli.js';
import { forecastJobs, forecastMaintenance } from './jobs.js';
import { migrations } from './migrations.js';
import { registerForecastRoutes } from './routes.js';

export const forecastModule = defineModule({
  name: 'forecast',
  migrations,
  checks: forecastChecks,
  webhookEvents: forecastEvents,
  maintenance: forecastMaintenance,
  routes: (router: ModuleRouter, ctx: ModuleContext) => registerForecastRoutes(router, ctx),
  jobs: (ctx) => forecastJobs(ctx),
  commands: [{ name: 'forecast', description: 'forecast demand per product and store, and import sales history', register: (command, cli) => registerForecastCommands(command, cli) }],
  scopes: [
    { name: 'forecast:read', kind: 'secret', description: 'Read demand forecasts, their runs and the sales history' },
    { name: 'forecast:write', kind: 'secret', description: 'Run forecasts and import sales history' },
  ],
});

export * from './engine/index.js';
export { currentForecasts, salesHistory, type CurrentForecast } from './read.js';
export { forecastRunCompleted, forecastEvents } from './events.js';
export { requestForecast, getRun as getForecastRun, currentRun as currentForecastRun, type ForecastRun } from './runs.js';
export { runForecast } from './run.js';
export { importHistory, type HistoryRow } from './import-history.js';
export { forecastsSettled } from './jobs.js';
