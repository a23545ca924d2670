import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { problems } from '../../kernel/problem.js';
import { openReturns, returnableFulfilments, returnsOfOrder, type ReturnWithLines } from '../../modules/fulfilment/index.js';
import { getLocation } from '../../modules/locations/index.js';
import type { CarrierAdapter, ShipmentRouter } from '../../modules/logistics/index.js';
import { getOrder } from '../../modules/orders/index.js';
import { buyReturnLabel, cancelReturnLabel, type BoughtReturnLabel } from './steps/buy-return-label.js';
import { recordReturnShipment } from './steps/record-return-shipment.js';

export interface ReturnApproval {
  merchant_id: string;
  order_id: string;
  actor: string;
  reason?: string | undefined;
  weight_g: number;
}

/**
 * The seller approves a refund request on condition that the goods come back. For each
 * fulfilment whose goods left its location, a return label is bought from the buyer's address
 * back to that location (when the order has a delivery address with coordinates and a carrier
 * serves the pair; otherwise the buyer brings the goods to the store). Then, in one transaction,
 * the return shipments are recorded and the order moves to `awaiting_return` with its returns
 * (fulfilment.openReturns). Labels whose shipments could not be recorded are cancelled.
 * Nothing is refunded yet: the refund posts when the goods are received.
 */
export async function approveWithReturn(db: AnyDb, shipping: { router: ShipmentRouter; carriers: ReadonlyMap<string, CarrierAdapter> }, request: ReturnApproval): Promise<ReturnWithLines[]> {
  const { merchant_id, order_id } = request;
  const order = await getOrder(db, merchant_id, order_id);
  if (order === undefined) throw problems.notFound('The order');
  // Refused before any label is bought; the state machine checks it again under the lock.
  if (order.status !== 'refund_requested') throw problems.conflict('illegal_order_transition', `Only an order with an open refund request can wait for a return; this one is ${order.status}`);
  const fulfilments = await returnableFulfilments(db, merchant_id, order_id);
  if (fulfilments.length === 0) throw problems.unprocessable('nothing_to_return', 'None of this order’s fulfilments left its location; approve the refund without a return');
  const d = order.delivery;
  const origin = d !== null && d.latitude !== null && d.longitude !== null && d.erased_at === null ? { latitude: d.latitude, longitude: d.longitude } : undefined;

  const bought: BoughtReturnLabel[] = [];
  try {
    if (origin !== undefined) {
      for (const f of fulfilments) {
        const location = await getLocation(db, merchant_id, f.location_id);
        if (location === undefined) continue;
        const label = await buyReturnLabel(shipping, merchant_id, order_id, { fulfilment_id: f.id, location_id: f.location_id, origin, destination: { latitude: location.latitude, longitude: location.longitude }, weight_g: request.weight_g });
        if (label !== undefined) bought.push(label);
      }
    }
    await inTransaction(db, async (trx) => {
      const shipments = new Map<string, string>();
      for (const b of bought) shipments.set(b.parcel.fulfilment_id, (await recordReturnShipment(trx, merchant_id, order_id, b)).id);
      await openReturns(trx, { merchant_id, order_id, actor: request.actor, reason: request.reason, shipments });
    });
  } catch (error) {
    for (const b of bought) await cancelReturnLabel(b, merchant_id).catch(() => false);
    throw error;
  }
  for (const b of bought) shipping.router.track(b.carrier.code, b.label.tracking_number, b.plan);
  return returnsOfOrder(db, merchant_id, order_id);
}
