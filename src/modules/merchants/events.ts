import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

export const merchantCreated = defineEvent(
  'merchant.created',
  z.object({ merchant_id: z.string(), handle: z.string(), kind: z.string() }),
);

export const apiKeyCreated = defineEvent(
  'api_key.created',
  z.object({ key_id: z.string(), kind: z.enum(['secret', 'publishable']), scopes: z.array(z.string()) }),
);

export const apiKeyRevoked = defineEvent('api_key.revoked', z.object({ key_id: z.string() }));

/** A key's name or allowed origins changed. */
export const apiKeyUpdated = defineEvent('api_key.updated', z.object({ key_id: z.string(), name: z.string(), allowed_origins: z.array(z.string()) }));
