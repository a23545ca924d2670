import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

/** Every order transition emits one of these; the payload is the same for all of them. */
const transitionPayload = z.object({
  order_id: z.string(),
  checkout_id: z.string(),
  from_status: z.string().nullable(),
  to_status: z.string(),
  actor: z.string(),
  currency: z.string(),
  total_minor: z.number().int(),
  buyer_email: z.string().nullable(),
  refund_amount_minor: z.number().int().nullable(),
  lines: z.array(z.object({ variant_id: z.string(), sku: z.string(), quantity: z.number().int(), unit_price_minor: z.number().int() })),
});

export type OrderTransitionPayload = z.infer<typeof transitionPayload>;

export const orderPlaced = defineEvent('order.placed', transitionPayload);
export const orderPaid = defineEvent('order.paid', transitionPayload);
export const orderShipped = defineEvent('order.shipped', transitionPayload);
export const orderDelivered = defineEvent('order.delivered', transitionPayload);
export const orderCompleted = defineEvent('order.completed', transitionPayload);
export const orderClosed = defineEvent('order.closed', transitionPayload);
export const orderRefundRequested = defineEvent('order.refund_requested', transitionPayload);
export const orderRefunded = defineEvent('order.refunded', transitionPayload);
export const orderRefundRejected = defineEvent('order.refund_rejected', transitionPayload);
export const orderDisputed = defineEvent('order.disputed', transitionPayload);
/** The seller approved the refund on condition that the goods come back: the refund posts when they are received. */
export const orderAwaitingReturn = defineEvent('order.awaiting_return', transitionPayload);

/** A guest order now belongs to the consumer account whose verified email placed it. */
export const orderLinkedToConsumer = defineEvent('order.linked_to_consumer', z.object({ order_id: z.string(), consumer_id: z.string() }));
