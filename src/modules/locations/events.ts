import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

export const locationCreated = defineEvent(
  'location.created',
  z.object({ location_id: z.string(), kind: z.enum(['warehouse', 'store']), code: z.string(), latitude: z.number(), longitude: z.number() }),
);

export const locationUpdated = defineEvent('location.updated', z.object({ location_id: z.string(), changed: z.array(z.string()) }));
