import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

const message = z.object({ thread_id: z.string(), message_id: z.string(), location_id: z.string(), consumer_id: z.string(), guide_id: z.string().nullable() });

/** A consumer wrote to a store (its guides' apps and the console listen). */
export const storeMessageReceived = defineEvent('store.message_received', message);
/** The store answered a consumer. */
export const storeMessageAnswered = defineEvent('store.message_answered', message);

export const storeEvents = [storeMessageReceived, storeMessageAnswered];
