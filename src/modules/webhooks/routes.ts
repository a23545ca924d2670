import { z } from '@hono/zod-openapi';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { enqueueTestDelivery, listDeliveries, type WebhookDelivery } from './deliveries.js';
import { refusedEndpointUrl, type DestinationPolicy } from './destinations.js';
import { createWebhookEndpoint, deleteWebhookEndpoint, description_length_max, getWebhookEndpoint, listWebhookEndpoints, rotateWebhookEndpointSecret, rotation_overlap_s_default, rotation_overlap_s_max, updateWebhookEndpoint, url_length_max, type WebhookEndpoint } from './endpoints.js';
import { allEvents } from './event-types.js';
import { sendDeliveryNow } from './sender.js';
import { destinationPolicyOf } from './settings.js';

const urlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' })
  .max(url_length_max)
  .openapi({ example: 'https://example.com/openbos/webhooks' });

/** Checked against the declared types when a request comes (`checkEventTypes`), since modules declare them. */
const event_types_max = 200;
const eventTypesSchema = z
  .array(z.string().max(100))
  .min(1)
  .max(event_types_max)
  .openapi({ description: 'event types to receive (`GET /v1/webhook-event-types` lists them); `["*"]` receives every type', example: ['order.paid', 'order.shipped'] });

const eventTypeSchema = z
  .object({
    type: z.string().openapi({ example: 'order.paid' }),
    module: z.string().openapi({ description: 'the module that emits it', example: 'orders' }),
  })
  .openapi('WebhookEventType');

export const listEventTypesRoute = defineRoute({
  operationId: 'listWebhookEventTypes',
  method: 'get',
  path: '/v1/webhook-event-types',
  tags: ['Webhooks'],
  summary: 'The event types a webhook endpoint may subscribe to, as the platform’s modules declare them, in module order',
  access: { scope: ['webhooks:read', 'webhooks:write'], tenancy: 'public' },
  responses: { 200: jsonResponse(z.object({ data: z.array(eventTypeSchema) }), 'The event types') },
});

/** Refuses event types no module declares (400), naming each by its place in the list. */
function checkEventTypes(events: readonly string[] | undefined, known: ReadonlySet<string>): void {
  const errors = (events ?? []).flatMap((type, i) => (type === allEvents || known.has(type) ? [] : [{ field: `events.${i}`, location: 'body' as const, message: `no such event type: ${type}; GET /v1/webhook-event-types lists them` }]));
  if (errors.length > 0) throw problems.validation(errors);
}

/** Refuses (400, naming `url`) a URL whose host is a loopback, private or link-local address the operator did not allow. */
function checkDestination(url: string | undefined, policy: DestinationPolicy): void {
  const refused = url === undefined ? undefined : refusedEndpointUrl(url, policy);
  if (refused !== undefined) throw problems.validation([{ field: 'url', location: 'body', message: refused }]);
}

const newEndpointSchema = z
  .object({ url: urlSchema, description: z.string().max(description_length_max).optional(), events: eventTypesSchema })
  .strict();

const endpointChangesSchema = newEndpointSchema
  .partial()
  .extend({ enabled: z.boolean().optional().openapi({ description: '`false` stops deliveries (they wait); `true` resumes them' }) })
  .strict();

const endpointSchema = z
  .object({
    id: z.string().openapi({ example: 'whk_01JD4V8Q5B0Z6M3X9K2T7R1C8N' }),
    url: z.string(),
    description: z.string(),
    events: z.array(z.string()),
    enabled: z.boolean(),
    disabled_at: z.string().datetime().nullable(),
    secret_hint: z.string().openapi({ description: 'the last characters of the signing secret' }),
    previous_secret_expires_at: z.string().datetime().nullable().openapi({ description: 'after a secret rotation: until when the previous secret still signs deliveries, beside the new one; null when only one secret signs' }),
    created_at: z.string().datetime(),
    updated_at: z.string().datetime(),
  })
  .openapi('WebhookEndpoint');

const createdEndpointSchema = endpointSchema
  .extend({ secret: z.string().openapi({ description: 'the signing secret (`whsec_...`); shown only in this response' }) })
  .openapi('CreatedWebhookEndpoint');

const deliveryStatusSchema = z.enum(['pending', 'succeeded', 'failed', 'dead']);

const deliverySchema = z
  .object({
    id: z.string(),
    endpoint_id: z.string(),
    event_id: z.string().openapi({ description: 'the `id` of the body, and the `OpenBOS-Event-Id` header' }),
    event_type: z.string(),
    status: deliveryStatusSchema.openapi({ description: '`pending`: not tried yet; `failed`: the last try failed and a retry is scheduled; `dead`: given up' }),
    attempts: z.number().int(),
    last_response_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    next_attempt_at: z.string().datetime().nullable().openapi({ description: 'when the next try is due; null once settled' }),
    created_at: z.string().datetime(),
    delivered_at: z.string().datetime().nullable(),
  })
  .openapi('WebhookDelivery');

