import { formatMoney } from '../../kernel/money.js';
import { price, type Lane } from './network.js';
import { normalQuantile, onTimeProbability, transitQuantile } from './stats.js';

/**
 * Routing: each parcel goes to the lane with the lowest expected cost, where a broken promise
 * costs what the merchant says it costs (`late_penalty_minor`):
 *
 *   expected cost = price + late_penalty × (1 − P(on time))
 *   P(on time)    = P(wait + T ≤ promise),  ln T ~ N(ln(median × delay), sigma²)
 *
 * - `wait` is the lane's queue: each lane takes `capacity_per_day` parcels a day; parcels beyond
 *   it wait for capacity (a fluid queue over what this router has handed the lane), so a lane
 *   filling up today prices itself out before it is congested.
 * - `delay` is what recent tracking says about the lane, from two signals: the delivered
 *   parcels' transit times against the published median (an exponentially weighted mean of
 *   ln(actual ÷ median)), and the parcels that are overdue: the share of parcels past their
 *   published 90th percentile in the last 24 h that have not been delivered. Normally 10% are;
 *   when 60% are, the lane is slower than published by a factor the log-normal model gives
 *   (σ·(z₀.₉ − Φ⁻¹(1 − share))). The overdue signal sees a congested lane hours before its late
 *   parcels arrive and say so.
 *
 * Each decision keeps its reasons: every candidate with its price, wait, delay, probability and
 * expected cost.
 */

export interface RoutingOptions {
  /** What a broken promise costs the merchant, in minor units (refund, voucher, lost buyer). */
  late_penalty_minor: number;
  /** Weight of a new delivery in the exponentially weighted mean of transit ratios. */
  ewma_alpha?: number;
  /** Overdue parcels needed in the window before their share counts. */
  min_overdue_sample?: number;
}

export interface Candidate {
  lane: string;
  carrier: string;
  price_minor: number;
  wait_h: number;
  delay_factor: number;
  p_on_time: number;
  expected_cost_minor: number;
}

export interface RoutingDecision {
  lane: Lane;
  chosen: Candidate;
  candidates: Candidate[];
  /** Why this lane, in a sentence the console shows. */
  reason: string;
}

const z90 = normalQuantile(0.9);
const window_h = 24;
const half_life_h = 12;
const rate_window_h = 6;
/** Mean delay between a scan and its event reaching the platform. */
const scan_lag_h = 1.5;

interface Watched {
  /** Position in the lane's hand-over order. */
  seq: number;
  due_at: number;
  departed: boolean;
  delivered: boolean;
}

/** What the router knows about one lane: its queue, and what tracking has told it lately. */
export class LaneState {
  /** When the lane's queue frees up, in hours since the simulation's (or the day's) start. */
  private free_at = 0;
  private ewma_ln = 0;
  private ewma_at = 0;
  private undeparted = 0;
  /** Times of the departure scans of the last `rate_window_h` (a queue: shift is cheap at this size). */
  private departures: number[] = [];
  /** Parcels from `windowStart` on, by seq (watched[i] has seq offset + i). */
  private watched: Watched[] = [];
  private offset = 0;
  /** Seqs below `due` are past their 90th percentile; below `windowStart`, out of the 24 h window. */
  private due = 0;
  private windowStart = 0;
  private overdueInWindow = 0;
  handed = 0;

  constructor(readonly lane: Lane) {}

  /** Records a parcel handed to this lane; returns its watch handle (for its delivery event) and the wait. */
  hand(now_h: number): { watch: Watched; wait_h: number } {
    const departure = Math.max(now_h, this.free_at);
    this.free_at = departure + 24 / this.lane.capacity_per_day;
    const watch: Watched = { seq: this.handed, departed: false, due_at: departure + transitQuantile(0.9, this.lane.median_h, this.lane.sigma), delivered: false };
    this.watched.push(watch);
    this.handed += 1;
    this.undeparted += 1;
    return { watch, wait_h: departure - now_h };
  }

  /**
   * A departure scan (the carrier's line-haul took the parcel): the lane's real queue shows in
   * how many handed parcels have not departed against how fast parcels depart, long before the
   * late parcels are delivered.
   */
  departed(watch: Watched, now_h: number): void {
    if (watch.departed) return; // a duplicate, or a scan after its delivery already counted it
    watch.departed = true;
    this.undeparted -= 1;
    this.departures.push(now_h);
  }

  /** A delivery event for a parcel of this lane, with its transit from departure to the door. */
  delivered(watch: Watched, transit_h: number, now_h: number, alpha: number): void {
    if (watch.delivered) return; // a duplicate event
    if (!watch.departed) this.departed(watch, now_h); // its departure scan is late or lost: the delivery says it left
    watch.delivered = true;
    if (watch.seq >= this.windowStart && watch.seq < this.due) this.overdueInWindow -= 1;
    const observed = Math.log(Math.max(transit_h, 0.01) / this.lane.median_h);
    this.ewma_ln = (1 - alpha) * this.decayed(now_h) + alpha * observed;
    this.ewma_at = now_h;
  }

  /**
   * Hours a parcel handed now would wait, from what the lane really does: parcels handed and not
   * yet departed, over the rate at which they departed in the last 6 h, less the scans' own lag.
   * The larger of that and the router's own capacity queue counts.
   */
  waitAt(now_h: number): number {
    let wait = Math.max(0, this.free_at - now_h);
    while (this.departures.length > 0 && this.departures[0]! < now_h - rate_window_h) this.departures.shift();
    if (this.undeparted >= 20 && now_h >= rate_window_h) {
      const rate = Math.max(this.departures.length, 1) / rate_window_h;
      wait = Math.max(wait, this.undeparted / rate - scan_lag_h);
    }
    return wait;
  }

