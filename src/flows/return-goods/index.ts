import { defineFlow } from '../../kernel/flow.js';
import { registerRoutes } from './routes.js';

/**
 * Return goods: a refund that needs the goods back. The refund posts when they are received.
 *
 *   POST /v1/orders/{order_id}/returns (approve-return.ts), on an order with an open refund request:
 *     steps/buy-return-label.ts        per fulfilment that left: route buyer -> location, buy the label
 *                                      (idempotent per fulfilment; compensation: cancelReturnLabel)
 *     then in one transaction:
 *     steps/record-return-shipment.ts  logistics.insertShipment, direction 'return'
 *     fulfilment.openReturns           order -> awaiting_return (escrow held, auto-confirm paused), one return per fulfilment
 *
 *   The return shipment's tracking (ship-parcel's webhook) receives the return when it is delivered
 *   back; or the store receives it by hand:
 *   POST /v1/returns/{return_id}/receive   fulfilment.receiveReturn: fulfilment returned (stock receipt
 *                                          at its location), order refunded once all are in (order.refunded
 *                                          -> release-escrow refunds the buyer), disputed when short
 */
export const returnGoodsFlow = defineFlow({
  name: 'return-goods',
  routes: registerRoutes,
});

export { approveWithReturn } from './approve-return.js';
