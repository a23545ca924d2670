import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

export const webhookEndpointCreated = defineEvent('webhook_endpoint.created', z.object({ endpoint_id: z.string(), url: z.string(), events: z.array(z.string()) }));

export const webhookEndpointUpdated = defineEvent('webhook_endpoint.updated', z.object({ endpoint_id: z.string(), changed: z.array(z.string()) }));

export const webhookEndpointDeleted = defineEvent('webhook_endpoint.deleted', z.object({ endpoint_id: z.string() }));
