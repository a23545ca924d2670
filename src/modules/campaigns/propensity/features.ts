/**
 * A consumer's features for the propensity to buy a target (a product or a category), computed
 * from their behaviour before a cutoff. The same code serves the product (events read from the
 * data bank, features.ts ← data.ts) and the evaluation on the Taobao sample (bench/eval-propensity.ts),
 * so what is measured is what runs.
 */
export type BehaviourKind = 'view' | 'cart' | 'fav' | 'buy' | 'coupon';

export interface BehaviourEvent {
  /** Milliseconds since the epoch. */
  at: number;
  kind: BehaviourKind;
  product_id: string | null;
  category_id: string | null;
}

/** What the campaign wants bought: a product, any product of a category, or anything (the evaluation). */
export type Target = { product_id: string } | { category_id: string } | { any: true };

export const matchesTarget = (e: BehaviourEvent, target: Target): boolean =>
  'product_id' in target ? e.product_id === target.product_id : 'category_id' in target ? e.category_id === target.category_id : true;

const day_ms = 86_400_000;
const windows_days = [1, 3, 7] as const;
const kinds = ['view', 'cart', 'fav', 'buy'] as const;
/** Recency beyond this many days counts as "long ago": the log keeps old differences small. */
const recency_cap_days = 60;

export const featureNames: readonly string[] = [
  ...kinds.flatMap((k) => [...windows_days.map((w) => `${k}_${w}d`), `${k}_all`]),
  ...kinds.flatMap((k) => [`target_${k}_all`, `target_${k}_3d`]),
  'coupon_claims',
  'days_since_last_event',
  'days_since_last_buy',
  'days_since_last_target',
  'days_since_first_seen',
  'active_days',
  'stage_interested',
  'stage_purchased',
  'stage_loyal',
];

const logDays = (ms: number) => Math.log1p(Math.min(recency_cap_days, ms / day_ms));

/**
 * The features of one consumer at `cutoff` (only events strictly before it count). Counts are
 * log1p'd (heavy-tailed), recencies are log1p of days, capped. The lifecycle stage is the
 * A-I-P-L stage the events imply: loyal (bought twice or more), purchased, interested (carted or
 * favourited), else aware.
 */
export function consumerFeatures(events: readonly BehaviourEvent[], cutoff: number, target: Target): number[] {
  const counts = new Map<string, number>();
  const bump = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  let last = -Infinity;
  let lastBuy = -Infinity;
  let lastTarget = -Infinity;
  let first = Infinity;
  const days = new Set<number>();
  for (const e of events) {
    if (e.at >= cutoff) continue;
    if (e.at > last) last = e.at;
    if (e.at < first) first = e.at;
    days.add(Math.floor(e.at / day_ms));
    if (e.kind === 'coupon') {
      bump('coupon');
      continue;
    }
    const age = cutoff - e.at;
    bump(`${e.kind}_all`);
    for (const w of windows_days) if (age <= w * day_ms) bump(`${e.kind}_${w}d`);
    if (e.kind === 'buy' && e.at > lastBuy) lastBuy = e.at;
    if (matchesTarget(e, target)) {
      bump(`target_${e.kind}_all`);
      if (age <= 3 * day_ms) bump(`target_${e.kind}_3d`);
      if (e.at > lastTarget) lastTarget = e.at;
    }
  }
  const c = (key: string) => Math.log1p(counts.get(key) ?? 0);
  const since = (at: number) => (at === -Infinity ? Math.log1p(recency_cap_days) : logDays(cutoff - at));
  const buys = counts.get('buy_all') ?? 0;
  const engaged = (counts.get('cart_all') ?? 0) + (counts.get('fav_all') ?? 0) > 0;
  return [
    ...kinds.flatMap((k) => [...windows_days.map((w) => c(`${k}_${w}d`)), c(`${k}_all`)]),
    ...kinds.flatMap((k) => [c(`target_${k}_all`), c(`target_${k}_3d`)]),
    c('coupon'),
    since(last),
    since(lastBuy),
    since(lastTarget),
    first === Infinity ? 0 : logDays(cutoff - first),
    Math.log1p(days.size),
    !engaged || buys > 0 ? 0 : 1,
    buys === 1 ? 1 : 0,
    buys >= 2 ? 1 : 0,
  ];
}

/** 1 when the consumer bought the target in [from, to). */
export function boughtTarget(events: readonly BehaviourEvent[], from: number, to: number, target: Target): 0 | 1 {
  return events.some((e) => e.kind === 'buy' && e.at >= from && e.at < to && matchesTarget(e, target)) ? 1 : 0;
}

/** The recency-only baseline: the more recent the last event before the cutoff, the higher. */
export function recencyScore(events: readonly BehaviourEvent[], cutoff: number): number {
  let last = -Infinity;
  for (const e of events) if (e.at < cutoff && e.at > last) last = e.at;
  return last === -Infinity ? -Infinity : -(cutoff - last);
}
