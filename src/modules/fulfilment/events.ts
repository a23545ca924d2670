import { z } from 'zod';
import { defineEvent, type EventDefinition } from '../../kernel/events/event.js';
import { fulfilmentStatuses, type FulfilmentStatus } from './tables.js';

/** Every fulfilment transition emits one of these; the payload is the same for all of them. */
const transitionPayload = z.object({
  fulfilment_id: z.string(),
  order_id: z.string(),
  location_id: z.string(),
  method: z.string(),
  from_status: z.string().nullable(),
  to_status: z.string(),
  action: z.string(),
  actor: z.string(),
  reason: z.string().nullable(),
  promised_by: z.string().nullable(),
  lines: z.array(z.object({ line_no: z.number().int(), variant_id: z.string(), sku: z.string(), quantity: z.number().int(), picked_quantity: z.number().int().nullable() })),
});

export type FulfilmentTransitionPayload = z.infer<typeof transitionPayload>;

/** `fulfilment.<status>`: a fulfilment entered that status (`fulfilment.awaiting_pick` when it opens). */
export const fulfilmentEvents = Object.fromEntries(fulfilmentStatuses.map((s) => [s, defineEvent(`fulfilment.${s}`, transitionPayload)])) as Record<FulfilmentStatus, EventDefinition<string, typeof transitionPayload>>;
