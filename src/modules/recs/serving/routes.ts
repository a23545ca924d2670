import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../../kernel/http/context.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../../kernel/http/route.js';
import { toJsonAmount } from '../../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../../kernel/module.js';
import { problems } from '../../../kernel/problem.js';
import { consumerToken, consumerTokenHeader, requireConsumer } from '../../accounts/index.js';
import { attributionSecret, issueToken, placements, recordServed } from '../../attribution/index.js';
import { stages } from '../../databank/index.js';
import { answerPlacement, default_radius_km, limit_max, reasonKinds, removalRules, type Answer, type Where } from './answer.js';
import { resolveConsumer } from './consumer.js';
import { createRule, deleteRule, listRules, type RecRule } from './rules.js';
import { servingStates, type MerchantState } from './state.js';

const storefrontRead = { scope: ['storefront:read', 'recs:read'], tenancy: 'merchant', keyKinds: ['secret', 'publishable'] } as const;
const read = { scope: 'recs:read', tenancy: 'merchant' } as const;
const write = { scope: 'recs:write', tenancy: 'merchant' } as const;
const tags = ['Recommendations'];

const id = z.string().min(1).max(64);
const limit = z.coerce.number().int().min(1).max(limit_max).default(10).openapi({ description: `items, at most ${limit_max}` });
const near = z
  .string()
  .max(64)
  .regex(/^-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?$/, 'must be `<latitude>,<longitude>` in degrees')
  .refine((v) => {
    const [lat, lng] = v.split(',').map(Number);
    return Math.abs(lat!) <= 90 && Math.abs(lng!) <= 180;
  }, 'must be a latitude within ±90 and a longitude within ±180')
  .optional()
  .openapi({ description: 'the shopper’s position, `<latitude>,<longitude>`: the brand’s stores near it count for stock and trending', example: '31.2304,121.4737' });
const radius_km = z.coerce.number().min(0.1).max(500).optional().openapi({ description: `stores within this distance of \`near\` (default ${default_radius_km} km)` });
const location_id = id.optional().openapi({ description: 'the store the shopper is at or shops from: stock and trending there' });
const stage = z.enum(stages).optional().openapi({ description: 'the consumer’s lifecycle stage (A-I-P-L), for a new consumer' });
const anonymous_id = z.string().min(1).max(200).optional().openapi({ description: 'the Segment `anonymousId` of the storefront’s analytics: the data bank profile holding it' });
const profile_id = id.optional().openapi({ description: 'a data bank profile (secret keys only: a server that knows the consumer)' });

const reasonSchema = z
  .object({
    kind: z.enum(reasonKinds),
    text: z.string(),
    product_id: z.string().optional().openapi({ description: 'the product the reason refers to (similar to, bought with, because you viewed)' }),
    location_id: z.string().optional().openapi({ description: 'the store the reason refers to (trending at, near)' }),
  })
  .openapi('RecommendationReason');
const itemSchema = z
  .object({
    product_id: z.string(),
    title: z.string(),
    title_i18n: z.record(z.string(), z.string()),
    price: z.object({ amount_minor: z.number().int(), currency: z.string() }).nullable().openapi({ description: 'the cheapest active variant’s base price in the merchant’s currency; null when unpriced' }),
    image_url: z.string().nullable(),
    score: z.number(),
    reason: reasonSchema,
  })
  .openapi('RecommendedProduct');
const answerSchema = z
  .object({
    placement: z.enum(placements).openapi({ description: 'the placement answered: `new_consumer` when "for you" knows nothing of the consumer' }),
    attribution_token: z.string().openapi({ description: 'send it back with the views, clicks, carts and purchases that follow (POST /v1/attribution/events)' }),
    training_id: z.string().nullable(),
    model: z.string().nullable(),
    data: z.array(itemSchema),
  })
  .openapi('Recommendations');
const removedSchema = z.object({ product_id: z.string(), title: z.string().nullable(), rule: z.enum(removalRules), text: z.string() }).openapi('RecommendationRemoved');
const previewSchema = z
  .object({
    placement: z.enum(placements),
    profile_id: z.string(),
    training_id: z.string().nullable(),
    model: z.string().nullable(),
    data: z.array(itemSchema),
    removed: z.array(removedSchema).openapi({ description: 'candidates the rules took out, in the order they came, and why' }),
  })
  .openapi('RecommendationPreview');
