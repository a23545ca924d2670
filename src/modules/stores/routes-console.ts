import { z } from '@hono/zod-openapi';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { currencySchema, toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { getMerchant } from '../merchants/index.js';
import { figures_days_max, figures_days_min, storeFigures, type Headline } from './figures.js';
import { createGuide, getGuide, listGuides, updateGuide } from './guides.js';
import { body_max, getThread, lastMessages, listThreads, replyToThread, thread_messages_max } from './messages.js';
import { guideJson, guideSchema, messageJson, messageSchema, threadJson, threadSchema } from './schemas.js';

/** The merchant's side: threads and answers, guides, and a store's figures (secret keys and console sessions). */
const read = { scope: 'stores:read', tenancy: 'merchant' } as const;
const write = { scope: 'stores:write', tenancy: 'merchant' } as const;
const id = z.string().max(64);
const threadParams = z.object({ thread_id: id.openapi({ param: { name: 'thread_id', in: 'path' } }) });
const guideParams = z.object({ guide_id: id.openapi({ param: { name: 'guide_id', in: 'path' } }) });
const locationParams = z.object({ location_id: id.openapi({ param: { name: 'location_id', in: 'path' } }) });
const body = z.string().trim().min(1, 'must not be empty').max(body_max, `must be at most ${body_max} characters`);
const name = z.string().trim().min(1).max(100);
const title = z.string().trim().max(100);

const threadListItem = threadSchema.extend({ last_message: messageSchema.nullable() }).openapi('StoreThreadListItem');
const threadDetail = threadSchema.extend({ messages: z.array(messageSchema).openapi({ description: `the latest ${thread_messages_max}, oldest first` }) }).openapi('StoreThreadDetail');

const amount = z.number().int();
const headlineSchema = z
  .object({
    location_id: z.string(),
    code: z.string(),
    name: z.string(),
    first_day: z.string(),
    last_day: z.string(),
    visits: z.number().int().nullable().openapi({ description: 'consumers at the store per day (the data bank’s); null without `consumers:read`' }),
    orders: z.number().int(),
    gross_minor: amount,
    refunded_minor: amount,
    net_minor: amount,
    average_basket_minor: amount,
    conversion: z.number().nullable().openapi({ description: 'orders ÷ visits; null without visits' }),
  })
  .openapi('StoreHeadline');
const figuresSchema = z
  .object({
    currency: z.string(),
    days: z.number().int(),
    time_zone: z.string(),
    store: headlineSchema,
    top_products: z.array(z.object({ product_id: z.string(), title: z.string(), units: z.number().int(), revenue_minor: amount })),
    by_hour: z.array(z.object({ hour: z.number().int(), visitors: z.number().int().nullable(), orders: z.number().int() })).openapi({ description: '24 rows, hours of the day in the store’s time zone' }),
    chain: z.array(headlineSchema.extend({ this_store: z.boolean(), rank: z.number().int() })).openapi({ description: 'every active store of the chain, most net sales first' }),
  })
  .openapi('StoreFigures');

const headlineJson = (h: Headline) => ({
  location_id: h.location_id,
  code: h.code,
  name: h.name,
  first_day: h.first_day,
  last_day: h.last_day,
  visits: h.visits,
  orders: h.orders,
  gross_minor: toJsonAmount(h.gross_minor),
  refunded_minor: toJsonAmount(h.refunded_minor),
  net_minor: toJsonAmount(h.gross_minor - h.refunded_minor),
  average_basket_minor: toJsonAmount(h.average_basket_minor),
  conversion: h.conversion,
});

export const listStoreThreadsRoute = defineRoute({
  operationId: 'listStoreThreads',
  method: 'get',
  path: '/v1/store-threads',
  tags: ['Stores'],
  summary: 'Consumers’ threads with the stores, newest first; `status=overdue`: waiting for an answer for more than 15 minutes',
  access: read,
  request: { query: pageQuerySchema.extend({ location_id: id.optional(), status: z.enum(['waiting', 'answered', 'overdue']).optional() }) },
  responses: { 200: jsonResponse(pageSchema(threadListItem), 'A page of threads') },
});

export const getStoreThreadRoute = defineRoute({
  operationId: 'getStoreThread',
  method: 'get',
  path: '/v1/store-threads/{thread_id}',
  tags: ['Stores'],
  summary: 'One thread with its messages',
  access: read,
  request: { params: threadParams },
  responses: { 200: jsonResponse(threadDetail, 'The thread') },
});

export const replyToStoreThreadRoute = defineRoute({
  operationId: 'replyToStoreThread',
  method: 'post',
  path: '/v1/store-threads/{thread_id}/replies',
  tags: ['Stores'],
  summary: 'Answer a consumer, as a guide of the thread’s store (`guide_id`, or the signed-in user’s own guide there) or as the store; the consumer is mailed',
  access: write,
  request: { params: threadParams, ...jsonBody(z.object({ body, guide_id: id.optional() }).strict()) },
  responses: { 201: jsonResponse(threadDetail, 'The thread, answered') },
});

export const createStoreGuideRoute = defineRoute({
  operationId: 'createStoreGuide',
  method: 'post',
  path: '/v1/store-guides',
  tags: ['Stores'],
  summary: 'Add a guide to one of the merchant’s stores, optionally a console user who answers as them',
  access: write,
  request: jsonBody(z.object({ location_id: id, name, title: title.optional(), console_user_id: id.nullable().optional() }).strict()),
  responses: { 201: jsonResponse(guideSchema, 'The guide') },
});

export const listStoreGuidesRoute = defineRoute({
  operationId: 'listStoreGuides',
  method: 'get',
  path: '/v1/store-guides',
  tags: ['Stores'],
  summary: 'The stores’ guides, by ID',
  access: read,
  request: { query: pageQuerySchema.extend({ location_id: id.optional() }) },
  responses: { 200: jsonResponse(pageSchema(guideSchema), 'A page of guides') },
});

export const updateStoreGuideRoute = defineRoute({
  operationId: 'updateStoreGuide',
  method: 'patch',
  path: '/v1/store-guides/{guide_id}',
  tags: ['Stores'],
  summary: 'Change a guide: name, title, store, console user, active; `online: true` says the guide is there now',
  access: write,
  request: { params: guideParams, ...jsonBody(z.object({ location_id: id.optional(), name: name.optional(), title: title.optional(), console_user_id: id.nullable().optional(), active: z.boolean().optional(), online: z.boolean().optional() }).strict()) },
  responses: { 200: jsonResponse(guideSchema, 'The guide') },
});

export const getStoreFiguresRoute = defineRoute({
  operationId: 'getStoreFigures',
  method: 'get',
  path: '/v1/stores/{location_id}/figures',
  tags: ['Stores'],
  summary: 'A store’s figures over its last `days` days: visits, orders, sales, average basket, conversion, best sellers, traffic by hour, and the chain’s stores side by side',
  access: read,
  request: {
    params: locationParams,
    query: z.object({
      days: z.coerce.number().int().min(figures_days_min).max(figures_days_max).default(30).openapi({ description: `${figures_days_min} to ${figures_days_max} local days, today included` }),
      currency: currencySchema.optional().openapi({ description: 'sales, baskets and best sellers in this currency; the merchant’s default when absent' }),
    }),
  },
  responses: { 200: jsonResponse(figuresSchema, 'The figures') },
});

export function registerConsoleRoutes(router: ModuleRouter, { db, config }: ModuleContext): void {
  router.route(listStoreThreadsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { limit, cursor, location_id, status } = c.req.valid('query');
    const now = new Date();
    const rows = await listThreads(db, merchant_id, { location_id, status, before_id: decodeCursor(cursor), limit: limit + 1 }, now);
    const page = toPage(rows, limit);
    const last = await lastMessages(db, merchant_id, page.items.map((t) => t.id));
    const guides = new Map((await listGuidesById(db, merchant_id, [...last.values()].map((m) => m.guide_id))).map((g) => [g.id, g]));
    return c.json({ data: page.items.map((t) => ({ ...threadJson(t, now), last_message: last.has(t.id) ? messageJson(last.get(t.id)!, guides) : null })), next_cursor: page.next_cursor }, 200);
  });

  router.route(getStoreThreadRoute, async (c) => {
    const t = await getThread(db, c.get('caller').merchant_id, c.req.valid('param').thread_id);
    if (t === undefined) throw problems.notFound('The thread');
    return c.json({ ...threadJson(t.thread, new Date()), messages: t.messages.map((m) => messageJson(m, t.guides)) }, 200);
  });

  router.route(replyToStoreThreadRoute, async (c) => {
    const caller = c.get('caller');
    const { thread_id } = c.req.valid('param');
    const replied = await replyToThread(db, config, caller.merchant_id, { thread_id, ...c.req.valid('json'), actor: caller.actor });
    if (replied === undefined) throw problems.notFound('The thread');
    const t = (await getThread(db, caller.merchant_id, thread_id))!;
    return c.json({ ...threadJson(t.thread, new Date()), messages: t.messages.map((m) => messageJson(m, t.guides)) }, 201);
  });

  router.route(createStoreGuideRoute, async (c) => {
    return c.json(guideJson(await createGuide(db, c.get('caller').merchant_id, c.req.valid('json')), new Date()), 201);
  });

  router.route(listStoreGuidesRoute, async (c) => {
    const { limit, cursor, location_id } = c.req.valid('query');
    const rows = await listGuides(db, c.get('caller').merchant_id, { location_id, after_id: decodeCursor(cursor), limit: limit + 1 });
    const page = toPage(rows, limit);
    const now = new Date();
    return c.json({ data: page.items.map((g) => guideJson(g, now)), next_cursor: page.next_cursor }, 200);
  });

  router.route(updateStoreGuideRoute, async (c) => {
    const guide = await updateGuide(db, c.get('caller').merchant_id, c.req.valid('param').guide_id, c.req.valid('json'));
    if (guide === undefined) throw problems.notFound('The guide');
    return c.json(guideJson(guide, new Date()), 200);
  });

  router.route(getStoreFiguresRoute, async (c) => {
    const caller = c.get('caller');
    const q = c.req.valid('query');
    const merchant = await getMerchant(db, caller.merchant_id);
    const currency = q.currency ?? merchant?.default_currency ?? 'CNY';
    const f = await storeFigures(db, caller.merchant_id, { location_id: c.req.valid('param').location_id, days: q.days, currency, include_visits: caller.scopes.has('consumers:read') });
    return c.json(
      {
        currency: f.currency,
        days: f.days,
        time_zone: f.time_zone,
        store: headlineJson(f.store),
        top_products: f.top_products.map((p) => ({ ...p, revenue_minor: toJsonAmount(p.revenue_minor) })),
        by_hour: f.by_hour,
        chain: f.chain.map((h) => ({ ...headlineJson(h), this_store: h.this_store, rank: h.rank })),
      },
      200,
    );
  });
}

async function listGuidesById(db: ModuleContext['db'], merchant_id: string, ids: readonly (string | null)[]) {
  const wanted = [...new Set(ids.filter((i): i is string => i !== null))];
  return (await Promise.all(wanted.map((g) => getGuide(db, merchant_id, g)))).filter((g) => g !== undefined);
}
