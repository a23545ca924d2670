import { z } from '@hono/zod-openapi';
import type { AnyDb } from '../../kernel/db.js';
import type { CallerKind } from '../../kernel/http/context.js';
import { isIdPart, keyCursor, page_size_max } from '../../kernel/http/pagination.js';
import { defineRoute, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { consumerOfToken, consumerToken, consumerTokenHeader } from '../accounts/index.js';
import { attributionSecret, issueToken, recordServed } from '../attribution/index.js';
import { stockAtLocation } from '../inventory/index.js';
import { distance_m, getLocation, listLocations } from '../locations/index.js';
import { noPreferences, preferencesOf } from './preferences.js';
import { recordQuery } from './query-log.js';
import { query_length_max, searchProducts, type SearchHit } from './query.js';
import { synonymsOf } from './synonyms.js';

const storefrontRead = { scope: ['search:read', 'storefront:read'], tenancy: 'merchant', keyKinds: ['secret', 'publishable'] } as const;

/** Stores within the radius whose stock counts as nearby, nearest first. */
export const nearby_stores_max = 20;
/** In-stock variants read per store for the nearby facet. */
const stock_per_store_max = 20_000;
const attribute_filters_max = 10;

const searchCursor = keyCursor([(s) => /^\d{1,6}(\.\d{1,4})?$/.test(s), (s) => /^[0-2]$/.test(s), isIdPart]);

const hitSchema = z
  .object({
    product_id: z.string(),
    title: z.string(),
    title_i18n: z.record(z.string(), z.string()),
    price: z.object({ currency: z.string(), min_minor: z.number().int(), max_minor: z.number().int() }).nullable().openapi({ description: 'the lowest and highest base price of its active variants in the merchant’s default currency; null when it has none' }),
    image_url: z.string().nullable(),
    category_id: z.string().nullable(),
    attributes: z.record(z.string(), z.string()),
    score: z.number().openapi({ description: 'relevance (title over attributes over description, the words typed over corrected ones)' }),
    in_stock_nearby: z.boolean().nullable().openapi({ description: 'some variant available at the chosen stores; null without `location_id` or `near`' }),
    highlights: z.array(z.string()).openapi({ description: 'the query’s words (or their corrections) found in the title' }),
  })
  .openapi('SearchHit');

export const searchAnswerSchema = z
  .object({
    query: z.string().openapi({ description: 'the query as searched: normalised (NFKC, lower case, single spaces), at most 100 characters' }),
    corrected_query: z.string().nullable().openapi({ description: 'the query with typos corrected, when a correction was searched too; null otherwise' }),
    attribution_token: z.string().openapi({ description: 'send with the views, clicks and carts that follow (docs/RECS.md, attribution)' }),
    total: z.number().int().openapi({ description: 'products matching the query and filters' }),
    data: z.array(hitSchema),
    next_cursor: z.string().nullable(),
    facets: z.object({
      category: z.array(z.object({ value: z.string(), count: z.number().int() })).openapi({ description: 'matching products per category ID, most first (at most 50)' }),
      price: z.array(z.object({ from: z.number().int(), to: z.number().int().nullable(), count: z.number().int() })).openapi({ description: 'matching products per bucket of their lowest price, minor units, `from` inclusive, `to` exclusive (null: no upper bound)' }),
      attributes: z.record(z.string(), z.array(z.object({ value: z.string(), count: z.number().int() }))).openapi({ description: 'per attribute, matching products per value (at most 20 values each)' }),
      in_stock_nearby: z.number().int().nullable().openapi({ description: 'matching products available at the chosen stores; null without `location_id` or `near`' }),
    }),
  })
  .openapi('SearchAnswer');

const flag = z.enum(['true', 'false']).optional();

export const searchRoute = defineRoute({
  operationId: 'searchProducts',
  method: 'get',
  path: '/v1/search',
  tags: ['Search'],
  summary: 'Search the storefront’s products in Chinese or English: typo tolerant, the brand’s synonyms, facets, in stock nearby; ranked by relevance, the consumer’s preferences breaking ties. Filter by attribute with `attr.<name>=<value>`',
  access: storefrontRead,
  request: {
    headers: consumerToken,
    query: z.object({
      q: z.string().max(query_length_max * 2).default('').openapi({ description: `the words searched (at most ${query_length_max} characters are used); empty lists every product matching the filters` }),
      category_id: z.string().max(64).optional(),
      price_min: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().openapi({ description: 'lowest price, minor units of the merchant’s default currency' }),
      price_max: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
      location_id: z.string().max(64).optional().openapi({ description: 'a store whose stock counts as nearby' }),
      near: z.string().max(64).optional().openapi({ description: 'the shopper’s position, `<latitude>,<longitude>`: the brand’s stores within `radius_km` count as nearby', example: '31.2304,121.4737' }),
      radius_km: z.coerce.number().gt(0).max(100).default(10),
      in_stock: flag.openapi({ description: '`true`: only products available at the nearby stores (needs `location_id` or `near`)' }),
      anonymous_id: z.string().max(200).optional().openapi({ description: 'the storefront’s anonymous ID of the shopper (as sent to the data bank), for the preference tie-breaker' }),
      include_unpublished: flag.openapi({ description: '`true` with a secret key: drafts too (a merchant’s preview); ignored for publishable keys' }),
      limit: z.coerce.number().int().min(1).max(page_size_max).default(20),
      cursor: z.string().max(400).optional(),
    }),
  },
  responses: { 200: jsonResponse(searchAnswerSchema, 'The products found, best first, with facets') },
});

function parseNear(value: string): { latitude: number; longitude: number } {
  const m = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/.exec(value);
  const latitude = Number(m?.[1]);
  const longitude = Number(m?.[2]);
  if (m === null || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) throw problems.validation([{ field: 'near', location: 'query', message: 'must be "<latitude>,<longitude>" in degrees' }]);
  return { latitude, longitude };
}

/** `attr.<name>=<value>` parameters. */
function attributeFilters(url: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new URL(url, 'http://x').searchParams) {
    if (!key.startsWith('attr.')) continue;
    const name = key.slice(5);
    if (name === '' || name.length > 100 || value.length > 200) throw problems.validation([{ field: key, location: 'query', message: 'an attribute filter is attr.<name>=<value>, name at most 100 and value at most 200 characters' }]);
    out[name] = value;
  }
  if (Object.keys(out).length > attribute_filters_max) throw problems.validation([{ field: 'attr', location: 'query', message: `at most ${attribute_filters_max} attribute filters` }]);
  return out;
}

