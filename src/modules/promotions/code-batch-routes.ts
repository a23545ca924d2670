import { z } from '@hono/zod-openapi';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { batch_codes_max, codeBatchCsv, createCodeBatch, getCodeBatch, listCodeBatches, type CodeBatch, type CodeBatchUsage } from './code-batches.js';
import { getPromotion } from './promotions.js';

const id = z.string().min(1).max(64);
const promotionParam = z.object({ promotion_id: id.openapi({ param: { name: 'promotion_id', in: 'path' } }) });
const batchParam = z.object({ batch_id: id.openapi({ param: { name: 'batch_id', in: 'path' } }) });
const read = { scope: 'promotions:read', tenancy: 'merchant' } as const;
const write = { scope: 'promotions:write', tenancy: 'merchant' } as const;

const newBatchSchema = z
  .object({
    count: z.number().int().min(1, 'must be at least 1').max(batch_codes_max, `must be at most ${batch_codes_max}`).openapi({ description: 'how many unique codes', example: 10_000 }),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9]{1,12}$/, 'must be 1-12 letters or digits')
      .transform((p) => p.toUpperCase())
      .optional()
      .openapi({ description: 'starts every code: `SPRING` gives `SPRING-XXXX-XXXX`', example: 'SPRING' }),
    uses_per_code: z.number().int().min(1).max(1_000_000).nullable().default(1).openapi({ description: 'checkouts each code may serve; 1 (the default) is single use; null: only the promotion’s own limits' }),
  })
  .strict();

const batchSchema = z
  .object({
    id: z.string(),
    promotion_id: z.string(),
    prefix: z.string().nullable(),
    count: z.number().int(),
    uses_per_code: z.number().int().nullable(),
    created_at: z.string(),
  })
  .openapi('CouponCodeBatch');

const batchUsageSchema = batchSchema
  .extend({
    uses: z.number().int().openapi({ description: 'checkouts its codes have served so far (a closed order gives its use back)' }),
    codes_used: z.number().int().openapi({ description: 'codes used at least once' }),
  })
  .openapi('CouponCodeBatchUsage');

function batchJson(b: CodeBatch): z.infer<typeof batchSchema> {
  return { id: b.id, promotion_id: b.promotion_id, prefix: b.prefix === '' ? null : b.prefix, count: b.count, uses_per_code: b.uses_per_code, created_at: b.created_at.toISOString() };
}

const batchUsageJson = (b: CodeBatchUsage): z.infer<typeof batchUsageSchema> => ({ ...batchJson(b), uses: b.uses, codes_used: b.codes_used });

export const createCodeBatchRoute = defineRoute({
  operationId: 'createCouponCodeBatch',
  method: 'post',
  path: '/v1/promotions/{promotion_id}/code-batches',
  tags: ['Promotions'],
  summary: `Generate up to ${batch_codes_max} unique random codes for a coupon promotion, all or none; export them with GET /v1/code-batches/{batch_id}/codes.csv`,
  access: write,
  request: { params: promotionParam, ...jsonBody(newBatchSchema) },
  responses: { 201: jsonResponse(batchSchema, 'The batch, its codes written') },
});

export const listCodeBatchesRoute = defineRoute({
  operationId: 'listCouponCodeBatches',
  method: 'get',
  path: '/v1/promotions/{promotion_id}/code-batches',
  tags: ['Promotions'],
  summary: 'A coupon promotion’s code batches, newest first, with how much their codes have been used',
  access: read,
  request: { params: promotionParam, query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(batchUsageSchema), 'A page of code batches') },
});

export const exportCodeBatchRoute = defineRoute({
  operationId: 'exportCouponCodesCsv',
  method: 'get',
  path: '/v1/code-batches/{batch_id}/codes.csv',
  tags: ['Promotions'],
  summary: 'A batch’s codes as CSV (RFC 4180): `code,uses,uses_max`, one header row, then one row per code in code order',
  access: read,
  request: { params: batchParam },
  responses: { 200: { description: 'One header row, then one row per code', content: { 'text/csv': { schema: z.string() } } } },
});

export function registerCodeBatchRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(createCodeBatchRoute, async (c) => {
    const input = c.req.valid('json');
    const batch = await createCodeBatch(db, c.get('caller').merchant_id, c.req.valid('param').promotion_id, { count: input.count, prefix: input.prefix ?? '', uses_per_code: input.uses_per_code });
    if (batch === undefined) throw problems.notFound('The promotion');
    return c.json(batchJson(batch), 201);
  });

  router.route(listCodeBatchesRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { promotion_id } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    if ((await getPromotion(db, merchant_id, promotion_id)) === undefined) throw problems.notFound('The promotion');
    const page = toPage(await listCodeBatches(db, merchant_id, promotion_id, { before_id: decodeCursor(cursor), limit: limit + 1 }), limit);
    return c.json({ data: page.items.map(batchUsageJson), next_cursor: page.next_cursor }, 200);
  });

  router.route(exportCodeBatchRoute, async (c) => {
    const batch = await getCodeBatch(db, c.get('caller').merchant_id, c.req.valid('param').batch_id);
    if (batch === undefined) throw problems.notFound('The code batch');
    const filename = `${batch.prefix === '' ? 'codes' : batch.prefix.toLowerCase()}-${batch.id}.csv`;
    return c.body(codeBatchCsv(db, batch), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"` });
  });
}
