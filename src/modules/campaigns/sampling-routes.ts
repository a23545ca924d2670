import { z } from '@hono/zod-openapi';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { currencySchema, toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { ruleSchema } from '../audiences/index.js';
import { createSamplingCampaign, getSamplingCampaign, listSamplingCampaigns, samplingResults, type SamplingCampaign, type SamplingResults } from './sampling.js';

export const campaignsRead = { scope: 'campaigns:read', tenancy: 'merchant' } as const;
export const campaignsWrite = { scope: 'campaigns:write', tenancy: 'merchant' } as const;

const id = z.string().trim().min(1).max(64);

export const newSamplingCampaignSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    audience: z.union([z.object({ audience_id: id }).strict(), z.object({ rule: ruleSchema }).strict()]).openapi({ description: 'a saved audience of the brand, or a rule: the consumers to rank' }),
    target: z.union([z.object({ product_id: id }).strict(), z.object({ category_id: id }).strict()]).openapi({ description: 'what the campaign wants bought: a product, or any product of a category' }),
    variant_id: id.openapi({ description: 'the sample: a variant of the brand, sent at price 0' }),
    top_n: z.number().int().min(1).max(100_000).openapi({ description: 'samples to send at most' }),
    budget_minor: z.number().int().min(1, 'must be positive').max(1_000_000_000_00).openapi({ description: 'what the samples may cost in all, in the brand’s currency; it bounds N' }),
    sample_cost_minor: z.number().int().min(0).max(1_000_000_000).optional().openapi({ description: 'what one sample costs the brand; the variant’s price when absent' }),
    currency: currencySchema.optional().openapi({ description: 'the currency of the budget and of the sample’s price; the brand’s default currency when absent' }),
    control_share: z.number().min(0).max(0.5).default(0.5).openapi({ description: 'the share held back: consecutive ranks in blocks of 1/share, one held back per block (0.5: pairs)' }),
    conversion_days: z.number().int().min(1).max(90).default(14).openapi({ description: 'a consumer converted when they bought the target within this many days after the samples were sent; also the model’s label window' }),
  })
  .strict()
  .openapi('NewSamplingCampaign');

const modelSchema = z.object({
  kind: z.enum(['logistic', 'prior']).openapi({ description: '`logistic`: learned from the brand’s consumers; `prior`: too few buyers of the target to learn from, ranked by fixed weights on the same signals' }),
  training_rows: z.number().int(),
  positives: z.number().int(),
  window_days: z.number().int(),
  top_weights: z.array(z.object({ feature: z.string(), weight: z.number() })),
});

export const samplingCampaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.string(),
    target: z.union([z.object({ product_id: z.string() }), z.object({ category_id: z.string() })]),
    variant_id: z.string(),
    currency: z.string(),
    top_n: z.number().int(),
    budget_minor: z.number().int(),
    sample_cost_minor: z.number().int(),
    control_share: z.number(),
    conversion_days: z.number().int(),
    audience_size: z.number().int().openapi({ description: 'consumers ranked' }),
    treatment: z.number().int().openapi({ description: 'consumers chosen for a sample' }),
    control: z.number().int().openapi({ description: 'equally ranked consumers held back' }),
    model: modelSchema,
    sent_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('SamplingCampaign');

const lift = z
  .object({
    treatment_rate: z.number(),
    control_rate: z.number(),
    difference: z.number().openapi({ description: 'treatment rate − control rate (0.05: five percentage points)' }),
    lower: z.number().openapi({ description: '95% interval, Newcombe’s hybrid score method' }),
    upper: z.number(),
    relative: z.number().nullable().openapi({ description: 'difference ÷ control rate; null when the control converted nobody' }),
    significant: z.boolean().openapi({ description: 'the interval excludes 0' }),
  })
  .openapi('SamplingLift');

export const samplingResultsSchema = z
  .object({
    campaign_id: z.string(),
    sent_at: z.string().nullable(),
    window_ends_at: z.string().nullable(),
    final: z.boolean().openapi({ description: 'the conversion window is over' }),
    treatment: z.object({ consumers: z.number().int(), samples_sent: z.number().int(), converted: z.number().int() }),
    control: z.object({ consumers: z.number().int(), converted: z.number().int() }),
    lift: lift.nullable(),
  })
  .openapi('SamplingResults');

