import type { Generated } from 'kysely';

/**
 * A fulfilment's states. Picking and packing happen at the serving location; the fulfilment then
 * leaves it (handed to a carrier, out for local delivery, or waiting at the desk for pickup) and
 * ends delivered or picked up. Exceptions: cancelled, delivery failed, lost, returned.
 */
export const fulfilmentStatuses = ['awaiting_pick', 'picking', 'packed', 'handed_to_carrier', 'ready_for_pickup', 'out_for_delivery', 'delivered', 'picked_up', 'cancelled', 'delivery_failed', 'lost', 'returned'] as const;
export type FulfilmentStatus = (typeof fulfilmentStatuses)[number];

/** How a fulfilment reaches the buyer: the delivery option chosen at checkout, or `seller` for an order placed without one. */
export const fulfilmentMethods = ['express', 'pickup', 'standard', 'cross_border', 'seller'] as const;
export type FulfilmentMethod = (typeof fulfilmentMethods)[number];

export interface FulfilmentTable {
  merchant_id: string;
  id: string;
  order_id: string;
  location_id: string;
  method: FulfilmentMethod;
  status: FulfilmentStatus;
  /** What the buyer was promised: the end of the express window, the pickup ready-by time, or the delivery date. */
  promised_by: Date | null;
  /** When picking must be done for the promise to hold: the pick list's order. */
  pick_by: Date;
  /** The fulfilment whose short-picked lines this one took over. */
  rerouted_from: string | null;
  shipment_id: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface FulfilmentLineTable {
  merchant_id: string;
  fulfilment_id: string;
  order_id: string;
  /** The order line it fulfils (order_line.line_no). */
  line_no: number;
  variant_id: string;
  sku: string;
  title: string;
  quantity: number;
  /** What packing confirmed; null until packed. */
  picked_quantity: number | null;
  /** What of the line was refunded after a short pick (nothing else could take it over). */
  refunded_quantity: Generated<number>;
  /** What came back when the fulfilment was returned; null until then. */
  returned_quantity: number | null;
}

export const returnStatuses = ['awaiting', 'received'] as const;
export type ReturnStatus = (typeof returnStatuses)[number];

/**
 * A fulfilment's goods coming back from the buyer (a refund that needs them back): one per
 * fulfilment that left its location, carried by a return shipment when the buyer has an address
 * (logistics.shipment, direction 'return'), else brought to the store. Received, the goods are
 * back on the shelf and the order, once all its returns are in, is refunded.
 */
export interface FulfilmentReturnTable {
  merchant_id: string;
  id: string;
  order_id: string;
  fulfilment_id: string;
  /** Where the goods go back to: the fulfilment's location. */
  location_id: string;
  status: ReturnStatus;
  shipment_id: string | null;
  reason: string | null;
  requested_by: string;
  received_by: string | null;
  received_at: Date | null;
  created_at: Generated<Date>;
}

export interface FulfilmentTransitionTable {
  merchant_id: string;
  id: string;
  fulfilment_id: string;
  order_id: string;
  from_status: FulfilmentStatus | null;
  to_status: FulfilmentStatus;
  action: string;
  actor: string;
  reason: string | null;
  occurred_at: Generated<Date>;
}

export interface FulfilmentTables {
  fulfilment: FulfilmentTable;
  fulfilment_line: FulfilmentLineTable;
  fulfilment_transition: FulfilmentTransitionTable;
  fulfilment_return: FulfilmentReturnTable;
}
