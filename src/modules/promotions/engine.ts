import { formatMoney } from '../../kernel/money.js';
import type { Stage } from '../databank/index.js';
import type { Channel, Effect } from './rules.js';
import type { PromotionTable } from './tables.js';

/**
 * The promotion engine: pure and deterministic. Given a checkout's lines, its delivery charges,
 * who buys where, and the promotions on offer, it answers the discounts applied (each allocated
 * to lines and deliveries, never more than a line's own amount) and, for every promotion it
 * considered and did not apply, the reason. No database here: the checkout runs it inside its
 * group-committed transaction with the limits it locked (redeem.ts), the quote and the console's
 * preview run it with the limits as they read them.
 *
 * Stacking:
 *   1. promotions whose dates, hours, channel, place or consumer do not fit are refused first;
 *   2. the rest, ordered by priority (higher first, then merchant and id), form the options:
 *      every combinable promotion stacked in that order (at most `max_stack` of one merchant's,
 *      each on the original or the already-discounted amount as it says), or one exclusive
 *      promotion alone;
 *   3. the option that takes the most off wins; an exclusive promotion wins only by taking
 *      strictly more than the combined ones, and of exclusives taking the same the higher-ranked
 *      one wins. The others are refused with the reason.
 */
export type PromotionDef = Pick<PromotionTable, 'merchant_id' | 'id' | 'name' | 'kind' | 'currency' | 'effect' | 'scope' | 'conditions' | 'stacking' | 'priority' | 'applies_to' | 'funded_by' | 'starts_at' | 'ends_at'>;

export interface EngineLine {
  merchant_id: string;
  variant_id: string;
  product_id: string;
  category_id: string | null;
  quantity: number;
  unit_price_minor: bigint;
}

export interface ConsumerFacts {
  signed_in: boolean;
  /** No earlier order (not closed) with the promotion's merchant. */
  first_order_with: ReadonlySet<string> | 'all';
  /** Lifecycle stage in each merchant's data bank. */
  stage_with: ReadonlyMap<string, Stage>;
}

export interface EngineContext {
  channel: Channel;
  channel_merchant_id: string;
  /** Where the goods are served from or bought (stores of a pickup, the till's store). */
  location_ids: ReadonlySet<string>;
  consumer: ConsumerFacts;
  now: Date;
  time_zone_of: (merchant_id: string) => string;
  max_stack_of: (merchant_id: string) => number;
}

/** A promotion on offer to this checkout: automatic, or through the code or wallet coupon the buyer brought. */
export interface Offer {
  promotion: PromotionDef;
  code?: string | undefined;
  wallet_coupon_id?: string | undefined;
  /** What its money budget has left (undefined: no budget); the last redemption gets at most this. */
  budget_left_minor?: bigint | undefined;
  /** Refused before the engine looked (a limit reached, a code used up): the reason stands. */
  blocked?: { reason: RefusalReason; detail: string } | undefined;
}

export const refusalReasons = [
  'wrong_currency', 'not_started', 'ended', 'outside_hours', 'wrong_channel', 'wrong_location', 'members_only', 'first_order_only', 'wrong_stage',
  'no_lines_in_scope', 'below_min_spend', 'below_min_quantity', 'no_discount', 'stack_limit', 'exclusive_better', 'combined_better',
  'limit_reached', 'budget_spent', 'per_consumer_limit', 'per_day_limit', 'code_used_up', 'sign_in_required', 'coupon_expired',
] as const;
export type RefusalReason = (typeof refusalReasons)[number];

export interface AppliedDiscount {
  promotion: PromotionDef;
  code?: string | undefined;
  wallet_coupon_id?: string | undefined;
  amount_minor: bigint;
  /** Its share of each line, by the line's index in the checkout (only lines it touched). */
  lines: { index: number; amount_minor: bigint }[];
  /** Its share of each seller's delivery charge (free shipping). */
  deliveries: { merchant_id: string; amount_minor: bigint }[];
  /** A reader's account of it: "15% off 2 items", "capped at the budget left". */
  detail: string;
}

