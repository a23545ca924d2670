import { z } from '@hono/zod-openapi';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { currencySchema, toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import type { AppliedDiscount, Pricing, Refusal } from './engine.js';
import { createPromotion, getPromotion, listPromotions, promotionCodes, updatePromotion, type Promotion } from './promotions.js';
import { conditionsSchema, effectSchema, scopeSchema } from './rules.js';
import { fundings, promotionKinds, promotionStatuses, stackings } from './tables.js';

const count = (max: number) => z.number().int().min(1, 'must be at least 1').max(max, `must be at most ${max}`);
const minor = z.number().int().min(1, 'must be positive').max(1_000_000_000_00, 'is absurdly large');

export const newPromotionSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).optional(),
    kind: z.enum(promotionKinds).openapi({ description: '`automatic` applies by itself; `coupon` needs a code or a wallet coupon' }),
    currency: currencySchema,
    effect: effectSchema,
    scope: scopeSchema.optional(),
    conditions: conditionsSchema.optional(),
    stacking: z.enum(stackings).default('combinable').openapi({ description: '`exclusive`: applies alone (the checkout takes it when it beats every combination); `combinable`: stacks with the other combinable ones' }),
    priority: z.number().int().min(-1000).max(1000).default(0).openapi({ description: 'higher applies first; ties by id' }),
    applies_to: z.enum(['original', 'discounted']).default('discounted').openapi({ description: 'compute on the list price, or on what earlier promotions left' }),
    funded_by: z.enum(fundings).default('seller').openapi({ description: 'who pays the discount: the seller of the lines (they receive less), or the platform (it adds the discount to escrow at capture); only the platform operator grants `platform` (PUT /v1/platform/promotions/{merchant_id}/{promotion_id}/funding), a merchant sending it gets 400' }),
    starts_at: z.string().datetime({ offset: true }).optional(),
    ends_at: z.string().datetime({ offset: true }).optional(),
    max_redemptions: count(100_000_000).optional().openapi({ description: 'checkouts that may redeem it in all' }),
    budget_minor: minor.optional().openapi({ description: 'discount money it may give in all; the last redemption gets what is left' }),
    per_consumer_limit: count(1000).optional(),
    per_day_limit: count(100_000_000).optional(),
    issue_limit: count(100_000_000).optional().openapi({ description: 'wallet coupons that may be issued (claimed, pushed or won)' }),
    claimable: z.boolean().optional().openapi({ description: 'a signed-in consumer may claim it into their wallet' }),
    wallet_valid_h: count(24 * 366).optional().openapi({ description: 'a wallet coupon is valid this many hours after it is issued' }),
    refund_returns_redemption: z.boolean().optional().openapi({ description: 'a refunded order gives its redemption back (a closed or cancelled one always does)' }),
    code: z
      .string()
      .trim()
      .transform((c) => c.toUpperCase())
      .pipe(z.string().regex(/^[A-Z0-9][A-Z0-9-]{2,39}$/, 'must be 3-40 letters, digits or -'))
      .optional()
      .openapi({ description: 'a shared code for a coupon promotion' }),
  })
  .strict();

const promotionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    kind: z.enum(promotionKinds),
    status: z.enum(promotionStatuses),
    currency: z.string(),
    effect: effectSchema,
    scope: scopeSchema,
    conditions: conditionsSchema,
    stacking: z.enum(stackings),
    priority: z.number().int(),
    applies_to: z.enum(['original', 'discounted']),
    funded_by: z.enum(fundings),
    starts_at: z.string().nullable(),
    ends_at: z.string().nullable(),
    max_redemptions: z.number().int().nullable(),
    budget_minor: z.number().int().nullable(),
    per_consumer_limit: z.number().int().nullable(),
    per_day_limit: z.number().int().nullable(),
    issue_limit: z.number().int().nullable(),
    claimable: z.boolean(),
    wallet_valid_h: z.number().int().nullable(),
    refund_returns_redemption: z.boolean(),
    codes: z.array(z.string()).openapi({ description: 'its shared code(s); batches of unique codes are listed under /codes' }),
    usage: z.object({ redemptions: z.number().int(), spent_minor: z.number().int(), issued: z.number().int(), redemptions_left: z.number().int().nullable(), budget_left_minor: z.number().int().nullable() }).openapi({ description: 'live: what checkouts have taken (given back by closed orders)' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Promotion');

export function promotionJson(p: Promotion, codes: readonly string[] = []): z.infer<typeof promotionSchema> {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    kind: p.kind,
    status: p.status,
    currency: p.currency,
    effect: p.effect,
    scope: p.scope,
    conditions: p.conditions,
    stacking: p.stacking,
    priority: p.priority,
    applies_to: p.applies_to,
    funded_by: p.funded_by,
    starts_at: p.starts_at?.toISOString() ?? null,
    ends_at: p.ends_at?.toISOString() ?? null,
    max_redemptions: p.max_redemptions,
    budget_minor: p.budget_minor === null ? null : toJsonAmount(p.budget_minor),
    per_consumer_limit: p.per_consumer_limit,
    per_day_limit: p.per_day_limit,
    issue_limit: p.issue_limit,
    claimable: p.claimable,
    wallet_valid_h: p.wallet_valid_h,
    refund_returns_redemption: p.refund_returns_redemption,
    codes: [...codes],
    usage: {
      redemptions: p.redemptions,
      spent_minor: toJsonAmount(p.spent_minor),
      issued: p.issued,
      redemptions_left: p.max_redemptions === null ? null : p.max_redemptions - p.redemptions,
      budget_left_minor: p.budget_minor === null ? null : toJsonAmount(p.budget_minor - p.spent_minor),
    },
    created_at: p.created_at.toISOString(),
    updated_at: p.updated_at.toISOString(),
  };
}

/** How a checkout's answer explains its price: every discount applied, and every promotion considered that was not. */
export const pricingSchema = z
  .object({
    discount_minor: z.number().int().openapi({ description: 'all discounts together' }),
    applied: z.array(
      z.object({
        promotion_id: z.string(),
        merchant_id: z.string().openapi({ description: 'whose promotion: the seller, or the storefront’s merchant' }),
        name: z.string(),
        code: z.string().nullable(),
        wallet_coupon_id: z.string().nullable(),
        funded_by: z.enum(fundings),
        amount_minor: z.number().int(),
        detail: z.string(),
        lines: z.array(z.object({ variant_id: z.string(), amount_minor: z.number().int() })),
        delivery: z.array(z.object({ merchant_id: z.string(), amount_minor: z.number().int() })),
      }),
    ),
    not_applied: z.array(z.object({ promotion_id: z.string(), merchant_id: z.string(), name: z.string(), code: z.string().nullable(), wallet_coupon_id: z.string().nullable(), reason: z.string(), detail: z.string() })),
  })
  .openapi('PromotionPricing');

export function pricingJson(pricing: Pricing, variantOf: (index: number) => string): z.infer<typeof pricingSchema> {
  const applied = (a: AppliedDiscount) => ({
    promotion_id: a.promotion.id,
    merchant_id: a.promotion.merchant_id,
    name: a.promotion.name,
    code: a.code ?? null,
    wallet_coupon_id: a.wallet_coupon_id ?? null,
    funded_by: a.promotion.funded_by,
    amount_minor: toJsonAmount(a.amount_minor),
    detail: a.detail,
    lines: a.lines.map((l) => ({ variant_id: variantOf(l.index), amount_minor: toJsonAmount(l.amount_minor) })),
    delivery: a.deliveries.map((d) => ({ merchant_id: d.merchant_id, amount_minor: toJsonAmount(d.amount_minor) })),
  });
  const refused = (r: Refusal) => ({ promotion_id: r.promotion.id, merchant_id: r.promotion.merchant_id, name: r.promotion.name, code: r.code ?? null, wallet_coupon_id: r.wallet_coupon_id ?? null, reason: r.reason, detail: r.detail });
  return { discount_minor: toJsonAmount(pricing.discount_minor), applied: pricing.applied.map(applied), not_applied: pricing.refused.map(refused) };
}

const params = z.object({ promotion_id: z.string().max(64).openapi({ param: { name: 'promotion_id', in: 'path' } }) });
const read = { scope: 'promotions:read', tenancy: 'merchant' } as const;
const write = { scope: 'promotions:write', tenancy: 'merchant' } as const;

export const createPromotionRoute = defineRoute({
  operationId: 'createPromotion',
  method: 'post',
  path: '/v1/promotions',
  tags: ['Promotions'],
  summary: 'Create a promotion: automatic, or a coupon with a shared code, with its effect, scope, conditions, stacking and limits',
  access: write,
  request: jsonBody(newPromotionSchema),
  responses: { 201: jsonResponse(promotionSchema, 'The promotion, active') },
});

export const listPromotionsRoute = defineRoute({
  operationId: 'listPromotions',
  method: 'get',
  path: '/v1/promotions',
  tags: ['Promotions'],
  summary: 'The merchant’s promotions, newest first, with their live usage',
  access: read,
  request: { query: pageQuerySchema.extend({ kind: z.enum(promotionKinds).optional(), status: z.enum(promotionStatuses).optional() }) },
  responses: { 200: jsonResponse(pageSchema(promotionSchema), 'A page of promotions') },
});

export const getPromotionRoute = defineRoute({
  operationId: 'getPromotion',
  method: 'get',
  path: '/v1/promotions/{promotion_id}',
  tags: ['Promotions'],
  summary: 'One promotion with its live usage',
  access: read,
  request: { params },
  responses: { 200: jsonResponse(promotionSchema, 'The promotion') },
});

export const updatePromotionRoute = defineRoute({
  operationId: 'updatePromotion',
  method: 'patch',
  path: '/v1/promotions/{promotion_id}',
  tags: ['Promotions'],
  summary: 'Change a promotion, pause it, resume it or archive it; a limit cannot go below what is already used',
  access: write,
  request: { params, ...jsonBody(newPromotionSchema.omit({ kind: true, currency: true, code: true }).partial().extend({ status: z.enum(promotionStatuses).optional() }).strict()) },
  responses: { 200: jsonResponse(promotionSchema, 'The changed promotion') },
});

export function registerRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(createPromotionRoute, async (c) => {
    const promotion = await createPromotion(db, c.get('caller').merchant_id, c.req.valid('json'));
    return c.json(promotionJson(promotion, await promotionCodes(db, promotion.merchant_id, promotion.id)), 201);
  });

  router.route(listPromotionsRoute, async (c) => {
    const { limit, cursor, kind, status } = c.req.valid('query');
    const rows = await listPromotions(db, c.get('caller').merchant_id, { kind, status, after_id: decodeCursor(cursor), limit: limit + 1 });
    const page = toPage(rows, limit);
    return c.json({ data: page.items.map((p) => promotionJson(p)), next_cursor: page.next_cursor }, 200);
  });

  router.route(getPromotionRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const promotion = await getPromotion(db, merchant_id, c.req.valid('param').promotion_id);
    if (promotion === undefined) throw problems.notFound('The promotion');
    return c.json(promotionJson(promotion, await promotionCodes(db, merchant_id, promotion.id)), 200);
  });

  router.route(updatePromotionRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    // zod fills the creation defaults (funded_by, stacking, priority, applies_to) into a PATCH
    // body; a change is only what the caller sent.
    const sent = Object.keys(await c.req.json<object>());
    const changes = Object.fromEntries(Object.entries(c.req.valid('json')).filter(([k]) => sent.includes(k))) as ReturnType<typeof c.req.valid<'json'>>;
    const promotion = await updatePromotion(db, merchant_id, c.req.valid('param').promotion_id, changes);
    if (promotion === undefined) throw problems.notFound('The promotion');
    return c.json(promotionJson(promotion, await promotionCodes(db, merchant_id, promotion.id)), 200);
  });
}
