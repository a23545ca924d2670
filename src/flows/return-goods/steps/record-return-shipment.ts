import type { AnyTrx } from '../../../kernel/db.js';
import { insertShipment, plannedShipmentFields, type Shipment } from '../../../modules/logistics/index.js';
import type { BoughtReturnLabel } from './buy-return-label.js';

/**
 * Records the return shipment (direction 'return', the fulfilment it carries back, the location
 * as its destination) with its routing decision, and publishes `logistics.shipment_created`, in
 * the flow's transaction: the rollback undoes it.
 */
export async function recordReturnShipment(trx: AnyTrx, merchant_id: string, order_id: string, bought: BoughtReturnLabel, now = new Date()): Promise<Shipment> {
  const { parcel, carrier, plan, label } = bought;
  return insertShipment(trx, {
    merchant_id,
    order_id,
    direction: 'return',
    fulfilment_id: parcel.fulfilment_id,
    location_id: parcel.location_id,
    destination: parcel.destination,
    weight_g: parcel.weight_g,
    label_request_key: `return:${parcel.fulfilment_id}`,
    ...plannedShipmentFields(plan, carrier.code, label, now),
  });
}