const ruleSchema = z
  .object({
    id: z.string(),
    product_id: z.string(),
    action: z.enum(['pin', 'exclude']),
    placement: z.enum(placements).nullable().openapi({ description: 'null: every placement' }),
    position: z.number().int().nullable().openapi({ description: 'pins: 1 is shown first' }),
    note: z.string().nullable(),
    created_by: z.string(),
    created_at: z.string(),
  })
  .openapi('RecommendationRule');

const consumerQuery = z.object({ anonymous_id, profile_id, location_id, near, radius_km, stage, limit });

export const recommendForYouRoute = defineRoute({
  operationId: 'recommendForYou',
  method: 'get',
  path: '/v1/recommendations/for-you',
  tags,
  summary: 'A consumer’s home page: neighbours of what they just did, their trained list; a consumer the data bank does not know gets `new_consumer`',
  access: storefrontRead,
  request: { query: consumerQuery, headers: consumerToken },
  responses: { 200: jsonResponse(answerSchema, 'The recommendations, each with its reason') },
});
export const recommendSimilarRoute = defineRoute({
  operationId: 'recommendSimilar',
  method: 'get',
  path: '/v1/recommendations/similar',
  tags,
  summary: 'Items similar to a product (a product page)',
  access: storefrontRead,
  request: { query: z.object({ product_id: id, anonymous_id, profile_id, location_id, near, radius_km, limit }), headers: consumerToken },
  responses: { 200: jsonResponse(answerSchema, 'The recommendations, each with its reason') },
});
const productIds = z
  .string()
  .max(20 * 65)
  .transform((v) => [...new Set(v.split(',').map((s) => s.trim()))])
  .pipe(z.array(id).min(1).max(20))
  .openapi({ type: 'string', description: 'product IDs, comma separated (a product page: one; a cart: its products), at most 20' });
export const recommendBoughtTogetherRoute = defineRoute({
  operationId: 'recommendBoughtTogether',
  method: 'get',
  path: '/v1/recommendations/bought-together',
  tags,
  summary: 'Items bought with these products (a product page or a cart)',
  access: storefrontRead,
  request: { query: z.object({ product_ids: productIds, anonymous_id, profile_id, location_id, near, radius_km, limit }), headers: consumerToken },
  responses: { 200: jsonResponse(answerSchema, 'The recommendations, each with its reason') },
});
export const recommendTrendingRoute = defineRoute({
  operationId: 'recommendTrending',
  method: 'get',
  path: '/v1/recommendations/trending',
  tags,
  summary: 'What is trending at a store (`location_id`) or in the stores near a position (`near`, `radius_km`), in stock there',
  access: storefrontRead,
  request: { query: z.object({ location_id, near, radius_km, limit }) },
  responses: { 200: jsonResponse(answerSchema, 'The recommendations, each with its reason') },
});
export const recommendNewConsumerRoute = defineRoute({
  operationId: 'recommendNewConsumer',
  method: 'get',
  path: '/v1/recommendations/new-consumer',
  tags,
  summary: 'For a consumer the shop knows nothing of: trending at their store or near them, their lifecycle stage’s favourites, new arrivals; never empty while anything is sellable there',
  access: storefrontRead,
  request: { query: z.object({ location_id, near, radius_km, stage, limit }) },
  responses: { 200: jsonResponse(answerSchema, 'The recommendations, each with its reason') },
});

export const listRecRulesRoute = defineRoute({
  operationId: 'listRecommendationRules',
  method: 'get',
  path: '/v1/recommendations/rules',
  tags,
  summary: 'The merchant’s pins and exclusions',
  access: read,
  request: { query: pageQuerySchema.extend({ placement: z.enum(placements).optional().openapi({ description: 'the rules that apply to this placement (its own and those for all)' }) }) },
  responses: { 200: jsonResponse(pageSchema(ruleSchema), 'A page of rules') },
});
export const createRecRuleRoute = defineRoute({
  operationId: 'createRecommendationRule',
  method: 'post',
  path: '/v1/recommendations/rules',
  tags,
  summary: 'Pins a product (shown first, at `position`) or excludes it, in one placement or all; one rule per product and placement (409 `rule_exists`)',
  access: write,
  request: {
    ...jsonBody(
      z
        .object({
          product_id: id,
          action: z.enum(['pin', 'exclude']),
          placement: z.enum(placements).optional().openapi({ description: 'absent: every placement' }),
          position: z.number().int().min(1).max(100).optional().openapi({ description: 'pins only: 1 is shown first (default 1)' }),
          note: z.string().max(500).optional(),
        })
        .strict()
        .refine((b) => b.action === 'pin' || b.position === undefined, { message: 'only a pin has a position', path: ['position'] }),
    ),
  },
  responses: { 201: jsonResponse(ruleSchema, 'The rule, applied to the next answers') },
});
export const deleteRecRuleRoute = defineRoute({
  operationId: 'deleteRecommendationRule',
  method: 'delete',
  path: '/v1/recommendations/rules/{rule_id}',
  tags,
  summary: 'Removes a pin or an exclusion',
  access: write,
  request: { params: z.object({ rule_id: id.openapi({ param: { name: 'rule_id', in: 'path' } }) }) },
  responses: { 200: jsonResponse(z.object({ deleted: z.literal(true), id: z.string() }), 'Removed') },
});
export const previewRecsRoute = defineRoute({
  operationId: 'previewRecommendations',
  method: 'get',
  path: '/v1/recommendations/preview',
  tags,
  summary: 'What a consumer would see in a placement and why, and what the rules took out and why',
  access: read,
  request: {
    query: z.object({
      profile_id: id,
      placement: z.enum(placements).default('for_you'),
      product_ids: productIds.optional().openapi({ type: 'string', description: 'for `similar` and `bought_together`' }),
      location_id,
      near,
      radius_km,
      stage,
      limit,
    }),
  },
  responses: { 200: jsonResponse(previewSchema, 'The answer and the removals') },
});

