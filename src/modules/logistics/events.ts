import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

/** A shipment was created: its label bought and its routing decision recorded. */
export const shipmentCreated = defineEvent(
  'logistics.shipment_created',
  z.object({
    shipment_id: z.string(),
    order_id: z.string(),
    direction: z.enum(['outbound', 'return']),
    carrier: z.string(),
    lane: z.string(),
    tracking_number: z.string().nullable(),
    status: z.string(),
    promised_by: z.string(),
    price_minor: z.number().int(),
    currency: z.string(),
    reason: z.string(),
  }),
);

/** A tracking event moved a shipment forward (never backward). */
export const shipmentStatusChanged = defineEvent(
  'logistics.shipment_status_changed',
  z.object({
    shipment_id: z.string(),
    order_id: z.string(),
    direction: z.enum(['outbound', 'return']),
    carrier: z.string(),
    tracking_number: z.string().nullable(),
    from_status: z.string(),
    to_status: z.string(),
    occurred_at: z.string(),
  }),
);
