import type { Dataset, TrainedModel } from '../engine/index.js';
import type { InteractionStore } from './store.js';

/**
 * The lists a run writes for serving (docs/RECS.md "Training"), computed from the interactions,
 * the chosen model retrained on all of them, and the catalog's categories and repeat purchases.
 * Pure: no database.
 */
export const similar_max = 50;
export const together_max = 20;
export const popular_all_max = 100;
export const popular_group_max = 50;
export const for_you_max = 50;
/** An item gets a `similar` list when at least this many consumers touched it. */
export const similar_min_users = 2;
/** Two items are bought together when at least this many baskets hold both. */
export const together_min_support = 2;
/** A basket larger than this counts its first items only (a bulk order says little about pairs). */
export const basket_items_max = 30;
/** Popularity decays with this half-life, counted back from the brand's latest event. */
export const popular_half_life_days = 14;

const kindWeight = [1, 2, 3, 4];

export type Scored = [string, number];
export type Because = [string, number, string | null];

export interface CatalogFacts {
  /** Catalog product → its category (null: none). */
  category: ReadonlyMap<string, string | null>;
  /** Catalog products bought again and again (`attributes.repeat_purchase: true`). */
  repeat: ReadonlySet<string>;
}

export type Stage = 'aware' | 'interested' | 'purchased' | 'loyal';

/** Scores keep 5 significant digits (they only order the lists). */
const round = (x: number) => {
  if (x === 0 || !Number.isFinite(x)) return 0;
  // Math rather than `toPrecision` (a string per score was a tenth of the lists' time).
  const e = 4 - Math.floor(Math.log10(Math.abs(x)));
  return e >= 0 ? Math.round(x * 10 ** e) / 10 ** e : Math.round(x / 10 ** -e) * 10 ** -e;
};

/** Store item number → dataset column (the dataset numbers items by its own first sight). */
function columnsOf(store: InteractionStore, data: Dataset): Int32Array {
  const index = new Map<string, number>();
  data.items.forEach((id, j) => index.set(id, j));
  const col = new Int32Array(store.items.length);
  store.items.forEach((id, n) => (col[n] = index.get(id) ?? -1));
  return col;
}

/** Each item touched by at least `similar_min_users` consumers: its most similar items. */
export function similarLists(data: Dataset, model: TrainedModel): Map<number, [number, number][]> {
  const users = new Uint32Array(data.items.length);
  for (let p = 0; p < data.indices.length; p++) users[data.indices[p]!]!++;
  const out = new Map<number, [number, number][]>();
  for (let j = 0; j < data.items.length; j++) {
    if (users[j]! < similar_min_users) continue;
    const near = model.similar(j, similar_max).filter((s) => s.score > 0 && s.item !== j);
    if (near.length > 0) out.set(j, near.map((s) => [s.item, s.score]));
  }
  return out;
}

/**
 * Items bought together: baskets are orders (a purchase's `order_id`) and each consumer's day of
 * carts and purchases; pairs counted once per basket, scored by cosine (co-baskets ÷ √(baskets of
 * a × baskets of b)), kept from `together_min_support` co-baskets.
 */
