import { z } from '@hono/zod-openapi';
import { toJsonAmount } from '../../kernel/money.js';
import { shipmentStatuses } from './carrier.js';
import type { Shipment, ShipmentEvent } from './shipments.js';
import { shipmentDirections } from './tables.js';

const candidateSchema = z.object({
  lane: z.string(),
  carrier: z.string(),
  price_minor: z.number(),
  wait_h: z.number(),
  delay_factor: z.number(),
  p_on_time: z.number(),
  expected_cost_minor: z.number(),
});

const recipientSchema = z.object({
  name: z.string(),
  phone: z.string(),
  address: z.object({ line1: z.string().nullable(), city: z.string().nullable(), country: z.string().nullable(), postal_code: z.string().nullable() }),
  erased: z.boolean().openapi({ description: 'the buyer was erased: name, phone and address are masked' }),
});

export const shipmentSchema = z
  .object({
    id: z.string(),
    order_id: z.string(),
    direction: z.enum(shipmentDirections).openapi({ description: 'outbound to the buyer, or a return from the buyer back to the location (`location_id`) when a refund needs the goods back' }),
    fulfilment_id: z.string().nullable().openapi({ description: 'the fulfilment whose goods it carries' }),
    location_id: z.string(),
    carrier: z.string(),
    lane: z.string(),
    origin_region: z.string(),
    destination_region: z.string(),
    destination: z.object({ latitude: z.number(), longitude: z.number() }),
    weight_g: z.number().int(),
    label_id: z.string().nullable(),
    tracking_number: z.string().nullable(),
    price_minor: z.number().int(),
    currency: z.string(),
    status: z.enum(shipmentStatuses),
    promise_h: z.number().int(),
    promised_by: z.string(),
    overdue: z.boolean().openapi({ description: 'past its promise without being delivered (a lost parcel shows so)' }),
    delivered_at: z.string().nullable(),
    routing: z.object({ reason: z.string(), candidates: z.array(candidateSchema).openapi({ description: 'every carrier lane scored, the best first: price, wait, delay, probability of keeping the promise, expected cost' }) }),
    timeline: z.array(z.object({ event_id: z.string(), status: z.enum(shipmentStatuses), occurred_at: z.string(), received_at: z.string(), description: z.string().nullable() })).openapi({ description: 'the carrier’s tracking events in the order they happened (a late one included, though it moved nothing)' }),
    recipient: recipientSchema.nullable().openapi({ description: 'who receives the parcel, from the delivery chosen at checkout (null when the order has none); personal data, only in the seller’s view' }),
    created_at: z.string(),
  })
  .openapi('Shipment');

/** The recipient on a shipment as the seller reads it from the order's delivery. */
export interface ShipmentRecipient {
  recipient_name: string;
  recipient_phone: string;
  address_line1: string | null;
  address_city: string | null;
  address_country: string | null;
  address_postal_code: string | null;
  erased_at: Date | null;
}

/** A shipment as its seller sees it; `recipient` from the order's delivery (`orders.orderDeliveries`). */
export function shipmentJson(s: Shipment & { events: readonly ShipmentEvent[] }, recipient?: ShipmentRecipient, now = new Date()): z.infer<typeof shipmentSchema> {
  return {
    id: s.id,
    order_id: s.order_id,
    direction: s.direction,
    fulfilment_id: s.fulfilment_id,
    location_id: s.location_id,
    carrier: s.carrier,
    lane: s.lane,
    origin_region: s.origin_region,
    destination_region: s.destination_region,
    destination: s.destination,
    weight_g: s.weight_g,
    label_id: s.label_id,
    tracking_number: s.tracking_number,
    price_minor: toJsonAmount(BigInt(s.price_minor)),
    currency: s.currency,
    status: s.status,
    promise_h: s.promise_h,
    promised_by: s.promised_by.toISOString(),
    overdue: s.status !== 'delivered' && s.status !== 'cancelled' && s.promised_by < now,
    delivered_at: s.delivered_at?.toISOString() ?? null,
    routing: { reason: s.reason, candidates: s.candidates },
    timeline: s.events.map((e) => ({ event_id: e.event_id, status: e.status, occurred_at: e.occurred_at.toISOString(), received_at: e.received_at.toISOString(), description: e.description })),
    recipient:
      recipient === undefined
        ? null
        : { name: recipient.recipient_name, phone: recipient.recipient_phone, address: { line1: recipient.address_line1, city: recipient.address_city, country: recipient.address_country, postal_code: recipient.address_postal_code }, erased: recipient.erased_at !== null },
    created_at: s.created_at.toISOString(),
  };
}
