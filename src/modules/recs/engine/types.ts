/**
 * The recommender engine's contract (issue 19): pure code, no database. The training job
 * (recs/training) builds a `Dataset` from a brand's events, `evaluate`s every model on a time
 * split, keeps the best and writes what serving needs (each item's neighbours, each consumer's
 * list, popularity); `npm run eval:recs` runs the same models on files.
 *
 * Owner: the engine helper. Other helpers code against these types; the engine helper may add to
 * them but not change what is here without telling the others.
 */

/** Implicit feedback kinds and their default weights (engine/weights.ts owns the numbers). */
export type InteractionKind = 'view' | 'favourite' | 'cart' | 'purchase';

/** One interaction as read from a file or the data bank. */
export interface Interaction {
  user: string;
  item: string;
  kind: InteractionKind;
  /** Unix seconds. */
  time_s: number;
  /** Overrides the kind's weight (explicit ratings in MovieLens files). */
  weight?: number;
}

/**
 * Users × items with one summed weight per (user, item) pair, users' rows in CSR form.
 * `users[i]` / `items[j]` are the external IDs of row i / column j.
 */
export interface Dataset {
  readonly users: readonly string[];
  readonly items: readonly string[];
  /** CSR: the pairs of user u are `indptr[u] .. indptr[u + 1]` of `indices` (item) / `values` (weight) / `last_s` (latest time). */
  readonly indptr: Uint32Array;
  readonly indices: Uint32Array;
  readonly values: Float32Array;
  readonly last_s: Float64Array;
  /** Interactions read, before summing into pairs. */
  readonly interactions: number;
}

export type ModelName = 'popularity' | 'itemknn' | 'ease' | 'als';
export const modelNames: readonly ModelName[] = ['popularity', 'itemknn', 'ease', 'als'];

export interface TrainOptions {
  /** Called now and then with how far training has come, 0..1, and what it is doing. */
  onProgress?: (fraction: number, stage: string) => void;
  /** Hyperparameters by name (e.g. `{ lambda: 500 }` for EASE); each model has tested defaults. */
  params?: Readonly<Record<string, number>>;
  signal?: AbortSignal;
}

export interface ScoredItem {
  /** Column index in the training Dataset. */
  item: number;
  score: number;
}

/** A trained model: scores items for a history and names each item's nearest items. */
export interface TrainedModel {
  readonly name: ModelName;
  readonly params: Readonly<Record<string, number>>;
  /**
   * The top `k` items for a history (item column → weight, e.g. a consumer's recent actions, which
   * need not be a training row: this is how a consumer's last actions count without retraining),
   * best first, leaving out the items `exclude` holds.
   */
  recommend(history: ReadonlyMap<number, number>, k: number, exclude?: ReadonlySet<number>): ScoredItem[];
  /** The `k` items most like `item` according to this model, best first, without itself. */
  similar(item: number, k: number): ScoredItem[];
  /** Bytes the model holds (reported by training and the console). */
  readonly memory_bytes: number;
  /**
   * What another thread needs to `recommend` as this model does (plain typed arrays and numbers,
   * copied by `postMessage`), for the models that can say it (ALS: `alsRecommender`).
   */
  readonly portable?: PortableModel;
}

/** ALS's `recommend` as data: item factors, YᵀY + λI, the popularity prior and its numbers. */
export interface PortableModel {
  readonly kind: 'als';
  readonly itemF: Float64Array;
  readonly yty: Float64Array;
  readonly prior: Float64Array;
  readonly f: number;
  readonly alpha: number;
  readonly repeat: number;
}

export interface ModelSpec {
  readonly name: ModelName;
  train(data: Dataset, options?: TrainOptions): Promise<TrainedModel>;
}

/** Ranking metrics at k (10 unless said), averaged over test users. */
export interface Metrics {
  model: ModelName;
  users: number;
  hr_at_10: number;
  ndcg_at_10: number;
  precision_at_10: number;
  recall_at_10: number;
  map_at_10: number;
  /** Share of the catalog's items recommended to at least one test user. */
  coverage: number;
  train_s: number;
  memory_bytes: number;
}

/** A split: the training interactions and, per test user, the held-out items. */
export interface Split {
  train: Interaction[];
  /** user → held-out items (with their weights: a purchase weighs more than a view in nDCG). */
  test: Map<string, Map<string, number>>;
  /** How the split was made, for reports: `leave_last_out`, `time`, `random_75_25`. */
  protocol: string;
}
