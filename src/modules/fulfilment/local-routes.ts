import { sql, type Generated, type Selectable } from 'kysely';
import { tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publishEach } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { Problem, problems } from '../../kernel/problem.js';
import { getLocation } from '../locations/index.js';
import { getFulfilment, transitionFulfilments, type FulfilmentRequest } from './fulfilments.js';
import { localRouteDispatched, localRouteDone, localRoutePlanned } from './local-delivery-events.js';
import type { RiderTables } from './riders.js';
import { planRoutes, schedule, type Delivery, type Unplanned } from './route-planning.js';

export type LocalRouteStatus = 'planned' | 'out' | 'done';
export type StopStatus = 'pending' | 'delivered' | 'failed';

export interface LocalDeliveryTables extends RiderTables {
  local_route: {
    merchant_id: string;
    id: string;
    location_id: string;
    rider_id: string;
    status: LocalRouteStatus;
    distance_m: number;
    depart_at: Date;
    back_at: Date;
    dispatched_at: Date | null;
    done_at: Date | null;
    created_at: Generated<Date>;
  };
  local_route_stop: {
    merchant_id: string;
    route_id: string;
    sequence: number;
    fulfilment_id: string;
    order_id: string;
    latitude: number;
    longitude: number;
    leg_m: number;
    eta: Date;
    promised_by: Date | null;
    status: Generated<StopStatus>;
    reason: string | null;
  };
  local_delivery_hold: { merchant_id: string; fulfilment_id: string; location_id: string; reason: string; planned_at: Generated<Date> };
}

export type LocalRoute = Selectable<LocalDeliveryTables['local_route']>;
export type LocalRouteStop = Selectable<LocalDeliveryTables['local_route_stop']>;
export type LocalRouteWithStops = LocalRoute & { rider_name: string; stops: LocalRouteStop[] };

/** Packed express fulfilments one plan takes at most: a store's afternoon, not a city's. */
export const plan_deliveries_max = 300;
/** Done routes the board shows: the last day's. */
const done_shown_ms = 24 * 3_600_000;

const db_ = (db: AnyDb) => tablesOf<LocalDeliveryTables>(db);

async function withStops(db: AnyDb, merchant_id: string, routes: readonly LocalRoute[]): Promise<LocalRouteWithStops[]> {
  if (routes.length === 0) return [];
  const ids = routes.map((r) => r.id);
  const stops = await db_(db).selectFrom('local_route_stop').selectAll().where('merchant_id', '=', merchant_id).where('route_id', 'in', ids).orderBy('route_id').orderBy('sequence').execute();
  const riders = await db_(db).selectFrom('rider').select(['id', 'name']).where('merchant_id', '=', merchant_id).where('id', 'in', routes.map((r) => r.rider_id)).execute();
  const names = new Map(riders.map((r) => [r.id, r.name]));
  return routes.map((r) => ({ ...r, rider_name: names.get(r.rider_id) ?? '', stops: stops.filter((s) => s.route_id === r.id) }));
}

export async function getLocalRoute(db: AnyDb, merchant_id: string, id: string): Promise<LocalRouteWithStops | undefined> {
  const r = await db_(db).selectFrom('local_route').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', id).executeTakeFirst();
  return r === undefined ? undefined : (await withStops(db, merchant_id, [r]))[0];
}

export interface WaitingDelivery extends Delivery {
  hold_reason: string | null;
}

