import { tablesOf } from '../../kernel/db.js';
import type { AudienceTables } from './tables.js';
import { z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { decodeCursor, keyCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { Problem, problems } from '../../kernel/problem.js';
import { audienceSizes, createAudience, deleteAudience, getAudience, listAudiences, membersAmong, membersCsv, numsAfter, updateAudience, type Audience, type Member } from './audiences.js';
import { evaluateRule, traitCatalog } from './evaluate.js';
import { recordSize } from './maintenance.js';
import { ruleSchema, summarise, type Rule } from './rules.js';
import { createSync, deleteSync, listSyncs, syncUrlProblem, type AudienceSync } from './syncs.js';

const read = { scope: 'audiences:read', tenancy: 'merchant' } as const;
const write = { scope: 'audiences:write', tenancy: 'merchant' } as const;
const tags = ['Audiences'];

const params = z.object({ audience_id: z.string().max(64).openapi({ param: { name: 'audience_id', in: 'path' } }) });
const syncParams = params.extend({ sync_id: z.string().max(64).openapi({ param: { name: 'sync_id', in: 'path' } }) });

const estimateSchema = z
  .object({
    size: z.number().int(),
    path: z.enum(['bitmap', 'sql']).openapi({ description: 'which path answered: the in-memory bitmaps or PostgreSQL' }),
    sql_reason: z.string().nullable().openapi({ description: 'why the bitmaps did not answer, when PostgreSQL did' }),
    took_ms: z.number(),
    summary: z.string(),
  })
  .openapi('AudienceEstimate');

const newAudienceSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).optional(),
    rule: ruleSchema,
    track_membership: z.boolean().optional().openapi({ description: 'compare its members every minute and publish `audience.entered` / `audience.left` (campaigns trigger on them); default false' }),
  })
  .strict();

const sizePointSchema = z.object({ at: z.string(), size: z.number().int(), path: z.enum(['bitmap', 'sql']), took_ms: z.number() });

const audienceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    rule: ruleSchema,
    summary: z.string(),
    track_membership: z.boolean(),
    size: z.number().int().nullable().openapi({ description: 'the last recorded size (null before the first)' }),
    size_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Audience');

const audienceDetailSchema = audienceSchema.extend({ sizes: z.array(sizePointSchema).openapi({ description: 'recorded sizes, oldest first (the latest 500): when it changed, else hourly' }) }).openapi('AudienceDetail');

const memberSchema = z
  .object({
    profile_id: z.string(),
    consumer_number: z.number().int(),
    name: z.string().nullable(),
    email: z.string().nullable().openapi({ description: 'masked' }),
    phone: z.string().nullable().openapi({ description: 'masked' }),
  })
  .openapi('AudienceMember');