const endpointParams = z.object({ endpoint_id: z.string().max(64).openapi({ param: { name: 'endpoint_id', in: 'path' } }) });

function endpointJson(e: WebhookEndpoint): z.infer<typeof endpointSchema> {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: e.events,
    enabled: e.disabled_at === null,
    disabled_at: e.disabled_at?.toISOString() ?? null,
    secret_hint: e.secret_hint,
    previous_secret_expires_at: e.previous_secret_expires_at !== null && e.previous_secret_expires_at > new Date() ? e.previous_secret_expires_at.toISOString() : null,
    created_at: e.created_at.toISOString(),
    updated_at: e.updated_at.toISOString(),
  };
}

function deliveryJson(d: WebhookDelivery): z.infer<typeof deliverySchema> {
  const settled = d.status === 'succeeded' || d.status === 'dead';
  return {
    id: d.id,
    endpoint_id: d.endpoint_id,
    event_id: d.event_id,
    event_type: d.event_type,
    status: d.status,
    attempts: d.attempts,
    last_response_status: d.last_response_status,
    last_error: d.last_error,
    next_attempt_at: settled ? null : d.next_attempt_at.toISOString(),
    created_at: d.created_at.toISOString(),
    delivered_at: d.delivered_at?.toISOString() ?? null,
  };
}

export const listEndpointsRoute = defineRoute({
  operationId: 'listWebhookEndpoints',
  method: 'get',
  path: '/v1/webhook-endpoints',
  tags: ['Webhooks'],
  summary: 'List webhook endpoints',
  access: { scope: 'webhooks:read', tenancy: 'merchant' },
  request: { query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(endpointSchema), 'A page of webhook endpoints') },
});

export const createEndpointRoute = defineRoute({
  operationId: 'createWebhookEndpoint',
  method: 'post',
  path: '/v1/webhook-endpoints',
  tags: ['Webhooks'],
  summary: 'Register an endpoint for signed event deliveries; the signing secret is returned once',
  access: { scope: 'webhooks:write', tenancy: 'merchant' },
  request: jsonBody(newEndpointSchema),
  responses: { 201: jsonResponse(createdEndpointSchema, 'The new endpoint, with its signing secret') },
});

export const getEndpointRoute = defineRoute({
  operationId: 'getWebhookEndpoint',
  method: 'get',
  path: '/v1/webhook-endpoints/{endpoint_id}',
  tags: ['Webhooks'],
  summary: 'One webhook endpoint',
  access: { scope: 'webhooks:read', tenancy: 'merchant' },
  request: { params: endpointParams },
  responses: { 200: jsonResponse(endpointSchema, 'The endpoint') },
});

export const updateEndpointRoute = defineRoute({
  operationId: 'updateWebhookEndpoint',
  method: 'patch',
  path: '/v1/webhook-endpoints/{endpoint_id}',
  tags: ['Webhooks'],
  summary: 'Change an endpoint’s URL, description or events, or disable and enable it',
  access: { scope: 'webhooks:write', tenancy: 'merchant' },
  request: { params: endpointParams, ...jsonBody(endpointChangesSchema) },
  responses: { 200: jsonResponse(endpointSchema, 'The changed endpoint') },
});

export const deleteEndpointRoute = defineRoute({
  operationId: 'deleteWebhookEndpoint',
  method: 'delete',
  path: '/v1/webhook-endpoints/{endpoint_id}',
  tags: ['Webhooks'],
  summary: 'Delete an endpoint and its deliveries, pending ones included',
  access: { scope: 'webhooks:write', tenancy: 'merchant' },
  request: { params: endpointParams },
  responses: { 200: jsonResponse(z.object({ id: z.string(), deleted: z.literal(true) }), 'Deleted') },
});

export const listDeliveriesRoute = defineRoute({
  operationId: 'listWebhookDeliveries',
  method: 'get',
  path: '/v1/webhook-endpoints/{endpoint_id}/deliveries',
  tags: ['Webhooks'],
  summary: 'An endpoint’s deliveries and their outcomes, newest first',
  access: { scope: 'webhooks:read', tenancy: 'merchant' },
  request: { params: endpointParams, query: pageQuerySchema.extend({ status: deliveryStatusSchema.optional() }) },
  responses: { 200: jsonResponse(pageSchema(deliverySchema), 'A page of deliveries') },
});

export const sendTestRoute = defineRoute({
  operationId: 'sendTestWebhook',
  method: 'post',
  path: '/v1/webhook-endpoints/{endpoint_id}/test',
  tags: ['Webhooks'],
  summary: 'Send a signed `webhook.test` delivery to the endpoint at once, whatever it subscribes to and however many deliveries wait',
  access: { scope: 'webhooks:write', tenancy: 'merchant' },
  request: { params: endpointParams },
  responses: { 202: jsonResponse(deliverySchema, 'The delivery, being sent; its outcome shows in the endpoint’s deliveries within seconds') },
});

