/** Exponential smoothing (owner: engine-ets helper): SES, Holt (damped), Holt-Winters, an automatic ETS; known events. */
import type { Model } from './types.js';

const notBuilt = (name: Model['name']): Model => ({ name, min_length: () => 1, forecast: () => { throw new Error(`${name}: not built yet`); } });
export const ses: Model = notBuilt('ses');
export const holt: Model = notBuilt('holt');
export const holtWinters: Model = notBuilt('holt_winters');
export const etsAuto: Model = notBuilt('ets_auto');
