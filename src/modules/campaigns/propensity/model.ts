import { boughtTarget, consumerFeatures, featureNames, type BehaviourEvent, type Target } from './features.js';
import { fitLogistic, predictLogistic } from './logistic.js';

/**
 * A propensity model: standardised features (mean 0, standard deviation 1, measured on the
 * training rows; a constant column stays 0) into an L2-regularised logistic regression.
 */
export interface PropensityModel {
  feature_names: readonly string[];
  means: number[];
  sds: number[];
  intercept: number;
  weights: number[];
  l2: number;
  training_rows: number;
  positives: number;
  converged: boolean;
}

export interface TrainingOptions {
  /** The L2 penalty; the default suits a few hundred to a few hundred thousand rows of ~30 features. */
  l2?: number | undefined;
  /** The label window after each cutoff, in milliseconds. */
  window_ms: number;
  /**
   * The cutoffs to learn at (each consumer gives one row per cutoff): features before it, label
   * "bought the target in [cutoff, cutoff + window)". Several cutoffs give more rows from one history.
   */
  cutoffs: readonly number[];
}

export const default_l2 = 1;

export function standardise(rows: readonly (readonly number[])[]): { means: number[]; sds: number[] } {
  const d = rows[0]?.length ?? 0;
  const means = new Array<number>(d).fill(0);
  const sds = new Array<number>(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) means[j]! += r[j]! / rows.length;
  for (const r of rows) for (let j = 0; j < d; j++) sds[j]! += (r[j]! - means[j]!) ** 2 / rows.length;
  return { means, sds: sds.map((v) => Math.sqrt(v)) };
}

const scaled = (x: readonly number[], means: readonly number[], sds: readonly number[]) => x.map((v, j) => (sds[j]! > 1e-12 ? (v - means[j]!) / sds[j]! : 0));

/** Fits a model on feature rows and labels. */
export function fitPropensity(rows: readonly (readonly number[])[], labels: readonly number[], l2 = default_l2): PropensityModel {
  const { means, sds } = standardise(rows);
  const X = rows.map((r) => scaled(r, means, sds));
  const fit = fitLogistic(X, labels, { l2 });
  return {
    feature_names: featureNames,
    means,
    sds,
    intercept: fit.intercept,
    weights: fit.weights,
    l2,
    training_rows: rows.length,
    positives: labels.reduce((s, v) => s + v, 0),
    converged: fit.converged,
  };
}

/** Trains on consumers' histories: one row per consumer per cutoff. */
export function trainPropensity(histories: Iterable<readonly BehaviourEvent[]>, target: Target, options: TrainingOptions): PropensityModel {
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const events of histories) {
    for (const cutoff of options.cutoffs) {
      // Someone not yet seen at the cutoff is not a consumer the campaign could have ranked.
      if (!events.some((e) => e.at < cutoff)) continue;
      rows.push(consumerFeatures(events, cutoff, target));
      labels.push(boughtTarget(events, cutoff, cutoff + options.window_ms, target));
    }
  }
  return fitPropensity(rows, labels, options.l2 ?? default_l2);
}

/** The probability the model gives a feature row. */
export function scoreRow(model: PropensityModel, row: readonly number[]): number {
  return predictLogistic(model, scaled(row, model.means, model.sds));
}

export function scoreConsumer(model: PropensityModel, events: readonly BehaviourEvent[], at: number, target: Target): number {
  return scoreRow(model, consumerFeatures(events, at, target));
}
