import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

/**
 * A seller was paid: the payout left the seller's balance for their bank. `requested_by` is the
 * person or key who asked for it (`user:usr_…`, `key:key_…`), or null for the platform's
 * scheduled run (`bos payouts run`, daily).
 */
export const payoutPaid = defineEvent(
  'payout.paid',
  z.object({
    payout_id: z.string(),
    currency: z.string(),
    amount_minor: z.number().int(),
    orders: z.number().int(),
    requested_by: z.string().nullable(),
  }),
);
