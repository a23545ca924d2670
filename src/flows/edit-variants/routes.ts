import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { currencySchema, priceMinorSchema } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { quantity_max } from '../../modules/inventory/index.js';
import { editVariants } from './edit-variants.js';

/** Rows one bulk edit may hold: every variant of a product, twice over (price and stock at two locations). */
export const bulk_edit_rows_max = 200;

const id = z.string().min(1).max(64);
const row = z
  .object({
    variant_id: id,
    price: z.object({ currency: currencySchema, amount_minor: priceMinorSchema }).strict().optional().openapi({ description: 'the new base price (from quantity 1) in this currency; other currencies and tiers stay' }),
    stock: z
      .object({
        location_id: id,
        on_hand: z.number().int().min(0).max(quantity_max).optional().openapi({ description: 'the counted quantity on hand (a stocktake)' }),
        on_hand_delta: z.number().int().min(-quantity_max).max(quantity_max).optional().openapi({ description: 'units to add (receipt found) or take away (damage, loss)' }),
      })
      .strict()
      .refine((s) => (s.on_hand === undefined) !== (s.on_hand_delta === undefined), 'give either on_hand or on_hand_delta')
      .optional(),
  })
  .strict()
  .refine((r) => r.price !== undefined || r.stock !== undefined, 'give a price, a stock change, or both');

const bulkInput = z
  .object({
    rows: z.array(row).min(1).max(bulk_edit_rows_max),
    note: z.string().min(1).max(500).optional().openapi({ description: 'why stock changed, kept on its journal rows; default "bulk edit"' }),
  })
  .strict()
  .superRefine((input, ctx) => {
    const seen = new Map<string, number>();
    input.rows.forEach((r, i) => {
      for (const key of [r.price === undefined ? undefined : `price ${r.variant_id} ${r.price.currency}`, r.stock === undefined ? undefined : `stock ${r.variant_id} ${r.stock.location_id}`]) {
        if (key === undefined) continue;
        if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['rows', i], message: `row ${seen.get(key)} already changes this ${key.split(' ')[0]}` });
        else seen.set(key, i);
      }
    });
  });

export const bulkEditVariantsRoute = defineRoute({
  operationId: 'bulkEditVariants',
  method: 'post',
  path: '/v1/variants/bulk-edit',
  tags: ['Catalog'],
  summary: `Set base prices and stock of many variants in one request (at most ${bulk_edit_rows_max} rows): all rows or none. A row naming an unknown variant or location is 404, one that would leave less on hand than is reserved 409 \`insufficient_stock\`, each naming its row. Stock changes need \`inventory:write\` too`,
  access: { scope: 'catalog:write', tenancy: 'merchant' },
  request: jsonBody(bulkInput),
  responses: {
    200: jsonResponse(
      z.object({
        edit_id: z.string().openapi({ description: 'the reference of the stock journal rows it booked' }),
        prices_set: z.number().int(),
        stock: z.array(z.object({ variant_id: z.string(), location_id: z.string(), on_hand: z.number().int(), reserved: z.number().int(), available: z.number().int() })),
      }),
      'Every row applied',
    ),
  },
});

export function registerRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(bulkEditVariantsRoute, async (c) => {
    const caller = c.get('caller');
    const input = c.req.valid('json');
    if (input.rows.some((r) => r.stock !== undefined) && !caller.scopes.has('inventory:write')) throw problems.forbidden('inventory:write');
    return c.json(await editVariants(db, caller.merchant_id, input.rows, input.note ?? 'bulk edit'), 200);
  });
}
