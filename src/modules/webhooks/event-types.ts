/**
 * The domain events a merchant can receive by webhook are those the modules declare as
 * `webhookEvents` in their `defineModule` (gathered in `registry.webhookEvents`): events the
 * platform publishes with the merchant's ID. Left out are `merchant.created` (it happens before
 * the merchant can have an endpoint), `consumer.registered` (it belongs to no merchant) and this
 * module's own `webhook_endpoint.*` events.
 */

/** Subscribing to `*` receives every declared type, including ones added later. */
export const allEvents = '*';

/** The type of the ping `POST /v1/webhook-endpoints/{id}/test` sends; it needs no subscription. */
export const testEventType = 'webhook.test';

/** True when an endpoint subscribed to `events` receives events of `type`. */
export function subscribes(events: readonly string[], type: string): boolean {
  return events.includes(allEvents) || events.includes(type);
}