export function togetherLists(store: InteractionStore): Map<number, [number, number][]> {
  const baskets = new Map<string, { user: number; items: number[] }>();
  for (let n = 0; n < store.length; n++) {
    const k = store.k[n]!;
    if (k < 2) continue;
    const item = store.i[n]!;
    const user = store.u[n]!;
    const keys = [`d${user}:${Math.floor(store.t[n]! / 86_400)}`];
    if (store.o[n]! >= 0) keys.push(`o${store.o[n]!}`);
    for (const key of keys) {
      const b = baskets.get(key);
      if (b === undefined) baskets.set(key, { user, items: [item] });
      else if (b.items.length < basket_items_max * 4 && !b.items.includes(item)) b.items.push(item);
    }
  }
  // A consumer's order and their day of carts and purchases often hold the same items: count
  // each consumer's same set of items once.
  const seen = new Set<string>();
  const count = new Map<number, number>();
  const pairs = new Map<number, number>();
  const n_items = store.items.length;
  for (const { user, items } of baskets.values()) {
    if (items.length < 2) continue;
    const set = items.slice(0, basket_items_max).sort((a, b) => a - b);
    const signature = `${user}:${set.join(',')}`;
    if (seen.has(signature)) continue;
    seen.add(signature);
    for (const a of set) count.set(a, (count.get(a) ?? 0) + 1);
    for (let x = 0; x < set.length; x++) {
      for (let y = x + 1; y < set.length; y++) {
        const key = set[x]! * n_items + set[y]!;
        pairs.set(key, (pairs.get(key) ?? 0) + 1);
      }
    }
  }
  const out = new Map<number, [number, number][]>();
  for (const [key, c] of pairs) {
    if (c < together_min_support) continue;
    const a = Math.floor(key / n_items);
    const b = key - a * n_items;
    const score = c / Math.sqrt(count.get(a)! * count.get(b)!);
    for (const [x, y] of [[a, b], [b, a]] as const) {
      const list = out.get(x);
      if (list === undefined) out.set(x, [[y, score]]);
      else list.push([y, score]);
    }
  }
  for (const [x, list] of out) out.set(x, list.sort((p, q) => q[1] - p[1] || p[0] - q[0]).slice(0, together_max));
  return out;
}

/** Each consumer's stage, the data bank's A-I-P-L read from the interactions: loyal = bought on two days or more. */
export function stagesOf(store: InteractionStore): Uint8Array {
  // 0 aware, 1 interested, 2 purchased, 3 loyal
  const stage = new Uint8Array(store.users.length);
  const firstBuyDay = new Float64Array(store.users.length).fill(-1);
  for (let n = 0; n < store.length; n++) {
    const u = store.u[n]!;
    const k = store.k[n]!;
    if (k === 1 || k === 2) stage[u] = Math.max(stage[u]!, 1);
    else if (k === 3) {
      const day = Math.floor(store.t[n]! / 86_400);
      if (firstBuyDay[u]! < 0) {
        firstBuyDay[u] = day;
        stage[u] = Math.max(stage[u]!, 2);
      } else if (day !== firstBuyDay[u]) stage[u] = 3;
    }
  }
  return stage;
}
export const stageNames: readonly Stage[] = ['aware', 'interested', 'purchased', 'loyal'];

/** Popularity lists: `all`, `category:<id>` and `stage:<stage>`, by recency-decayed weight. */
export function popularLists(store: InteractionStore, catalog: CatalogFacts): Map<string, [number, number][]> {
  let latest = -Infinity;
  for (let n = 0; n < store.length; n++) if (store.t[n]! > latest) latest = store.t[n]!;
  const decay = Math.LN2 / (popular_half_life_days * 86_400);
  const all = new Float64Array(store.items.length);
  const stage = stagesOf(store);
  const byStage = stageNames.map(() => new Map<number, number>());
  for (let n = 0; n < store.length; n++) {
    const w = kindWeight[store.k[n]!]! * Math.exp(-decay * (latest - store.t[n]!));
    const item = store.i[n]!;
    all[item]! += w;
    const s = byStage[stage[store.u[n]!]!]!;
    s.set(item, (s.get(item) ?? 0) + w);
  }
  const top = (entries: Iterable<[number, number]>, k: number) => [...entries].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
  const out = new Map<string, [number, number][]>();
  const allEntries = [...all.entries()].filter(([, w]) => w > 0);
  out.set('all', top(allEntries, popular_all_max));
  const byCategory = new Map<string, [number, number][]>();
  for (const [item, w] of allEntries) {
    const id = store.items[item]!;
    const category = catalog.category.get(id) ?? store.eventCategory.get(item) ?? null;
    if (category === null) continue;
    const list = byCategory.get(category);
    if (list === undefined) byCategory.set(category, [[item, w]]);
    else list.push([item, w]);
  }
  for (const [category, list] of byCategory) out.set(`category:${category}`, top(list, popular_group_max));
  stageNames.forEach((name, s) => {
    if (byStage[s]!.size > 0) out.set(`stage:${name}`, top(byStage[s]!, popular_group_max));
  });
  return out;
}

