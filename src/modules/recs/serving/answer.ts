import type { AnyDb } from '../../../kernel/db.js';
import { stageOfProfiles } from '../../databank/index.js';
import type { Placement } from '../../attribution/index.js';
import { distance_m, type Location } from '../../locations/index.js';
import { historyOf, userList, type ConsumerHistory } from './consumer.js';
import type { MerchantState, Scored, ServedProduct } from './state.js';
import { availableNow, type StockSnapshot } from './stock.js';

/**
 * An answer of a placement: candidates from the state's lists (each with its reason), then the
 * rules at the time of answering: pins first, and never an item that is unknown, unpublished or
 * archived, excluded, already bought (unless a repeat purchase) or out of stock where the
 * consumer is. `removed` says what the rules took out and why (the preview shows it).
 */
export const reasonKinds = ['similar_to', 'bought_with', 'recently_viewed', 'trending_at', 'trending_near', 'popular', 'popular_in_stage', 'new_arrival', 'pinned', 'personal'] as const;
export type ReasonKind = (typeof reasonKinds)[number];
export interface Reason {
  kind: ReasonKind;
  text: string;
  product_id?: string;
  location_id?: string;
}
export interface Candidate {
  product_id: string;
  score: number;
  reason: Reason;
}
export const removalRules = ['excluded', 'unpublished', 'archived', 'not_in_catalog', 'already_bought', 'out_of_stock'] as const;
export type RemovalRule = (typeof removalRules)[number];
export interface Removed {
  product_id: string;
  rule: RemovalRule;
  text: string;
}
export interface Answer {
  placement: Placement;
  items: (Candidate & { product: ServedProduct })[];
  removed: Removed[];
  /** The locations whose stock counted (undefined: anywhere). */
  locations: string[] | undefined;
}

export const limit_max = 50;
export const default_radius_km = 25;
/** Stores counted as "near": the nearest ones within the radius. */
const near_stores_max = 5;
/** Candidates a placement gathers before the rules, per item asked. */
const candidates_per_item = 4;
/** Stock checks per answer (each for the next batch of candidates). */
const stock_rounds_max = 4;
/** Items the last fallback (newest products) may check for stock. */
const newest_scan_max = 2_000;
/** Recent products of a consumer whose neighbours re-rank their "for you". */
const recent_max = 5;
/** New arrivals: products created within this many days, or since the training. */
const new_arrival_days = 30;
const removed_max = 100;
/** Candidates that depend on the state only are reused this long (and never across a catch-up). */
const memo_ms = 10_000;
const memo_max = 2_000;

/**
 * The state's memo of `key`, made now when absent or older than `memo_ms`. The value is shared by
 * the answers that follow: nothing downstream may change it (`applyRules` copies what it keeps,
 * `Pool.add` is never given a memoised pool's candidates without a copy).
 */
function memoised<T>(state: MerchantState, key: string, make: () => T): T {
  const now = Date.now();
  const hit = state.memo.get(key);
  if (hit !== undefined && now - hit.at_ms < memo_ms) return hit.value as T;
  const value = make();
  if (state.memo.size >= memo_max) state.memo.clear();
  state.memo.set(key, { at_ms: now, value });
  return value;
}

/** The memo key of a place: the stores it counts (two positions near the same stores share it). */
function placeKey(state: MerchantState, where: Where): string {
  const { stores, kind } = storesFor(state, where);
  return `${kind}:${stores.map((s) => s.id).join(',')}`;
}

export interface Where {
  location_id?: string | undefined;
  near?: { latitude: number; longitude: number } | undefined;
  radius_km?: number | undefined;
}