/** The store's packed express fulfilments, with where they go and any reason the last plan left them. */
async function waitingDeliveries(db: AnyDb, merchant_id: string, location_id: string): Promise<(Omit<WaitingDelivery, 'latitude' | 'longitude'> & { latitude: number | null; longitude: number | null })[]> {
  const rows = await sql<{ fulfilment_id: string; order_id: string; latitude: number | null; longitude: number | null; promised_by: Date | null; hold_reason: string | null }>`
    select f.id as fulfilment_id, f.order_id, d.latitude, d.longitude, coalesce(f.promised_by, d.window_to) as promised_by, h.reason as hold_reason
    from fulfilment f
    left join order_delivery d on d.merchant_id = f.merchant_id and d.order_id = f.order_id
    left join local_delivery_hold h on h.merchant_id = f.merchant_id and h.fulfilment_id = f.id
    where f.merchant_id = ${merchant_id} and f.location_id = ${location_id} and f.method = 'express' and f.status = 'packed'
      and not exists (select 1 from local_route_stop s join local_route r on r.merchant_id = s.merchant_id and r.id = s.route_id
                      where s.merchant_id = f.merchant_id and s.fulfilment_id = f.id and r.status <> 'planned')
    order by coalesce(f.promised_by, d.window_to) nulls last, f.id
    limit ${plan_deliveries_max}`.execute(db);
  return rows.rows;
}