export interface Refusal {
  promotion: PromotionDef;
  code?: string | undefined;
  wallet_coupon_id?: string | undefined;
  reason: RefusalReason;
  detail: string;
}

export interface Pricing {
  applied: AppliedDiscount[];
  refused: Refusal[];
  /** Per line, by index: what all promotions took off it. */
  line_discounts: bigint[];
  /** Per seller: what promotions took off its delivery charge. */
  delivery_discounts: Map<string, bigint>;
  discount_minor: bigint;
}

export function priceCheckout(lines: readonly EngineLine[], deliveries: ReadonlyMap<string, bigint>, offers: readonly Offer[], ctx: EngineContext): Pricing {
  const refused: Refusal[] = [];
  const eligible: Offer[] = [];
  for (const offer of offers) {
    const why = offer.blocked ?? staticRefusal(offer.promotion, ctx);
    if (why === undefined) eligible.push(offer);
    else refused.push({ promotion: offer.promotion, code: offer.code, wallet_coupon_id: offer.wallet_coupon_id, ...why });
  }
  eligible.sort((a, b) => b.promotion.priority - a.promotion.priority || cmp(a.promotion.merchant_id, b.promotion.merchant_id) || cmp(a.promotion.id, b.promotion.id));

  const options: Offer[][] = [];
  const combinable = eligible.filter((o) => o.promotion.stacking === 'combinable');
  if (combinable.length > 0) options.push(combinable);
  for (const o of eligible) if (o.promotion.stacking === 'exclusive') options.push([o]);
  const rank = (o: Offer) => eligible.indexOf(o);

  const runs = options.map((option) => applySequence(lines, deliveries, option, ctx));
  // The combined option comes first, so an exclusive promotion wins only by taking strictly
  // more; between exclusives taking the same, the higher-ranked one wins.
  let best = -1;
  runs.forEach((run, i) => {
    if (run.applied.length === 0) return;
    if (best < 0) return void (best = i);
    const b = runs[best]!;
    const isExclusive = (k: number) => options[k]![0]!.promotion.stacking === 'exclusive';
    const tieWins = isExclusive(best) && isExclusive(i) && rank(options[i]![0]!) < rank(options[best]![0]!);
    if (run.total > b.total || (run.total === b.total && tieWins)) best = i;
  });

  const chosen = best < 0 ? undefined : runs[best]!;
  const applied = chosen?.applied ?? [];
  const appliedIds = new Set(applied.map((a) => key(a.promotion)));
  // Each promotion not applied is refused once: with its own reason where its option refused it,
  // otherwise because a better option won.
  const ownReasons = new Map<string, Refusal>();
  for (const run of runs) for (const r of run.refused) if (!ownReasons.has(key(r.promotion))) ownReasons.set(key(r.promotion), r);
  for (const offer of eligible) {
    const k = key(offer.promotion);
    if (appliedIds.has(k)) continue;
    const own = ownReasons.get(k);
    if (own !== undefined) refused.push(own);
    else if (chosen !== undefined) {
      const winner = applied[0]!.promotion;
      const exclusiveWon = winner.stacking === 'exclusive';
      refused.push({ promotion: offer.promotion, code: offer.code, wallet_coupon_id: offer.wallet_coupon_id, reason: exclusiveWon ? 'exclusive_better' : 'combined_better', detail: exclusiveWon ? `“${winner.name}” cannot be combined and takes more off (${fmt(chosen.total, winner.currency)})` : `the combinable promotions together take more off (${fmt(chosen.total, winner.currency)}) and this one cannot be combined` });
    }
  }

  const line_discounts = lines.map(() => 0n);
  const delivery_discounts = new Map<string, bigint>();
  for (const a of applied) {
    for (const l of a.lines) line_discounts[l.index]! += l.amount_minor;
    for (const d of a.deliveries) delivery_discounts.set(d.merchant_id, (delivery_discounts.get(d.merchant_id) ?? 0n) + d.amount_minor);
  }
  return { applied, refused, line_discounts, delivery_discounts, discount_minor: applied.reduce((s, a) => s + a.amount_minor, 0n) };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const key = (p: PromotionDef) => `${p.merchant_id}|${p.id}`;
const fmt = (minor: bigint, currency: string) => formatMoney(minor, currency);

/** The reasons that need no arithmetic: currency, dates, hours, channel, place, consumer. */
function staticRefusal(p: PromotionDef, ctx: EngineContext): { reason: RefusalReason; detail: string } | undefined {
  const c = p.conditions;
  if (p.starts_at !== null && ctx.now < p.starts_at) return { reason: 'not_started', detail: `starts at ${p.starts_at.toISOString()}` };
  if (p.ends_at !== null && ctx.now >= p.ends_at) return { reason: 'ended', detail: `ended at ${p.ends_at.toISOString()}` };
  if (c.weekdays !== undefined || c.hours !== undefined) {
    const { weekday, hhmm } = localClock(ctx.now, ctx.time_zone_of(p.merchant_id));
    if (c.weekdays !== undefined && !c.weekdays.includes(weekday)) return { reason: 'outside_hours', detail: `only on ISO weekdays ${c.weekdays.join(', ')}` };
    if (c.hours !== undefined) {
      const within = c.hours.from <= c.hours.to ? hhmm >= c.hours.from && hhmm < c.hours.to : hhmm >= c.hours.from || hhmm < c.hours.to;
      if (!within) return { reason: 'outside_hours', detail: `only from ${c.hours.from} to ${c.hours.to} local time` };
    }
  }
  if (c.channels !== undefined && !c.channels.includes(ctx.channel)) return { reason: 'wrong_channel', detail: `only ${c.channels.join(', ')}, not ${ctx.channel}` };
  if (c.location_ids !== undefined && !c.location_ids.some((l) => ctx.location_ids.has(l))) return { reason: 'wrong_location', detail: 'only when served from or bought in its stores' };
  if (c.members_only === true && !ctx.consumer.signed_in) return { reason: 'members_only', detail: 'for signed-in members only' };
  if (c.first_order === true) {
    if (!ctx.consumer.signed_in) return { reason: 'sign_in_required', detail: 'a first-order promotion needs the buyer signed in' };
    const first = ctx.consumer.first_order_with;
    if (first !== 'all' && !first.has(p.merchant_id)) return { reason: 'first_order_only', detail: 'only on a first order' };
  }
  if (c.stages !== undefined) {
    const stage = ctx.consumer.stage_with.get(p.merchant_id);
    if (stage === undefined || !c.stages.includes(stage)) return { reason: 'wrong_stage', detail: `only for consumers who are ${c.stages.join(' or ')} (this one: ${stage ?? 'unknown'})` };
  }
  return undefined;
}

const clocks = new Map<string, Intl.DateTimeFormat>();
function localClock(at: Date, time_zone: string): { weekday: number; hhmm: string } {
  let f = clocks.get(time_zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: time_zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clocks.set(time_zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!) + 1;
  return { weekday, hhmm: `${parts.hour}:${parts.minute}` };
}

/** Whether a promotion reaches a line: its own seller's lines, or any line of its storefront's checkout; then its scope. */
function inScope(p: PromotionDef, line: EngineLine, ctx: EngineContext): boolean {
  if (line.merchant_id !== p.merchant_id && p.merchant_id !== ctx.channel_merchant_id) return false;
  const s = p.scope;
  if (s.seller_ids !== undefined && !s.seller_ids.includes(line.merchant_id)) return false;
  const listed = s.product_ids !== undefined || s.variant_ids !== undefined || s.category_ids !== undefined;
  if (!listed) return true;
  return (s.product_ids?.includes(line.product_id) ?? false) || (s.variant_ids?.includes(line.variant_id) ?? false) || (line.category_id !== null && (s.category_ids?.includes(line.category_id) ?? false));
}

interface Run {
  applied: AppliedDiscount[];
  refused: Refusal[];
  total: bigint;
}

function applySequence(lines: readonly EngineLine[], deliveries: ReadonlyMap<string, bigint>, option: readonly Offer[], ctx: EngineContext): Run {
  const remaining = lines.map((l) => l.unit_price_minor * BigInt(l.quantity));
  const deliveryLeft = new Map(deliveries);
  const stacked = new Map<string, number>();
  const applied: AppliedDiscount[] = [];
  const refused: Refusal[] = [];
  for (const offer of option) {
    const p = offer.promotion;
    const refuse = (reason: RefusalReason, detail: string) => void refused.push({ promotion: p, code: offer.code, wallet_coupon_id: offer.wallet_coupon_id, reason, detail });
    if ((stacked.get(p.merchant_id) ?? 0) >= ctx.max_stack_of(p.merchant_id)) {
      refuse('stack_limit', `at most ${ctx.max_stack_of(p.merchant_id)} promotions of one merchant stack on a checkout`);
      continue;
    }
    const indexes = lines.flatMap((l, i) => (inScope(p, l, ctx) ? [i] : []));
    if (indexes.length === 0) {
      refuse('no_lines_in_scope', 'nothing in the cart is in its scope');
      continue;
    }
    const base = (i: number) => (p.applies_to === 'original' ? lines[i]!.unit_price_minor * BigInt(lines[i]!.quantity) : remaining[i]!);
    const spend = indexes.reduce((s, i) => s + base(i), 0n);
    const units = indexes.reduce((s, i) => s + lines[i]!.quantity, 0);
    const c = p.conditions;
    if (c.min_spend_minor !== undefined && spend < BigInt(c.min_spend_minor)) {
      refuse('below_min_spend', `spend ${fmt(BigInt(c.min_spend_minor), p.currency)} on items in scope; the cart has ${fmt(spend, p.currency)}`);
      continue;
    }
    if (c.min_quantity !== undefined && units < c.min_quantity) {
      refuse('below_min_quantity', `buy ${c.min_quantity} items in scope; the cart has ${units}`);
      continue;
    }
    const outcome = effectOn(p.effect, indexes, lines, base, spend, deliveryLeft, p.currency);
    if (outcome.why !== undefined) {
      refuse(outcome.why.reason, outcome.why.detail);
      continue;
    }
    // Never more than what is left of a line (or a delivery), nor more than the budget left.
    let lineShares = fitLines(outcome.lines, remaining);
    let deliveryShares = outcome.deliveries.map(({ merchant_id, amount_minor }) => ({ merchant_id, amount_minor: min(amount_minor, deliveryLeft.get(merchant_id) ?? 0n) }));
    let amount = sum(lineShares.map((l) => l.amount_minor)) + sum(deliveryShares.map((d) => d.amount_minor));
    let detail = outcome.detail;
    if (offer.budget_left_minor !== undefined && amount > offer.budget_left_minor) {
      const cap = offer.budget_left_minor;
      lineShares = spread(cap, lineShares.map((l) => ({ key: l.index, weight: l.amount_minor }))).map(({ key, amount_minor }) => ({ index: key, amount_minor }));
      const lineCapped = sum(lineShares.map((l) => l.amount_minor));
      deliveryShares = spread(cap - lineCapped, deliveryShares.map((d) => ({ key: d.merchant_id, weight: d.amount_minor }))).map(({ key, amount_minor }) => ({ merchant_id: key, amount_minor }));
      amount = lineCapped + sum(deliveryShares.map((d) => d.amount_minor));
      detail += `; capped at the ${fmt(cap, p.currency)} left in its budget`;
    }
    lineShares = lineShares.filter((l) => l.amount_minor > 0n);
    deliveryShares = deliveryShares.filter((d) => d.amount_minor > 0n);
    if (amount <= 0n) {
      // A promotion that takes nothing off is not redeemed and uses none of its limits.
      refuse('no_discount', 'it would take nothing off this cart');
      continue;
    }
    for (const l of lineShares) remaining[l.index]! -= l.amount_minor;
    for (const d of deliveryShares) deliveryLeft.set(d.merchant_id, (deliveryLeft.get(d.merchant_id) ?? 0n) - d.amount_minor);
    stacked.set(p.merchant_id, (stacked.get(p.merchant_id) ?? 0) + 1);
    applied.push({ promotion: p, code: offer.code, wallet_coupon_id: offer.wallet_coupon_id, amount_minor: amount, lines: lineShares, deliveries: deliveryShares, detail });
  }
  return { applied, refused, total: sum(applied.map((a) => a.amount_minor)) };
}

/**
 * The shares of an effect, fitted to what is left of each line. A promotion on the original
 * amounts is worked out on them, but an earlier one may have taken part of a line: rather than
 * lose what no longer fits, the amount is shared again over the same lines by what is left of
 * them (at most all of it), so "100 off" still takes 100 off where the lines still hold 100.
 */
function fitLines(shares: readonly { index: number; amount_minor: bigint }[], remaining: readonly bigint[]): { index: number; amount_minor: bigint }[] {
  if (shares.every((l) => l.amount_minor <= remaining[l.index]!)) return shares.map((l) => ({ ...l }));
  return spread(
    sum(shares.map((l) => l.amount_minor)),
    shares.map((l) => ({ key: l.index, weight: remaining[l.index]! })),
  ).map(({ key, amount_minor }) => ({ index: key, amount_minor }));
}

const sum = (xs: readonly bigint[]) => xs.reduce((s, x) => s + x, 0n);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/**
 * Shares `amount` over weighted pieces by cumulative floor: the shares add up to exactly
 * `amount` (when it is at most the total weight) and none exceeds its weight.
 */
export function spread<K>(amount: bigint, pieces: readonly { key: K; weight: bigint }[]): { key: K; amount_minor: bigint }[] {
  const total = sum(pieces.map((p) => p.weight));
  if (total <= 0n || amount <= 0n) return pieces.map((p) => ({ key: p.key, amount_minor: 0n }));
  const a = amount > total ? total : amount;
  let before = 0n;
  return pieces.map((p) => {
    const share = (a * (before + p.weight)) / total - (a * before) / total;
    before += p.weight;
    return { key: p.key, amount_minor: share };
  });
}

interface EffectOutcome {
  lines: { index: number; amount_minor: bigint }[];
  deliveries: { merchant_id: string; amount_minor: bigint }[];
  detail: string;
  why?: { reason: RefusalReason; detail: string } | undefined;
}

function effectOn(e: Effect, indexes: readonly number[], lines: readonly EngineLine[], base: (i: number) => bigint, spend: bigint, deliveryLeft: ReadonlyMap<string, bigint>, currency: string): EffectOutcome {
  const overLines = (amount: bigint, detail: string): EffectOutcome => ({ lines: spread(amount, indexes.map((i) => ({ key: i, weight: base(i) }))).map(({ key, amount_minor }) => ({ index: key, amount_minor })), deliveries: [], detail });
  const items = (n: number) => `${n} item${n === 1 ? '' : 's'}`;
  switch (e.type) {
    case 'percent_off': {
      const bps = BigInt(Math.round(e.percent * 100));
      let amount = (spend * bps + 5_000n) / 10_000n;
      let detail = `${e.percent}% off ${fmt(spend, currency)}`;
      if (e.max_discount_minor !== undefined && amount > BigInt(e.max_discount_minor)) {
        amount = BigInt(e.max_discount_minor);
        detail += `, at most ${fmt(amount, currency)}`;
      }
      return overLines(amount, detail);
    }
    case 'amount_off':
      return overLines(min(BigInt(e.amount_minor), spend), `${fmt(BigInt(e.amount_minor), currency)} off`);
    case 'spend_tiers': {
      const reached = e.tiers.filter((t) => BigInt(t.min_spend_minor) <= spend).at(-1);
      if (reached === undefined) return { lines: [], deliveries: [], detail: '', why: { reason: 'below_min_spend', detail: `spend ${fmt(BigInt(e.tiers[0]!.min_spend_minor), currency)} to get ${fmt(BigInt(e.tiers[0]!.off_minor), currency)} off; the cart has ${fmt(spend, currency)}` } };
      const times = e.repeat ? spend / BigInt(reached.min_spend_minor) : 1n;
      const amount = BigInt(reached.off_minor) * times;
      return overLines(amount, `spend ${fmt(BigInt(reached.min_spend_minor), currency)} get ${fmt(BigInt(reached.off_minor), currency)} off${times > 1n ? ` × ${times}` : ''}`);
    }
    case 'buy_n_get_m': {
      // Every buy + get units in scope, the cheapest get units are (percent) off.
      const unitsOf = indexes.flatMap((i) => Array.from({ length: lines[i]!.quantity }, () => ({ i, price: base(i) / BigInt(lines[i]!.quantity) })));
      const groups = Math.floor(unitsOf.length / (e.buy + e.get));
      if (groups === 0) return { lines: [], deliveries: [], detail: '', why: { reason: 'below_min_quantity', detail: `buy ${e.buy + e.get} items in scope to get ${e.get} ${e.percent === 100 ? 'free' : `${e.percent}% off`}; the cart has ${unitsOf.length}` } };
      unitsOf.sort((a, b) => (a.price < b.price ? -1 : a.price > b.price ? 1 : a.i - b.i));
      const perLine = new Map<number, bigint>();
      const bps = BigInt(Math.round(e.percent * 100));
      for (const u of unitsOf.slice(0, groups * e.get)) perLine.set(u.i, (perLine.get(u.i) ?? 0n) + (u.price * bps + 5_000n) / 10_000n);
      return { lines: [...perLine].map(([index, amount_minor]) => ({ index, amount_minor })), deliveries: [], detail: `buy ${e.buy} get ${e.get} ${e.percent === 100 ? 'free' : `${e.percent}% off`}: ${items(groups * e.get)}` };
    }
    case 'bundle_price': {
      // Any `quantity` units in scope for `price`, the dearest units first, as many bundles as fit.
      const unitsOf = indexes.flatMap((i) => Array.from({ length: lines[i]!.quantity }, () => ({ i, price: base(i) / BigInt(lines[i]!.quantity) })));
      const bundles = Math.floor(unitsOf.length / e.quantity);
      if (bundles === 0) return { lines: [], deliveries: [], detail: '', why: { reason: 'below_min_quantity', detail: `the bundle needs ${e.quantity} items in scope; the cart has ${unitsOf.length}` } };
      unitsOf.sort((a, b) => (a.price > b.price ? -1 : a.price < b.price ? 1 : a.i - b.i));
      const perLine = new Map<number, bigint>();
      // Dearest first, so once a bundle is not worth more than its price, none after it is.
      let total = 0n;
      let worthIt = 0;
      for (let b = 0; b < bundles; b++) {
        const bundle = unitsOf.slice(b * e.quantity, (b + 1) * e.quantity);
        const worth = sum(bundle.map((u) => u.price));
        const off = worth - BigInt(e.price_minor);
        if (off <= 0n) break;
        total += off;
        worthIt += 1;
        for (const s of spread(off, bundle.map((u) => ({ key: u.i, weight: u.price })))) perLine.set(s.key, (perLine.get(s.key) ?? 0n) + s.amount_minor);
      }
      return { lines: [...perLine].map(([index, amount_minor]) => ({ index, amount_minor })), deliveries: [], detail: `${e.quantity} for ${fmt(BigInt(e.price_minor), currency)}: ${worthIt} bundle${worthIt === 1 ? '' : 's'}, ${fmt(total, currency)} off` };
    }
    case 'free_shipping': {
      const sellers = [...new Set(indexes.map((i) => lines[i]!.merchant_id))];
      const pieces = sellers.map((merchant_id) => ({ key: merchant_id, weight: deliveryLeft.get(merchant_id) ?? 0n }));
      const owed = sum(pieces.map((p) => p.weight));
      if (owed === 0n) return { lines: [], deliveries: [], detail: '', why: { reason: 'no_discount', detail: 'no delivery charge to waive' } };
      const amount = e.max_discount_minor === undefined ? owed : min(owed, BigInt(e.max_discount_minor));
      return { lines: [], deliveries: spread(amount, pieces).map(({ key, amount_minor }) => ({ merchant_id: key, amount_minor })), detail: amount === owed ? 'free delivery' : `${fmt(amount, currency)} off delivery` };
    }
  }
}
