import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { setPromotionFunding } from '../promotions/index.js';

const pathParam = (name: string) => z.string().min(1).max(64).openapi({ param: { name, in: 'path' } });

export const setPromotionFundingRoute = defineRoute({
  operationId: 'setPromotionFunding',
  method: 'put',
  path: '/v1/platform/promotions/{merchant_id}/{promotion_id}/funding',
  tags: ['Platform operator'],
  summary: 'Grant platform funding to a merchant’s promotion (the platform pays its discounts into escrow at capture) or revoke it; orders already placed keep their funder',
  access: { scope: 'platform:write', tenancy: 'platform' },
  request: {
    params: z.object({ merchant_id: pathParam('merchant_id'), promotion_id: pathParam('promotion_id') }),
    ...jsonBody(
      z
        .object({
          funded_by: z.enum(['seller', 'platform']).openapi({ description: '`platform` grants it (the promotion needs a money budget, which bounds what the platform spends); `seller` revokes it' }),
          reason: z.string().trim().min(1).max(500).openapi({ description: 'why, for the operator’s log' }),
        })
        .strict(),
    ),
  },
  responses: {
    200: jsonResponse(
      z.object({ merchant_id: z.string(), promotion_id: z.string(), funded_by: z.enum(['seller', 'platform']), budget_minor: z.number().int().nullable(), spent_minor: z.number().int(), currency: z.string() }),
      'The promotion’s funding now',
    ),
  },
});

/**
 * Who funds a merchant's promotion is the platform's decision when the platform pays: a merchant
 * cannot choose `platform` by itself (promotions refuses it), only the operator here.
 */
export function registerPromotionFundingRoutes(router: ModuleRouter, { db, logger }: ModuleContext): void {
  router.route(setPromotionFundingRoute, async (c) => {
    const { merchant_id, promotion_id } = c.req.valid('param');
    const { funded_by, reason } = c.req.valid('json');
    const p = await setPromotionFunding(db, merchant_id, promotion_id, funded_by);
    if (p === undefined) throw problems.notFound('The promotion');
    logger.info({ merchant_id, promotion_id, funded_by, reason, actor: `platform:${c.get('caller').actor}` }, 'promotion funding set by the platform operator');
    return c.json({ merchant_id, promotion_id, funded_by: p.funded_by, budget_minor: p.budget_minor === null ? null : toJsonAmount(p.budget_minor), spent_minor: toJsonAmount(p.spent_minor), currency: p.currency }, 200);
  });
}
