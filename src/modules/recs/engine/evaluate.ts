import { availableParallelism } from 'node:os';
import { als } from './als.js';
import { buildDataset, itemIndex, userHistory, userIndex, type DatasetOptions } from './dataset.js';
import { ease } from './ease.js';
import { itemKnn } from './item-knn.js';
import { coverage, rankingMetrics } from './metrics.js';
import { popularity } from './popularity.js';
import { seededRandom, shuffle } from './random.js';
import { moduleWorker } from './threads.js';
import { timeSplit } from './splits.js';
import { modelNames, type Dataset, type Interaction, type Metrics, type ModelName, type ModelSpec, type Split, type TrainOptions } from './types.js';

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

/**
 * What every model's evaluation on one split shares, built once: the training part as a dataset,
 * the held-out items, each test user's purchases in training, and the test users scored (a seeded
 * sample when `max_users` says so). Plain data (typed arrays, strings, maps and sets), so it can be
 * handed to a worker thread.
 */
export interface PreparedEvaluation {
  data: Dataset;
  test: Map<string, Map<string, number>>;
  bought: Map<string, Set<number>>;
  users: string[];
}

export function prepareEvaluation(split: Split, options: EvaluateOptions = {}): PreparedEvaluation {
  const excludeRule = options.exclude ?? 'purchased';
  const data = buildDataset(split.train, options.dataset);
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
  let users = [...split.test.keys()];
  if (options.max_users !== undefined && users.length > options.max_users) users = shuffle(users, seededRandom(11)).slice(0, options.max_users);
  return { data, test: split.test, bought, users };
}

/** Trains `spec` on `split.train` and scores its top k for every test user with a training history. */
export async function evaluate(spec: ModelSpec, split: Split, options: EvaluateOptions = {}): Promise<Metrics> {
  return evaluatePrepared(spec, prepareEvaluation(split, options), options);
}

/** `evaluate` on a split already prepared (`prepareEvaluation` with the same `exclude`, `dataset` and `max_users`). */
export async function evaluatePrepared(spec: ModelSpec, prepared: PreparedEvaluation, options: EvaluateOptions = {}): Promise<Metrics> {
  const k = options.k ?? 10;
  const excludeRule = options.exclude ?? 'purchased';
  const { data, test, bought } = prepared;
  const t0 = performance.now();
  const model = await spec.train(data, { params: options.params, onProgress: options.onProgress, signal: options.signal });
  const train_s = (performance.now() - t0) / 1000;
  const users = userIndex(data);
  const rankings = new Map<string, string[]>();
  for (const user of prepared.users) {
    const row = users.get(user);
    if (row === undefined) continue;
    const history = userHistory(data, row, { half_life_s: options.history_half_life_s });
    const exclude = excludeRule === 'seen' ? new Set(history.keys()) : excludeRule === 'purchased' ? bought.get(user) : undefined;
    rankings.set(
      user,
      model.recommend(history, k, exclude).map((x) => data.items[x.item]!),
    );
  }
  const m = rankingMetrics(rankings, test, k);
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
  /**
   * 2: the models are evaluated two at a time, one in a worker thread (each on its own, so the
   * results are the same as with 1). Default: 2 from `parallel_min_interactions` interactions
   * on a machine with two cores or more, else 1.
   */
  threads?: number;
}

/** Below this many interactions a worker thread's start costs more than it saves. */
export const parallel_min_interactions = 100_000;

/** The order models are handed out in when evaluated two at a time: the dearest first. */
const dearestFirst: readonly ModelName[] = ['ease', 'als', 'itemknn', 'popularity'];

/**
 * Evaluates every model on a time split (the latest `fraction` of the interactions held out) and chooses the
 * best by nDCG@10; ties, and a split with no test user, go to the earlier model in `models`
 * (popularity first). Histories are weighted by recency (`historyHalfLife_s` unless said) and at
 * most 2,000 test users (a seeded sample) are scored unless `max_users` says otherwise. The split
 * is prepared once (one dataset for every model); with `threads` 2 a worker thread takes the next
 * model whenever it is free, the dearest first.
 */