const syncSchema = z
  .object({
    id: z.string(),
    audience_id: z.string(),
    url: z.string(),
    size: z.number().int().openapi({ description: 'members the destination has been told of' }),
    last_pushed_at: z.string().nullable(),
    last_error: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('AudienceSync');

const newSyncSchema = z.object({ url: z.string().url().max(2_000).refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL') }).strict();

async function audienceJson(db: ModuleContext['db'], a: Audience, names?: ReadonlyMap<string, string>) {
  const last = (await tablesOf<AudienceTables>(db).selectFrom('audience_size')
    .select(['at', 'size'])
    .where('merchant_id', '=', a.merchant_id)
    .where('audience_id', '=', a.id)
    .orderBy('at', 'desc')
    .limit(1)
    .executeTakeFirst());
  return {
    id: a.id,
    name: a.name,
    description: a.description,
    rule: a.rule,
    summary: summarise(a.rule, names ?? (await namesOf(db, a.merchant_id, a.rule))),
    track_membership: a.track_membership,
    size: last?.size ?? null,
    size_at: last?.at.toISOString() ?? null,
    created_at: a.created_at.toISOString(),
    updated_at: a.updated_at.toISOString(),
  };
}

/** The names of the saved audiences and locations a rule refers to, for its summary. */
async function namesOf(db: ModuleContext['db'], merchant_id: string, rule: Rule): Promise<Map<string, string>> {
  const text = JSON.stringify(rule);
  if (!text.includes('"audience_id"') && !text.includes('"location_id"')) return new Map();
  const { rows } = await sql<{ id: string; name: string }>`
    select id, name from audience where merchant_id = ${merchant_id} and position(id in ${text}) > 0
    union all select id, name from location where merchant_id = ${merchant_id} and position(id in ${text}) > 0`.execute(db);
  return new Map(rows.map((r) => [r.id, r.name]));
}

const syncJson = (s: AudienceSync) => ({
  id: s.id,
  audience_id: s.audience_id,
  url: s.url,
  size: s.size,
  last_pushed_at: s.last_pushed_at?.toISOString() ?? null,
  last_error: s.last_error,
  created_at: s.created_at.toISOString(),
});

const memberJson = (m: Member) => ({ profile_id: m.profile_id, consumer_number: m.num, name: m.name, email: m.email, phone: m.phone });

const numberCursor = keyCursor([(part) => /^\d{1,10}$/.test(part)]);

export const estimateAudienceRoute = defineRoute({
  operationId: 'estimateAudience',
  method: 'post',
  path: '/v1/audience-estimates',
  tags,
  summary: 'The size of a rule now, while it is being edited, with the path that answered and how long it took; nothing is saved',
  access: read,
  request: jsonBody(z.object({ rule: ruleSchema }).strict()),
  responses: { 200: jsonResponse(estimateSchema, 'The estimate') },
});

export const listAudienceTraitsRoute = defineRoute({
  operationId: 'listAudienceTraits',
  method: 'get',
  path: '/v1/audience-traits',
  tags,
  summary: 'The trait names a rule may use: the top-level traits of the brand’s consumers, and the home location traits',
  access: read,
  responses: { 200: jsonResponse(z.object({ merchant_id: z.string(), traits: z.array(z.string()) }), 'The brand’s trait names') },
});

export const createAudienceRoute = defineRoute({
  operationId: 'createAudience',
  method: 'post',
  path: '/v1/audiences',
  tags,
  summary: 'Save an audience: a named rule; its size is recorded now and then over time',
  access: write,
  request: jsonBody(newAudienceSchema),
  responses: { 201: jsonResponse(audienceSchema, 'The audience') },
});

export const listAudiencesRoute = defineRoute({
  operationId: 'listAudiences',
  method: 'get',
  path: '/v1/audiences',
  tags,
  summary: 'The brand’s saved audiences, oldest first, with their last recorded size',
  access: read,
  request: { query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(audienceSchema), 'A page of audiences') },
});

export const getAudienceRoute = defineRoute({
  operationId: 'getAudience',
  method: 'get',
  path: '/v1/audiences/{audience_id}',
  tags,
  summary: 'One saved audience with its size over time',
  access: read,
  request: { params },
  responses: { 200: jsonResponse(audienceDetailSchema, 'The audience') },
});

export const updateAudienceRoute = defineRoute({
  operationId: 'updateAudience',
  method: 'patch',
  path: '/v1/audiences/{audience_id}',
  tags,
  summary: 'Change an audience’s name, description, rule or membership tracking',
  access: write,
  request: { params, ...jsonBody(newAudienceSchema.partial().strict()) },
  responses: { 200: jsonResponse(audienceSchema, 'The changed audience') },
});

export const deleteAudienceRoute = defineRoute({
  operationId: 'deleteAudience',
  method: 'delete',
  path: '/v1/audiences/{audience_id}',
  tags,
  summary: 'Delete an audience with its history and syncs; refused (409) while another audience’s rule refers to it',
  access: write,
  request: { params },
  responses: { 200: jsonResponse(z.object({ id: z.string(), deleted: z.literal(true) }), 'Deleted') },
});

export const listAudienceMembersRoute = defineRoute({
  operationId: 'listAudienceMembers',
  method: 'get',
  path: '/v1/audiences/{audience_id}/members',
  tags,
  summary: 'The audience’s members now, by consumer number, with their name and masked contact points',
  access: read,
  request: { params, query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(memberSchema), 'A page of members') },
});

export const exportAudienceRoute = defineRoute({
  operationId: 'exportAudience',
  method: 'get',
  path: '/v1/audiences/{audience_id}/export',
  tags,
  summary: 'The audience’s members now as CSV (streamed): profile id, consumer number, name, masked email and phone',
  access: read,
  request: { params },
  responses: { 200: { description: 'One header row, then one row per member', content: { 'text/csv': { schema: z.string() } } } },
});

export const createAudienceSyncRoute = defineRoute({
  operationId: 'createAudienceSync',
  method: 'post',
  path: '/v1/audiences/{audience_id}/syncs',
  tags,
  summary: 'Keep an external destination in step with the audience: every minute, a signed POST of the members added and removed (the first one: all of them). The signing secret is shown once',
  access: write,
  request: { params, ...jsonBody(newSyncSchema) },
  responses: { 201: jsonResponse(syncSchema.extend({ secret: z.string().openapi({ description: 'signs each POST (`OpenBOS-Signature`, as webhooks); shown only now' }) }), 'The sync') },
});

export const listAudienceSyncsRoute = defineRoute({
  operationId: 'listAudienceSyncs',
  method: 'get',
  path: '/v1/audiences/{audience_id}/syncs',
  tags,
  summary: 'The audience’s syncs with their last push',
  access: read,
  request: { params, query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(syncSchema), 'A page of syncs') },
});

export const deleteAudienceSyncRoute = defineRoute({
  operationId: 'deleteAudienceSync',
  method: 'delete',
  path: '/v1/audiences/{audience_id}/syncs/{sync_id}',
  tags,
  summary: 'Stop a sync',
  access: write,
  request: { params: syncParams },
  responses: { 200: jsonResponse(z.object({ id: z.string(), deleted: z.literal(true) }), 'Deleted') },
});

export function registerRoutes(router: ModuleRouter, { db, config }: ModuleContext): void {
  const found = async (merchant_id: string, audience_id: string) => {
    const audience = await getAudience(db, merchant_id, audience_id);
    if (audience === undefined) throw problems.notFound('The audience');
    return audience;
  };

  router.route(estimateAudienceRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { rule } = c.req.valid('json');
    const evaluation = await evaluateRule(db, merchant_id, rule);
    return c.json({ size: evaluation.members.size, path: evaluation.path, sql_reason: evaluation.sql_reason ?? null, took_ms: evaluation.took_ms, summary: summarise(rule, await namesOf(db, merchant_id, rule)) }, 200);
  });

  router.route(listAudienceTraitsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    return c.json({ merchant_id, traits: await traitCatalog(db, merchant_id) }, 200);
  });

  router.route(createAudienceRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const audience = await createAudience(db, merchant_id, c.req.valid('json'));
    // Its first size, so the list shows one before the maintenance task's round (a rule too
    // expensive to count now is still saved, as validated; the round records what it can).
    const first = await evaluateRule(db, merchant_id, audience.rule, { self_id: audience.id }).catch((error: unknown) => {
      if (error instanceof Problem) return undefined;
      throw error;
    });
    if (first !== undefined) await recordSize(db, audience, first, true);
    return c.json(await audienceJson(db, audience), 201);
  });

  router.route(listAudiencesRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const rows = await listAudiences(db, c.get('caller').merchant_id, { after_id: decodeCursor(cursor), limit: limit + 1 });
    const page = toPage(rows, limit);
    return c.json({ data: await Promise.all(page.items.map((a) => audienceJson(db, a))), next_cursor: page.next_cursor }, 200);
  });

  router.route(getAudienceRoute, async (c) => {
    const audience = await found(c.get('caller').merchant_id, c.req.valid('param').audience_id);
    const sizes = await audienceSizes(db, audience.merchant_id, audience.id);
    return c.json({ ...(await audienceJson(db, audience)), sizes: sizes.map((s) => ({ at: s.at.toISOString(), size: s.size, path: s.path as 'bitmap' | 'sql', took_ms: s.took_ms })) }, 200);
  });

  router.route(updateAudienceRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const audience = await updateAudience(db, merchant_id, c.req.valid('param').audience_id, c.req.valid('json'));
    if (audience === undefined) throw problems.notFound('The audience');
    return c.json(await audienceJson(db, audience), 200);
  });

  router.route(deleteAudienceRoute, async (c) => {
    const { audience_id } = c.req.valid('param');
    if (!(await deleteAudience(db, c.get('caller').merchant_id, audience_id))) throw problems.notFound('The audience');
    return c.json({ id: audience_id, deleted: true as const }, 200);
  });

  router.route(listAudienceMembersRoute, async (c) => {
    const audience = await found(c.get('caller').merchant_id, c.req.valid('param').audience_id);
    const { limit, cursor } = c.req.valid('query');
    const after = Number(numberCursor.decode(cursor)?.[0] ?? 0);
    const { members } = await evaluateRule(db, audience.merchant_id, audience.rule, { self_id: audience.id });
    const nums = numsAfter(members, after, limit + 1);
    const rows = await membersAmong(db, audience.merchant_id, nums.slice(0, limit));
    const next_cursor = nums.length > limit ? numberCursor.encode([String(nums[limit - 1])]) : null;
    return c.json({ data: rows.map(memberJson), next_cursor }, 200);
  });

  router.route(exportAudienceRoute, async (c) => {
    const audience = await found(c.get('caller').merchant_id, c.req.valid('param').audience_id);
    const { members } = await evaluateRule(db, audience.merchant_id, audience.rule, { self_id: audience.id });
    const filename = `audience-${audience.id}-${new Date().toISOString().slice(0, 10)}.csv`;
    return c.body(membersCsv(db, audience.merchant_id, members), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"` });
  });

  router.route(createAudienceSyncRoute, async (c) => {
    const audience = await found(c.get('caller').merchant_id, c.req.valid('param').audience_id);
    const { url } = c.req.valid('json');
    const refused = syncUrlProblem(config, url);
    if (refused !== undefined) throw problems.validation([{ field: 'url', location: 'body', message: refused }]);
    const { sync, secret } = await createSync(db, audience, url);
    return c.json({ ...syncJson(sync), secret }, 201);
  });

  router.route(listAudienceSyncsRoute, async (c) => {
    const audience = await found(c.get('caller').merchant_id, c.req.valid('param').audience_id);
    const { limit, cursor } = c.req.valid('query');
    const rows = await listSyncs(db, audience.merchant_id, audience.id, { after_id: decodeCursor(cursor), limit: limit + 1 });
    const page = toPage(rows, limit);
    return c.json({ data: page.items.map(syncJson), next_cursor: page.next_cursor }, 200);
  });

  router.route(deleteAudienceSyncRoute, async (c) => {
    const { audience_id, sync_id } = c.req.valid('param');
    if (!(await deleteSync(db, c.get('caller').merchant_id, audience_id, sync_id))) throw problems.notFound('The sync');
    return c.json({ id: sync_id, deleted: true as const }, 200);
  });
}
