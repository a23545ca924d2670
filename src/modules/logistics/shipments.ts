import { sql } from 'kysely';
import { tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { furthest, statusRank, type Label, type ShipmentStatus, type TrackingEvent } from './carrier.js';
import { shipmentCreated, shipmentStatusChanged } from './events.js';
import { buildLanes, distanceKm, promiseHours, regions, simulatedCarriers, type Lane, type Region } from './network.js';
import { Router, type Candidate, type LaneState } from './routing.js';
import { transitQuantile } from './stats.js';
import type { LogisticsTables, ShipmentDirection, ShipmentEventTable, ShipmentTable } from './tables.js';

export type Shipment = Omit<ShipmentTable, 'created_at' | 'updated_at' | 'direction'> & { direction: ShipmentDirection; created_at: Date; updated_at: Date };
export type ShipmentEvent = Omit<ShipmentEventTable, 'received_at'> & { received_at: Date };

/** The lanes of the simulated network from every region (what the router scores). */
export const networkLanes: readonly Lane[] = buildLanes(simulatedCarriers, regions, () => 1_000);

/** The region whose centre is nearest a point: where a parcel enters or leaves the network. */
export function nearestRegion(point: { latitude: number; longitude: number }): Region {
  let best = regions[0]!;
  for (const r of regions) if (distanceKm(point, r) < distanceKm(point, best)) best = r;
  return best;
}

export interface ParcelPlan {
  from: Region;
  to: Region;
  lane: Lane;
  chosen: Candidate;
  candidates: Candidate[];
  reason: string;
  promise_h: number;
  /** The router's handle on the parcel, for `ShipmentRouter.track`. */
  watch: { lane: string; watch: ReturnType<LaneState['hand']>['watch']; handed_h: number };
}

/**
 * What a new shipment takes from its routing plan and the label bought for it: the carrier and
 * lane, the regions, the label and tracking number, the price, the promise from `now`, and the
 * decision's candidates and reason. Outbound parcels and returns are recorded alike.
 */
export function plannedShipmentFields(plan: ParcelPlan, carrier: string, label: Label, now: Date) {
  return {
    carrier,
    lane: label.lane,
    origin_region: plan.from.code,
    destination_region: plan.to.code,
    label_id: label.label_id,
    tracking_number: label.tracking_number,
    price_minor: BigInt(label.price_minor),
    currency: label.currency,
    promise_h: plan.promise_h,
    promised_by: new Date(now.getTime() + plan.promise_h * 3_600_000),
    candidates: plan.candidates,
    reason: plan.reason,
  };
}

/** What a router knows about one lane at a moment: what the console and the tests compare. */
export interface LaneSnapshot {
  lane: string;
  /** Parcels handed to the lane (over the replayed window, for a router rebuilt at start). */
  handed: number;
  wait_h: number;
  delay_factor: number;
}

/**
 * This process's router over the network. It keeps each lane's queue of parcels handed to it
 * today, so a lane filling up prices itself out and the next parcel shifts to the next best
 * carrier; and it hears the tracking of the parcels it routed (`observe`): departure scans show a
 * lane's real queue, deliveries its real transit times, and parcels past their 90th percentile
 * without a delivery its delays (routing.ts). At start its state is rebuilt from the shipments
 * and their tracking events (`rebuild-router.ts`); `ready` settles when that is done, and
 * routing, quoting and observing wait for it. One router per process and database serves both
 * shipping and the delivery promise (`shipmentRouterOf`).
 */
export class ShipmentRouter {
  private readonly router: Router;
  private readonly byPair = new Map<string, Lane[]>();
  /** Parcels routed here and not yet delivered, by carrier and tracking number (the oldest forgotten beyond `watched_max`). */
  private readonly watched = new Map<string, { lane: string; watch: ReturnType<LaneState['hand']>['watch']; handed_h: number }>();
  static readonly watched_max = 200_000;
  /** Settles once the state is rebuilt from the database (at once for a router nobody rebuilds). */
  ready: Promise<void> = Promise.resolve();
  /** Why the rebuild at start failed, when it did (the router then starts fresh). */
  rebuild_error: unknown = undefined;

  constructor(
    readonly late_penalty_minor: number,
    private readonly lanes: readonly Lane[] = networkLanes,
  ) {
    this.router = new Router(lanes, { late_penalty_minor });
    for (const lane of lanes) this.byPair.set(`${lane.from.code}>${lane.to.code}`, [...(this.byPair.get(`${lane.from.code}>${lane.to.code}`) ?? []), lane]);
  }

  /** Whether this router scores the lane (a shipment of a lane it does not know is not replayed). */
  hasLane(lane: string): boolean {
    return this.lanes.some((l) => l.key === lane);
  }

  /**
   * The best lane between two regions for a parcel, with the hours within which it arrives with
   * 90% probability: the delivery promise's carrier quote. Nothing is handed to the lane.
   */
  quote(from: { code: string }, to: { code: string }, weight_g: number, promise_h: number, now: Date): (Candidate & { p90_h: number }) | undefined {
    const decision = this.router.route(this.byPair.get(`${from.code}>${to.code}`) ?? [], weight_g, promise_h, now.getTime() / 3_600_000);
    if (decision === undefined) return undefined;
    const { lane, chosen } = decision;
    return { ...chosen, p90_h: chosen.wait_h + transitQuantile(0.9, lane.median_h * chosen.delay_factor, lane.sigma) };
  }

  /** Every lane that has been handed a parcel, with its queue and delay as of `now`. */
  snapshot(now = new Date()): LaneSnapshot[] {
    const now_h = now.getTime() / 3_600_000;
    return this.lanes
      .map((lane) => this.router.state(lane.key))
      .filter((s) => s.handed > 0)
      .map((s) => ({ lane: s.lane.key, handed: s.handed, wait_h: s.waitAt(now_h), delay_factor: s.delayFactor(now_h, this.router.minSample) }));
  }

  /**
   * Replays a hand-over recorded in the database: the parcel of `lane` with this tracking number
   * was handed at `at`. Its tracking events then reach the router through `observe`.
   */
  replayHandOver(lane: string, carrier: string, tracking_number: string, at: Date): void {
    const handed_h = at.getTime() / 3_600_000;
    const { watch } = this.router.state(lane).hand(handed_h);
    this.remember(`${carrier}:${tracking_number}`, { lane, watch, handed_h });
  }

  private remember(key: string, watched: { lane: string; watch: ReturnType<LaneState['hand']>['watch']; handed_h: number }): void {
    if (this.watched.size >= ShipmentRouter.watched_max) this.watched.delete(this.watched.keys().next().value!);
    this.watched.set(key, watched);
  }

  /** Routes a parcel among the carriers available here; undefined when none serves the pair. Hands it to the lane. */
  route(origin: { latitude: number; longitude: number }, destination: { latitude: number; longitude: number }, weight_g: number, carriers: ReadonlySet<string>, now = new Date()): ParcelPlan | undefined {
    const from = nearestRegion(origin);
    const to = nearestRegion(destination);
    const promise_h = promiseHours(from, to);
    const candidates = (this.byPair.get(`${from.code}>${to.code}`) ?? []).filter((l) => carriers.has(l.carrier.code));
    const now_h = now.getTime() / 3_600_000;
    const decision = this.router.route(candidates, weight_g, promise_h, now_h);
    if (decision === undefined) return undefined;
    const { watch } = this.router.state(decision.lane.key).hand(now_h);
    return { from, to, lane: decision.lane, chosen: decision.chosen, candidates: decision.candidates, reason: decision.reason, promise_h, watch: { lane: decision.lane.key, watch, handed_h: now_h } };
  }

  /** The parcel routed by `plan` got this tracking number: its tracking events now reach the router. */
  track(carrier: string, tracking_number: string, plan: ParcelPlan): void {
    this.remember(`${carrier}:${tracking_number}`, plan.watch);
  }

  /** A tracking event of a parcel this router routed: in transit is its departure, delivered its transit time. */
  observe(carrier: string, tracking_number: string, status: ShipmentStatus, occurred_at: Date, now = new Date()): void {
    const key = `${carrier}:${tracking_number}`;
    const known = this.watched.get(key);
    if (known === undefined) return;
    const state = this.router.state(known.lane);
    const now_h = now.getTime() / 3_600_000;
    if (status === 'in_transit' || status === 'out_for_delivery') state.departed(known.watch, now_h);
    if (status === 'delivered') {
      state.delivered(known.watch, Math.max(0.01, occurred_at.getTime() / 3_600_000 - known.handed_h), now_h, 0.05);
      this.watched.delete(key);
    }
  }
}

const t = (db: AnyDb) => tablesOf<LogisticsTables>(db);

/** The order's live outbound shipment (return shipments are `liveReturnOf`). */
export async function liveShipmentOf(db: AnyDb, merchant_id: string, order_id: string): Promise<Shipment | undefined> {
  return t(db).selectFrom('shipment').selectAll().where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).where('status', '<>', 'cancelled').where('direction', '=', 'outbound').executeTakeFirst();
}