/** The variants available at the chosen stores, or undefined when no store was chosen. */
async function nearbyStock(db: AnyDb, merchant_id: string, q: { location_id?: string | undefined; near?: string | undefined; radius_km: number }): Promise<string[] | undefined> {
  let location_ids: string[];
  if (q.location_id !== undefined) {
    const location = await getLocation(db, merchant_id, q.location_id);
    if (location === undefined) throw problems.notFound('The location');
    location_ids = [location.id];
  } else if (q.near !== undefined) {
    const at = parseNear(q.near);
    const stores = await listLocations(db, merchant_id, { kind: 'store', limit: 1_000 });
    location_ids = stores
      .filter((s) => s.active)
      .map((s) => ({ id: s.id, d: distance_m(at, s) }))
      .filter((s) => s.d <= q.radius_km * 1_000)
      .sort((a, b) => a.d - b.d)
      .slice(0, nearby_stores_max)
      .map((s) => s.id);
  } else return undefined;
  const held = await Promise.all(location_ids.map((l) => stockAtLocation(db, merchant_id, l, stock_per_store_max)));
  return [...new Set(held.flatMap((h) => h.levels.map((l) => l.variant_id)))];
}

/**
 * A search the merchant makes for themselves, not a shopper's: from a console session (its "Try a
 * search"), or a secret key asking for drafts too (a preview no storefront shows).
 */