/** The stores that count for stock and trending: the one named, the nearest within the radius, or none (anywhere). */
export function storesFor(state: MerchantState, where: Where): { stores: Location[]; kind: 'at' | 'near' | 'anywhere' } {
  if (where.location_id !== undefined) {
    const store = state.stores.find((s) => s.id === where.location_id);
    return store === undefined ? { stores: [], kind: 'anywhere' } : { stores: [store], kind: 'at' };
  }
  if (where.near !== undefined) {
    const radius_m = (where.radius_km ?? default_radius_km) * 1_000;
    const near = where.near;
    const stores = state.stores
      .map((s) => ({ s, d: distance_m(near, s) }))
      .filter((x) => x.d <= radius_m)
      .sort((a, b) => a.d - b.d)
      .slice(0, near_stores_max)
      .map((x) => x.s);
    return stores.length === 0 ? { stores: [], kind: 'anywhere' } : { stores, kind: 'near' };
  }
  return { stores: [], kind: 'anywhere' };
}

const titleOf = (state: MerchantState, id: string) => state.products.get(id)?.title ?? id;
const normalised = (list: readonly Scored[]): Scored[] => {
  const top = list.reduce((m, [, s]) => Math.max(m, s), 0);
  return top > 0 ? list.map(([p, s]) => [p, s / top]) : list.map(([p]) => [p, 0]);
};

/** Adds candidates, keeping the first reason and the best score of each product. */
class Pool {
  readonly order: Candidate[] = [];
  private readonly byId = new Map<string, Candidate>();
  constructor(private readonly skip: ReadonlySet<string> = new Set()) {}
  add(c: Candidate): void {
    if (this.skip.has(c.product_id)) return;
    const existing = this.byId.get(c.product_id);
    if (existing === undefined) {
      this.byId.set(c.product_id, c);
      this.order.push(c);
    } else existing.score += c.score;
  }
  get size(): number {
    return this.order.length;
  }
  sorted(): Candidate[] {
    return [...this.order].sort((a, b) => b.score - a.score);
  }
}

function popularCandidates(state: MerchantState, key: string, reason: (p: string) => Reason, weight: number): Candidate[] {
  return normalised(state.popular.get(key) ?? []).map(([p, s]) => ({ product_id: p, score: weight * s, reason: reason(p) }));
}

/** "Trending": the last days' interactions at the stores (or anywhere), then the trained popularity. */
function trendingCandidates(state: MerchantState, where: Where, weight: number): Candidate[] {
  const { stores, kind } = storesFor(state, where);
  const out: Candidate[] = [];
  if (kind !== 'anywhere') {
    const counts = new Map<string, number>();
    for (const s of stores) for (const [p, n] of state.trendingAt(s.id)) counts.set(p, (counts.get(p) ?? 0) + n);
    const list = normalised([...counts.entries()].sort((a, b) => b[1] - a[1]));
    const store = stores[0]!;
    for (const [p, s] of list)
      out.push({
        product_id: p,
        score: weight * (1 + s),
        reason: kind === 'at' ? { kind: 'trending_at', text: `Trending at ${store.name}`, location_id: store.id } : { kind: 'trending_near', text: `Trending in stores near you (${store.name})`, location_id: store.id },
      });
  }
  for (const [p, s] of normalised(state.trendingAt('*'))) out.push({ product_id: p, score: weight * s, reason: { kind: 'popular', text: 'Trending now' } });
  out.push(...popularCandidates(state, 'all', () => ({ kind: 'popular', text: 'Popular with our shoppers' }), weight * 0.5));
  return out;
}

function newArrivals(state: MerchantState, weight: number): Candidate[] {
  const since = Math.max(state.trained_at?.getTime() ?? 0, Date.now() - new_arrival_days * 86_400_000);
  const out: Candidate[] = [];
  for (const id of state.newest) {
    const p = state.products.get(id)!;
    if (p.created_at.getTime() < since) break;
    out.push({ product_id: id, score: weight, reason: { kind: 'new_arrival', text: 'New arrival' } });
  }
  return out;
}

/** Round-robin over sources, so a new consumer sees a bit of each. */
function interleave(sources: Candidate[][], pool: Pool, max: number): void {
  const cursors = sources.map(() => 0);
  for (let added = true; added && pool.size < max; ) {
    added = false;
    sources.forEach((src, i) => {
      if (cursors[i]! < src.length) {
        pool.add(src[cursors[i]!]!);
        cursors[i]!++;
        added = true;
      }
    });
  }
}

