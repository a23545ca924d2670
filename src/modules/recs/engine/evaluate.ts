import { als } from './als.js';
import { buildDataset, itemIndex, userHistory, userIndex, type DatasetOptions } from './dataset.js';
import { ease } from './ease.js';
import { itemKnn } from './item-knn.js';
import { coverage, rankingMetrics } from './metrics.js';
import { popularity } from './popularity.js';
import { seededRandom, shuffle } from './random.js';
import { timeSplit } from './splits.js';
import { modelNames, type Interaction, type Metrics, type ModelName, type ModelSpec, type Split, type TrainOptions } from './types.js';

/**
 * The half-life of a consumer's history (6 hours): what they did in the last hours counts most.
 * Measured on the Taobao sample (leave-last-out, ItemKNN): nDCG@10 0.070 without, 0.105 at 1 hour,
 * 0.109 at 6 hours, 0.105 at a day (with the repeat term). Serving and training weigh histories
 * with it (`userHistory(data, row, { half_life_s: historyHalfLife_s })`).
 */
export const historyHalfLife_s = 6 * 3_600;

export const models: Readonly<Record<ModelName, ModelSpec>> = { popularity, itemknn: itemKnn, ease, als };

export interface EvaluateOptions {
  /** Cut-off (default 10; `Metrics` names say @10 whatever it is). */
  k?: number;
  /**
   * What a test user is never recommended: `purchased` (default, the platform's rule: items the user
   * bought in training; items only viewed may come back), `seen` (everything in the user's training
   * history, Microsoft Recommenders' `remove_seen`), `none`.
   */
  exclude?: 'purchased' | 'seen' | 'none';
  dataset?: DatasetOptions;
  /** Recency weighting of test users' histories (`userHistory`'s `half_life_s`); off by default. */
  history_half_life_s?: number;
  /** Evaluate at most this many test users (a seeded sample), to bound evaluation time. */
  max_users?: number;
  params?: Readonly<Record<string, number>>;
  onProgress?: TrainOptions['onProgress'];
  signal?: AbortSignal;
}

/** Trains `spec` on `split.train` and scores its top k for every test user with a training history. */
export async function evaluate(spec: ModelSpec, split: Split, options: EvaluateOptions = {}): Promise<Metrics> {
  const k = options.k ?? 10;
  const excludeRule = options.exclude ?? 'purchased';
  const data = buildDataset(split.train, options.dataset);
  const t0 = performance.now();
  const model = await spec.train(data, { params: options.params, onProgress: options.onProgress, signal: options.signal });
  const train_s = (performance.now() - t0) / 1000;
  const users = userIndex(data);
  const items = itemIndex(data);
  const bought = new Map<string, Set<number>>();
  if (excludeRule === 'purchased') {
    for (const x of split.train) {
      if (x.kind !== 'purchase' || !split.test.has(x.user)) continue;
      const item = items.get(x.item)!;
      const set = bought.get(x.user);
      if (set) set.add(item);
      else bought.set(x.user, new Set([item]));
    }
  }
  const rankings = new Map<string, string[]>();
  let testUsers = [...split.test.keys()];
  if (options.max_users !== undefined && testUsers.length > options.max_users) testUsers = shuffle(testUsers, seededRandom(11)).slice(0, options.max_users);
  for (const user of testUsers) {
    const row = users.get(user);
    if (row === undefined) continue;
    const history = userHistory(data, row, { half_life_s: options.history_half_life_s });
    const exclude = excludeRule === 'seen' ? new Set(history.keys()) : excludeRule === 'purchased' ? bought.get(user) : undefined;
    rankings.set(
      user,
      model.recommend(history, k, exclude).map((x) => data.items[x.item]!),
    );
  }
  const m = rankingMetrics(rankings, split.test, k);
  return {
    model: spec.name,
    users: m.users,
    hr_at_10: m.hr,
    ndcg_at_10: m.ndcg,
    precision_at_10: m.precision,
    recall_at_10: m.recall,
    map_at_10: m.map,
    coverage: coverage(rankings.values(), data.items.length, k),
    train_s,
    memory_bytes: model.memory_bytes,
  };
}

export interface SelectOptions extends Omit<EvaluateOptions, 'params'> {
  /** Share of the interactions, the latest, held out (default 0.1, docs/RECS.md). */
  fraction?: number;
  models?: readonly ModelName[];
  /** Hyperparameters per model. */
  params?: Partial<Record<ModelName, Readonly<Record<string, number>>>>;
}

/**
 * Evaluates every model on a time split (the latest `fraction` of the interactions held out) and chooses the
 * best by nDCG@10; ties, and a split with no test user, go to the earlier model in `models`
 * (popularity first). Histories are weighted by recency (`historyHalfLife_s` unless said) and at
 * most 2,000 test users (a seeded sample) are scored unless `max_users` says otherwise.
 */
export async function selectModel(interactions: Iterable<Interaction>, options: SelectOptions = {}): Promise<{ chosen: ModelName; results: Metrics[]; protocol: string }> {
  const split = timeSplit(interactions, options.fraction ?? 0.1);
  const names = options.models ?? modelNames;
  const results: Metrics[] = [];
  let index = 0;
  for (const name of names) {
    const base = index / names.length;
    results.push(
      await evaluate(models[name], split, {
        ...options,
        history_half_life_s: options.history_half_life_s ?? historyHalfLife_s,
        max_users: options.max_users ?? 2_000,
        params: options.params?.[name],
        onProgress: (f, stage) => options.onProgress?.(base + f / names.length, stage),
      }),
    );
    index++;
  }
  let best = results[0];
  for (const r of results) if (best === undefined || r.ndcg_at_10 > best.ndcg_at_10) best = r;
  return { chosen: best?.model ?? 'popularity', results, protocol: split.protocol };
}