/** Active riders of the store who are not out on a route. */
async function freeRiders(db: AnyDb, merchant_id: string, location_id: string): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    select r.id from rider r
    where r.merchant_id = ${merchant_id} and r.location_id = ${location_id} and r.active
      and not exists (select 1 from local_route lr where lr.merchant_id = r.merchant_id and lr.rider_id = r.id and lr.status = 'out')
    order by r.id`.execute(db);
  return rows.rows.map((r) => r.id);
}

async function storeOf(db: AnyDb, merchant_id: string, location_id: string) {
  const location = await getLocation(db, merchant_id, location_id);
  if (location === undefined) throw problems.notFound('The location');
  return location;
}

/**
 * Plans the store's packed express fulfilments onto its free riders, replacing the routes the
 * last plan proposed (those not dispatched yet) and the reasons it gave. One plan at a time per
 * store (an advisory lock), so two clicks never give one fulfilment two routes.
 */
export async function planLocalRoutes(trx: AnyTrx, merchant_id: string, location_id: string, now = new Date()): Promise<{ routes: LocalRouteWithStops[]; unplanned: Unplanned[] }> {
  const store = await storeOf(trx, merchant_id, location_id);
  await sql`select pg_advisory_xact_lock(hashtext(${`local-route:${merchant_id}:${location_id}`}))`.execute(trx);
  await db_(trx).deleteFrom('local_route').where('merchant_id', '=', merchant_id).where('location_id', '=', location_id).where('status', '=', 'planned').execute();
  await db_(trx).deleteFrom('local_delivery_hold').where('merchant_id', '=', merchant_id).where('location_id', '=', location_id).execute();
  const waiting = await waitingDeliveries(trx, merchant_id, location_id);
  const erased: Unplanned[] = waiting.filter((w) => w.latitude === null || w.longitude === null).map((w) => ({ fulfilment_id: w.fulfilment_id, order_id: w.order_id, reason: 'the delivery address has no coordinates (erased or missing)' }));
  const deliveries = waiting.flatMap((w) => (w.latitude === null || w.longitude === null ? [] : [{ ...w, latitude: w.latitude, longitude: w.longitude }]));
  const plan = planRoutes(store, now, await freeRiders(trx, merchant_id, location_id), deliveries);
  const unplanned = [...erased, ...plan.unplanned];

  const routes = plan.routes.map((r) => ({ ...r, id: newId('lrt') }));
  if (routes.length > 0) {
    await db_(trx).insertInto('local_route').values(routes.map((r) => ({ merchant_id, id: r.id, location_id, rider_id: r.rider_id, status: 'planned' as const, distance_m: r.distance_m, depart_at: r.depart_at, back_at: r.back_at, dispatched_at: null, done_at: null }))).execute();
    await db_(trx)
      .insertInto('local_route_stop')
      .values(routes.flatMap((r) => r.stops.map((s) => ({ merchant_id, route_id: r.id, sequence: s.sequence, fulfilment_id: s.fulfilment_id, order_id: s.order_id, latitude: s.latitude, longitude: s.longitude, leg_m: s.leg_m, eta: s.eta, promised_by: s.promised_by, reason: null }))))
      .execute();
  }
  if (unplanned.length > 0) await db_(trx).insertInto('local_delivery_hold').values(unplanned.map((u) => ({ merchant_id, fulfilment_id: u.fulfilment_id, location_id, reason: u.reason }))).execute();
  await publishEach(trx, localRoutePlanned, routes.map((r) => ({ merchant_id, payload: { route_id: r.id, location_id, rider_id: r.rider_id, fulfilment_ids: r.stops.map((s) => s.fulfilment_id), distance_m: r.distance_m, depart_at: r.depart_at.toISOString(), back_at: r.back_at.toISOString() } })));
  const saved = routes.length === 0 ? [] : await db_(trx).selectFrom('local_route').selectAll().where('merchant_id', '=', merchant_id).where('id', 'in', routes.map((r) => r.id)).orderBy('id').execute();
  return { routes: await withStops(trx, merchant_id, saved), unplanned };
}

async function lockRoute(trx: AnyTrx, merchant_id: string, id: string): Promise<LocalRoute> {
  const r = await db_(trx).selectFrom('local_route').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', id).forUpdate().executeTakeFirst();
  if (r === undefined) throw problems.notFound('The route');
  return r;
}

const eventRoute = (r: LocalRoute, stops: readonly LocalRouteStop[]) => ({ route_id: r.id, location_id: r.location_id, rider_id: r.rider_id, fulfilment_ids: stops.map((s) => s.fulfilment_id), distance_m: r.distance_m });

/**
 * The rider leaves: every stop's fulfilment goes out for delivery in one batch (its stock is sold
 * at the store, its order ships when nothing else of it is left behind), and the ETAs are counted
 * again from now. A stop whose fulfilment moved meanwhile (cancelled) refuses the whole route.
 */
export async function dispatchLocalRoute(trx: AnyTrx, merchant_id: string, id: string, actor: string, now = new Date()): Promise<LocalRouteWithStops> {
  const route = await lockRoute(trx, merchant_id, id);
  if (route.status !== 'planned') throw problems.conflict('route_not_planned', `Route ${id} is ${route.status}; only a planned route can be dispatched`);
  const rider = await db_(trx).selectFrom('rider').select(['active', 'location_id']).where('merchant_id', '=', merchant_id).where('id', '=', route.rider_id).executeTakeFirstOrThrow();
  if (!rider.active || rider.location_id !== route.location_id) throw problems.conflict('rider_unavailable', 'The route’s rider is off duty or moved to another store since the plan; plan again');
  const [withStopsRoute] = await withStops(trx, merchant_id, [route]);
  const stops = withStopsRoute!.stops;
  const requests: FulfilmentRequest[] = stops.map((s) => ({ merchant_id, fulfilment_id: s.fulfilment_id, action: 'dispatch', actor, reason: `rider route ${id}` }));
  const answers = await transitionFulfilments(trx, requests);
  answers.forEach((a, i) => {
    if (a instanceof Problem || a === undefined) throw problems.conflict('route_stale', `Fulfilment ${stops[i]!.fulfilment_id} cannot go out: ${a?.detail ?? 'it no longer exists'}; plan again`);
  });
  const store = await storeOf(trx, merchant_id, route.location_id);
  const timed = schedule(store, now, stops);
  await sql`update local_route_stop s set eta = v.eta
    from unnest(${stops.map((s) => s.sequence)}::int[], ${timed.stops.map((s) => s.eta)}::timestamptz[]) as v(sequence, eta)
    where s.merchant_id = ${merchant_id} and s.route_id = ${id} and s.sequence = v.sequence`.execute(trx);
  await db_(trx).updateTable('local_route').set({ status: 'out', dispatched_at: now, depart_at: now, back_at: timed.back_at }).where('merchant_id', '=', merchant_id).where('id', '=', id).execute();
  await db_(trx).deleteFrom('local_delivery_hold').where('merchant_id', '=', merchant_id).where('fulfilment_id', 'in', stops.map((s) => s.fulfilment_id)).execute();
  await publishEach(trx, localRouteDispatched, [{ merchant_id, payload: { ...eventRoute(route, stops), dispatched_at: now.toISOString() } }]);
  return (await getLocalRoute(trx, merchant_id, id))!;
}

/**
 * A stop's outcome: delivered (the fulfilment delivers, its order is delivered once nothing else of
 * it is on the way, which starts the escrow's auto-confirm clock) or failed with a reason. The
 * route is done when no stop is pending.
 */
export async function recordStop(trx: AnyTrx, merchant_id: string, id: string, fulfilment_id: string, outcome: { status: 'delivered' | 'failed'; actor: string; reason?: string | undefined; auto_confirm_after_s?: number | undefined }): Promise<LocalRouteWithStops> {
  const route = await lockRoute(trx, merchant_id, id);
  if (route.status !== 'out') throw problems.conflict('route_not_out', `Route ${id} is ${route.status}; stops are delivered once the rider is out`);
  const stop = await db_(trx).selectFrom('local_route_stop').selectAll().where('merchant_id', '=', merchant_id).where('route_id', '=', id).where('fulfilment_id', '=', fulfilment_id).executeTakeFirst();
  if (stop === undefined) throw problems.notFound('The stop');
  if (stop.status !== 'pending') throw problems.conflict('stop_already_recorded', `This stop was already ${stop.status}`);
  const [answer] = await transitionFulfilments(trx, [{ merchant_id, fulfilment_id, action: outcome.status === 'delivered' ? 'deliver' : 'fail', actor: outcome.actor, reason: outcome.reason, auto_confirm_after_s: outcome.auto_confirm_after_s }]);
  if (answer === undefined) throw problems.notFound('The fulfilment');
  // The order may have been marked delivered by hand meanwhile, which delivered the fulfilment: the stop records what is so.
  if (answer instanceof Problem && (await getFulfilment(trx, merchant_id, fulfilment_id))?.status !== (outcome.status === 'delivered' ? 'delivered' : 'delivery_failed')) throw answer;
  await db_(trx).updateTable('local_route_stop').set({ status: outcome.status, reason: outcome.reason ?? null }).where('merchant_id', '=', merchant_id).where('route_id', '=', id).where('sequence', '=', stop.sequence).execute();
  const after = (await getLocalRoute(trx, merchant_id, id))!;
  if (after.stops.every((s) => s.status !== 'pending')) {
    await db_(trx).updateTable('local_route').set({ status: 'done', done_at: new Date() }).where('merchant_id', '=', merchant_id).where('id', '=', id).execute();
    await publishEach(trx, localRouteDone, [{ merchant_id, payload: { ...eventRoute(route, after.stops), delivered: after.stops.filter((s) => s.status === 'delivered').length, failed: after.stops.filter((s) => s.status === 'failed').length } }]);
    return (await getLocalRoute(trx, merchant_id, id))!;
  }
  return after;
}

/** What the store's local-delivery desk shows: its riders, what waits for one, and its routes. */
export async function localDeliveryBoard(db: AnyDb, merchant_id: string, location_id: string, now = new Date()) {
  const store = await storeOf(db, merchant_id, location_id);
  const riders = await db_(db).selectFrom('rider').selectAll().where('merchant_id', '=', merchant_id).where('location_id', '=', location_id).orderBy('id').limit(200).execute();
  const routes = await db_(db)
    .selectFrom('local_route')
    .selectAll()
    .where('merchant_id', '=', merchant_id)
    .where('location_id', '=', location_id)
    .where((eb) => eb.or([eb('status', '<>', 'done'), eb('done_at', '>', new Date(now.getTime() - done_shown_ms))]))
    .orderBy('created_at', 'desc')
    .limit(100)
    .execute();
  const full = await withStops(db, merchant_id, routes);
  const planned = new Set(full.filter((r) => r.status === 'planned').flatMap((r) => r.stops.map((s) => s.fulfilment_id)));
  const waiting = (await waitingDeliveries(db, merchant_id, location_id)).map((w) => ({ ...w, planned: planned.has(w.fulfilment_id) }));
  const out = new Set(full.filter((r) => r.status === 'out').map((r) => r.rider_id));
  return { store, riders: riders.map((r) => ({ ...r, out: out.has(r.id) })), waiting, routes: full };
}