export function samplingCampaignJson(c: SamplingCampaign): z.infer<typeof samplingCampaignSchema> {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    target: c.target,
    variant_id: c.variant_id,
    currency: c.currency,
    top_n: c.top_n,
    budget_minor: toJsonAmount(c.budget_minor),
    sample_cost_minor: toJsonAmount(c.sample_cost_minor),
    control_share: c.control_share,
    conversion_days: c.conversion_days,
    audience_size: c.audience_size,
    treatment: c.treatment,
    control: c.control,
    model: c.model,
    sent_at: c.sent_at?.toISOString() ?? null,
    created_at: c.created_at.toISOString(),
  };
}

function resultsJson(r: SamplingResults): z.infer<typeof samplingResultsSchema> {
  return { ...r, sent_at: r.sent_at?.toISOString() ?? null, window_ends_at: r.window_ends_at?.toISOString() ?? null };
}

export const campaignParam = z.object({ campaign_id: id.openapi({ param: { name: 'campaign_id', in: 'path' } }) });

export const createSamplingCampaignRoute = defineRoute({
  operationId: 'createSamplingCampaign',
  method: 'post',
  path: '/v1/sampling-campaigns',
  tags: ['Campaigns'],
  summary: 'Create a sampling campaign: rank the audience by its propensity to buy the target, choose the top N the budget pays for, and hold back an equally ranked control group',
  access: campaignsWrite,
  request: jsonBody(newSamplingCampaignSchema),
  responses: { 201: jsonResponse(samplingCampaignSchema, 'The campaign, a draft with its enrolments') },
});

export const listSamplingCampaignsRoute = defineRoute({
  operationId: 'listSamplingCampaigns',
  method: 'get',
  path: '/v1/sampling-campaigns',
  tags: ['Campaigns'],
  summary: 'The brand’s sampling campaigns, newest first',
  access: campaignsRead,
  request: { query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(samplingCampaignSchema), 'A page of sampling campaigns') },
});

export const getSamplingCampaignRoute = defineRoute({
  operationId: 'getSamplingCampaign',
  method: 'get',
  path: '/v1/sampling-campaigns/{campaign_id}',
  tags: ['Campaigns'],
  summary: 'A sampling campaign',
  access: campaignsRead,
  request: { params: campaignParam },
  responses: { 200: jsonResponse(samplingCampaignSchema, 'The campaign') },
});

export const samplingResultsRoute = defineRoute({
  operationId: 'getSamplingCampaignResults',
  method: 'get',
  path: '/v1/sampling-campaigns/{campaign_id}/results',
  tags: ['Campaigns'],
  summary: 'Conversion of the sampled consumers against the held-back ones, and the lift with its 95% interval',
  access: campaignsRead,
  request: { params: campaignParam },
  responses: { 200: jsonResponse(samplingResultsSchema, 'The results so far') },
});

export function registerSamplingRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(createSamplingCampaignRoute, async (c) => {
    const campaign = await createSamplingCampaign(db, c.get('caller').merchant_id, c.req.valid('json'));
    return c.json(samplingCampaignJson(campaign), 201);
  });
  router.route(listSamplingCampaignsRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const page = toPage(await listSamplingCampaigns(db, c.get('caller').merchant_id, { before_id: decodeCursor(cursor), limit: limit + 1 }), limit);
    return c.json({ data: page.items.map(samplingCampaignJson), next_cursor: page.next_cursor }, 200);
  });
  router.route(getSamplingCampaignRoute, async (c) => {
    const campaign = await getSamplingCampaign(db, c.get('caller').merchant_id, c.req.valid('param').campaign_id);
    if (campaign === undefined) throw problems.notFound('The sampling campaign');
    return c.json(samplingCampaignJson(campaign), 200);
  });
  router.route(samplingResultsRoute, async (c) => {
    const results = await samplingResults(db, c.get('caller').merchant_id, c.req.valid('param').campaign_id);
    if (results === undefined) throw problems.notFound('The sampling campaign');
    return c.json(resultsJson(results), 200);
  });
}