/** A new (or unknown) consumer: trending at their store or near them, their lifecycle stage's favourites, new arrivals, popular. */
export function newConsumerCandidates(state: MerchantState, where: Where, stage: string | undefined, limit: number, pool = new Pool()): Pool {
  const sources = [trendingCandidates(state, where, 1)];
  if (stage !== undefined) sources.push(popularCandidates(state, `stage:${stage}`, () => ({ kind: 'popular_in_stage', text: stageText(stage) }), 1));
  sources.push(newArrivals(state, 0.5));
  sources.push(popularCandidates(state, 'all', () => ({ kind: 'popular', text: 'Popular with our shoppers' }), 0.5));
  interleave(sources, pool, limit * candidates_per_item);
  return pool;
}

function stageText(stage: string): string {
  return { aware: 'Popular with first-time visitors', interested: 'Popular with shoppers still deciding', purchased: 'Popular with our customers', loyal: 'Popular with our regulars' }[stage] ?? 'Popular with shoppers like you';
}

/** Similar items: the trained neighbours plus the co-occurrence since the training. */
function neighbours(state: MerchantState, product_id: string): Scored[] {
  const merged = new Map<string, number>();
  for (const [p, s] of normalised(state.similar.get(product_id) ?? [])) merged.set(p, s);
  // Three co-occurrences since the training weigh as much as the best trained neighbour.
  for (const [p, w] of state.freshNeighbours(product_id)) merged.set(p, (merged.get(p) ?? 0) + Math.min(1, w / 3));
  merged.delete(product_id);
  return [...merged.entries()].sort((a, b) => b[1] - a[1]);
}

export function similarCandidates(state: MerchantState, product_id: string, limit: number): Pool {
  const pool = new Pool(new Set([product_id]));
  const title = titleOf(state, product_id);
  for (const [p, s] of neighbours(state, product_id)) pool.add({ product_id: p, score: 1 + s, reason: { kind: 'similar_to', text: `Similar to ${title}`, product_id } });
  const category = state.products.get(product_id)?.category_id;
  if (category !== null && category !== undefined) for (const c of popularCandidates(state, `category:${category}`, () => ({ kind: 'popular', text: 'Popular in this category' }), 0.5)) pool.add(c);
  if (pool.size < limit * candidates_per_item) for (const c of trendingCandidates(state, {}, 0.25)) pool.add(c);
  return pool;
}

export function togetherCandidates(state: MerchantState, product_ids: readonly string[], limit: number): Pool {
  const pool = new Pool(new Set(product_ids));
  for (const id of product_ids) {
    const title = titleOf(state, id);
    for (const [p, s] of normalised(state.together.get(id) ?? [])) pool.add({ product_id: p, score: 2 + s, reason: { kind: 'bought_with', text: `Often bought with ${title}`, product_id: id } });
  }
  for (const id of product_ids) {
    const title = titleOf(state, id);
    for (const [p, s] of neighbours(state, id)) pool.add({ product_id: p, score: 1 + s, reason: { kind: 'similar_to', text: `Goes with ${title}`, product_id: id } });
  }
  if (pool.size < limit * candidates_per_item) for (const c of trendingCandidates(state, {}, 0.25)) pool.add(c);
  return pool;
}

/**
 * "For you": neighbours of what the consumer did since the training (most recent first), then
 * their trained list; nothing known about them: the new-consumer candidates.
 */
