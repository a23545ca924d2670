import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import type { ShipmentStatus } from './carrier.js';
import { ShipmentRouter } from './shipments.js';

/**
 * How far back a router rebuilt at start replays: today's queues need the last 24 h, the overdue
 * signal parcels whose 90th percentile fell in the last 24 h (handed up to about four days ago
 * across a border), and the transit-time mean fades with a half-life of 12 h. A week covers all
 * three with room to spare.
 */
export const replay_window_h = 7 * 24;

interface HandOver {
  at: Date;
  kind: 'hand';
  lane: string;
  carrier: string;
  tracking_number: string;
}
interface Scan {
  at: Date;
  kind: 'scan';
  carrier: string;
  tracking_number: string;
  status: ShipmentStatus;
  occurred_at: Date;
}

/**
 * Rebuilds a router's lane state from the shipments of the last week and their tracking, in the
 * order the live router saw them: each shipment handed to its lane when it was created, each
 * departure or delivery scan heard when it was received. The rebuilt router then knows what the
 * process that routed them knew: today's hand-overs per lane (its queue), recent transit times
 * (its delay) and the parcels past their 90th percentile without a delivery (its overdue share).
 * Cancelled shipments are left out (their labels are void; no parcel travels), as are lanes this
 * router does not score. At most `ShipmentRouter.watched_max` shipments, the newest.
 */
export async function rebuildRouter(db: AnyDb, router: ShipmentRouter, now = new Date()): Promise<{ shipments: number; scans: number }> {
  const since = new Date(now.getTime() - replay_window_h * 3_600_000);
  const shipments = await sql<{ lane: string; carrier: string; tracking_number: string; created_at: Date }>`
    select lane, carrier, tracking_number, created_at from (
      select lane, carrier, tracking_number, created_at, id from shipment
      where created_at >= ${since} and created_at <= ${now} and status <> 'cancelled' and tracking_number is not null
      order by created_at desc, id desc limit ${ShipmentRouter.watched_max}
    ) recent order by created_at, id`.execute(db);
  const scans = await sql<{ carrier: string; tracking_number: string; status: ShipmentStatus; occurred_at: Date; received_at: Date }>`
    select e.carrier, s.tracking_number, e.status, e.occurred_at, e.received_at
    from shipment_event e join shipment s on s.merchant_id = e.merchant_id and s.id = e.shipment_id
    where s.created_at >= ${since} and s.created_at <= ${now} and s.status <> 'cancelled' and e.received_at <= ${now}
      and e.status in ('in_transit', 'out_for_delivery', 'delivered')
    order by e.received_at, e.event_id`.execute(db);
  const replay: (HandOver | Scan)[] = [
    ...shipments.rows.filter((s) => router.hasLane(s.lane)).map((s): HandOver => ({ at: s.created_at, kind: 'hand', lane: s.lane, carrier: s.carrier, tracking_number: s.tracking_number })),
    ...scans.rows.map((e): Scan => ({ at: e.received_at, kind: 'scan', carrier: e.carrier, tracking_number: e.tracking_number, status: e.status, occurred_at: e.occurred_at })),
  ];
  // A hand-over comes before any scan of the same instant: a parcel is handed before it is scanned.
  replay.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.kind === b.kind ? 0 : a.kind === 'hand' ? -1 : 1));
  for (const step of replay) {
    if (step.kind === 'hand') router.replayHandOver(step.lane, step.carrier, step.tracking_number, step.at);
    else router.observe(step.carrier, step.tracking_number, step.status, step.occurred_at, step.at);
  }
  return { shipments: shipments.rows.length, scans: scans.rows.length };
}