function itemsJson(answer: Answer) {
  return answer.items.map((i) => ({
    product_id: i.product_id,
    title: i.product.title,
    title_i18n: i.product.title_i18n,
    price: i.product.price === null ? null : { amount_minor: toJsonAmount(i.product.price.amount_minor), currency: i.product.price.currency },
    image_url: i.product.image_url,
    score: Math.round(i.score * 10_000) / 10_000,
    reason: i.reason,
  }));
}

const ruleJson = (r: RecRule) => ({ id: r.id, product_id: r.product_id, action: r.action, placement: r.placement, position: r.position, note: r.note, created_by: r.created_by, created_at: r.created_at.toISOString() });

function whereOf(q: { location_id?: string | undefined; near?: string | undefined; radius_km?: number | undefined }): Where {
  const near = q.near === undefined ? undefined : q.near.split(',').map(Number);
  return { location_id: q.location_id, near: near === undefined ? undefined : { latitude: near[0]!, longitude: near[1]! }, radius_km: q.radius_km };
}

/** A store named by the request must be one of the merchant's active stores (another's: 404). */
function requireKnownStore(state: MerchantState, where: Where): void {
  if (where.location_id !== undefined && !state.stores.some((s) => s.id === where.location_id)) throw problems.notFound('The store');
}

function requireProducts(state: MerchantState, product_ids: readonly string[]): void {
  if (product_ids.some((p) => !state.products.has(p))) throw problems.notFound('The product');
}

