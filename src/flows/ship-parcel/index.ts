import { defineFlow } from '../../kernel/flow.js';
import { registerRoutes } from './routes.js';

/**
 * Ship a parcel: the seller ships a paid order by carrier, and the carrier's tracking moves it on.
 *
 *   POST /v1/orders/{order_id}/shipments (ship-parcel.ts)
 *     steps/route-parcel.ts     logistics.ShipmentRouter: the lane with the lowest expected cost, with its reasons
 *     steps/buy-label.ts        the carrier's label, idempotent by request key (compensation: cancelLabel)
 *     then in one transaction:
 *     steps/record-shipment.ts  logistics.insertShipment: shipment, decision, logistics.shipment_created
 *     steps/ship-order.ts       orders.transitionOrder('ship') with the tracking number
 *     steps/link-fulfilments.ts fulfilment.linkShipment: the fulfilments handed over carry the shipment ID
 *
 *   POST /v1/logistics/webhooks/{carrier} (track-parcel.ts), signature checked, then in one transaction:
 *     steps/record-tracking.ts  logistics.recordTrackingEvent: once per event, never backwards
 *     steps/deliver-order.ts    orders.transitionOrders('deliver') when an outbound parcel was delivered
 *     steps/follow-tracking.ts  lost/failed move the fulfilments on board; a return shipment delivered
 *                               back receives its return (fulfilment.receiveReturn: stock back, order refunded)
 */
export const shipParcelFlow = defineFlow({
  name: 'ship-parcel',
  routes: registerRoutes,
});

export { createShipment } from './ship-parcel.js';
export { receiveTracking } from './track-parcel.js';
