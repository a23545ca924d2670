import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { currencySchema, toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { consumerToken, consumerTokenHeader, requireConsumer } from '../accounts/index.js';
import { getMerchant } from '../merchants/index.js';
import { describeRule, effectSchema, type Promotion } from '../promotions/index.js';
import { guideViewJson, guideViewSchema, messageJson, messageSchema, threadJson, threadSchema } from './schemas.js';
import { body_max, consumer_threads_max, getThread, sendToStore, threadsOfConsumer, type ThreadWithMessages } from './messages.js';
import { listStores, parseNear, requireStore, stock_items_max, storePage, stores_max, type StoreSummary } from './store-page.js';

/**
 * The store's twin on a storefront (publishable key: the key's merchant is the storefront's, and
 * only its stores are found; a secret key with `stores:read` reads the same), and a signed-in
 * consumer's messages to a store (`X-Consumer-Token`).
 */
const storefrontRead = { scope: ['stores:read', 'storefront:read'], tenancy: 'merchant', keyKinds: ['secret', 'publishable'] } as const;
const consumerWrite = { scope: 'checkout:write', tenancy: 'public', keyKinds: ['publishable', 'secret'] } as const;
const consumerRead = { scope: ['storefront:read', 'checkout:write'], tenancy: 'public', keyKinds: ['publishable', 'secret'] } as const;

const locationParams = z.object({ location_id: z.string().max(64).openapi({ param: { name: 'location_id', in: 'path' } }) });
const near = z.string().max(64).optional().openapi({ description: 'the shopper’s position, `<latitude>,<longitude>` in degrees: answers `distance_m`, and lists the nearest stores first', example: '31.2304,121.4737' });

const openingHoursSchema = z.record(z.string(), z.array(z.object({ opens: z.string(), closes: z.string() }))).openapi({ description: 'local `HH:MM` intervals per ISO weekday (1 = Monday) in the store’s time zone; none at all: open around the clock' });

const storeSummarySchema = z
  .object({
    location_id: z.string(),
    code: z.string(),
    name: z.string(),
    address: z.object({ line1: z.string(), line2: z.string().optional(), city: z.string(), region: z.string().optional(), postal_code: z.string().optional(), country: z.string() }),
    latitude: z.number(),
    longitude: z.number(),
    timezone: z.string(),
    opening_hours: openingHoursSchema,
    open_now: z.boolean().openapi({ description: 'open at this moment, by its hours in its own time zone' }),
    open_until: z.string().nullable().openapi({ description: 'when it closes next, while open; null when closed or open around the clock' }),
    next_opening: z.string().nullable().openapi({ description: 'when it opens next, while closed (within a week)' }),
    distance_m: z.number().int().nullable().openapi({ description: 'metres from `near`; null without it' }),
  })
  .openapi('StoreSummary');

const offerSchema = z
  .object({ promotion_id: z.string(), name: z.string(), description: z.string().nullable(), summary: z.string(), effect: effectSchema, currency: z.string(), ends_at: z.string().nullable() })
  .openapi('StoreOffer');
const couponSchema = offerSchema.extend({ left: z.number().int().nullable().openapi({ description: 'coupons still to be claimed; null: no limit' }) }).openapi('StoreClaimableCoupon');

const storePageSchema = storeSummarySchema
  .extend({
    stock: z.object({
      total: z.number().int().openapi({ description: 'variants with some available at this store now' }),
      currency: z.string(),
      items: z.array(z.object({ variant_id: z.string(), product_id: z.string(), sku: z.string(), title: z.string(), available: z.number().int(), unit_price_minor: z.number().int(), currency: z.string() })).openapi({ description: 'the ones for sale, most available first, at most `stock_limit`' }),
    }),
    offers: z.array(offerSchema).openapi({ description: 'automatic promotions live now that apply in this store (in-store channel, this store or every store)' }),
    claimable_coupons: z.array(couponSchema).openapi({ description: 'coupons a signed-in shopper may claim into their wallet (POST /v1/account/coupons) and use here' }),
    guides: z.array(guideViewSchema).openapi({ description: 'the store’s guides, online ones first; message them with POST /v1/stores/{location_id}/messages' }),
  })
  .openapi('StorePage');

const consumerThreadSchema = z.object({ thread: threadSchema.omit({ consumer_id: true, consumer_name: true, overdue: true }), messages: z.array(messageSchema) }).openapi('ConsumerStoreThread');

function summaryJson(s: StoreSummary): z.infer<typeof storeSummarySchema> {
  const l = s.location;
  return {
    location_id: l.id,
    code: l.code,
    name: l.name,
    address: l.address,
    latitude: l.latitude,
    longitude: l.longitude,
    timezone: l.timezone,
    opening_hours: l.opening_hours,
    open_now: s.open_now,
    open_until: s.open_until?.toISOString() ?? null,
    next_opening: s.next_opening?.toISOString() ?? null,
    distance_m: s.distance_m,
  };
}

const offerJson = (p: Promotion) => ({ promotion_id: p.id, name: p.name, description: p.description, summary: describeRule(p), effect: p.effect, currency: p.currency, ends_at: p.ends_at?.toISOString() ?? null });

export const listStoresRoute = defineRoute({
  operationId: 'listStores',
  method: 'get',
  path: '/v1/stores',
  tags: ['Stores'],
  summary: 'The storefront merchant’s stores, nearest first with `near`, each with its distance and whether it is open now',
  access: storefrontRead,
  request: { query: z.object({ near }) },
  responses: { 200: jsonResponse(z.object({ data: z.array(storeSummarySchema) }), `The active stores, at most ${stores_max}`) },
});

export const getStorePageRoute = defineRoute({
  operationId: 'getStorePage',
  method: 'get',
  path: '/v1/stores/{location_id}',
  tags: ['Stores'],
  summary: 'A store’s digital twin: address, hours, open now, distance, what it holds now, offers, claimable coupons and guides',
  access: storefrontRead,
  request: {
    params: locationParams,
    query: z.object({
      near,
      stock_limit: z.coerce.number().int().min(1).max(stock_items_max).default(50).openapi({ description: `items of stock listed, at most ${stock_items_max}` }),
      currency: currencySchema.optional().openapi({ description: 'prices in this currency; the merchant’s default when absent' }),
    }),
  },
  responses: { 200: jsonResponse(storePageSchema, 'The store now') },
});

export const sendStoreMessageRoute = defineRoute({
  operationId: 'sendStoreMessage',
  method: 'post',
  path: '/v1/stores/{location_id}/messages',
  tags: ['Stores'],
  summary: 'The signed-in consumer writes to a store, or to one of its guides; one thread per consumer and store. At most 5 messages to a store in 10 minutes (429 `store_messages_throttled`)',
  access: consumerWrite,
  request: {
    params: locationParams,
    headers: consumerToken,
    ...jsonBody(z.object({ guide_id: z.string().max(64).optional(), body: z.string().trim().min(1, 'must not be empty').max(body_max, `must be at most ${body_max} characters`) }).strict()),
  },
  responses: { 201: jsonResponse(consumerThreadSchema, 'The thread with its latest messages') },
});

export const listConsumerStoreThreadsRoute = defineRoute({
  operationId: 'listConsumerStoreThreads',
  method: 'get',
  path: '/v1/account/store-messages',
  tags: ['Stores'],
  summary: 'The signed-in consumer’s threads with this storefront’s stores and their answers, latest first',
  access: consumerRead,
  request: { headers: consumerToken },
  responses: { 200: jsonResponse(z.object({ data: z.array(consumerThreadSchema) }), `The threads, whole (at most ${consumer_threads_max}, each with its latest 100 messages)`) },
});

export function registerStorefrontRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(listStoresRoute, async (c) => {
    const stores = await listStores(db, c.get('caller').merchant_id, parseNear(c.req.valid('query').near));
    return c.json({ data: stores.map(summaryJson) }, 200);
  });

  router.route(getStorePageRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const q = c.req.valid('query');
    const merchant = await getMerchant(db, merchant_id);
    if (merchant === undefined) throw problems.notFound('The store');
    const page = await storePage(db, merchant_id, { location_id: c.req.valid('param').location_id, near: parseNear(q.near), currency: q.currency ?? merchant.default_currency, stock_limit: q.stock_limit });
    return c.json(
      {
        ...summaryJson(page),
        stock: { total: page.stock.total, currency: page.stock.currency, items: page.stock.items.map((i) => ({ ...i, unit_price_minor: toJsonAmount(i.unit_price_minor) })) },
        offers: page.offers.map(offerJson),
        claimable_coupons: page.claimable.map((p) => ({ ...offerJson(p), left: p.issue_limit === null ? null : p.issue_limit - p.issued })),
        guides: page.guides.map(guideViewJson),
      },
      200,
    );
  });

  router.route(sendStoreMessageRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    const { location_id } = c.req.valid('param');
    await requireStore(db, merchant_id, location_id);
    const { thread } = await sendToStore(db, merchant_id, consumer, { location_id, ...c.req.valid('json') });
    const whole = await getThread(db, merchant_id, thread.id);
    return c.json(consumerThreadJson(whole!, new Date()), 201);
  });

  router.route(listConsumerStoreThreadsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    const threads = await threadsOfConsumer(db, merchant_id, consumer.id);
    const now = new Date();
    return c.json({ data: threads.map((t) => consumerThreadJson(t, now)) }, 200);
  });
}

function consumerThreadJson(t: ThreadWithMessages, now: Date): z.infer<typeof consumerThreadSchema> {
  const { consumer_id: _c, consumer_name: _n, overdue: _o, ...thread } = threadJson(t.thread, now);
  return { thread, messages: t.messages.map((m) => messageJson(m, t.guides)) };
}