export function registerServingRoutes(router: ModuleRouter, { db, config }: ModuleContext): void {
  const secret = attributionSecret(config);
  const states = servingStates(db);

  async function consumerOf(c: Context<AppEnv>, q: { anonymous_id?: string | undefined; profile_id?: string | undefined }, token: string | undefined): Promise<string[]> {
    const merchant_id = c.get('caller').merchant_id;
    if (q.profile_id !== undefined && c.get('caller').kind === 'publishable') throw problems.validation([{ field: 'profile_id', location: 'query', message: 'needs a secret key (a server that knows the consumer)' }]);
    const email = token === undefined ? undefined : (await requireConsumer(db, token)).email;
    return resolveConsumer(db, merchant_id, { email, anonymous_id: q.anonymous_id, profile_id: q.profile_id });
  }

  function serve(state: MerchantState, answer: Answer, profile_ids: readonly string[]) {
    const { token, claim } = issueToken(secret, { merchant_id: state.merchant_id, source: 'recommendation', placement: answer.placement });
    recordServed(db, claim, { product_ids: answer.items.map((i) => i.product_id), profile_id: profile_ids[0] });
    return { placement: answer.placement, attribution_token: token, training_id: state.training_id, model: state.model, data: itemsJson(answer) };
  }

  router.route(recommendForYouRoute, async (c) => {
    const q = c.req.valid('query');
    const state = await states.get(c.get('caller').merchant_id);
    const where = whereOf(q);
    requireKnownStore(state, where);
    const profile_ids = await consumerOf(c, q, c.req.valid('header')[consumerTokenHeader]);
    const answer = await answerPlacement(db, state, { placement: 'for_you', profile_ids, where, stage: q.stage, limit: q.limit }, { stock: states.stockOf(state.merchant_id) });
    return c.json(serve(state, answer, profile_ids), 200);
  });

  router.route(recommendSimilarRoute, async (c) => {
    const q = c.req.valid('query');
    const state = await states.get(c.get('caller').merchant_id);
    requireProducts(state, [q.product_id]);
    const where = whereOf(q);
    requireKnownStore(state, where);
    const profile_ids = await consumerOf(c, q, c.req.valid('header')[consumerTokenHeader]);
    const answer = await answerPlacement(db, state, { placement: 'similar', profile_ids, where, product_ids: [q.product_id], limit: q.limit }, { stock: states.stockOf(state.merchant_id) });
    return c.json(serve(state, answer, profile_ids), 200);
  });

  router.route(recommendBoughtTogetherRoute, async (c) => {
    const q = c.req.valid('query');
    const state = await states.get(c.get('caller').merchant_id);
    requireProducts(state, q.product_ids);
    const where = whereOf(q);
    requireKnownStore(state, where);
    const profile_ids = await consumerOf(c, q, c.req.valid('header')[consumerTokenHeader]);
    const answer = await answerPlacement(db, state, { placement: 'bought_together', profile_ids, where, product_ids: q.product_ids, limit: q.limit }, { stock: states.stockOf(state.merchant_id) });
    return c.json(serve(state, answer, profile_ids), 200);
  });

  router.route(recommendTrendingRoute, async (c) => {
    const q = c.req.valid('query');
    const state = await states.get(c.get('caller').merchant_id);
    const where = whereOf(q);
    requireKnownStore(state, where);
    const answer = await answerPlacement(db, state, { placement: 'trending', profile_ids: [], where, limit: q.limit }, { stock: states.stockOf(state.merchant_id) });
    return c.json(serve(state, answer, []), 200);
  });

  router.route(recommendNewConsumerRoute, async (c) => {
    const q = c.req.valid('query');
    const state = await states.get(c.get('caller').merchant_id);
    const where = whereOf(q);
    requireKnownStore(state, where);
    const answer = await answerPlacement(db, state, { placement: 'new_consumer', profile_ids: [], where, stage: q.stage, limit: q.limit }, { stock: states.stockOf(state.merchant_id) });
    return c.json(serve(state, answer, []), 200);
  });

  router.route(listRecRulesRoute, async (c) => {
    const { limit: size, cursor, placement } = c.req.valid('query');
    const rows = await listRules(db, c.get('caller').merchant_id, { after_id: decodeCursor(cursor), placement, limit: size + 1 });
    const page = toPage(rows, size);
    return c.json({ data: page.items.map(ruleJson), next_cursor: page.next_cursor }, 200);
  });

  router.route(createRecRuleRoute, async (c) => {
    const caller = c.get('caller');
    const rule = await createRule(db, caller.merchant_id, caller.actor, c.req.valid('json'));
    await refreshRules(caller.merchant_id);
    return c.json(ruleJson(rule), 201);
  });

  router.route(deleteRecRuleRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { rule_id } = c.req.valid('param');
    if (!(await deleteRule(db, merchant_id, rule_id))) throw problems.notFound('The rule');
    await refreshRules(merchant_id);
    return c.json({ deleted: true as const, id: rule_id }, 200);
  });

  router.route(previewRecsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const q = c.req.valid('query');
    const profile_ids = await resolveConsumer(db, merchant_id, { profile_id: q.profile_id });
    if (profile_ids.length === 0) throw problems.notFound('The consumer');
    const state = await states.get(merchant_id);
    const where = whereOf(q);
    requireKnownStore(state, where);
    const needsProducts = q.placement === 'similar' || q.placement === 'bought_together';
    if (needsProducts && q.product_ids === undefined) throw problems.validation([{ field: 'product_ids', location: 'query', message: `is required for ${q.placement}` }]);
    if (q.product_ids !== undefined) requireProducts(state, q.product_ids);
    const answer = await answerPlacement(db, state, { placement: q.placement, profile_ids, where, stage: q.stage, product_ids: needsProducts ? q.product_ids!.slice(0, q.placement === 'similar' ? 1 : 20) : undefined, limit: q.limit }, { stock: states.stockOf(state.merchant_id) });
    return c.json(
      {
        placement: answer.placement,
        profile_id: profile_ids[0]!,
        training_id: state.training_id,
        model: state.model,
        data: itemsJson(answer),
        removed: answer.removed.map((r) => ({ ...r, title: state.products.get(r.product_id)?.title ?? null })),
      },
      200,
    );
  });

  async function refreshRules(merchant_id: string): Promise<void> {
    const state = states.peek(merchant_id);
    if (state !== undefined) state.rules = await listRules(db, merchant_id, { limit: 10_000 });
  }
}

