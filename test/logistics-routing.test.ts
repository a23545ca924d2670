import { describe, expect, it } from 'vitest';
import { buildLanes, laneKey, normalCdf, normalQuantile, onTimeProbability, price, regionByCode, Router, simulate, simulatedCarriers, transitQuantile, type Carrier, type Lane } from '../src/modules/logistics/index.js';

/**
 * The routing engine and the simulated carrier network (issue 15): pure computation, no
 * database. The rules: a parcel goes to the cheapest lane that keeps its promise well enough,
 * away from a lane whose queue or delays would break it; the same seed gives the same week.
 */

const sha = regionByCode.get('SHA')!;

function lanesTo(to: string, carriers: readonly Carrier[] = simulatedCarriers, daily = 1_000): Lane[] {
  return buildLanes(carriers, [sha], (_, r) => (r.code === to ? daily : 10)).filter((l) => l.to.code === to);
}

describe('transit-time statistics', () => {
  it('inverts the normal distribution and gives a median half its mass', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
    for (const p of [0.001, 0.05, 0.3, 0.5, 0.9, 0.999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
    expect(onTimeProbability(20, 20, 0.3)).toBeCloseTo(0.5, 6);
    expect(onTimeProbability(transitQuantile(0.9, 20, 0.3), 20, 0.3)).toBeCloseTo(0.9, 6);
    expect(onTimeProbability(0, 20, 0.3)).toBe(0);
  });
});

describe('rate cards', () => {
  it('prices the first kilogram by zone and each started kilogram after it', () => {
    const cloudway = simulatedCarriers.find((c) => c.code === 'cloudway')!;
    expect(price(cloudway, 'national', 1_000)).toBe(780);
    expect(price(cloudway, 'national', 1_001)).toBe(780 + 500);
    expect(price(cloudway, 'same_city', 200)).toBe(420);
  });

  it('has no lane where a carrier does not serve the zone: no domestic franchise network crosses a border', () => {
    const tokyo = buildLanes(simulatedCarriers, [sha], () => 100).filter((l) => l.to.code === 'TYO');
    expect(tokyo.map((l) => l.carrier.code).sort()).toEqual(['bridge', 'post', 'swift']);
  });
});

describe('routing a parcel', () => {
  it('sends a parcel to the cheapest carrier when it keeps the promise, and says so', () => {
    const router = new Router(lanesTo('SHA'), { late_penalty_minor: 2_500 });
    const d = router.route(lanesTo('SHA'), 800, 24, 0)!;
    expect(d.chosen.carrier).toBe('cloudway');
    expect(d.chosen.p_on_time).toBeGreaterThan(0.99);
    expect(d.reason).toMatch(/cloudway is the cheapest/);
    expect(d.candidates).toHaveLength(5);
  });

  it('pays for a faster carrier when the cheapest would likely break a 24 h promise, and records why', () => {
    const lanes = lanesTo('PEK');
    const d = new Router(lanes, { late_penalty_minor: 2_500 }).route(lanes, 800, 24, 0)!;
    const cheapest = d.candidates.reduce((a, b) => (a.price_minor <= b.price_minor ? a : b));
    expect(cheapest.carrier).toBe('cloudway');
    expect(cheapest.p_on_time).toBeLessThan(0.5);
    expect(d.chosen.carrier).not.toBe('cloudway');
    expect(d.chosen.p_on_time).toBeGreaterThan(0.8);
    expect(d.reason).toMatch(/over the cheapest, cloudway/);
    // With a broken promise costing nothing, cheapest wins.
    expect(new Router(lanes, { late_penalty_minor: 0 }).route(lanes, 800, 24, 0)!.chosen.carrier).toBe('cloudway');
  });

  it('moves parcels off a lane once today’s hand-overs exceed its daily capacity', () => {
    const lanes = lanesTo('SHA', simulatedCarriers, 100);
    const router = new Router(lanes, { late_penalty_minor: 2_500 });
    const cloudway = lanes.find((l) => l.carrier.code === 'cloudway')!;
    const chosen: string[] = [];
    for (let i = 0; i < 400; i++) {
      const d = router.route(lanes, 800, 24, i * 0.01)!;
      router.state(d.lane.key).hand(i * 0.01);
      chosen.push(d.chosen.carrier);
    }
    const onCloudway = chosen.filter((c) => c === 'cloudway').length;
    // The lane takes 120 a day; 400 parcels in 4 h would queue for days on it.
    expect(onCloudway).toBeGreaterThan(cloudway.capacity_per_day - 1);
    expect(onCloudway).toBeLessThan(400);
    expect(router.state(cloudway.key).waitAt(4)).toBeGreaterThan(0);
  });

  it('learns that a lane is slow from parcels overdue past their 90th percentile, ignores duplicate events, and forgets when news stops', () => {
    const [lane] = lanesTo('PEK', simulatedCarriers.filter((c) => c.code === 'jingtu'));
    const router = new Router([lane!], { late_penalty_minor: 2_500 });
    const state = router.state(lane!.key);
    const p90 = transitQuantile(0.9, lane!.median_h, lane!.sigma);
    const watches = Array.from({ length: 100 }, (_, i) => state.hand(i * 0.05).watch);
    for (const w of watches) state.departed(w, 0.1);
    // Normal: 90% delivered by their 90th percentile.
    for (const w of watches.slice(0, 90)) state.delivered(w, lane!.median_h, p90, 0.05);
    expect(state.delayFactor(p90 + 6, 30)).toBeLessThan(1.05);
    // Slow: only a third delivered; the others are overdue.
    const slow = new Router([lane!], { late_penalty_minor: 2_500 }).state(lane!.key);
    const slowWatches = Array.from({ length: 100 }, (_, i) => slow.hand(i * 0.05).watch);
    for (const w of slowWatches) slow.departed(w, 0.1);
    for (const w of slowWatches.slice(0, 33)) {
      slow.delivered(w, lane!.median_h, p90, 0.05);
      slow.delivered(w, lane!.median_h, p90, 0.05); // twice: counted once
    }
    const factor = slow.delayFactor(p90 + 6, 30);
    expect(factor).toBeGreaterThan(1.2);
    expect(onTimeProbability(24, lane!.median_h * factor, lane!.sigma)).toBeLessThan(onTimeProbability(24, lane!.median_h, lane!.sigma));
    // A day and a half later the overdue parcels have left the 24 h window.
    expect(slow.delayFactor(p90 + 40, 30)).toBeLessThan(factor);
  });

  it('sees a lane’s queue from parcels handed but not departed, before any of them is late', () => {
    const [lane] = lanesTo('PEK', simulatedCarriers.filter((c) => c.code === 'jingtu'));
    const state = new Router([lane!], { late_penalty_minor: 2_500 }).state(lane!.key);
    // 6 h at the lane's own pace, of which only every fourth departs: its real capacity fell.
    const perHour = lane!.capacity_per_day / 24;
    const watches = Array.from({ length: Math.round(perHour * 6) }, (_, i) => state.hand(i / perHour).watch);
    watches.forEach((w, i) => i % 4 === 0 && state.departed(w, i / perHour + 0.1));
    expect(state.waitAt(6)).toBeGreaterThan(5);
  });

  it('routes nothing where no carrier serves the lane', () => {
    expect(new Router([], { late_penalty_minor: 1 }).route([], 500, 24, 0)).toBeUndefined();
    expect(laneKey('swift', 'SHA', 'PEK')).toBe('swift:SHA>PEK');
  });
});

describe('a simulated week', () => {
  const week = (strategy: 'routed' | 'cheapest') =>
    simulate({ seed: 7, days: 5, parcels_per_day: 4_000, strategy, late_penalty_minor: 2_500, congestion: { lane: 'jingtu:SHA>PEK', from_h: 48, hours: 36, capacity_share: 0.25, slowdown: 1.8 } });

  it('is the same week for the same seed, and every parcel gets a carrier', () => {
    const a = week('routed');
    const b = week('routed');
    expect(b).toEqual(a);
    expect(a.parcels).toBe(20_000);
    expect(a.parcels_without_carrier).toBe(0);
    expect(a.invariant_violations).toBe(0);
    // Every tracking event the carriers sent reached the router, duplicates included.
    expect(a.tracking_events_processed).toBe(a.tracking_events_sent);
    expect(a.duplicate_events).toBeGreaterThan(0);
  });

  it('keeps more promises by routing than by always taking the cheapest carrier, at a measured extra cost', () => {
    const routed = week('routed');
    const cheapest = week('cheapest');
    expect(routed.on_time_rate).toBeGreaterThan(cheapest.on_time_rate + 0.1);
    expect(routed.cost_per_parcel_minor).toBeGreaterThan(cheapest.cost_per_parcel_minor);
  });

  it('shifts parcels off the congested lane on the day it congests, and back after it recovers', () => {
    const days = simulate({ seed: 7, days: 7, parcels_per_day: 4_000, strategy: 'routed', late_penalty_minor: 2_500, congestion: { lane: 'jingtu:SHA>PEK', from_h: 48, hours: 36, capacity_share: 0.25, slowdown: 1.8 } }).days;
    const share = (d: number) => days[d - 1]!.congested_lane_share!;
    expect(share(2)).toBeGreaterThan(0.2);
    expect(share(3)).toBeLessThan(share(2) / 2);
    // Its late parcels keep arriving for two days after; then the lane is trusted again.
    expect(share(7)).toBeGreaterThan(share(4) + 0.1);
  });
});
