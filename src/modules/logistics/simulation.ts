import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import TinyQueue from 'tinyqueue';
import { buildLanes, promiseHours, regionByCode, regions, simulatedCarriers, type Lane, type Region } from './network.js';
import { Router, type RoutingDecision } from './routing.js';

/**
 * A week of parcels over the simulated carrier network, to compare routing strategies on the
 * same world (same seed: same parcels, same transit draws per parcel and lane, same losses).
 *
 * The world each lane lives in: a parcel waits for the lane's capacity (a fluid queue: a lane
 * moves `capacity_per_day` parcels a day), then travels a log-normal time around the lane's true
 * median. One lane becomes congested: from `congestion.from_h` for `congestion.hours` its
 * capacity falls to a share and its transit slows by a factor; nobody tells the router, which
 * learns it only from tracking. Tracking events reach the router late (0-3 h after delivery),
 * sometimes twice, and never for a lost parcel.
 */

export type Strategy = 'routed' | 'cheapest';

export interface SimulationOptions {
  seed: number;
  days: number;
  parcels_per_day: number;
  strategy: Strategy;
  late_penalty_minor: number;
  congestion: { lane: string; from_h: number; hours: number; capacity_share: number; slowdown: number } | null;
}

export interface DayFigures {
  day: number;
  parcels: number;
  on_time_rate: number;
  cost_per_parcel_minor: number;
  /** Share of the congested lane's origin-destination parcels the congested carrier got. */
  congested_lane_share: number | null;
}

export interface SimulationResult {
  strategy: Strategy;
  parcels: number;
  on_time_rate: number;
  cost_per_parcel_minor: number;
  lost: number;
  parcels_without_carrier: number;
  /** Tracking events the carriers sent, and those the router took in (duplicates included). */
  tracking_events_sent: number;
  tracking_events_processed: number;
  duplicate_events: number;
  /** Parcels given to a lane that does not serve them (wrong pair, or a zone the carrier does not serve): must be 0. */
  invariant_violations: number;
  days: DayFigures[];
  by_carrier: Record<string, { parcels: number; on_time_rate: number; cost_per_parcel_minor: number }>;
  /** Some decisions, with their reasons, for the report. */
  examples: { day: number; lane: string; reason: string }[];
}

const origins: { region: string; share: number }[] = [
  { region: 'SHA', share: 0.4 },
  { region: 'CAN', share: 0.25 },
  { region: 'PEK', share: 0.2 },
  { region: 'CTU', share: 0.15 },
];

/** Seeded uniform numbers in [0, 1). */
export function seeded(seed: number): () => number {
  const rng = xoroshiro128plus(seed);
  return () => uniformFloat64(rng);
}

