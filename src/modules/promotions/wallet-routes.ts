import { z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { Problem, problems } from '../../kernel/problem.js';
import { accountsByEmails, accountsByIds, consumerToken, consumerTokenHeader, requireConsumer, type Consumer } from '../accounts/index.js';
import { describeRule } from './describe.js';
import type { Promotion } from './promotions.js';
import { conditionsSchema, effectSchema } from './rules.js';
import { walletSources, type WalletCoupon } from './tables.js';
import { attachPendingCoupons, issueCoupons, issueRefusals, recipients_max, walletOf, type IssueOutcome, type Recipient } from './wallet.js';

/**
 * The coupon wallet over the API: a storefront lists what its shoppers may claim and lets a
 * signed-in consumer claim into their wallet and see it; a merchant pushes coupons into the
 * wallets of consumers it names.
 */
const storefrontRead = { scope: ['storefront:read', 'checkout:write'], tenancy: 'public', keyKinds: ['publishable', 'secret'] } as const;
const storefrontWrite = { scope: 'checkout:write', tenancy: 'public', keyKinds: ['publishable', 'secret'] } as const;
const id = z.string().min(1).max(64);
/** The most coupons the wallet answers with; a consumer holding more sees the available ones soonest to expire. */
const wallet_size_max = 200;

const claimableSchema = z
  .object({
    promotion_id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    summary: z.string().openapi({ description: 'the rule in one line, e.g. "spend ¥200.00 get ¥30.00 off · members only"' }),
    effect: effectSchema,
    conditions: conditionsSchema,
    currency: z.string(),
    starts_at: z.string().nullable(),
    ends_at: z.string().nullable(),
    valid_hours_after_claim: z.number().int().nullable().openapi({ description: 'a claimed coupon is valid this long (never past ends_at); null: until the promotion ends' }),
    left: z.number().int().nullable().openapi({ description: 'coupons still to be claimed; null: no limit' }),
  })
  .openapi('ClaimableCoupon');

const walletCouponSchema = z
  .object({
    id: z.string(),
    promotion_id: z.string(),
    name: z.string(),
    summary: z.string(),
    effect: effectSchema,
    conditions: conditionsSchema,
    currency: z.string(),
    source: z.enum(walletSources).openapi({ description: '`claimed` by the consumer, `pushed` by the merchant, `game`: won at a store’s screen' }),
    location_id: z.string().nullable().openapi({ description: 'the store where it was won' }),
    status: z.enum(['available', 'used', 'expired']),
    claimed_at: z.string(),
    expires_at: z.string().nullable(),
    used_at: z.string().nullable(),
  })
  .openapi('WalletCoupon');

function claimableJson(p: Promotion): z.infer<typeof claimableSchema> {
  return {
    promotion_id: p.id,
    name: p.name,
    description: p.description,
    summary: describeRule(p),
    effect: p.effect,
    conditions: p.conditions,
    currency: p.currency,
    starts_at: p.starts_at?.toISOString() ?? null,
    ends_at: p.ends_at?.toISOString() ?? null,
    valid_hours_after_claim: p.wallet_valid_h,
    left: p.issue_limit === null ? null : p.issue_limit - p.issued,
  };
}

export function walletCouponJson(w: WalletCoupon, p: Promotion): z.infer<typeof walletCouponSchema> {
  return {
    id: w.id,
    promotion_id: p.id,
    name: p.name,
    summary: describeRule(p),
    effect: p.effect,
    conditions: p.conditions,
    currency: p.currency,
    source: w.source,
    location_id: w.location_id,
    status: w.status,
    claimed_at: w.claimed_at.toISOString(),
    expires_at: w.expires_at?.toISOString() ?? null,
    used_at: w.used_at?.toISOString() ?? null,
  };
}

/** A refused issue as an HTTP problem: 404 when there is nothing to claim, 409 when it ran out or is held already. */
export function issueProblem(refusal: IssueOutcome['refused'][number]): Problem {
  return new Problem(409, `coupon_${refusal.reason}`, 'The coupon cannot be issued', refusal.detail);
}

export const listClaimableRoute = defineRoute({
  operationId: 'listClaimableCoupons',
  method: 'get',
  path: '/v1/coupons/claimable',
  tags: ['Coupon wallet'],
  summary: 'Coupons this storefront’s shoppers may claim into their wallet, with their rule, expiry and how many are left',
  access: storefrontRead,
  request: { query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(claimableSchema), 'A page of claimable coupons, by ID') },
});

export const claimCouponRoute = defineRoute({
  operationId: 'claimCoupon',
  method: 'post',
  path: '/v1/account/coupons',
  tags: ['Coupon wallet'],
  summary: 'The signed-in consumer claims a coupon into their wallet (one unused coupon of a promotion at a time)',
  access: storefrontWrite,
  request: { headers: consumerToken, ...jsonBody(z.object({ promotion_id: id }).strict()) },
  responses: { 201: jsonResponse(walletCouponSchema, 'The coupon, in the wallet') },
});

export const listWalletRoute = defineRoute({
  operationId: 'listWalletCoupons',
  method: 'get',
  path: '/v1/account/coupons',
  tags: ['Coupon wallet'],
  summary: 'The signed-in consumer’s coupons of this storefront: available ones first, soonest expiry first',
  access: storefrontRead,
  request: { headers: consumerToken },
  responses: { 200: jsonResponse(z.object({ data: z.array(walletCouponSchema) }), `The wallet, whole (at most ${wallet_size_max} coupons)`) },
});

