import type { Dataset, Interaction, InteractionKind } from './types.js';
import { weights as defaultWeights } from './weights.js';

export interface DatasetOptions {
  /** Weights per kind (default `weights`); an interaction's own `weight` overrides its kind's. */
  weights?: Partial<Record<InteractionKind, number>>;
  /**
   * What is done to a pair's summed weight: `log1p` (default) saturates it, so that a hundred
   * views of one item do not drown everything else a consumer did; `none` keeps the sum.
   */
  transform?: 'none' | 'log1p';
}

/**
 * Users × items with one weight per pair (the sum of its interactions' weights, then `transform`),
 * users' rows in CSR form with items ascending, users and items numbered in first-seen order.
 */
export function buildDataset(interactions: Iterable<Interaction>, options: DatasetOptions = {}): Dataset {
  const kindWeights = { ...defaultWeights, ...options.weights };
  const transform = options.transform ?? 'log1p';
  const users: string[] = [];
  const items: string[] = [];
  const userIds = new Map<string, number>();
  const itemIds = new Map<string, number>();
  const u: number[] = [];
  const it: number[] = [];
  const w: number[] = [];
  const t: number[] = [];
  for (const x of interactions) {
    let ui = userIds.get(x.user);
    if (ui === undefined) {
      ui = users.length;
      userIds.set(x.user, ui);
      users.push(x.user);
    }
    let ii = itemIds.get(x.item);
    if (ii === undefined) {
      ii = items.length;
      itemIds.set(x.item, ii);
      items.push(x.item);
    }
    u.push(ui);
    it.push(ii);
    w.push(x.weight ?? kindWeights[x.kind]);
    t.push(x.time_s);
  }
  const n = u.length;
  // Two stable counting sorts (by item, then by user): rows grouped by user, items ascending.
  const byItem = countingOrder(it, items.length, null);
  const order = countingOrder(u, users.length, byItem);
  const indptr = new Uint32Array(users.length + 1);
  const pairItem = new Uint32Array(n);
  const pairValue = new Float64Array(n);
  const pairLast = new Float64Array(n);
  let pairs = 0;
  let prevUser = -1;
  let prevItem = -1;
  for (let r = 0; r < n; r++) {
    const e = order[r]!;
    const ue = u[e]!;
    const ie = it[e]!;
    if (ue !== prevUser) {
      for (let x = prevUser + 1; x <= ue; x++) indptr[x] = pairs;
      prevUser = ue;
      prevItem = -1;
    }
    if (ie !== prevItem) {
      pairItem[pairs] = ie;
      pairValue[pairs] = 0;
      pairLast[pairs] = -Infinity;
      pairs++;
      prevItem = ie;
    }
    pairValue[pairs - 1]! += w[e]!;
    if (t[e]! > pairLast[pairs - 1]!) pairLast[pairs - 1] = t[e]!;
  }
  for (let x = prevUser + 1; x <= users.length; x++) indptr[x] = pairs;
  const values = new Float32Array(pairs);
  for (let p = 0; p < pairs; p++) values[p] = transform === 'log1p' ? Math.log1p(pairValue[p]!) : pairValue[p]!;
  return {
    users,
    items,
    indptr,
    indices: pairItem.slice(0, pairs),
    values,
    last_s: pairLast.slice(0, pairs),
    interactions: n,
  };
}

/** The order of positions sorted by `keys` (0 ≤ key < range), stable over `within` (or 0..n). */
function countingOrder(keys: readonly number[], range: number, within: Uint32Array | null): Uint32Array {
  const n = keys.length;
  const counts = new Uint32Array(range + 1);
  for (let i = 0; i < n; i++) counts[keys[i]! + 1]!++;
  for (let k = 0; k < range; k++) counts[k + 1]! += counts[k]!;
  const order = new Uint32Array(n);
  for (let r = 0; r < n; r++) {
    const i = within === null ? r : within[r]!;
    order[counts[keys[i]!]!++] = i;
  }
  return order;
}

/** External user ID → row. */
export function userIndex(data: Dataset): Map<string, number> {
  return new Map(data.users.map((id, i) => [id, i]));
}

/** External item ID → column. */
export function itemIndex(data: Dataset): Map<string, number> {
  return new Map(data.items.map((id, i) => [id, i]));
}

/**
 * A user's row as a history for `TrainedModel.recommend` (column → weight). With `half_life_s`,
 * each pair's weight is halved for every half-life between its latest interaction and the user's
 * latest one, so what a consumer did last counts most.
 */
export function userHistory(data: Dataset, user: number, options: { half_life_s?: number } = {}): Map<number, number> {
  const history = new Map<number, number>();
  const start = data.indptr[user]!;
  const end = data.indptr[user + 1]!;
  const halfLife = options.half_life_s ?? 0;
  let latest = -Infinity;
  if (halfLife > 0) for (let p = start; p < end; p++) latest = Math.max(latest, data.last_s[p]!);
  for (let p = start; p < end; p++) {
    const decay = halfLife > 0 ? Math.pow(2, -(latest - data.last_s[p]!) / halfLife) : 1;
    history.set(data.indices[p]!, data.values[p]! * decay);
  }
  return history;
}

/** Items' columns in CSC form (item → users, values), the transpose of the rows. */
export interface Columns {
  indptr: Uint32Array;
  indices: Uint32Array;
  values: Float32Array;
}

export function columns(data: Dataset): Columns {
  const nItems = data.items.length;
  const nnz = data.indices.length;
  const indptr = new Uint32Array(nItems + 1);
  for (let p = 0; p < nnz; p++) indptr[data.indices[p]! + 1]!++;
  for (let i = 0; i < nItems; i++) indptr[i + 1]! += indptr[i]!;
  const next = indptr.slice(0, nItems);
  const indices = new Uint32Array(nnz);
  const values = new Float32Array(nnz);
  for (let user = 0; user < data.users.length; user++) {
    for (let p = data.indptr[user]!; p < data.indptr[user + 1]!; p++) {
      const q = next[data.indices[p]!]!++;
      indices[q] = user;
      values[q] = data.values[p]!;
    }
  }
  return { indptr, indices, values };
}

/** Each item's number of users. */
export function itemCounts(data: Dataset): Uint32Array {
  const counts = new Uint32Array(data.items.length);
  for (let p = 0; p < data.indices.length; p++) counts[data.indices[p]!]!++;
  return counts;
}