export const rotateSecretRoute = defineRoute({
  operationId: 'rotateWebhookSecret',
  method: 'post',
  path: '/v1/webhook-endpoints/{endpoint_id}/rotate-secret',
  tags: ['Webhooks'],
  summary: 'Give the endpoint a new signing secret, returned once; the old one keeps signing beside it for `overlap_s` seconds (default a day)',
  access: { scope: 'webhooks:write', tenancy: 'merchant' },
  request: {
    params: endpointParams,
    body: {
      required: false,
      content: {
        'application/json': {
          schema: z
            .object({
              overlap_s: z
                .number()
                .int()
                .min(0)
                .max(rotation_overlap_s_max)
                .optional()
                .openapi({ description: `seconds the previous secret still signs deliveries (default ${rotation_overlap_s_default}, at most ${rotation_overlap_s_max}); 0 drops it at once` }),
            })
            .strict(),
        },
      },
    },
  },
  responses: { 200: jsonResponse(createdEndpointSchema, 'The endpoint, with its new signing secret') },
});

export function registerRoutes(router: ModuleRouter, { db, registry, config, logger }: ModuleContext): void {
  const known = new Set(registry.webhookEvents.map((e) => e.type));
  const destinations = destinationPolicyOf(config);
  const senderLogger = logger.child({ component: 'webhooks' });
  router.route(listEventTypesRoute, (c) => c.json({ data: registry.webhookEvents.map(({ type, module }) => ({ type, module })) }, 200));

  router.route(listEndpointsRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const rows = await listWebhookEndpoints(db, c.get('caller').merchant_id, decodeCursor(cursor), limit + 1);
    const page = toPage(rows, limit);
    return c.json({ data: page.items.map(endpointJson), next_cursor: page.next_cursor }, 200);
  });

  router.route(createEndpointRoute, async (c) => {
    const caller = c.get('caller');
    const input = c.req.valid('json');
    checkEventTypes(input.events, known);
    checkDestination(input.url, destinations);
    const { endpoint, secret } = await createWebhookEndpoint(db, caller.merchant_id, input, caller.actor);
    return c.json({ ...endpointJson(endpoint), secret }, 201);
  });

  router.route(getEndpointRoute, async (c) => {
    const endpoint = await getWebhookEndpoint(db, c.get('caller').merchant_id, c.req.valid('param').endpoint_id);
    if (endpoint === undefined) throw problems.notFound('The webhook endpoint');
    return c.json(endpointJson(endpoint), 200);
  });

  router.route(updateEndpointRoute, async (c) => {
    const caller = c.get('caller');
    const changes = c.req.valid('json');
    checkEventTypes(changes.events, known);
    checkDestination(changes.url, destinations);
    const endpoint = await updateWebhookEndpoint(db, caller.merchant_id, c.req.valid('param').endpoint_id, changes, caller.actor);
    if (endpoint === undefined) throw problems.notFound('The webhook endpoint');
    return c.json(endpointJson(endpoint), 200);
  });

  router.route(deleteEndpointRoute, async (c) => {
    const caller = c.get('caller');
    const { endpoint_id } = c.req.valid('param');
    if (!(await deleteWebhookEndpoint(db, caller.merchant_id, endpoint_id, caller.actor))) throw problems.notFound('The webhook endpoint');
    return c.json({ id: endpoint_id, deleted: true as const }, 200);
  });

  router.route(listDeliveriesRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { endpoint_id } = c.req.valid('param');
    const { limit, cursor, status } = c.req.valid('query');
    if ((await getWebhookEndpoint(db, merchant_id, endpoint_id)) === undefined) throw problems.notFound('The webhook endpoint');
    const rows = await listDeliveries(db, merchant_id, endpoint_id, { status, before_id: decodeCursor(cursor), limit: limit + 1 });
    const page = toPage(rows, limit);
    return c.json({ data: page.items.map(deliveryJson), next_cursor: page.next_cursor }, 200);
  });

  router.route(sendTestRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const delivery = await enqueueTestDelivery(db, merchant_id, c.req.valid('param').endpoint_id);
    if (delivery === undefined) throw problems.notFound('The webhook endpoint');
    // Sent now, beside the sender's batches, so a backlog never delays the ping; the row is
    // already committed, so if this fails or the process stops, the sender delivers it.
    sendDeliveryNow(db, senderLogger, merchant_id, delivery.id, { destinations }).catch((error: unknown) => senderLogger.error({ err: error, delivery_id: delivery.id }, 'sending a test ping failed'));
    return c.json(deliveryJson(delivery), 202);
  });

  router.route(rotateSecretRoute, async (c) => {
    const caller = c.get('caller');
    const overlap_s = c.req.valid('json')?.overlap_s ?? rotation_overlap_s_default;
    const rotated = await rotateWebhookEndpointSecret(db, caller.merchant_id, c.req.valid('param').endpoint_id, overlap_s, caller.actor);
    if (rotated === undefined) throw problems.notFound('The webhook endpoint');
    return c.json({ ...endpointJson(rotated.endpoint), secret: rotated.secret }, 200);
  });
}
