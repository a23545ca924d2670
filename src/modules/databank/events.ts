import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

/**
 * A brand erased a consumer from its data bank. The payload names the person only by the SHA-256
 * of their normalised email addresses, so the event itself keeps nothing personal; the
 * erase-consumer flow uses it to take the person out of the brand's other records (orders, carts,
 * events already sent).
 */
export const consumerErased = defineEvent(
  'consumer.erased',
  z.object({ profile_id: z.string(), email_hashes: z.array(z.string()) }),
);