export async function forYouCandidates(db: AnyDb, state: MerchantState, history: ConsumerHistory, where: Where, stage: string | undefined, limit: number): Promise<{ pool: Pool; placement: Placement }> {
  const trained_ms = state.trained_at?.getTime() ?? 0;
  const recent = history.recent.filter((r) => r.at_ms > trained_ms).slice(0, recent_max);
  const pool = new Pool(new Set(recent.map((r) => r.product_id)));
  recent.forEach((r, i) => {
    const title = titleOf(state, r.product_id);
    const verb = r.event === 'Product Added' ? 'added to your cart' : r.event === 'Product Added to Wishlist' ? 'saved' : r.event === 'Order Completed' || r.event === 'Order Paid' ? 'bought' : 'viewed';
    const w = 3 / (1 + i);
    for (const [p, s] of neighbours(state, r.product_id).slice(0, limit * 2)) pool.add({ product_id: p, score: w * (0.5 + s), reason: { kind: 'recently_viewed', text: `Because you ${verb} ${title}`, product_id: r.product_id } });
  });
  const list = await userList(db, state, history.profile_ids);
  const top = list.reduce((m, [, s]) => Math.max(m, s), 0) || 1;
  for (const [p, s, because] of list)
    pool.add({ product_id: p, score: s / top, reason: because === null ? { kind: 'personal', text: 'Picked for you' } : { kind: 'similar_to', text: `Because you liked ${titleOf(state, because)}`, product_id: because } });
  // Known to the data bank but no product interaction yet: their recorded lifecycle stage, unless the caller gave one.
  if (pool.size === 0) return { pool: newConsumerCandidates(state, where, stage ?? (await stageOfProfiles(db, state.merchant_id, history.profile_ids)), limit), placement: 'new_consumer' };
  if (pool.size < limit * candidates_per_item) for (const c of memoised(state, `new|${placeKey(state, where)}|${stage ?? ''}|${limit}`, () => newConsumerCandidates(state, where, stage, limit).order)) pool.add({ ...c, score: 0.01 * c.score });
  return { pool, placement: 'for_you' };
}

/**
 * Applies the rules to the candidates (in order) and returns the first `limit` items that pass,
 * pins first; when they are too few, popular then newest products fill in, so a brand with
 * anything sellable where the consumer is never answers an empty list.
 */
export async function applyRules(
  db: AnyDb,
  state: MerchantState,
  input: { placement: Placement; candidates: Candidate[]; bought: ReadonlySet<string>; where: Where; limit: number; skip?: ReadonlySet<string>; stock?: StockSnapshot | undefined },
): Promise<Answer> {
  const { stores, kind } = storesFor(state, input.where);
  const locations = kind === 'anywhere' ? (input.where.location_id !== undefined ? [input.where.location_id] : undefined) : stores.map((s) => s.id);
  const removed: Removed[] = [];
  const remove = (product_id: string, rule: RemovalRule, text: string) => {
    if (removed.length < removed_max && !removed.some((r) => r.product_id === product_id)) removed.push({ product_id, rule, text });
  };
  const rules = state.rules.filter((r) => r.placement === null || r.placement === input.placement);
  const excluded = new Set(rules.filter((r) => r.action === 'exclude').map((r) => r.product_id));
  const pins = rules.filter((r) => r.action === 'pin').sort((a, b) => a.position! - b.position! || (a.id < b.id ? -1 : 1));
  const considered = new Set<string>(input.skip ?? []);
  const passed = (c: Candidate): ServedProduct | undefined => {
    if (considered.has(c.product_id)) return undefined;
    considered.add(c.product_id);
    const p = state.products.get(c.product_id);
    if (p === undefined) return void remove(c.product_id, 'not_in_catalog', 'Not a product of the catalog');
    if (p.status !== 'published') return void remove(c.product_id, p.status === 'archived' ? 'archived' : 'unpublished', p.status === 'archived' ? 'Archived' : 'Not published');
    if (excluded.has(c.product_id)) return void remove(c.product_id, 'excluded', 'Excluded by the merchant');
    if (input.bought.has(c.product_id) && !p.repeat_purchase) return void remove(c.product_id, 'already_bought', 'Already bought, not a repeat purchase');
    if (p.variant_ids.length === 0) return void remove(c.product_id, 'out_of_stock', 'No variant for sale');
    return p;
  };
  const items: Answer['items'] = [];
  const take = async (queue: Candidate[], rounds: number, batch_min = 0) => {
    let i = 0;
    for (let round = 0; round < rounds && items.length < input.limit && i < queue.length; round++) {
      const batch: (Candidate & { product: ServedProduct })[] = [];
      // At one store most of a catalogue is not held: ask for more at once rather than in more rounds.
      const want = Math.max(batch_min, (input.limit - items.length) * (locations === undefined ? 2 : 6) + 4);
      while (batch.length < want && i < queue.length) {
        const c = queue[i++]!;
        const product = passed(c);
        if (product !== undefined) batch.push({ ...c, product });
      }
      const available = await availableNow(db, state.merchant_id, input.stock, batch.flatMap((b) => b.product.variant_ids), locations);
      for (const b of batch) {
        if (!b.product.variant_ids.some((v) => available.has(v))) remove(b.product_id, 'out_of_stock', locations === undefined ? 'Out of stock everywhere' : `Out of stock at ${locations.length === 1 ? (state.stores.find((s) => s.id === locations[0])?.name ?? locations[0]) : 'the stores near you'}`);
        else if (items.length < input.limit) items.push(b);
      }
    }
  };
  await take(
    pins.map((r) => ({ product_id: r.product_id, score: 1, reason: { kind: 'pinned', text: 'Chosen by the shop' } })),
    stock_rounds_max,
  );
  await take(input.candidates, stock_rounds_max);
  if (items.length < input.limit) await take(popularCandidates(state, 'all', () => ({ kind: 'popular', text: 'Popular with our shoppers' }), 0.01), 2);
  if (items.length < input.limit && (input.placement === 'new_consumer' || input.placement === 'for_you' || input.placement === 'trending' || items.length === 0))
    await take(
      state.newest.slice(0, newest_scan_max).map((id) => ({ product_id: id, score: 0, reason: { kind: 'new_arrival', text: 'New in the shop' } })),
      4,
      newest_scan_max / 4,
    );
  return { placement: input.placement, items, removed, locations };
}

