import { z } from '@hono/zod-openapi';
import { decodeCursor, keyCursor, page_size_max, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { query_days_kept, topQueries, zeroResultQueries } from './query-log.js';
import { createSynonymGroup, deleteSynonymGroup, listSynonymGroups, synonym_groups_max, synonym_term_length_max, synonym_terms_max, type SynonymGroup } from './synonyms.js';

/** The merchant's side: synonyms and what shoppers searched (secret keys and console sessions). */
const read = { scope: 'search:read', tenancy: 'merchant' } as const;
const write = { scope: 'search:write', tenancy: 'merchant' } as const;
const tags = ['Search'];

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(d)), 'must be a real date');
const range = z.object({
  from: day.optional().openapi({ description: 'first day (UTC), inclusive; 30 days before `to` when absent' }),
  to: day.optional().openapi({ description: 'last day (UTC), inclusive; today when absent' }),
});

const synonymSchema = z.object({ id: z.string(), terms: z.array(z.string()), created_at: z.string() }).openapi('SearchSynonymGroup');
const synonymJson = (g: SynonymGroup) => ({ id: g.id, terms: g.terms, created_at: g.created_at.toISOString() });
const synonymParams = z.object({ synonym_id: z.string().max(64).openapi({ param: { name: 'synonym_id', in: 'path' } }) });

const zeroSchema = z
  .object({ day: z.string(), query: z.string(), count: z.number().int().openapi({ description: 'searches of this query that day that found nothing' }), searches: z.number().int(), last_at: z.string() })
  .openapi('SearchZeroResultQuery');
const topSchema = z.object({ query: z.string(), searches: z.number().int(), zero_results: z.number().int(), days: z.number().int() }).openapi('SearchTopQuery');

export const listSynonymsRoute = defineRoute({
  operationId: 'listSearchSynonyms',
  method: 'get',
  path: '/v1/search/synonyms',
  tags,
  summary: 'The brand’s synonym groups: a query word in a group also finds products with the group’s other terms',
  access: read,
  request: { query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(synonymSchema), 'A page of synonym groups, oldest first') },
});

export const createSynonymRoute = defineRoute({
  operationId: 'createSearchSynonyms',
  method: 'post',
  path: '/v1/search/synonyms',
  tags,
  summary: `Add a synonym group (2 to ${synonym_terms_max} terms, Chinese or English; at most ${synonym_groups_max} groups, 422 \`synonym_groups_full\`)`,
  access: write,
  request: {
    ...jsonBody(z.object({ terms: z.array(z.string().trim().min(1, 'must not be empty').max(synonym_term_length_max)).min(2).max(synonym_terms_max) }).strict()),
  },
  responses: { 201: jsonResponse(synonymSchema, 'The group, terms normalised (lower case, single spaces)') },
});

export const deleteSynonymRoute = defineRoute({
  operationId: 'deleteSearchSynonyms',
  method: 'delete',
  path: '/v1/search/synonyms/{synonym_id}',
  tags,
  summary: 'Delete a synonym group; searches stop using it at once',
  access: write,
  request: { params: synonymParams },
  responses: { 200: jsonResponse(z.object({ id: z.string(), deleted: z.literal(true) }), 'Deleted') },
});

export const listZeroResultsRoute = defineRoute({
  operationId: 'listSearchZeroResults',
  method: 'get',
  path: '/v1/search/zero-results',
  tags,
  summary: `Searches that found nothing, per query and day (UTC), latest day first: demand the catalogue does not meet. Kept ${query_days_kept} days; no consumer identity is stored`,
  access: read,
  request: { query: pageQuerySchema.merge(range) },
  responses: { 200: jsonResponse(pageSchema(zeroSchema), 'A page of queries without result') },
});

export const listTopQueriesRoute = defineRoute({
  operationId: 'listSearchQueries',
  method: 'get',
  path: '/v1/search/queries',
  tags,
  summary: 'The most searched queries of a period, with how many found nothing',
  access: read,
  request: { query: range.extend({ limit: z.coerce.number().int().min(1).max(page_size_max).default(20) }) },
  responses: { 200: jsonResponse(z.object({ data: z.array(topSchema) }), `The top queries, most searched first; answered whole (at most ${page_size_max})`) },
});

const zeroCursor = keyCursor([(s) => /^\d{4}-\d{2}-\d{2}$/.test(s), (s) => s.length >= 1 && s.length <= 100]);

function rangeOf(q: { from?: string | undefined; to?: string | undefined }): { from: string; to: string } {
  const to = q.to ?? new Date().toISOString().slice(0, 10);
  const from = q.from ?? new Date(Date.parse(to) - 30 * 86_400_000).toISOString().slice(0, 10);
  if (from > to) throw problems.validation([{ field: 'from', location: 'query', message: 'must not be after `to`' }]);
  return { from, to };
}

export function registerConsoleRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(listSynonymsRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const rows = await listSynonymGroups(db, c.get('caller').merchant_id, { after_id: decodeCursor(cursor), limit: limit + 1 });
    const page = toPage(rows, limit);
    return c.json({ data: page.items.map(synonymJson), next_cursor: page.next_cursor }, 200);
  });

  router.route(createSynonymRoute, async (c) => {
    const group = await createSynonymGroup(db, c.get('caller').merchant_id, c.req.valid('json').terms);
    return c.json(synonymJson(group), 201);
  });

  router.route(deleteSynonymRoute, async (c) => {
    const { synonym_id } = c.req.valid('param');
    if (!(await deleteSynonymGroup(db, c.get('caller').merchant_id, synonym_id))) throw problems.notFound('The synonym group');
    return c.json({ id: synonym_id, deleted: true as const }, 200);
  });

  router.route(listZeroResultsRoute, async (c) => {
    const q = c.req.valid('query');
    const after = zeroCursor.decode(q.cursor);
    const rows = await zeroResultQueries(db, c.get('caller').merchant_id, rangeOf(q), { after: after === undefined ? undefined : [after[0]!, after[1]!], limit: q.limit + 1 });
    const page = toPage(rows, q.limit, (last) => zeroCursor.encode([last.day, last.query]));
    return c.json({ data: page.items.map((r) => ({ ...r, last_at: r.last_at.toISOString() })), next_cursor: page.next_cursor }, 200);
  });

  router.route(listTopQueriesRoute, async (c) => {
    const q = c.req.valid('query');
    return c.json({ data: await topQueries(db, c.get('caller').merchant_id, rangeOf(q), q.limit) }, 200);
  });
}
