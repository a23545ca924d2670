import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

/**
 * What happens in a store, as typed domain events (published in the transaction that did it).
 * Those that concern a consumer are filed in the brand's data bank by `databank-events.ts`, with
 * the store: `Store Visited` (a visit is Interested), `Product Scanned`, `Store Purchase` (the
 * purchase itself is filed by the order's own `Order Paid`), `Store Left`.
 */
const store = { location_id: z.string(), consumer_id: z.string().nullable() };

/** A consumer came in: an entry gate accepted their code, or they opened a scan-and-pay basket. */
export const storeEntered = defineEvent('instore.entered', z.object({ ...store, via: z.enum(['gate', 'basket', 'pos']), session_id: z.string() }));
/** A product was scanned into a basket (scan-and-pay or a till). */
export const productScanned = defineEvent('instore.scanned', z.object({ ...store, basket_id: z.string(), variant_id: z.string(), quantity: z.number().int() }));
/** An in-store sale was charged: a basket, a till sale or an unattended session. */
export const storeSalePaid = defineEvent(
  'instore.paid',
  z.object({ ...store, source_kind: z.enum(['basket', 'pos', 'session']), source_id: z.string(), order_id: z.string(), total_minor: z.string(), currency: z.string() }),
);
/** A consumer left: an exit gate closed their session (charged, on review, or empty). */
export const storeLeft = defineEvent('instore.left', z.object({ ...store, session_id: z.string(), outcome: z.enum(['charged', 'review', 'empty']) }));

export const instoreEvents = [storeEntered, productScanned, storeSalePaid, storeLeft] as const;