export interface PlacementRequest {
  placement: Placement;
  profile_ids: string[];
  where: Where;
  stage?: string | undefined;
  product_ids?: string[] | undefined;
  limit: number;
}

/**
 * One placement's answer, from candidates to the rules. `stock`: the brand's snapshot
 * (`ServingStates.stockOf`), which answers the stock rule in memory; without it, PostgreSQL does.
 */
export async function answerPlacement(db: AnyDb, state: MerchantState, req: PlacementRequest, options: { stock?: StockSnapshot | undefined } = {}): Promise<Answer> {
  const history = await historyOf(db, state, req.profile_ids);
  let placement = req.placement;
  let candidates: Candidate[];
  const skip = new Set<string>();
  switch (req.placement) {
    case 'for_you': {
      const r = await forYouCandidates(db, state, history, req.where, req.stage, req.limit);
      placement = r.placement;
      candidates = r.pool.sorted();
      break;
    }
    case 'similar': {
      const product_id = req.product_ids![0]!;
      candidates = memoised(state, `similar|${product_id}|${req.limit}`, () => similarCandidates(state, product_id, req.limit).sorted());
      req.product_ids!.forEach((p) => skip.add(p));
      break;
    }
    case 'bought_together': {
      const product_ids = req.product_ids!;
      candidates = memoised(state, `together|${product_ids.join(',')}|${req.limit}`, () => togetherCandidates(state, product_ids, req.limit).sorted());
      product_ids.forEach((p) => skip.add(p));
      break;
    }
    case 'trending':
      candidates = memoised(state, `trending|${placeKey(state, req.where)}`, () => {
        const pool = new Pool();
        for (const c of trendingCandidates(state, req.where, 1)) pool.add(c);
        return pool.sorted();
      });
      break;
    case 'new_consumer':
      candidates = memoised(state, `new|${placeKey(state, req.where)}|${req.stage ?? ''}|${req.limit}`, () => newConsumerCandidates(state, req.where, req.stage, req.limit).order);
      break;
  }
  return applyRules(db, state, { placement, candidates, bought: history.bought, where: req.where, limit: req.limit, skip, stock: options.stock });
}
