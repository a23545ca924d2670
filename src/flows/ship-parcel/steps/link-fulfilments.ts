import type { AnyTrx } from '../../../kernel/db.js';
import { linkShipment } from '../../../modules/fulfilment/index.js';

/**
 * Records the shipment on the fulfilments the order's `ship` just handed to the carrier
 * (fulfilment.shipment_id), so the parcel's tracking can move them. In the flow's transaction:
 * the rollback undoes it.
 */
export async function linkFulfilments(trx: AnyTrx, merchant_id: string, order_id: string, shipment_id: string): Promise<string[]> {
  return linkShipment(trx, merchant_id, order_id, shipment_id);
}
