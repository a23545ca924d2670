import type { Generated } from 'kysely';
import type { ShipmentStatus } from './carrier.js';
import type { Candidate } from './routing.js';

export const shipmentDirections = ['outbound', 'return'] as const;
export type ShipmentDirection = (typeof shipmentDirections)[number];

export interface ShipmentTable {
  merchant_id: string;
  id: string;
  order_id: string;
  location_id: string;
  carrier: string;
  lane: string;
  origin_region: string;
  destination_region: string;
  destination: { latitude: number; longitude: number };
  weight_g: number;
  label_request_key: string;
  label_id: string | null;
  tracking_number: string | null;
  price_minor: bigint;
  currency: string;
  status: ShipmentStatus;
  promise_h: number;
  promised_by: Date;
  candidates: Candidate[];
  reason: string;
  delivered_at: Date | null;
  /** Outbound to the buyer, or a return from the buyer back to the fulfilment's location. */
  direction: Generated<ShipmentDirection>;
  /** The fulfilment whose goods it carries (always set on a return). */
  fulfilment_id: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ShipmentEventTable {
  merchant_id: string;
  carrier: string;
  event_id: string;
  shipment_id: string;
  status: ShipmentStatus;
  occurred_at: Date;
  description: string | null;
  received_at: Generated<Date>;
}

export interface LogisticsTables {
  shipment: ShipmentTable;
  shipment_event: ShipmentEventTable;
}