export async function selectModel(interactions: Iterable<Interaction>, options: SelectOptions = {}): Promise<{ chosen: ModelName; results: Metrics[]; protocol: string }> {
  const split = timeSplit(interactions, options.fraction ?? 0.1);
  const names = options.models ?? modelNames;
  const evalOptions: EvaluateOptions = { ...options, params: undefined, history_half_life_s: options.history_half_life_s ?? historyHalfLife_s, max_users: options.max_users ?? 2_000 };
  const prepared = prepareEvaluation(split, evalOptions);
  const threads = Math.max(1, Math.min(2, Math.round(options.threads ?? (availableParallelism() >= 2 && split.train.length >= parallel_min_interactions ? 2 : 1))));
  const results = new Array<Metrics | undefined>(names.length);
  if (threads === 1 || names.length < 2) {
    for (let index = 0; index < names.length; index++) {
      const name = names[index]!;
      const base = index / names.length;
      results[index] = await evaluatePrepared(models[name], prepared, {
        ...evalOptions,
        params: options.params?.[name],
        onProgress: (f, stage) => options.onProgress?.(base + f / names.length, stage),
      });
    }
  } else {
    // Two lanes, this thread and a worker, each taking the next model when free.
    const queue = [...names.keys()].sort((a, b) => rank(names[a]!) - rank(names[b]!));
    // Models are evaluated side by side: ALS's own helper thread would only compete.
    const paramsOf = (name: ModelName) => (name === 'als' ? { threads: 1, ...options.params?.als } : options.params?.[name]);
    let done = 0;
    const finished = (index: number, m: Metrics) => {
      results[index] = m;
      options.onProgress?.(++done / names.length, `${m.model} evaluated`);
    };
    const worker = evaluationWorker(prepared, evalOptions);
    const abort = () => void worker.stop();
    options.signal?.addEventListener('abort', abort);
    try {
      const here = async () => {
        for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
          const name = names[index]!;
          finished(index, await evaluatePrepared(models[name], prepared, { ...evalOptions, params: paramsOf(name), onProgress: (_f, stage) => options.onProgress?.(done / names.length, stage) }));
        }
      };
      const there = async () => {
        for (let index = queue.shift(); index !== undefined; index = queue.shift()) finished(index, await worker.evaluate(names[index]!, paramsOf(names[index]!)));
      };
      await Promise.all([here(), there()]);
      options.signal?.throwIfAborted();
    } finally {
      options.signal?.removeEventListener('abort', abort);
      await worker.stop();
    }
  }
  let best: Metrics | undefined;
  for (const r of results) if (r !== undefined && (best === undefined || r.ndcg_at_10 > best.ndcg_at_10)) best = r;
  return { chosen: best?.model ?? 'popularity', results: results.filter((r): r is Metrics => r !== undefined), protocol: split.protocol };
}

function rank(name: ModelName): number {
  const r = dearestFirst.indexOf(name);
  return r < 0 ? dearestFirst.length : r;
}

/** Options a worker can be sent (no callbacks, no signal). */
export type WorkerEvaluateOptions = Omit<EvaluateOptions, 'onProgress' | 'signal'>;

/** A worker thread (`evaluate-worker`) evaluating models on `prepared` (copied to it once), one at a time. */
function evaluationWorker(prepared: PreparedEvaluation, options: EvaluateOptions): { evaluate: (name: ModelName, params: Readonly<Record<string, number>> | undefined) => Promise<Metrics>; stop: () => Promise<void> } {
  const { onProgress: _p, signal: _s, ...plain } = options;
  const worker = moduleWorker(import.meta.url, 'evaluate-worker', 'serveEvaluations', { prepared, options: plain });
  let waiting: { resolve: (m: Metrics) => void; reject: (e: unknown) => void } | null = null;
  let failed: Error | null = null;
  const fail = (e: Error) => {
    failed = e;
    const w = waiting;
    waiting = null;
    w?.reject(e);
  };
  worker.on('message', (m: { metrics?: Metrics; error?: string }) => {
    if (m.error !== undefined) return fail(new Error(`model evaluation in a worker thread failed: ${m.error}`));
    const w = waiting;
    waiting = null;
    w?.resolve(m.metrics!);
  });
  worker.on('error', (e) => fail(e));
  worker.on('exit', () => fail(failed ?? new Error('the evaluation worker stopped')));
  let stopped = false;
  return {
    evaluate: (name, params) =>
      new Promise<Metrics>((resolve, reject) => {
        if (failed !== null) return reject(failed);
        waiting = { resolve, reject };
        worker.postMessage({ name, params });
      }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await worker.terminate();
    },
  };
}
