import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { problems } from '../../kernel/problem.js';
import type { ShipmentRouter, TrackingEvent } from '../../modules/logistics/index.js';
import { deliverOrder } from './steps/deliver-order.js';
import { followTracking } from './steps/follow-tracking.js';
import { recordTracking } from './steps/record-tracking.js';

export interface TrackingAnswer {
  outcome: 'recorded' | 'duplicate';
  status: string;
  order_delivered: boolean;
  /** A return shipment delivered back at the location received its return. */
  return_received: boolean;
}

/**
 * A verified tracking event: recorded once, the shipment moved to its furthest status, and on
 * delivery the order delivered; a lost or failed parcel moves the fulfilments it carries, and a
 * return shipment delivered back receives its return (steps/follow-tracking.ts); all in one
 * transaction. An event for a parcel this platform does
 * not know (yet: its shipment may still be committing) answers 404, and the carrier sends it again.
 * Once committed, the process's router hears the event: a lane's departures and transit times
 * route the next parcels.
 */
export async function receiveTracking(db: AnyDb, router: ShipmentRouter, carrier: string, event: TrackingEvent): Promise<TrackingAnswer> {
  const answer = await inTransaction(db, async (trx): Promise<TrackingAnswer> => {
    const result = await recordTracking(trx, carrier, event);
    if (result.outcome === 'unknown_shipment') throw problems.notFound(`The shipment with tracking number ${event.tracking_number}`);
    if (result.outcome === 'duplicate') return { outcome: 'duplicate', status: result.shipment.status, order_delivered: false, return_received: false };
    const moved = result.to !== result.from;
    const outbound = result.shipment.direction === 'outbound';
    const delivered = outbound && moved && result.to === 'delivered' ? await deliverOrder(trx, result.shipment.merchant_id, result.shipment.order_id, carrier) : false;
    const received = moved ? await followTracking(trx, result.shipment, result.to, carrier) : false;
    return { outcome: 'recorded', status: result.to, order_delivered: delivered, return_received: received };
  });
  // Committed: the router hears the event (what routes the next parcels; nothing to undo).
  if (answer.outcome === 'recorded') {
    await router.ready; // an event committed before the rebuild read it is heard twice: the router counts it once
    router.observe(carrier, event.tracking_number, event.status, new Date(event.occurred_at));
  }
  return answer;
}
