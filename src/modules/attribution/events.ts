import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

/**
 * A view, click, cart or purchase that followed a recommendation or a search answer, recorded
 * once (a touch sent again publishes nothing). The data bank files views, clicks and carts of an
 * identified consumer from it (`databank-events.ts`).
 */
export const attributionTouched = defineEvent(
  'attribution.touched',
  z.object({
    touch_id: z.string(),
    served_id: z.string(),
    source: z.enum(['recommendation', 'search']),
    placement: z.string(),
    kind: z.enum(['view', 'click', 'cart', 'purchase']),
    product_id: z.string(),
    order_id: z.string().nullable(),
    anonymous_id: z.string().nullable(),
    consumer_id: z.string().nullable(),
    occurred_at: z.string(),
  }),
);

/** Order lines attributed to recommendations or search once their order was paid. */
export const attributionOrderAttributed = defineEvent(
  'attribution.order_attributed',
  z.object({
    order_id: z.string(),
    currency: z.string(),
    lines: z.array(z.object({ line_no: z.number().int(), product_id: z.string(), placement: z.string(), served_id: z.string(), amount_minor: z.number().int() })),
  }),
);
