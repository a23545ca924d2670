/** Every model by name: what the selector and the evaluation iterate over. */
import { meanModel, naive, seasonalNaive } from './baselines.js';
import { etsAuto, holt, holtWinters, ses } from './ets.js';
import { croston, sba, tsb } from './intermittent.js';
import type { Model, ModelName } from './types.js';

export const models: Readonly<Record<ModelName, Model>> = {
  naive,
  seasonal_naive: seasonalNaive,
  ses,
  holt,
  holt_winters: holtWinters,
  ets_auto: etsAuto,
  croston,
  sba,
  tsb,
  mean: meanModel,
};

export const modelNames = Object.keys(models) as ModelName[];
