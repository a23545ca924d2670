import type { AnyTrx } from '../../../kernel/db.js';
import { insertShipment, type NewShipment, type Shipment } from '../../../modules/logistics/index.js';

/**
 * Records the shipment (carrier, lane, label, tracking number, promise, and the routing
 * decision's candidates and reason) and publishes `logistics.shipment_created`, in the flow's
 * transaction: the rollback undoes it.
 */
export async function recordShipment(trx: AnyTrx, shipment: NewShipment): Promise<Shipment> {
  return insertShipment(trx, shipment);
}
