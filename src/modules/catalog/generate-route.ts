import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { generateVariants } from './generate-variants.js';
import { openStorage } from '../../kernel/storage/index.js';
import { priceInput, productJson, productOut, productParams, requestMediaUrls } from './routes.js';

export const generateVariantsRoute = defineRoute({
  operationId: 'generateVariants',
  method: 'post',
  path: '/v1/products/{product_id}/variants/generate',
  tags: ['Catalog'],
  summary: 'Make a variant for every combination of the options’ values that no variant has yet (size × colour …); existing combinations are left alone',
  access: { scope: 'catalog:write', tenancy: 'merchant' },
  request: {
    params: productParams,
    ...jsonBody(
      z
        .object({
          sku_pattern: z
            .string()
            .min(1)
            .max(64)
            .optional()
            .openapi({ description: 'SKU of each new variant: `{base}` the stem the existing SKUs share (or the title’s), `{values}` all values joined by `-`, `{<option>}` one option’s value. Default `{base}-{values}`', example: 'TEE-{color}-{size}' }),
          prices: z.array(priceInput).max(50).optional().openapi({ description: 'prices every new variant starts with; none: set them later (bulk edit)' }),
        })
        .strict(),
    ),
  },
  responses: { 200: jsonResponse(z.object({ created_variant_ids: z.array(z.string()), product: productOut }), 'The variants made (none when every combination exists) and the product') },
});

export function registerGenerateRoute(router: ModuleRouter, { db, config }: ModuleContext): void {
  const urlsFor = requestMediaUrls(config, openStorage(config));
  router.route(generateVariantsRoute, async (c) => {
    const result = await generateVariants(db, c.get('caller').merchant_id, c.req.valid('param').product_id, c.req.valid('json'));
    if (result === undefined) throw problems.notFound('The product');
    return c.json({ created_variant_ids: result.created_variant_ids, product: productJson(result.product, urlsFor(c)) }, 200);
  });
}
