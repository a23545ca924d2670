import { z } from '@hono/zod-openapi';
import { decodeCursor, keyCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { ruleSchema } from '../audiences/index.js';
import { cancelCampaign, pauseCampaign, resumeCampaign, startCampaign } from './engine.js';
import { entrySchema, stepsSchema } from './journey.js';
import { campaignPorts } from './ports.js';
import { seasonFlows } from './seasons.js';
import {
  campaignStatuses,
  createCampaign,
  createSeason,
  deleteCampaign,
  deleteSeason,
  enrolmentCounts,
  getCampaign,
  getSeason,
  listCampaigns,
  listEnrolments,
  listSeasons,
  phases,
  updateCampaign,
  updateSeason,
  type Campaign,
  type EnrolmentCounts,
  type Season,
} from './store.js';

const when = z.string().datetime({ offset: true });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');

export const newCampaignSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    entry: entrySchema,
    steps: stepsSchema,
    control_share: z.number().min(0).max(0.5).default(0).openapi({ description: 'share of enrolled consumers held back as a control group (0-0.5): they walk the journey but are sent nothing and given nothing' }),
    season_id: z.string().max(64).nullable().optional(),
    phase: z.enum(phases).nullable().optional().openapi({ description: 'the campaign’s place in its season: acquire, seed, recall or convert' }),
    starts_at: when.nullable().optional().openapi({ description: 'when it starts (absent: when started); a start in the past is refused' }),
    ends_at: when.nullable().optional().openapi({ description: 'after this, no one enrols any more' }),
    conversion_days: z.number().int().min(1).max(90).optional(),
  })
  .strict();

const countsSchema = z.object({ enrolled: z.number().int(), treatment: z.number().int(), control: z.number().int(), active: z.number().int(), done: z.number().int(), exited: z.number().int() });

const campaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(campaignStatuses),
    entry: entrySchema,
    steps: stepsSchema,
    control_share: z.number(),
    season_id: z.string().nullable(),
    phase: z.enum(phases).nullable(),
    starts_at: z.string().nullable(),
    ends_at: z.string().nullable(),
    conversion_days: z.number().int(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    enrolments: countsSchema.optional().openapi({ description: 'who entered, by arm and by where they are (on the single campaign)' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Campaign');

export function campaignJson(c: Campaign, counts?: EnrolmentCounts): z.infer<typeof campaignSchema> {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    entry: c.entry,
    steps: c.steps,
    control_share: c.control_share,
    season_id: c.season_id,
    phase: c.phase,
    starts_at: c.starts_at?.toISOString() ?? null,
    ends_at: c.ends_at?.toISOString() ?? null,
    conversion_days: c.conversion_days,
    started_at: c.started_at?.toISOString() ?? null,
    completed_at: c.completed_at?.toISOString() ?? null,
    ...(counts === undefined ? {} : { enrolments: counts }),
    created_at: c.created_at.toISOString(),
    updated_at: c.updated_at.toISOString(),
  };
}

const seasonSchema = z
  .object({ id: z.string(), name: z.string(), starts_on: z.string(), ends_on: z.string(), created_at: z.string(), campaigns: z.array(campaignSchema).optional().openapi({ description: 'its campaigns, for the calendar (on the single season)' }) })
  .openapi('CampaignSeason');

const seasonJson = (s: Season, campaigns?: Campaign[]): z.infer<typeof seasonSchema> => ({
  id: s.id,
  name: s.name,
  starts_on: s.starts_on,
  ends_on: s.ends_on,
  created_at: s.created_at.toISOString(),
  ...(campaigns === undefined ? {} : { campaigns: campaigns.map((c) => campaignJson(c)) }),
});

const newSeasonSchema = z.object({ name: z.string().trim().min(1).max(200), starts_on: day, ends_on: day }).strict();

const enrolmentSchema = z
  .object({ profile_id: z.string(), arm: z.enum(['treatment', 'control']), step_index: z.number().int(), status: z.enum(['active', 'done', 'exited']), next_at: z.string().nullable(), entered_at: z.string(), step_entered_at: z.string() })
  .openapi('CampaignEnrolment');

const params = z.object({ campaign_id: z.string().max(64).openapi({ param: { name: 'campaign_id', in: 'path' } }) });
const seasonParams = z.object({ season_id: z.string().max(64).openapi({ param: { name: 'season_id', in: 'path' } }) });
const read = { scope: 'campaigns:read', tenancy: 'merchant' } as const;
const write = { scope: 'campaigns:write', tenancy: 'merchant' } as const;
const tags = ['Campaigns'];

export const createCampaignRoute = defineRoute({
  operationId: 'createCampaign',
  method: 'post',
  path: '/v1/campaigns',
  tags,
  summary: 'Create a campaign (a draft): its entry, its journey of steps, its control group and schedule',
  access: write,
  request: jsonBody(newCampaignSchema),
  responses: { 201: jsonResponse(campaignSchema, 'The campaign, a draft') },
});

export const listCampaignsRoute = defineRoute({
  operationId: 'listCampaigns',
  method: 'get',
  path: '/v1/campaigns',
  tags,
  summary: 'The merchant’s campaigns, newest first',
  access: read,
  request: { query: pageQuerySchema.extend({ status: z.enum(campaignStatuses).optional(), season_id: z.string().max(64).optional() }) },
  responses: { 200: jsonResponse(pageSchema(campaignSchema), 'A page of campaigns') },
});

export const getCampaignRoute = defineRoute({
  operationId: 'getCampaign',
  method: 'get',
  path: '/v1/campaigns/{campaign_id}',
  tags,
  summary: 'One campaign with its enrolment counts',
  access: read,
  request: { params },
  responses: { 200: jsonResponse(campaignSchema, 'The campaign') },
});

export const updateCampaignRoute = defineRoute({
  operationId: 'updateCampaign',
  method: 'patch',
  path: '/v1/campaigns/{campaign_id}',
  tags,
  summary: 'Change a campaign; its entry, steps, control share and start only while it is a draft',
  access: write,
  request: { params, ...jsonBody(newCampaignSchema.partial().strict()) },
  responses: { 200: jsonResponse(campaignSchema, 'The changed campaign') },
});

export const deleteCampaignRoute = defineRoute({
  operationId: 'deleteCampaign',
  method: 'delete',
  path: '/v1/campaigns/{campaign_id}',
  tags,
  summary: 'Delete a draft campaign (a started one is cancelled instead)',
  access: write,
  request: { params },
  responses: { 204: { description: 'Deleted' } },
});

const lifecycle = (action: 'start' | 'pause' | 'resume' | 'cancel', summary: string) =>
  defineRoute({
    operationId: `${action}Campaign`,
    method: 'post',
    path: `/v1/campaigns/{campaign_id}/${action}`,
    tags,
    summary,
    access: write,
    request: { params },
    responses: { 200: jsonResponse(campaignSchema, 'The campaign in its new state') },
  });

export const startCampaignRoute = lifecycle('start', 'Start a draft campaign: running now, or scheduled for its starts_at');
export const pauseCampaignRoute = lifecycle('pause', 'Pause a running or scheduled campaign: no one moves on and nothing is sent until it resumes');
export const resumeCampaignRoute = lifecycle('resume', 'Resume a paused campaign: consumers whose step fell due meanwhile move on at once');
export const cancelCampaignRoute = lifecycle('cancel', 'Cancel a campaign: no one enrols any more and everyone still in its journey leaves it');

const enrolmentCursor = keyCursor([(p) => /^[a-z]{2,8}_[0-9A-Za-z]{1,60}$/.test(p)]);

export const listEnrolmentsRoute = defineRoute({
  operationId: 'listCampaignEnrolments',
  method: 'get',
  path: '/v1/campaigns/{campaign_id}/enrolments',
  tags,
  summary: 'Who entered the campaign, in which arm, and where each is in its journey (by profile)',
  access: read,
  request: { params, query: pageQuerySchema.extend({ arm: z.enum(['treatment', 'control']).optional(), status: z.enum(['active', 'done', 'exited']).optional() }) },
  responses: { 200: jsonResponse(pageSchema(enrolmentSchema), 'A page of enrolments') },
});

export const campaignFlowRuleRoute = defineRoute({
  operationId: 'campaignFlowRule',
  method: 'get',
  path: '/v1/campaigns/{campaign_id}/flow-rule',
  tags,
  summary: 'The audience rule of consumers a campaign passes on to the next one of its season (e.g. reached and did not buy), for a later campaign’s entry',
  access: read,
  request: { params, query: z.object({ flow: z.enum(['reached_not_bought', 'reached_and_bought', 'engaged_not_bought']), within_days: z.coerce.number().int().min(1).max(365).default(30) }) },
  responses: { 200: jsonResponse(z.object({ rule: ruleSchema }), 'The rule') },
});

export const createSeasonRoute = defineRoute({
  operationId: 'createCampaignSeason',
  method: 'post',
  path: '/v1/campaign-seasons',
  tags,
  summary: 'Create a season plan: a calendar that campaigns are placed on by phase',
  access: write,
  request: jsonBody(newSeasonSchema),
  responses: { 201: jsonResponse(seasonSchema, 'The season') },
});

export const listSeasonsRoute = defineRoute({
  operationId: 'listCampaignSeasons',
  method: 'get',
  path: '/v1/campaign-seasons',
  tags,
  summary: 'The merchant’s season plans, newest first',
  access: read,
  request: { query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(seasonSchema), 'A page of seasons') },
});

export const getSeasonRoute = defineRoute({
  operationId: 'getCampaignSeason',
  method: 'get',
  path: '/v1/campaign-seasons/{season_id}',
  tags,
  summary: 'One season with its campaigns, for a calendar',
  access: read,
  request: { params: seasonParams },
  responses: { 200: jsonResponse(seasonSchema, 'The season with its campaigns') },
});

export const updateSeasonRoute = defineRoute({
  operationId: 'updateCampaignSeason',
  method: 'patch',
  path: '/v1/campaign-seasons/{season_id}',
  tags,
  summary: 'Rename a season or move its dates',
  access: write,
  request: { params: seasonParams, ...jsonBody(newSeasonSchema.partial().strict()) },
  responses: { 200: jsonResponse(seasonSchema, 'The season') },
});

export const deleteSeasonRoute = defineRoute({
  operationId: 'deleteCampaignSeason',
  method: 'delete',
  path: '/v1/campaign-seasons/{season_id}',
  tags,
  summary: 'Delete a season with no campaigns on it',
  access: write,
  request: { params: seasonParams },
  responses: { 204: { description: 'Deleted' } },
});

export function registerCampaignRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  const ports = () => campaignPorts(db);
  const found = async (merchant_id: string, c: Campaign | undefined) => {
    if (c === undefined) throw problems.notFound('The campaign');
    return campaignJson(c, await enrolmentCounts(db, merchant_id, c.id));
  };

  router.route(createCampaignRoute, async (c) => c.json(campaignJson(await createCampaign(db, ports(), c.get('caller').merchant_id, c.req.valid('json'))), 201));

  router.route(listCampaignsRoute, async (c) => {
    const { limit, cursor, status, season_id } = c.req.valid('query');
    const rows = await listCampaigns(db, c.get('caller').merchant_id, { status, season_id, after_id: decodeCursor(cursor), limit: limit + 1 });
    const page = toPage(rows, limit);
    return c.json({ data: page.items.map((x) => campaignJson(x)), next_cursor: page.next_cursor }, 200);
  });

  router.route(getCampaignRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    return c.json(await found(merchant_id, await getCampaign(db, merchant_id, c.req.valid('param').campaign_id)), 200);
  });

  router.route(updateCampaignRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    // zod fills defaults (control_share) into a PATCH body; a change is only what the caller sent.
    const sent = Object.keys(await c.req.json<object>());
    const changes = Object.fromEntries(Object.entries(c.req.valid('json')).filter(([k]) => sent.includes(k)));
    return c.json(await found(merchant_id, await updateCampaign(db, ports(), merchant_id, c.req.valid('param').campaign_id, changes)), 200);
  });

  router.route(deleteCampaignRoute, async (c) => {
    if (!(await deleteCampaign(db, c.get('caller').merchant_id, c.req.valid('param').campaign_id))) throw problems.notFound('The campaign');
    return c.body(null, 204);
  });

  const actions = [
    [startCampaignRoute, startCampaign],
    [pauseCampaignRoute, pauseCampaign],
    [resumeCampaignRoute, resumeCampaign],
    [cancelCampaignRoute, cancelCampaign],
  ] as const;
  for (const [route, act] of actions)
    router.route(route, async (c) => {
      const merchant_id = c.get('caller').merchant_id;
      return c.json(await found(merchant_id, await act(db, merchant_id, c.req.valid('param').campaign_id)), 200);
    });

  router.route(listEnrolmentsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { campaign_id } = c.req.valid('param');
    if ((await getCampaign(db, merchant_id, campaign_id)) === undefined) throw problems.notFound('The campaign');
    const { limit, cursor, arm, status } = c.req.valid('query');
    const rows = await listEnrolments(db, merchant_id, campaign_id, { after: enrolmentCursor.decode(cursor)?.[0], arm, status, limit: limit + 1 });
    const items = rows.slice(0, limit);
    const next_cursor = rows.length > limit ? enrolmentCursor.encode([items[items.length - 1]!.profile_id]) : null;
    const data = items.map((e) => ({ profile_id: e.profile_id, arm: e.arm, step_index: e.step_index, status: e.status, next_at: e.next_at?.toISOString() ?? null, entered_at: e.entered_at.toISOString(), step_entered_at: e.step_entered_at.toISOString() }));
    return c.json({ data, next_cursor }, 200);
  });

  router.route(campaignFlowRuleRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { campaign_id } = c.req.valid('param');
    if ((await getCampaign(db, merchant_id, campaign_id)) === undefined) throw problems.notFound('The campaign');
    const { flow, within_days } = c.req.valid('query');
    return c.json({ rule: seasonFlows[flow](campaign_id, within_days) }, 200);
  });

  router.route(createSeasonRoute, async (c) => c.json(seasonJson(await createSeason(db, c.get('caller').merchant_id, c.req.valid('json'))), 201));

  router.route(listSeasonsRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const rows = await listSeasons(db, c.get('caller').merchant_id, { after_id: decodeCursor(cursor), limit: limit + 1 });
    const page = toPage(rows, limit);
    return c.json({ data: page.items.map((s) => seasonJson(s)), next_cursor: page.next_cursor }, 200);
  });

  router.route(getSeasonRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const season = await getSeason(db, merchant_id, c.req.valid('param').season_id);
    if (season === undefined) throw problems.notFound('The season');
    const campaigns = await listCampaigns(db, merchant_id, { season_id: season.id, limit: 500 });
    return c.json(seasonJson(season, campaigns.sort((a, b) => (a.starts_at?.getTime() ?? 0) - (b.starts_at?.getTime() ?? 0))), 200);
  });

  router.route(updateSeasonRoute, async (c) => {
    const season = await updateSeason(db, c.get('caller').merchant_id, c.req.valid('param').season_id, c.req.valid('json'));
    if (season === undefined) throw problems.notFound('The season');
    return c.json(seasonJson(season), 200);
  });

  router.route(deleteSeasonRoute, async (c) => {
    if (!(await deleteSeason(db, c.get('caller').merchant_id, c.req.valid('param').season_id))) throw problems.notFound('The season');
    return c.body(null, 204);
  });
}
