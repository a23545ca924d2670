import { onEvents } from '../../kernel/events/event.js';
import { defineModule } from '../../kernel/module.js';
import { checks } from './checks.js';
import { enqueueDeliveries, pruneDeliveries } from './deliveries.js';
import { dropExpiredPreviousSecrets } from './endpoints.js';
import { migrations } from './migrations.js';
import { registerRoutes } from './routes.js';
import { senderTask } from './sender.js';
import { webhookSettings } from './settings.js';

/**
 * Merchant webhooks: endpoints that receive the merchant's domain events as signed HTTP POSTs.
 * The outbox handler only queues deliveries; the sender posts them with bounded concurrency, a
 * timeout and retries with backoff. See docs/WEBHOOKS.md.
 */
export const webhooksModule = defineModule({
  name: 'webhooks',
  migrations,
  routes: registerRoutes,
  checks,
  settings: webhookSettings,
  // Every module's webhook-visible events (`webhookEvents` in its defineModule), gathered by the registry.
  handlers: ({ db, registry }) => registry.webhookEvents.map(({ definition }) => onEvents(definition, 'webhooks.enqueue', async (events) => void (await enqueueDeliveries(db, events)))),
  scopes: [
    { name: 'webhooks:read', kind: 'secret', description: 'Read webhook endpoints, their deliveries and the event types they may receive' },
    { name: 'webhooks:write', kind: 'secret', description: 'Add, change, test and delete webhook endpoints' },
  ],
  maintenance: [
    senderTask(1_000),
    {
      name: 'webhooks.prune_deliveries',
      interval_ms: 3_600_000,
      async run({ db }) {
        await pruneDeliveries(db);
        await dropExpiredPreviousSecrets(db);
      },
    },
  ],
});

export { createWebhookEndpoint, updateWebhookEndpoint, deleteWebhookEndpoint, getWebhookEndpoint, listWebhookEndpoints, rotateWebhookEndpointSecret, dropExpiredPreviousSecrets, endpoints_per_merchant_max, rotation_overlap_s_default, type WebhookEndpoint, type NewWebhookEndpoint, type WebhookEndpointChanges } from './endpoints.js';
export { enqueueDeliveries, enqueueTestDelivery, listDeliveries, pruneDeliveries, delivery_retention_ms, type WebhookDelivery } from './deliveries.js';
export { sendDueWebhooks, sendDeliveryNow, sender_defaults, attempts_max as delivery_attempts_max, backoff_base_ms, backoff_max_ms, type SenderOptions, type SendReport } from './sender.js';
export { verifyWebhookSignature, signWebhook, signatureHeader, eventIdHeader, signature_tolerance_s_default } from './signature.js';
export { testEventType } from './event-types.js';
export { destinationPolicy, forbiddenAddressKind, DestinationRefusedError, type DestinationPolicy, type Resolver, type ResolvedAddress } from './destinations.js';
export { webhookSettings } from './settings.js';
export { webhookEndpointCreated, webhookEndpointUpdated, webhookEndpointDeleted } from './events.js';
export type { DeliveryStatus } from './tables.js';
export { redactDeliveries } from './redact.js';