/** The live return shipment carrying a fulfilment's goods back. */
export async function liveReturnOf(db: AnyDb, merchant_id: string, fulfilment_id: string): Promise<Shipment | undefined> {
  return t(db).selectFrom('shipment').selectAll().where('merchant_id', '=', merchant_id).where('fulfilment_id', '=', fulfilment_id).where('status', '<>', 'cancelled').where('direction', '=', 'return').executeTakeFirst();
}

/** How many shipments an order has had (cancelled ones included): the next label's request key. */
export async function shipmentCount(db: AnyDb, merchant_id: string, order_id: string): Promise<number> {
  const row = await t(db).selectFrom('shipment').select((eb) => eb.fn.countAll<string>().as('n')).where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).executeTakeFirstOrThrow();
  return Number(row.n);
}

export type NewShipment = Omit<ShipmentTable, 'id' | 'status' | 'delivered_at' | 'created_at' | 'updated_at' | 'promised_by' | 'direction' | 'fulfilment_id'> & {
  promised_by: Date;
  direction?: ShipmentDirection | undefined;
  fulfilment_id?: string | null | undefined;
};

/** Records a shipment whose label was bought, and publishes `logistics.shipment_created`, in the caller's transaction. */
export async function insertShipment(trx: AnyTrx, input: NewShipment): Promise<Shipment> {
  const row = await t(trx)
    .insertInto('shipment')
    .values({ ...input, direction: input.direction ?? 'outbound', fulfilment_id: input.fulfilment_id ?? null, id: newId('shp'), status: 'label_created', destination: JSON.stringify(input.destination) as never, candidates: JSON.stringify(input.candidates) as never, price_minor: input.price_minor })
    .returningAll()
    .executeTakeFirstOrThrow();
  await publish(trx, shipmentCreated, row.merchant_id, {
    shipment_id: row.id,
    order_id: row.order_id,
    direction: row.direction,
    carrier: row.carrier,
    lane: row.lane,
    tracking_number: row.tracking_number,
    status: row.status,
    promised_by: row.promised_by.toISOString(),
    price_minor: Number(row.price_minor),
    currency: row.currency,
    reason: row.reason,
  });
  return row;
}