function normal(u: () => number): number {
  // Box-Muller.
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

function pick<T>(u: () => number, items: readonly T[], weight: (t: T) => number): T {
  const total = items.reduce((s, t) => s + weight(t), 0);
  let x = u() * total;
  for (const t of items) {
    x -= weight(t);
    if (x < 0) return t;
  }
  return items.at(-1)!;
}

/** The lanes of the simulated network, with capacities sized to this daily volume. */
export function simulatedLanes(parcels_per_day: number): Lane[] {
  const totalWeight = regions.reduce((s, r) => s + r.demand_weight, 0);
  const originShare = new Map(origins.map((o) => [o.region, o.share]));
  const originRegions = origins.map((o) => regionByCode.get(o.region)!);
  return buildLanes(simulatedCarriers, originRegions, (from: Region, to: Region) => parcels_per_day * (originShare.get(from.code) ?? 0) * (to.demand_weight / totalWeight));
}

interface Delivery {
  at_h: number;
  kind: 'departed' | 'delivered';
  lane: string;
  watch: ReturnType<Router['state']> extends infer S ? (S extends { hand(n: number): { watch: infer W } } ? W : never) : never;
  /** Hours from departure to the door (delivered events). */
  transit_h: number;
}

export function simulate(options: SimulationOptions): SimulationResult {
  const lanes = simulatedLanes(options.parcels_per_day);
  const byPair = new Map<string, Lane[]>();
  for (const lane of lanes) byPair.set(`${lane.from.code}>${lane.to.code}`, [...(byPair.get(`${lane.from.code}>${lane.to.code}`) ?? []), lane]);
  const router = new Router(lanes, { late_penalty_minor: options.late_penalty_minor });
  // The true world: per lane, when its queue frees up.
  const trueFreeAt = new Map<string, number>();
  const demand = seeded(options.seed);
  const events = new TinyQueue<Delivery>([], (a, b) => a.at_h - b.at_h);
  const congestion = options.congestion;
  const congestedPair = congestion === null ? null : congestion.lane.split(':')[1]!;

  const totals = { parcels: 0, onTime: 0, cost: 0, lost: 0, noCarrier: 0, sent: 0, processed: 0, duplicates: 0, violations: 0 };
  const perCarrier = new Map<string, { parcels: number; onTime: number; cost: number }>();
  const days: DayFigures[] = [];
  const examples: SimulationResult['examples'] = [];

  const send = (e: Delivery) => {
    totals.sent += 1;
    events.push(e);
  };
  const take = (e: Delivery) => {
    totals.processed += 1;
    if (e.kind === 'departed') router.state(e.lane).departed(e.watch, e.at_h);
    else router.state(e.lane).delivered(e.watch, e.transit_h, e.at_h, 0.05);
  };

  for (let day = 0; day < options.days; day++) {
    const d = { parcels: 0, onTime: 0, cost: 0, pair: 0, pairOnCongested: 0 };
    for (let i = 0; i < options.parcels_per_day; i++) {
      const now_h = day * 24 + (24 * i) / options.parcels_per_day;
      // Draw the parcel first, so both strategies see the same parcels whatever they choose.
      const from = regionByCode.get(pick(demand, origins, (o) => o.share).region)!;
      const to = pick(demand, regions, (r) => r.demand_weight);
      const weight_g = Math.round(200 + 4_800 * demand() ** 3);
      const transitZ = normal(demand);
      const lossDraw = demand();
      const reportDelay_h = 3 * demand();
      const duplicateDraw = demand();
      const scanDraw = demand();
      const scanDelayDraw = demand();

      // Tracking that has reached the router by now.
      while (events.length > 0 && events.peek()!.at_h <= now_h) take(events.pop()!);

      const candidates = byPair.get(`${from.code}>${to.code}`) ?? [];
      const promise_h = promiseHours(from, to);
      let decision: RoutingDecision | undefined;
      if (options.strategy === 'routed') decision = router.route(candidates, weight_g, promise_h, now_h);
      else {
        const scored = router.score(candidates, weight_g, promise_h, now_h).sort((a, b) => a.price_minor - b.price_minor);
        if (scored.length > 0) decision = { lane: candidates.find((l) => l.key === scored[0]!.lane)!, chosen: scored[0]!, candidates: scored, reason: 'cheapest' };
      }
      if (decision === undefined) {
        totals.noCarrier += 1;
        continue;
      }
      const lane = decision.lane;
      if (lane.from.code !== from.code || lane.to.code !== to.code || !lane.carrier.zones.includes(lane.zone)) totals.violations += 1;
      const { watch } = router.state(lane.key).hand(now_h);

      // What really happens on the lane.
      const congested = congestion !== null && congestion.lane === lane.key && now_h >= congestion.from_h && now_h < congestion.from_h + congestion.hours;
      const capacity = lane.capacity_per_day * (congested ? congestion.capacity_share : 1);
      const departure = Math.max(now_h, trueFreeAt.get(lane.key) ?? 0);
      trueFreeAt.set(lane.key, departure + 24 / capacity);
      const median = lane.median_h * (congested ? congestion.slowdown : 1);
      const transit_h = median * Math.exp(lane.sigma * transitZ);
      const lost = lossDraw < lane.carrier.loss_rate;
      // The departure scan: 1% never arrive (the delivery event then says the parcel left).
      if (scanDraw >= 0.01) send({ at_h: departure + 3 * scanDelayDraw, kind: 'departed', lane: lane.key, watch, transit_h: 0 });
      const onTime = !lost && departure + transit_h - now_h <= promise_h;
      if (!lost) {
        send({ at_h: departure + transit_h + reportDelay_h, kind: 'delivered', lane: lane.key, watch, transit_h });
        if (duplicateDraw < 0.02) {
          totals.duplicates += 1;
          send({ at_h: departure + transit_h + reportDelay_h + 2, kind: 'delivered', lane: lane.key, watch, transit_h });
        }
      } else totals.lost += 1;

      const cost = decision.chosen.price_minor;
      totals.parcels += 1;
      totals.cost += cost;
      if (onTime) totals.onTime += 1;
      d.parcels += 1;
      d.cost += cost;
      if (onTime) d.onTime += 1;
      const c = perCarrier.get(lane.carrier.code) ?? { parcels: 0, onTime: 0, cost: 0 };
      c.parcels += 1;
      c.cost += cost;
      if (onTime) c.onTime += 1;
      perCarrier.set(lane.carrier.code, c);
      if (congestedPair !== null && `${from.code}>${to.code}` === congestedPair) {
        d.pair += 1;
        if (lane.key === congestion!.lane) d.pairOnCongested += 1;
        if (options.strategy === 'routed' && i % 997 === 0) examples.push({ day: day + 1, lane: lane.key, reason: decision.reason });
      }
    }
    days.push({ day: day + 1, parcels: d.parcels, on_time_rate: d.onTime / d.parcels, cost_per_parcel_minor: d.cost / d.parcels, congested_lane_share: d.pair === 0 ? null : d.pairOnCongested / d.pair });
  }
  // The week is over; the tracking still on its way arrives.
  while (events.length > 0) take(events.pop()!);

  return {
    strategy: options.strategy,
    parcels: totals.parcels,
    on_time_rate: totals.onTime / totals.parcels,
    cost_per_parcel_minor: totals.cost / totals.parcels,
    lost: totals.lost,
    parcels_without_carrier: totals.noCarrier,
    tracking_events_sent: totals.sent,
    tracking_events_processed: totals.processed,
    duplicate_events: totals.duplicates,
    invariant_violations: totals.violations,
    days,
    by_carrier: Object.fromEntries([...perCarrier].map(([k, v]) => [k, { parcels: v.parcels, on_time_rate: v.onTime / v.parcels, cost_per_parcel_minor: v.cost / v.parcels }])),
    examples,
  };
}
