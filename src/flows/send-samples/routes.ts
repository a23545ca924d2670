import { z } from '@hono/zod-openapi';
import { defineRoute, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { campaignParam, campaignsWrite } from '../../modules/campaigns/index.js';
import { sendSamples } from './send-samples.js';

const sentSchema = z
  .object({
    campaign_id: z.string(),
    sent: z.number().int().openapi({ description: 'samples placed as zero-price orders, paid and in fulfilment' }),
    skipped: z.array(z.object({ profile_id: z.string(), reason: z.enum(['no_address', 'out_of_stock']) })).openapi({ description: 'treatment consumers who got no sample, and why' }),
    order_ids: z.array(z.string()),
  })
  .openapi('SentSamples');

export const sendSamplesRoute = defineRoute({
  operationId: 'sendSamplingCampaign',
  method: 'post',
  path: '/v1/sampling-campaigns/{campaign_id}/send',
  tags: ['Campaigns'],
  summary: 'Send the samples: one zero-price order per treatment consumer, to the address of their latest delivery, straight into fulfilment; once per campaign (409 after)',
  access: campaignsWrite,
  request: { params: campaignParam },
  responses: { 200: jsonResponse(sentSchema, 'What was sent and what was skipped') },
});

export function registerRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(sendSamplesRoute, async (c) => c.json(await sendSamples(db, c.get('caller').merchant_id, c.req.valid('param').campaign_id), 200));
}
