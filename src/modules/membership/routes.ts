import { z } from '@hono/zod-openapi';
import { inTransaction } from '../../kernel/db.js';
import { decodeCursor, encodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { consumerToken, consumerTokenHeader, requireConsumer } from '../accounts/index.js';
import { getLocation } from '../locations/index.js';
import { findMerchantByHandle } from '../merchants/index.js';
import { attachPendingCoupons } from '../promotions/index.js';
import { acceptConsumerCode } from './accept.js';
import { codePurposes, consumer_code_digits, issueConsumerCode, type ConsumerCodeKeys } from './consumer-code.js';
import { getMember, history_max, levels_max, listLevels, listMembers, memberView, pointsHistory, setLevels, type Level, type MemberView, type PointsEntry } from './members.js';

const storefrontRead = { scope: ['storefront:read', 'checkout:write'], tenancy: 'public', keyKinds: ['publishable', 'secret'] } as const;
const membershipRead = { scope: 'membership:read', tenancy: 'merchant' } as const;
const membershipWrite = { scope: 'membership:write', tenancy: 'merchant' } as const;
const id = z.string().min(1).max(64);

const consumerCodeOut = z
  .object({
    code: z.string().openapi({ description: `${consumer_code_digits} digits a till types or scans; works once, for 30 to 60 seconds`, example: '100000042123456789' }),
    qr_payload: z.string().openapi({ description: 'what the QR code carries (the same digits)' }),
    qr_svg: z.string().openapi({ description: 'the QR code as an SVG document' }),
    period_s: z.number().int().openapi({ description: 'seconds a code is shown before the next one' }),
    refresh_at: z.string().openapi({ description: 'when the app should ask for the next code' }),
    expires_at: z.string().openapi({ description: 'after this, stores refuse the code (`code_expired`)' }),
  })
  .openapi('ConsumerCode');

const levelSchema = z
  .object({
    name: z.string().trim().min(1).max(60),
    min_points: z.number().int().min(0).max(1_000_000_000).openapi({ description: 'points a member needs to hold this level; the first level starts at 0' }),
    earn_rate: z.number().min(0).max(1_000).openapi({ description: 'points earned per unit of the order’s currency (1.5: 1.5 points per yuan), at most two decimals' }),
    perks: z.string().max(2_000).default('').openapi({ description: 'what the level gives, in words' }),
  })
  .openapi('MembershipLevel');

const memberCouponSchema = z.object({ id: z.string(), promotion_id: z.string(), name: z.string(), currency: z.string(), expires_at: z.string().nullable() }).openapi('MemberCoupon');

const memberSchema = z
  .object({
    consumer_id: z.string(),
    name: z.string().nullable().openapi({ description: 'the name on the consumer’s account' }),
    stage: z.string().nullable().openapi({ description: 'their lifecycle stage in the brand’s data bank, if known' }),
    level: z.string().nullable(),
    points: z.number().int(),
    next_level: z.object({ name: z.string(), min_points: z.number().int(), points_to_go: z.number().int() }).nullable(),
    joined_at: z.string(),
    coupons: z.array(memberCouponSchema).openapi({ description: 'the available coupons of this brand in their wallet' }),
  })
  .openapi('Member');

const memberRowSchema = z.object({ consumer_id: z.string(), level: z.string().nullable(), points: z.number().int(), joined_via: z.string(), joined_at: z.string() }).openapi('MemberSummary');

const historySchema = z.object({ id: z.string(), points: z.number().int(), reason: z.enum(['earned', 'reversed', 'adjusted']), order_id: z.string().nullable(), created_at: z.string() }).openapi('PointsEntry');

const membershipOut = memberSchema.extend({ merchant_id: z.string(), levels: z.array(levelSchema), history: z.array(historySchema) }).openapi('Membership');

const verifyOut = memberSchema.extend({ code_use_id: z.string().openapi({ description: 'the code’s single use, to name on what it was accepted for' }) }).openapi('VerifiedConsumerCode');

export function memberJson(m: MemberView): z.infer<typeof memberSchema> {
  return {
    consumer_id: m.consumer_id,
    name: m.name,
    stage: m.stage,
    level: m.level,
    points: m.points,
    next_level: m.next_level,
    joined_at: m.joined_at.toISOString(),
    coupons: m.coupons.map((c) => ({ id: c.coupon.id, promotion_id: c.promotion.id, name: c.promotion.name, currency: c.promotion.currency, expires_at: c.coupon.expires_at?.toISOString() ?? null })),
  };
}

const historyJson = (e: PointsEntry) => ({ id: e.id, points: e.points, reason: e.reason, order_id: e.order_id, created_at: e.created_at.toISOString() });

export const getConsumerCodeRoute = defineRoute({
  operationId: 'getConsumerCode',
  method: 'get',
  path: '/v1/account/consumer-code',
  tags: ['Membership'],
  summary: 'The signed-in consumer’s code for stores: pays, identifies them as a member and carries their coupons; one use, 30 to 60 seconds',
  access: storefrontRead,
  request: { headers: consumerToken },
  responses: { 200: jsonResponse(consumerCodeOut, 'The code, its QR code and when to refresh it') },
});

export const getMembershipRoute = defineRoute({
  operationId: 'getMembership',
  method: 'get',
  path: '/v1/account/membership',
  tags: ['Membership'],
  summary: 'The signed-in consumer’s membership of a brand: level, points, next level, wallet coupons, points history',
  access: storefrontRead,
  request: { headers: consumerToken, query: z.object({ merchant: z.string().max(100).optional().openapi({ description: 'the brand’s handle; the key’s own merchant by default' }) }) },
  responses: { 200: jsonResponse(membershipOut, 'The membership (points 0 and no history before the first visit or order)') },
});

export const getLevelsRoute = defineRoute({
  operationId: 'getMembershipLevels',
  method: 'get',
  path: '/v1/membership/levels',
  tags: ['Membership'],
  summary: 'The brand’s membership levels, lowest first',
  access: membershipRead,
  responses: { 200: jsonResponse(z.object({ data: z.array(levelSchema) }), 'The levels') },
});

export const putLevelsRoute = defineRoute({
  operationId: 'putMembershipLevels',
  method: 'put',
  path: '/v1/membership/levels',
  tags: ['Membership'],
  summary: 'Replace the brand’s levels (a ladder: the first at 0 points, each above the one before); members move to the level their points reach',
  access: membershipWrite,
  request: jsonBody(z.object({ levels: z.array(levelSchema).min(1).max(levels_max) }).strict()),
  responses: { 200: jsonResponse(z.object({ data: z.array(levelSchema) }), 'The levels now') },
});

export const listMembersRoute = defineRoute({
  operationId: 'listMembers',
  method: 'get',
  path: '/v1/members',
  tags: ['Membership'],
  summary: 'The brand’s members, by consumer ID',
  access: membershipRead,
  request: { query: pageQuerySchema.extend({ level: z.string().max(60).optional() }) },
  responses: { 200: jsonResponse(pageSchema(memberRowSchema), 'A page of members') },
});

export const getMemberRoute = defineRoute({
  operationId: 'getMember',
  method: 'get',
  path: '/v1/members/{consumer_id}',
  tags: ['Membership'],
  summary: 'One member: level, points, next level, wallet coupons and points history',
  access: membershipRead,
  request: { params: z.object({ consumer_id: id.openapi({ param: { name: 'consumer_id', in: 'path' } }) }) },
  responses: { 200: jsonResponse(memberSchema.extend({ history: z.array(historySchema) }), 'The member') },
});

export const verifyConsumerCodeRoute = defineRoute({
  operationId: 'verifyConsumerCode',
  method: 'post',
  path: '/v1/consumer-codes/verify',
  tags: ['Membership'],
  summary: 'A store accepts a consumer code (once): whose it is, their level, points and coupons',
  access: { scope: 'instore:write', tenancy: 'merchant', keyKinds: ['secret', 'console'] },
  request: jsonBody(
    z
      .object({
        code: z.string().min(1).max(64),
        location_id: id,
        device_id: id.openapi({ description: 'the till, self-checkout or gate that read it; invalid codes are throttled per device and per store' }),
        purpose: z.enum(codePurposes).default('identify'),
      })
      .strict(),
  ),
  responses: { 200: jsonResponse(verifyOut, 'The code was accepted: the member it belongs to') },
});

export function registerRoutes(router: ModuleRouter, { db }: ModuleContext, keys: ConsumerCodeKeys): void {
  router.route(getConsumerCodeRoute, async (c) => {
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    const issued = await issueConsumerCode(db, keys, consumer.id);
    return c.json({ code: issued.code, qr_payload: issued.qr_payload, qr_svg: issued.qr_svg, period_s: issued.period_s, refresh_at: issued.refresh_at.toISOString(), expires_at: issued.expires_at.toISOString() }, 200);
  });

  router.route(getMembershipRoute, async (c) => {
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    const handle = c.req.valid('query').merchant;
    const merchant = handle === undefined ? { id: c.get('caller').merchant_id } : await findMerchantByHandle(db, handle);
    if (merchant === undefined) throw problems.notFound(`The merchant ${handle ?? ''}`);
    await attachPendingCoupons(db, merchant.id, consumer);
    const member = (await getMember(db, merchant.id, consumer.id)) ?? { merchant_id: merchant.id, consumer_id: consumer.id, points: 0, level: null, joined_via: 'code' as const, joined_at: new Date() };
    const [view, levels, history] = await Promise.all([memberView(db, merchant.id, member), listLevels(db, merchant.id), pointsHistory(db, merchant.id, consumer.id, history_max)]);
    const level = member.level ?? levels.find((l) => l.min_points === 0)?.name ?? null;
    return c.json({ ...memberJson({ ...view, level }), merchant_id: merchant.id, levels: levels.map(levelJson), history: history.map(historyJson) }, 200);
  });

  router.route(getLevelsRoute, async (c) => c.json({ data: (await listLevels(db, c.get('caller').merchant_id)).map(levelJson) }, 200));

  router.route(putLevelsRoute, async (c) => {
    const levels = await setLevels(db, c.get('caller').merchant_id, c.req.valid('json').levels);
    return c.json({ data: levels.map(levelJson) }, 200);
  });

  router.route(listMembersRoute, async (c) => {
    const { limit, cursor, level } = c.req.valid('query');
    const rows = await listMembers(db, c.get('caller').merchant_id, { after: decodeCursor(cursor), limit, level });
    const page = toPage(rows, limit, (last) => encodeCursor(last.consumer_id));
    return c.json({ data: page.items.map((m) => ({ consumer_id: m.consumer_id, level: m.level, points: m.points, joined_via: m.joined_via, joined_at: m.joined_at.toISOString() })), next_cursor: page.next_cursor }, 200);
  });

  router.route(getMemberRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const member = await getMember(db, merchant_id, c.req.valid('param').consumer_id);
    if (member === undefined) throw problems.notFound('The member');
    const [view, history] = await Promise.all([memberView(db, merchant_id, member), pointsHistory(db, merchant_id, member.consumer_id)]);
    return c.json({ ...memberJson(view), history: history.map(historyJson) }, 200);
  });

  router.route(verifyConsumerCodeRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const body = c.req.valid('json');
    if ((await getLocation(db, merchant_id, body.location_id)) === undefined) throw problems.notFound('The location');
    const accepted = await inTransaction(db, (trx) => acceptConsumerCode(trx, { merchant_id, location_id: body.location_id, device_id: body.device_id, code: body.code, purpose: body.purpose, keys }));
    return c.json({ ...memberJson(accepted.member), code_use_id: accepted.code_use_id }, 200);
  });
}

const levelJson = (l: Level) => ({ name: l.name, min_points: l.min_points, earn_rate: l.earn_rate, perks: l.perks });