export type TrackingOutcome =
  | { outcome: 'unknown_shipment' }
  | { outcome: 'duplicate'; shipment: Shipment }
  | { outcome: 'recorded'; shipment: Shipment; from: ShipmentStatus; to: ShipmentStatus };

/**
 * Records a carrier's tracking event once (by its event ID) and moves the shipment to the
 * furthest status of its events: a late event of an earlier stage is kept in the timeline and
 * changes nothing else. The shipment row is locked, so concurrent events of one parcel apply one
 * after the other. A move publishes `logistics.shipment_status_changed`.
 */
export async function recordTrackingEvent(trx: AnyTrx, carrier: string, event: TrackingEvent): Promise<TrackingOutcome> {
  const shipment = await t(trx).selectFrom('shipment').selectAll().where('carrier', '=', carrier).where('tracking_number', '=', event.tracking_number).forUpdate().executeTakeFirst();
  if (shipment === undefined) return { outcome: 'unknown_shipment' };
  const inserted = await t(trx)
    .insertInto('shipment_event')
    .values({ merchant_id: shipment.merchant_id, carrier, event_id: event.id, shipment_id: shipment.id, status: event.status, occurred_at: new Date(event.occurred_at), description: event.description ?? null })
    .onConflict((oc) => oc.columns(['merchant_id', 'carrier', 'event_id']).doNothing())
    .returning('event_id')
    .executeTakeFirst();
  if (inserted === undefined) return { outcome: 'duplicate', shipment };
  const from = shipment.status;
  // A cancelled shipment stays cancelled: its label is void whatever a scan says.
  const to = from === 'cancelled' ? from : furthest(from, event.status);
  if (to === from) return { outcome: 'recorded', shipment, from, to };
  const updated = await t(trx)
    .updateTable('shipment')
    .set({ status: to, updated_at: new Date(), ...(to === 'delivered' ? { delivered_at: new Date(event.occurred_at) } : {}) })
    .where('merchant_id', '=', shipment.merchant_id)
    .where('id', '=', shipment.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await publish(trx, shipmentStatusChanged, shipment.merchant_id, { shipment_id: shipment.id, order_id: shipment.order_id, direction: shipment.direction, carrier, tracking_number: shipment.tracking_number, from_status: from, to_status: to, occurred_at: event.occurred_at });
  return { outcome: 'recorded', shipment: updated, from, to };
}

export async function getShipment(db: AnyDb, merchant_id: string, id: string): Promise<(Shipment & { events: ShipmentEvent[] }) | undefined> {
  const shipment = await t(db).selectFrom('shipment').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', id).executeTakeFirst();
  if (shipment === undefined) return undefined;
  return { ...shipment, events: await eventsOf(db, merchant_id, [id]) };
}

async function eventsOf(db: AnyDb, merchant_id: string, ids: readonly string[]): Promise<ShipmentEvent[]> {
  if (ids.length === 0) return [];
  return t(db).selectFrom('shipment_event').selectAll().where('merchant_id', '=', merchant_id).where('shipment_id', 'in', ids).orderBy('occurred_at').orderBy('event_id').execute();
}

/** Newest first, with their timelines. */
export interface ShipmentFilter {
  order_id?: string | undefined;
  status?: ShipmentStatus | undefined;
  carrier?: string | undefined;
  /** true: past the promise and not delivered (nor cancelled); false: the others. */
  overdue?: boolean | undefined;
  before_id?: string | undefined;
  limit: number;
}

export async function listShipments(db: AnyDb, merchant_id: string, filter: ShipmentFilter, now = new Date()): Promise<(Shipment & { events: ShipmentEvent[] })[]> {
  let query = t(db).selectFrom('shipment').selectAll().where('merchant_id', '=', merchant_id);
  if (filter.order_id !== undefined) query = query.where('order_id', '=', filter.order_id);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.carrier !== undefined) query = query.where('carrier', '=', filter.carrier);
  if (filter.overdue !== undefined) {
    const overdue = sql<boolean>`(status not in ('delivered', 'cancelled') and promised_by < ${now})`;
    query = query.where(filter.overdue ? overdue : sql<boolean>`not ${overdue}`);
  }
  if (filter.before_id !== undefined) query = query.where('id', '<', filter.before_id);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
  const events = await eventsOf(db, merchant_id, rows.map((r) => r.id));
  return rows.map((r) => ({ ...r, events: events.filter((e) => e.shipment_id === r.id) }));
}

