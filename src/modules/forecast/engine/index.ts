/** The forecasting engine: pure functions, no I/O. See docs/FORECAST.md "Models". */
export type { Choice, ChooseOptions, DemandClass, Forecast, Model, ModelName, Series } from './types.js';
export { naive, seasonalNaive, meanModel } from './baselines.js';
export { ses, holt, holtWinters, etsAuto } from './ets.js';
export { croston, sba, tsb } from './intermittent.js';
export { classify, chooseForecast } from './select.js';
export { mase, rmsse, smape } from './metrics.js';
export { bottomUp } from './hierarchy.js';
export { models, modelNames } from './models.js';
export { normalQuantile, policyFor, orderQuantity, type Policy, type PolicyInput } from './policy.js';
