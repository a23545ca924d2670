import type { AnyTrx } from '../../../kernel/db.js';
import { recordTrackingEvent, type TrackingEvent, type TrackingOutcome } from '../../../modules/logistics/index.js';

/**
 * Records a verified tracking event once (by the carrier's event ID) and moves the shipment to
 * its furthest status, never backwards (logistics.recordTrackingEvent). In the flow's
 * transaction: the rollback undoes it, and the carrier sends the event again.
 */
export async function recordTracking(trx: AnyTrx, carrier: string, event: TrackingEvent): Promise<TrackingOutcome> {
  return recordTrackingEvent(trx, carrier, event);
}
