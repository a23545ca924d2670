import type { AnyDb } from '../../../kernel/db.js';
import { behaviourOf, history_days_max, trainingProfiles } from './data.js';
import { consumerFeatures, featureNames, type Target } from './features.js';
import { scoreRow, trainPropensity, type PropensityModel } from './model.js';

const day_ms = 86_400_000;
/** How many of the brand's consumers the model learns from at most (a stable sample beyond). */
export const training_profiles_max = 20_000;
/** Learning needs buyers and non-buyers; below this many of either the prior ranks instead. */
export const training_class_min = 5;
/** Cutoffs a week apart: four snapshots of the brand's consumers. */
const cutoff_weeks = 4;

/**
 * The prior, used when the brand's history has too few buyers of the target to learn from: the
 * signals a merchandiser would rank by (bought, carted, favourited, viewed the target; bought
 * anything; lately), on the same features, so its scores rank the same way a trained model's do.
 */
const priorWeights: Record<string, number> = {
  target_buy_all: 1.2,
  target_cart_all: 1,
  target_cart_3d: 0.6,
  target_fav_all: 0.7,
  target_view_all: 0.5,
  target_view_3d: 0.3,
  buy_all: 0.4,
  cart_7d: 0.2,
  view_7d: 0.1,
  coupon_claims: 0.3,
  days_since_last_event: -0.4,
};

export function priorModel(): PropensityModel {
  return {
    feature_names: featureNames,
    means: featureNames.map(() => 0),
    sds: featureNames.map(() => 1),
    intercept: -3,
    weights: featureNames.map((n) => priorWeights[n] ?? 0),
    l2: 0,
    training_rows: 0,
    positives: 0,
    converged: true,
  };
}

export interface PropensityRanking {
  /** Each profile's probability of buying the target within the window, by the model. */
  scores: Map<string, number>;
  model: { kind: 'logistic' | 'prior'; training_rows: number; positives: number; window_days: number; top_weights: { feature: string; weight: number }[] };
}

/**
 * Scores profiles of a brand by their propensity to buy the target within `window_days`: learns a
 * logistic model on the brand's own consumers (features before each of four weekly cutoffs, label
 * "bought the target in the window after it"), then scores the given profiles as of `now`.
 */
export async function scoreByPropensity(db: AnyDb, merchant_id: string, profile_ids: readonly string[], target: Target, window_days: number, now = new Date()): Promise<PropensityRanking> {
  const window_ms = window_days * day_ms;
  const cutoffs = Array.from({ length: cutoff_weeks }, (_, k) => now.getTime() - window_ms - k * 7 * day_ms);
  const since = new Date(Math.min(...cutoffs) - history_days_max * day_ms);
  const learners = await trainingProfiles(db, merchant_id, new Date(Math.max(...cutoffs)), training_profiles_max);
  const learned = await behaviourOf(db, merchant_id, learners, since, now);
  let model = trainPropensity(learned.values(), target, { window_ms, cutoffs });
  let kind: 'logistic' | 'prior' = 'logistic';
  if (model.positives < training_class_min || model.training_rows - model.positives < training_class_min) {
    model = priorModel();
    kind = 'prior';
  }
  const missing = profile_ids.filter((id) => !learned.has(id));
  const more = await behaviourOf(db, merchant_id, missing, new Date(now.getTime() - history_days_max * day_ms), now);
  const scores = new Map<string, number>();
  for (const id of profile_ids) scores.set(id, scoreRow(model, consumerFeatures(learned.get(id) ?? more.get(id) ?? [], now.getTime(), target)));
  const top_weights = model.feature_names
    .map((feature, j) => ({ feature, weight: Math.round(model.weights[j]! * 1_000) / 1_000 }))
    .filter((w) => w.weight !== 0)
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight))
    .slice(0, 8);
  return { scores, model: { kind, training_rows: model.training_rows, positives: model.positives, window_days, top_weights } };
}