/** An order's shipments, oldest first (the buyer's view; the caller checks the order is theirs). */
export async function shipmentsOfOrder(db: AnyDb, merchant_id: string, order_id: string): Promise<(Shipment & { events: ShipmentEvent[] })[]> {
  const rows = await t(db).selectFrom('shipment').selectAll().where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).orderBy('id').execute();
  const events = await eventsOf(db, merchant_id, rows.map((r) => r.id));
  return rows.map((r) => ({ ...r, events: events.filter((e) => e.shipment_id === r.id) }));
}

/** Marks a shipment cancelled (its label was cancelled at the carrier). */
export async function cancelShipment(trx: AnyTrx, merchant_id: string, id: string): Promise<void> {
  await t(trx).updateTable('shipment').set({ status: 'cancelled', updated_at: new Date() }).where('merchant_id', '=', merchant_id).where('id', '=', id).execute();
}

export interface LanePerformance {
  carrier: string;
  lane: string;
  parcels: number;
  delivered: number;
  on_time: number;
  late: number;
  /** Not delivered and past the promise (lost parcels among them). */
  overdue: number;
  lost: number;
  in_flight: number;
  /** On time ÷ parcels whose promise is decided (delivered, or overdue); null when none is. */
  on_time_rate: number | null;
  cost_minor: number;
  cost_per_parcel_minor: number;
  currency: string;
  median_transit_h: number | null;
}