/** What each consumer's "for you" list is computed from besides the model (plain data, so a worker thread can be sent it). */
export interface ForYouInput {
  /** The dataset's rows (users) in CSR form: `indptr`, `indices` (item column), `values` (weight). */
  indptr: Uint32Array;
  indices: Uint32Array;
  values: Float32Array;
  /** Dataset row → the columns they bought that are not repeat purchases (never recommended back). */
  bought: Map<number, Set<number>>;
  /** The similar lists (item column → [column, score][]), for `because`. */
  similar: ReadonlyMap<number, [number, number][]>;
}

/** `ForYouInput` of a run: the dataset's rows and each consumer's purchases (repeat purchases aside). */
export function forYouInput(store: InteractionStore, data: Dataset, similar: ReadonlyMap<number, [number, number][]>, catalog: CatalogFacts): ForYouInput {
  const col = columnsOf(store, data);
  const userRow = new Map<string, number>();
  data.users.forEach((id, r) => userRow.set(id, r));
  const bought = new Map<number, Set<number>>();
  for (let n = 0; n < store.length; n++) {
    if (store.k[n] !== 3) continue;
    const item = store.i[n]!;
    if (catalog.repeat.has(store.items[item]!)) continue;
    const row = userRow.get(store.users[store.u[n]!]!);
    const c = col[item]!;
    if (row === undefined || c < 0) continue;
    const set = bought.get(row);
    if (set === undefined) bought.set(row, new Set([c]));
    else set.add(c);
  }
  return { indptr: data.indptr, indices: data.indices, values: data.values, bought, similar };
}

export type Recommend = TrainedModel['recommend'];

/**
 * Each consumer's "for you" list for the dataset rows `from`..`to`, one consumer at a time (the
 * caller writes them as they come, so they never sit in memory all at once): the model's top
 * items for their whole history, leaving out what they bought unless it is a repeat purchase;
 * `because` is the item of their history that the recommended item is most similar to (by the
 * similar lists), weighted by how much they did with it. Yields the row and the list.
 */
export function* forYouRange(input: ForYouInput, recommend: Recommend, from: number, to: number): Generator<[number, [number, number, number | null][]]> {
  const { indptr, indices, values, bought, similar } = input;
  for (let r = from; r < to; r++) {
    const history = new Map<number, number>();
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) history.set(indices[p]!, values[p]!);
    const recs = recommend(history, for_you_max, bought.get(r));
    // Walk each history item's similar list once (not each recommendation against each history item).
    const position = new Map<number, number>();
    recs.forEach((s, i) => position.set(s.item, i));
    const because = new Array<number | null>(recs.length).fill(null);
    const best = new Float64Array(recs.length);
    for (const [h, w] of history) {
      const list = similar.get(h);
      if (list === undefined) continue;
      for (const [j, sim] of list) {
        const i = position.get(j);
        if (i !== undefined && sim * w > best[i]!) {
          best[i] = sim * w;
          because[i] = h;
        }
      }
    }
    yield [r, recs.map((s, i) => [s.item, s.score, because[i] ?? null])];
  }
}

/** Every consumer's "for you" list in one thread (`forYouRange` over all rows). */
export function* forYouLists(store: InteractionStore, data: Dataset, model: TrainedModel, similar: ReadonlyMap<number, [number, number][]>, catalog: CatalogFacts): Generator<[number, [number, number, number | null][]]> {
  yield* forYouRange(forYouInput(store, data, similar, catalog), (h, k, e) => model.recommend(h, k, e), 0, data.users.length);
}

/** JSON for `items` columns, IDs for numbers, scores rounded. */
export function scoredJson(ids: readonly string[], list: readonly [number, number][]): string {
  return JSON.stringify(list.map(([i, s]) => [ids[i], round(s)]));
}

export function becauseJson(ids: readonly string[], list: readonly [number, number, number | null][]): string {
  return JSON.stringify(list.map(([i, s, b]) => [ids[i], round(s), b === null ? null : ids[b]]));
}