const issueOut = z
  .object({
    issued: z.number().int(),
    wallet_coupon_ids: z.array(z.string()),
    not_issued: z.array(
      z.object({
        consumer_id: z.string().nullable(),
        email: z.string().nullable(),
        reason: z.enum([...issueRefusals, 'no_account']),
        detail: z.string(),
      }),
    ),
  })
  .openapi('CouponIssue');

export const issueCouponsRoute = defineRoute({
  operationId: 'issueCoupons',
  method: 'post',
  path: '/v1/promotions/{promotion_id}/issue',
  tags: ['Promotions'],
  summary: 'Push a coupon into the wallets of these consumers (by account ID or email); says why any were not issued',
  access: { scope: 'promotions:write', tenancy: 'merchant' },
  request: {
    params: z.object({ promotion_id: id.openapi({ param: { name: 'promotion_id', in: 'path' } }) }),
    ...jsonBody(
      z
        .object({
          consumer_ids: z.array(id).min(1).max(recipients_max).optional(),
          emails: z.array(z.string().email().max(320)).min(1).max(recipients_max).optional(),
        })
        .strict()
        .refine((b) => (b.consumer_ids === undefined) !== (b.emails === undefined), { message: 'send consumer_ids or emails, one of them' }),
    ),
  },
  responses: { 200: jsonResponse(issueOut, 'What was issued, and why the rest were not') },
});

/** The wallet at a storefront: the consumer signed in, with any coupon their phone won before joining. */
async function walletOwner(db: AnyDb, merchant_id: string, token: string | undefined): Promise<Consumer> {
  const consumer = await requireConsumer(db, token);
  await attachPendingCoupons(db, merchant_id, consumer);
  return consumer;
}

export function registerWalletRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(listClaimableRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const after = decodeCursor(cursor);
    const rows = await sql<Promotion>`select * from promotion
      where merchant_id = ${c.get('caller').merchant_id} and kind = 'coupon' and claimable and status = 'active' and (ends_at is null or ends_at > now()) ${after === undefined ? sql`` : sql`and id > ${after}`}
      order by id limit ${limit + 1}`.execute(db);
    const page = toPage(rows.rows, limit);
    return c.json({ data: page.items.map(claimableJson), next_cursor: page.next_cursor }, 200);
  });

  router.route(claimCouponRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const consumer = await walletOwner(db, merchant_id, c.req.valid('header')[consumerTokenHeader]);
    const { promotion_id } = c.req.valid('json');
    const claimable = await sql<{ id: string }>`select id from promotion where merchant_id = ${merchant_id} and id = ${promotion_id} and kind = 'coupon' and claimable`.execute(db);
    if (claimable.rows.length === 0) throw problems.notFound('The claimable coupon');
    const outcome = await inTransaction(db, (trx) => issueCoupons(trx, merchant_id, promotion_id, [{ consumer_id: consumer.id, email: consumer.email }], { source: 'claimed' }));
    if (outcome === undefined) throw problems.notFound('The claimable coupon');
    const coupon = outcome.issued[0];
    if (coupon === undefined) throw issueProblem(outcome.refused[0]!);
    return c.json(walletCouponJson(coupon, outcome.promotion), 201);
  });

  router.route(listWalletRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const consumer = await walletOwner(db, merchant_id, c.req.valid('header')[consumerTokenHeader]);
    const entries = await walletOf(db, merchant_id, consumer.id, wallet_size_max);
    return c.json({ data: entries.map((e) => walletCouponJson(e.coupon, e.promotion)) }, 200);
  });

  router.route(issueCouponsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { promotion_id } = c.req.valid('param');
    const body = c.req.valid('json');
    const asked = body.consumer_ids !== undefined ? await byIds(db, body.consumer_ids) : await byEmails(db, body.emails ?? []);
    const known = asked.filter((a) => a.recipient !== undefined);
    const outcome = await inTransaction(db, (trx) => issueCoupons(trx, merchant_id, promotion_id, known.map((a) => a.recipient!), { source: 'pushed' }));
    if (outcome === undefined) throw problems.notFound('The promotion');
    const not_issued = [
      ...asked.filter((a) => a.recipient === undefined).map((a) => ({ consumer_id: a.consumer_id, email: a.email, reason: 'no_account' as const, detail: 'no consumer account has this ID or email' })),
      ...outcome.refused.map((r) => ({ consumer_id: known[r.index]!.consumer_id, email: known[r.index]!.email, reason: r.reason, detail: r.detail })),
    ];
    return c.json({ issued: outcome.issued.length, wallet_coupon_ids: outcome.issued.map((w) => w.id), not_issued }, 200);
  });
}

interface Asked {
  consumer_id: string | null;
  email: string | null;
  recipient: Recipient | undefined;
}

async function byIds(db: AnyDb, ids: readonly string[]): Promise<Asked[]> {
  const accounts = await accountsByIds(db, ids);
  return ids.map((consumer_id) => {
    const a = accounts.get(consumer_id);
    return { consumer_id, email: null, recipient: a === undefined ? undefined : { consumer_id, email: a.email } };
  });
}

async function byEmails(db: AnyDb, emails: readonly string[]): Promise<Asked[]> {
  const accounts = await accountsByEmails(db, emails);
  return emails.map((email) => {
    const a = accounts.get(email.trim().toLowerCase());
    return { consumer_id: a?.id ?? null, email, recipient: a === undefined ? undefined : { consumer_id: a.id, email: a.email } };
  });
}
