import { distance_m } from '../locations/index.js';

/**
 * Route planning for a store's riders, as pure computation: a cheapest-insertion heuristic over
 * great-circle distances. Deliveries are taken tightest promise first; each goes where it adds
 * the least time to a route already planned, provided every stop on that route still arrives by
 * its promise; otherwise it starts a route for a free rider; otherwise it is left with the reason.
 * A rider rides at `rider_speed_km_h` and spends `stop_service_s` handing over at each stop.
 */
export const rider_speed_km_h = 15;
export const stop_service_s = 180;
/** A rider's box holds this many deliveries at most. */
export const route_stops_max = 6;

export interface Point {
  latitude: number;
  longitude: number;
}

export interface Delivery extends Point {
  fulfilment_id: string;
  order_id: string;
  /** The end of the promised window; null: no promise to keep. */
  promised_by: Date | null;
}

export interface PlannedStop extends Delivery {
  sequence: number;
  leg_m: number;
  eta: Date;
}

export interface PlannedRoute {
  rider_id: string;
  depart_at: Date;
  /** When the rider is back at the store. */
  back_at: Date;
  /** Store to the last stop. */
  distance_m: number;
  stops: PlannedStop[];
}

export interface Unplanned {
  fulfilment_id: string;
  order_id: string;
  reason: string;
}

const travel_ms = (m: number) => (m / ((rider_speed_km_h * 1_000) / 3_600)) * 1_000;

/** The times of a rider who leaves `store` at `depart_at` and calls at `stops` in this order. */
export function schedule(store: Point, depart_at: Date, stops: readonly Delivery[]): PlannedRoute & { finish_at: Date } {
  let t = depart_at.getTime();
  let at: Point = store;
  let distance = 0;
  const planned: PlannedStop[] = stops.map((s, i) => {
    const leg_m = Math.round(distance_m(at, s));
    t += travel_ms(leg_m);
    const eta = new Date(t);
    t += stop_service_s * 1_000;
    distance += leg_m;
    at = s;
    return { ...s, sequence: i + 1, leg_m, eta };
  });
  const finish_at = new Date(t);
  return { rider_id: '', depart_at, back_at: new Date(t + travel_ms(distance_m(at, store))), distance_m: distance, stops: planned, finish_at };
}

const keepsPromises = (stops: readonly PlannedStop[]) => stops.every((s) => s.promised_by === null || s.eta.getTime() <= s.promised_by.getTime());
const clock = (d: Date) => d.toISOString().slice(11, 16);

export function planRoutes(store: Point, now: Date, free_riders: readonly string[], deliveries: readonly Delivery[]): { routes: PlannedRoute[]; unplanned: Unplanned[] } {
  const routes: (PlannedRoute & { finish_at: Date })[] = [];
  const unplanned: Unplanned[] = [];
  const riders = [...free_riders];
  const tightestFirst = [...deliveries].sort((a, b) => (a.promised_by?.getTime() ?? Infinity) - (b.promised_by?.getTime() ?? Infinity) || a.fulfilment_id.localeCompare(b.fulfilment_id));
  for (const d of tightestFirst) {
    let best: { route: number; plan: PlannedRoute & { finish_at: Date }; added_ms: number } | undefined;
    routes.forEach((r, route) => {
      if (r.stops.length >= route_stops_max) return;
      for (let at = 0; at <= r.stops.length; at += 1) {
        const plan = schedule(store, now, [...r.stops.slice(0, at), d, ...r.stops.slice(at)]);
        const added_ms = plan.finish_at.getTime() - r.finish_at.getTime();
        if (keepsPromises(plan.stops) && (best === undefined || added_ms < best.added_ms)) best = { route, plan: { ...plan, rider_id: r.rider_id }, added_ms };
      }
    });
    if (best !== undefined) {
      routes[best.route] = best.plan;
      continue;
    }
    const alone = schedule(store, now, [d]);
    if (!keepsPromises(alone.stops)) {
      unplanned.push({ fulfilment_id: d.fulfilment_id, order_id: d.order_id, reason: `no rider can keep the promise: leaving now, a rider would arrive at ${clock(alone.stops[0]!.eta)} UTC, promised by ${clock(d.promised_by!)} UTC` });
      continue;
    }
    const rider_id = riders.shift();
    if (rider_id === undefined) {
      unplanned.push({ fulfilment_id: d.fulfilment_id, order_id: d.order_id, reason: free_riders.length === 0 ? 'no free rider at this store' : `every free rider's route is full or would break a promise; no rider left for a new route (${free_riders.length} free)` });
      continue;
    }
    routes.push({ ...alone, rider_id });
  }
  return { routes: routes.map(({ finish_at: _f, ...r }) => r), unplanned };
}
