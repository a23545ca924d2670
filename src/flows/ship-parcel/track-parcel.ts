import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { problems } from '../../kernel/problem.js';
import type { ShipmentRouter, TrackingEvent } from '../../modules/logistics/index.js';
import { deliverOrder } from './steps/deliver-order.js';
import { recordTracking } from './steps/record-tracking.js';

export interface TrackingAnswer {
  outcome: 'recorded' | 'duplicate';
  status: string;
  order_delivered: boolean;
}

/**
 * A verified tracking event: recorded once, the shipment moved to its furthest status, and on
 * delivery the order delivered, all in one transaction. An event for a parcel this platform does
 * not know (yet: its shipment may still be committing) answers 404, and the carrier sends it again.
 * Once committed, the process's router hears the event: a lane's departures and transit times
 * route the next parcels.
 */
export async function receiveTracking(db: AnyDb, router: ShipmentRouter, carrier: string, event: TrackingEvent): Promise<TrackingAnswer> {
  const answer = await inTransaction(db, async (trx): Promise<TrackingAnswer> => {
    const result = await recordTracking(trx, carrier, event);
    if (result.outcome === 'unknown_shipment') throw problems.notFound(`The shipment with tracking number ${event.tracking_number}`);
    if (result.outcome === 'duplicate') return { outcome: 'duplicate', status: result.shipment.status, order_delivered: false };
    const delivered = result.to === 'delivered' && result.from !== 'delivered' ? await deliverOrder(trx, result.shipment.merchant_id, result.shipment.order_id, carrier) : false;
    return { outcome: 'recorded', status: result.to, order_delivered: delivered };
  });
  // Committed: the router hears the event (what routes the next parcels; nothing to undo).
  if (answer.outcome === 'recorded') {
    await router.ready; // an event committed before the rebuild read it is heard twice: the router counts it once
    router.observe(carrier, event.tracking_number, event.status, new Date(event.occurred_at));
  }
  return answer;
}