  /**
   * The mean of recent transit ratios, fading toward "as published" with a half-life of 12 h
   * without news: a lane the router stopped using after a delay gets tried again, and the overdue
   * signal says at once if it is still slow.
   */
  private decayed(now_h: number): number {
    return this.ewma_ln * 0.5 ** ((now_h - this.ewma_at) / half_life_h);
  }

  /** The factor by which the lane is slower than published, as of now (1 when it is not). */
  delayFactor(now_h: number, min_sample: number): number {
    this.advance(now_h);
    let ln = this.decayed(now_h);
    const sample = this.due - this.windowStart;
    if (sample >= min_sample) {
      const share = Math.min(0.99, Math.max(0.01, this.overdueInWindow / sample));
      ln = Math.max(ln, this.lane.sigma * (z90 - normalQuantile(1 - share)));
    }
    return Math.exp(Math.max(0, ln));
  }

  private advance(now_h: number): void {
    const at = (seq: number) => this.watched[seq - this.offset]!;
    while (this.due < this.handed && at(this.due).due_at <= now_h) {
      if (!at(this.due).delivered) this.overdueInWindow += 1;
      this.due += 1;
    }
    while (this.windowStart < this.due && at(this.windowStart).due_at <= now_h - window_h) {
      if (!at(this.windowStart).delivered) this.overdueInWindow -= 1;
      this.windowStart += 1;
    }
    if (this.windowStart - this.offset > 4_096) {
      this.watched = this.watched.slice(this.windowStart - this.offset);
      this.offset = this.windowStart;
    }
  }
}

export class Router {
  private readonly states = new Map<string, LaneState>();
  private readonly alpha: number;
  readonly minSample: number;

  constructor(
    lanes: readonly Lane[],
    private readonly options: RoutingOptions,
  ) {
    for (const lane of lanes) this.states.set(lane.key, new LaneState(lane));
    this.alpha = options.ewma_alpha ?? 0.05;
    this.minSample = options.min_overdue_sample ?? 30;
  }

  state(laneKey: string): LaneState {
    const s = this.states.get(laneKey);
    if (s === undefined) throw new Error(`no lane ${laneKey}`);
    return s;
  }

  /** Every candidate lane for this parcel, scored; the best first. */
  score(candidates: readonly Lane[], weight_g: number, promise_h: number, now_h: number): Candidate[] {
    return candidates
      .map((lane) => {
        const s = this.state(lane.key);
        const wait_h = s.waitAt(now_h);
        const delay_factor = s.delayFactor(now_h, this.minSample);
        const p_on_time = onTimeProbability(promise_h - wait_h, lane.median_h * delay_factor, lane.sigma);
        const price_minor = price(lane.carrier, lane.zone, weight_g);
        return { lane: lane.key, carrier: lane.carrier.code, price_minor, wait_h, delay_factor, p_on_time, expected_cost_minor: price_minor + this.options.late_penalty_minor * (1 - p_on_time) };
      })
      .sort((a, b) => a.expected_cost_minor - b.expected_cost_minor || a.price_minor - b.price_minor);
  }

  /** Chooses a lane for the parcel; undefined when no carrier serves it. */
  route(candidates: readonly Lane[], weight_g: number, promise_h: number, now_h: number): RoutingDecision | undefined {
    if (candidates.length === 0) return undefined;
    const scored = this.score(candidates, weight_g, promise_h, now_h);
    const chosen = scored[0]!;
    const lane = candidates.find((l) => l.key === chosen.lane)!;
    return { lane, chosen, candidates: scored, reason: explain(chosen, scored) };
  }
}

/** A sentence on why the chosen lane won. */
export function explain(chosen: Candidate, scored: readonly Candidate[], currency = 'CNY'): string {
  const pct = (p: number) => `${Math.round(p * 100)}%`;
  const cheapest = [...scored].sort((a, b) => a.price_minor - b.price_minor)[0]!;
  if (cheapest.lane === chosen.lane) return `${chosen.carrier} is the cheapest and keeps the promise with ${pct(chosen.p_on_time)} probability`;
  const why =
    cheapest.wait_h > 1 ? `its queue is ${cheapest.wait_h.toFixed(1)} h long` : cheapest.delay_factor > 1.1 ? `it runs ${cheapest.delay_factor.toFixed(1)}× slower than published` : `it would keep the promise with only ${pct(cheapest.p_on_time)} probability`;
  return `${chosen.carrier} over the cheapest, ${cheapest.carrier}: ${why}; ${chosen.carrier} keeps it with ${pct(chosen.p_on_time)} for ${formatMoney(BigInt(Math.round(chosen.price_minor - cheapest.price_minor)), currency)} more`;
}

/**
 * A quoting function over a router: the best lane between two regions for a parcel, with the
 * hours within which it arrives with 90% probability. Times are hours since the epoch.
 */
export function quoteWith(router: Router, lanes: readonly Lane[]): (from: { code: string }, to: { code: string }, weight_g: number, promise_h: number, now: Date) => (Candidate & { p90_h: number }) | undefined {
  const byPair = new Map<string, Lane[]>();
  for (const lane of lanes) byPair.set(`${lane.from.code}>${lane.to.code}`, [...(byPair.get(`${lane.from.code}>${lane.to.code}`) ?? []), lane]);
  return (from, to, weight_g, promise_h, now) => {
    const decision = router.route(byPair.get(`${from.code}>${to.code}`) ?? [], weight_g, promise_h, now.getTime() / 3_600_000);
    if (decision === undefined) return undefined;
    const { lane, chosen } = decision;
    return { ...chosen, p90_h: chosen.wait_h + transitQuantile(0.9, lane.median_h * chosen.delay_factor, lane.sigma) };
  };
}