/**
 * Carrier performance from the shipments' tracking: per carrier and lane, the parcels, how many
 * kept their promise (delivered by `promised_by`, by the delivery event's own time), how many
 * are overdue (past the promise without a delivery: lost parcels show here), and the cost.
 * Cancelled shipments are left out.
 */
export async function lanePerformance(db: AnyDb, merchant_id: string, window: { from: Date; to: Date }, now = new Date()): Promise<LanePerformance[]> {
  const result = await sql<{ carrier: string; lane: string; currency: string; parcels: number; delivered: number; on_time: number; overdue: number; lost: number; cost_minor: string; median_transit_h: number | null }>`
    select carrier, lane, currency, count(*)::int as parcels,
      count(*) filter (where status = 'delivered')::int as delivered,
      count(*) filter (where status = 'delivered' and delivered_at <= promised_by)::int as on_time,
      count(*) filter (where status <> 'delivered' and promised_by < ${now})::int as overdue,
      count(*) filter (where status = 'lost')::int as lost,
      sum(price_minor)::text as cost_minor,
      (percentile_cont(0.5) within group (order by extract(epoch from delivered_at - created_at) / 3600) filter (where status = 'delivered'))::float8 as median_transit_h
    from shipment
    where merchant_id = ${merchant_id} and status <> 'cancelled' and created_at >= ${window.from} and created_at < ${window.to}
    group by carrier, lane, currency
    order by carrier, lane, currency`.execute(db);
  return result.rows.map((r) => {
    const decided = r.delivered + r.overdue;
    const cost = Number(r.cost_minor);
    return {
      carrier: r.carrier,
      lane: r.lane,
      parcels: r.parcels,
      delivered: r.delivered,
      on_time: r.on_time,
      late: r.delivered - r.on_time,
      overdue: r.overdue,
      lost: r.lost,
      in_flight: r.parcels - r.delivered - r.overdue,
      on_time_rate: decided === 0 ? null : r.on_time / decided,
      cost_minor: cost,
      cost_per_parcel_minor: Math.round(cost / r.parcels),
      currency: r.currency,
      median_transit_h: r.median_transit_h,
    };
  });
}

export { statusRank };
