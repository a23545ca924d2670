/** Intermittent demand (owner: engine-select helper): Croston, SBA, TSB. */
import type { Model } from './types.js';

const notBuilt = (name: Model['name']): Model => ({ name, min_length: () => 1, forecast: () => { throw new Error(`${name}: not built yet`); } });
export const croston: Model = notBuilt('croston');
export const sba: Model = notBuilt('sba');
export const tsb: Model = notBuilt('tsb');
