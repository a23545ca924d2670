import { z } from '@hono/zod-openapi';
import { quantity_max } from '../../modules/inventory/index.js';
import { deliveryKinds } from '../../modules/orders/index.js';

/*
 * The parts of a checkout's body shared by POST /v1/checkouts, the cart checkout and the price
 * quote, so a quote takes exactly what a checkout takes.
 */
const id = z.string().min(1).max(64);
const quantity = z.number().int('must be a whole number of units').min(1, 'must be at least 1').max(quantity_max, `must be at most ${quantity_max}`);

export const checkoutItem = z
  .object({
    variant_id: id,
    quantity,
    expected_unit_price_minor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().openapi({ description: 'the price the buyer saw; a different server price refuses the checkout' }),
  })
  .strict();
export const fulfilment = z.record(id, id).optional().openapi({ description: 'location per seller: `{ "mer_...": "loc_..." }`; by default the location with most stock' });
const text = (max: number) => z.string().trim().min(1).max(max);
const deliveryChoice = z
  .object({
    kind: z.enum(deliveryKinds),
    location_id: id.optional().openapi({ description: 'express and pickup: the store that serves it, as the delivery options named it' }),
    expected_price_minor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({ description: 'the delivery price the buyer saw; a different price refuses the checkout (422 `delivery_price_changed`)' }),
    expected_by: z.string().datetime({ offset: true }).optional().openapi({ description: 'the promised time the buyer saw (window_to, ready_by or deliver_by); a promise later than it by more than 10 minutes refuses the checkout (409 `delivery_promise_changed`)' }),
  })
  .strict();
export const delivery = z
  .object({
    recipient: z.object({ name: text(200), phone: z.string().trim().regex(/^\+?[0-9 ()-]{5,32}$/, 'must be a phone number') }).strict(),
    address: z
      .object({ line1: text(300), city: text(100), country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2'), postal_code: text(20).optional(), latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) })
      .strict()
      .optional()
      .openapi({ description: 'where to deliver, with its coordinates; not needed when every option is pickup' }),
    option: deliveryChoice.optional().openapi({ description: 'the option for every seller of the checkout' }),
    sellers: z.record(id, deliveryChoice).optional().openapi({ description: 'the option per seller, `{ "mer_...": {...} }`, over `option`' }),
  })
  .strict()
  .optional()
  .openapi({ description: 'the delivery chosen from POST /v1/delivery-options: the server recomputes the promise and reserves stock where it is served from (one order per place for a split carrier delivery); without it, checkout reserves as before and records no delivery' });
export const coupons = z
  .object({
    codes: z.array(z.string().trim().min(1).max(40)).max(5).optional().openapi({ description: 'coupon codes the buyer typed; each must apply, or the checkout is refused with the reason' }),
    wallet: z
      .union([z.literal('best'), z.array(id).max(5)])
      .optional()
      .openapi({ description: 'a signed-in consumer’s wallet coupons: their IDs (each must apply), or `best` for the best combination the wallet offers' }),
  })
  .strict()
  .optional()
  .openapi({ description: 'coupons for this checkout; automatic promotions apply without them' });
