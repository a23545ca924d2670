import { describe, expect, it } from 'vitest';
import { planRoutes, rider_speed_km_h, route_stops_max, stop_service_s, type Delivery } from '../src/modules/fulfilment/index.js';

/**
 * The rider-route heuristic as pure computation: cheapest insertion, every stop by its promise,
 * a new route for a free rider only when no existing route can take a delivery in time.
 */
const store = { latitude: 31.2336, longitude: 121.4726 };
const now = new Date('2026-12-06T03:00:00Z');
const north = (km: number) => ({ latitude: store.latitude + km / 111.195, longitude: store.longitude });
const inMin = (m: number) => new Date(now.getTime() + m * 60_000);
const delivery = (id: string, km: number, promised_in_min: number | null): Delivery => ({ fulfilment_id: id, order_id: `ord_${id}`, ...north(km), promised_by: promised_in_min === null ? null : inMin(promised_in_min) });

describe('rider route planning', () => {
  it('puts deliveries along one street in the order a rider passes them, ETAs counting ride and handover', () => {
    const { routes, unplanned } = planRoutes(store, now, ['rdr_a', 'rdr_b'], [delivery('far', 2, 30), delivery('near', 1, 30), delivery('mid', 1.5, 30)]);
    expect(unplanned).toEqual([]);
    expect(routes).toHaveLength(1);
    expect(routes[0]!.stops.map((s) => s.fulfilment_id)).toEqual(['near', 'mid', 'far']);
    const minutes_per_km = 60 / rider_speed_km_h;
    // 2 km of riding and two handovers before the last stop.
    expect((routes[0]!.stops[2]!.eta.getTime() - now.getTime()) / 60_000).toBeCloseTo(2 * minutes_per_km + (2 * stop_service_s) / 60, 0);
    expect(routes[0]!.distance_m).toBeGreaterThan(1_950);
    expect(routes[0]!.distance_m).toBeLessThan(2_050);
    expect(routes[0]!.back_at.getTime()).toBeGreaterThan(routes[0]!.stops[2]!.eta.getTime());
  });

  it('starts a second rider’s route when inserting would make a stop late, and says why when no one can', () => {
    const { routes, unplanned } = planRoutes(store, now, ['rdr_a'], [delivery('a', 1, 6), delivery('b', -1, 6), delivery('c', 2.5, 5)]);
    // 1 km takes 4 minutes; a and b are on opposite sides: together one of them would be late.
    expect(routes).toHaveLength(1);
    expect(routes[0]!.stops).toHaveLength(1);
    for (const s of routes[0]!.stops) expect(s.eta.getTime()).toBeLessThanOrEqual(s.promised_by!.getTime());
    expect(unplanned.map((u) => u.fulfilment_id).sort()).toEqual(['b', 'c']);
    expect(unplanned.find((u) => u.fulfilment_id === 'c')!.reason).toContain('no rider can keep the promise');
    expect(unplanned.find((u) => u.fulfilment_id === 'b')!.reason).toContain('no rider left');
    expect(planRoutes(store, now, [], [delivery('x', 1, 30)]).unplanned[0]!.reason).toBe('no free rider at this store');
  });

  it('fills a rider’s box up to its limit, then uses the next rider', () => {
    const many = Array.from({ length: route_stops_max + 1 }, (_, i) => delivery(`d${i}`, 0.5 + i * 0.01, null));
    const { routes } = planRoutes(store, now, ['rdr_a', 'rdr_b'], many);
    expect(routes.map((r) => r.stops.length)).toEqual([route_stops_max, 1]);
  });
});