export function merchantsOwnSearch(kind: CallerKind, include_unpublished: boolean): boolean {
  return kind === 'console' || (kind !== 'publishable' && include_unpublished);
}

const profileOf = (p: object): string | undefined => (p as { profile_id?: string }).profile_id;

const hitJson = (h: SearchHit): z.infer<typeof hitSchema> => ({
  product_id: h.product_id,
  title: h.title,
  title_i18n: h.title_i18n,
  price: h.currency === null || h.price_min === null || h.price_max === null ? null : { currency: h.currency, min_minor: Number(h.price_min), max_minor: Number(h.price_max) },
  image_url: h.image_url,
  category_id: h.category_id,
  attributes: h.attributes,
  score: Number(h.score),
  in_stock_nearby: h.in_stock_nearby,
  highlights: h.highlights,
});

export function registerStorefrontRoutes(router: ModuleRouter, { db, config }: ModuleContext): void {
  const secret = attributionSecret(config);
  router.route(searchRoute, async (c) => {
    const caller = c.get('caller');
    const merchant_id = caller.merchant_id;
    const q = c.req.valid('query');
    const attributes = attributeFilters(c.req.url);
    if (q.in_stock === 'true' && q.location_id === undefined && q.near === undefined) throw problems.validation([{ field: 'in_stock', location: 'query', message: 'needs location_id or near' }]);
    if (q.price_min !== undefined && q.price_max !== undefined && q.price_min > q.price_max) throw problems.validation([{ field: 'price_max', location: 'query', message: 'must not be below price_min' }]);
    const key = searchCursor.decode(q.cursor);
    const token = c.req.valid('header')[consumerTokenHeader];
    const consumer = token === undefined ? undefined : await consumerOfToken(db, token);
    const [stock, preferences, synonyms] = await Promise.all([
      nearbyStock(db, merchant_id, q),
      consumer === undefined && q.anonymous_id === undefined ? Promise.resolve(noPreferences) : preferencesOf(db, merchant_id, { consumer, anonymous_id: q.anonymous_id }),
      synonymsOf(db, merchant_id),
    ]);
    const result = await searchProducts(db, {
      merchant_id,
      q: q.q,
      category_id: q.category_id,
      price_min: q.price_min,
      price_max: q.price_max,
      attributes,
      stock,
      in_stock: q.in_stock === 'true',
      include_unpublished: caller.kind !== 'publishable' && q.include_unpublished === 'true',
      preferences,
      limit: q.limit,
      after: key === undefined ? undefined : { score: key[0]!, pref: Number(key[1]), product_id: key[2]! },
      synonyms,
    });
    // A shopper's search is demand; the merchant's own is not (docs/SEARCH.md, query log): the
    // console's "Try a search", or a secret key previewing drafts, is neither logged (no
    // zero-result finding comes of it) nor counted as search traffic.
    const shoppers = !merchantsOwnSearch(caller.kind, q.include_unpublished === 'true');
    // The first page of a search counts once (the pages after it are the same search).
    // Counted in process and written in batches, never awaited by the answer.
    if (key === undefined && shoppers) recordQuery(db, merchant_id, result.query, result.total);
    const { token: attribution_token, claim } = issueToken(secret, { merchant_id, source: 'search', placement: 'search' });
    // Buffered by the attribution module, never awaited by the answer.
    if (shoppers) recordServed(db, claim, { product_ids: result.hits.map((h) => h.product_id), profile_id: profileOf(preferences) ?? null, query: result.query });
    const last = result.hits.at(-1);
    return c.json(
      {
        query: result.query,
        corrected_query: result.corrected_query,
        attribution_token,
        total: result.total,
        data: result.hits.map(hitJson),
        next_cursor: result.has_more && last !== undefined ? searchCursor.encode([last.score, String(last.pref), last.product_id]) : null,
        facets: result.facets,
      },
      200,
    );
  });
}
