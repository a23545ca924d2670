import type { EventDefinition } from '../../kernel/events/event.js';
import { stockLow } from '../inventory/index.js';
import { locationCreated, locationUpdated } from '../locations/index.js';
import { pricesChanged, productCreated, productUpdated } from '../catalog/index.js';
import { apiKeyCreated, apiKeyRevoked } from '../merchants/index.js';
import {
  orderClosed,
  orderCompleted,
  orderDelivered,
  orderDisputed,
  orderPaid,
  orderPlaced,
  orderRefunded,
  orderRefundRejected,
  orderRefundRequested,
  orderShipped,
} from '../orders/index.js';

/**
 * The domain events a merchant can receive by webhook: every event the platform publishes with
 * that merchant's ID. Left out are `merchant.created` (it happens before the merchant can have an
 * endpoint), `consumer.registered` (it belongs to no merchant) and this module's own
 * `webhook_endpoint.*` events. A new merchant-owned event is added here to become subscribable.
 */
export const webhookEvents: readonly EventDefinition[] = [
  orderPlaced,
  orderPaid,
  orderShipped,
  orderDelivered,
  orderCompleted,
  orderClosed,
  orderRefundRequested,
  orderRefunded,
  orderRefundRejected,
  orderDisputed,
  stockLow,
  productCreated,
  productUpdated,
  pricesChanged,
  locationCreated,
  locationUpdated,
  apiKeyCreated,
  apiKeyRevoked,
];

export const webhookEventTypes: readonly string[] = webhookEvents.map((e) => e.type);

/** Subscribing to `*` receives every type above, including ones added later. */
export const allEvents = '*';

/** The type of the ping `POST /v1/webhook-endpoints/{id}/test` sends; it needs no subscription. */
export const testEventType = 'webhook.test';

/** True when an endpoint subscribed to `events` receives events of `type`. */
export function subscribes(events: readonly string[], type: string): boolean {
  return events.includes(allEvents) || events.includes(type);
}
