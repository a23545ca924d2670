/** Baselines (owner: engine-ets helper): naive, seasonal naive, mean. */
import type { Model } from './types.js';

const notBuilt = (name: Model['name']): Model => ({ name, min_length: () => 1, forecast: () => { throw new Error(`${name}: not built yet`); } });
export const naive: Model = notBuilt('naive');
export const seasonalNaive: Model = notBuilt('seasonal_naive');
export const meanModel: Model = notBuilt('mean');
