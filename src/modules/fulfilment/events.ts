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
  lines: z.array(z.object({ line_no: z.number().int(), variant_id: z.string(), sku: z.string(), quantity: z.number().int(), picked_quantity: z.number().int().nullable(), refunded_quantity: z.number().int() })),
});

export type FulfilmentTransitionPayload = z.infer<typeof transitionPayload>;

/** `fulfilment.<status>`: a fulfilment entered that status (`fulfilment.awaiting_pick` when it opens). */
export const fulfilmentEvents = Object.fromEntries(fulfilmentStatuses.map((s) => [s, defineEvent(`fulfilment.${s}`, transitionPayload)])) as Record<FulfilmentStatus, EventDefinition<string, typeof transitionPayload>>;

/**
 * `fulfilment.short_picked`: packing found less on the shelf than a line asked for. Per line:
 * what was packed, what another location took over (`rerouted_to`) and what was refunded.
 */
export const fulfilmentShortPicked = defineEvent(
  'fulfilment.short_picked',
  z.object({
    fulfilment_id: z.string(),
    order_id: z.string(),
    location_id: z.string(),
    method: z.string(),
    actor: z.string(),
    lines: z.array(z.object({ line_no: z.number().int(), variant_id: z.string(), sku: z.string(), quantity: z.number().int(), picked_quantity: z.number().int(), rerouted_quantity: z.number().int(), refunded_quantity: z.number().int() })),
    rerouted_to: z.array(z.object({ fulfilment_id: z.string(), location_id: z.string() })),
  }),
);

/**
 * `fulfilment.line_refunded`: short-picked units nobody else could send are refunded to the buyer
 * while the order goes on (the release-escrow flow returns the money from escrow).
 */
export const fulfilmentLineRefunded = defineEvent(
  'fulfilment.line_refunded',
  z.object({
    fulfilment_id: z.string(),
    order_id: z.string(),
    currency: z.string(),
    amount_minor: z.number().int(),
    lines: z.array(z.object({ line_no: z.number().int(), variant_id: z.string(), sku: z.string(), refunded_quantity: z.number().int(), unit_price_minor: z.number().int(), amount_minor: z.number().int() })),
  }),
);
