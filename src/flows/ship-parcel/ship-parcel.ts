import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { problems } from '../../kernel/problem.js';
import { getLocation } from '../../modules/locations/index.js';
import { getShipment, liveShipmentOf, plannedShipmentFields, shipmentCount, type CarrierAdapter, type Shipment, type ShipmentEvent, type ShipmentRouter } from '../../modules/logistics/index.js';
import { getOrder, type OrderDetail } from '../../modules/orders/index.js';
import { buyLabel, cancelLabel } from './steps/buy-label.js';
import { linkFulfilments } from './steps/link-fulfilments.js';
import { recordShipment } from './steps/record-shipment.js';
import { routeParcel } from './steps/route-parcel.js';
import { shipOrder } from './steps/ship-order.js';

export interface ShipmentRequest {
  merchant_id: string;
  order_id: string;
  actor: string;
  /** Where the parcel goes; by default the delivery address chosen at checkout. */
  destination?: { latitude: number; longitude: number } | undefined;
  weight_g: number;
  auto_confirm_after_s: number;
  /** The request runs again under its Idempotency-Key after its first run died: a shipment it made is its answer. */
  resume: boolean;
}

/**
 * Ships a paid order by carrier: routes the parcel from the order's location to the destination,
 * buys the label, then records the shipment and ships the order in one transaction. A label
 * whose shipment could not be recorded is cancelled at the carrier.
 */
export async function createShipment(db: AnyDb, shipping: { router: ShipmentRouter; carriers: ReadonlyMap<string, CarrierAdapter> }, request: ShipmentRequest): Promise<Shipment & { events: ShipmentEvent[] }> {
  const { merchant_id, order_id } = request;
  const order = await getOrder(db, merchant_id, order_id);
  if (order === undefined) throw problems.notFound('The order');
  // The label's request key counts the order's shipments so far, read before looking for a live
  // one: a concurrent request that commits in between is then seen as the live shipment, and one
  // that commits later used the same key, so the carrier answers it the same label.
  const label_request_key = `${order_id}:${await shipmentCount(db, merchant_id, order_id)}`;
  const live = await liveShipmentOf(db, merchant_id, order_id);
  if (live !== undefined) {
    if (request.resume) return (await getShipment(db, merchant_id, live.id))!;
    throw problems.conflict('order_already_shipped', `The order already has shipment ${live.id} (${live.status})`);
  }
  if (order.status !== 'paid') throw problems.conflict('order_not_shippable', `Only a paid order ships; this one is ${order.status}`);
  const destination = request.destination ?? addressOf(order.delivery);
  if (destination === undefined) throw problems.unprocessable('destination_required', 'The order has no delivery address with coordinates: give the destination (latitude, longitude)');
  const location = await getLocation(db, merchant_id, order.location_id);
  if (location === undefined) throw problems.unprocessable('location_missing', 'The location the order ships from no longer exists');

  await shipping.router.ready; // the router's state rebuilt from the shipments at start
  const plan = routeParcel({ router: shipping.router, carriers: shipping.carriers, origin: location, destination, weight_g: request.weight_g });
  const carrier = shipping.carriers.get(plan.lane.carrier.code)!;
  const label = await buyLabel(carrier, { request_key: label_request_key, merchant_id, reference: order_id, from_region: plan.from.code, to_region: plan.to.code, weight_g: request.weight_g });
  const now = new Date();
  try {
    const shipment = await inTransaction(db, async (trx) => {
      const created = await recordShipment(trx, {
        merchant_id,
        order_id,
        location_id: order.location_id,
        destination,
        weight_g: request.weight_g,
        label_request_key,
        ...plannedShipmentFields(plan, carrier.code, label, now),
      });
      await shipOrder(trx, { merchant_id, order_id, tracking_number: label.tracking_number, actor: request.actor, auto_confirm_after_s: request.auto_confirm_after_s });
      await linkFulfilments(trx, merchant_id, order_id, created.id);
      return created;
    });
    shipping.router.track(carrier.code, label.tracking_number, plan);
    return { ...shipment, events: [] };
  } catch (error) {
    // A concurrent request for the same order recorded its shipment first: that shipment
    // stands, and this request is the duplicate.
    // It may have gone to another carrier (the router's lanes moved between the two requests):
    // then this request's label is not the one that stands, and is cancelled.
    const holder = await liveShipmentOf(db, merchant_id, order_id);
    if (holder !== undefined) {
      if (holder.label_id !== label.label_id) await cancelLabel(carrier, merchant_id, label.label_id).catch(() => false);
      if (request.resume) return (await getShipment(db, merchant_id, holder.id))!;
      throw problems.conflict('order_already_shipped', `The order already has shipment ${holder.id} (${holder.status})`);
    }
    await cancelLabel(carrier, merchant_id, label.label_id).catch(() => false);
    throw error;
  }
}

/** The coordinates of the delivery address chosen at checkout, when the order has them (an erased buyer's are masked). */
function addressOf(delivery: OrderDetail['delivery']): { latitude: number; longitude: number } | undefined {
  if (delivery === null || delivery.latitude === null || delivery.longitude === null) return undefined;
  return { latitude: delivery.latitude, longitude: delivery.longitude };
}
