import type { AnyTrx } from '../../../kernel/db.js';
import { followShipmentTracking, receiveReturn, returnOfShipment } from '../../../modules/fulfilment/index.js';
import type { Shipment, ShipmentStatus } from '../../../modules/logistics/index.js';

/**
 * What a parcel's new status does to the fulfilments it carries, in the flow's transaction:
 * - outbound: lost loses them, a failed attempt fails them (delivery comes through the order);
 * - return: delivered back at the location receives the return in full (the goods go back on
 *   the shelf, and the order is refunded once all its returns are in). A return lost on the
 *   way receives nothing: the money stays in escrow and the platform decides through a dispute.
 * Answers whether a return was received.
 */
export async function followTracking(trx: AnyTrx, shipment: Shipment, to: ShipmentStatus, carrier: string): Promise<boolean> {
  const actor = `system:carrier:${carrier}`;
  if (shipment.direction === 'outbound') {
    await followShipmentTracking(trx, { merchant_id: shipment.merchant_id, shipment_id: shipment.id, status: to, actor });
    return false;
  }
  if (to !== 'delivered') return false;
  const found = await returnOfShipment(trx, shipment.merchant_id, shipment.id);
  if (found === undefined || found.status === 'received') return false;
  await receiveReturn(trx, { merchant_id: shipment.merchant_id, return_id: found.id, actor });
  return true;
}
