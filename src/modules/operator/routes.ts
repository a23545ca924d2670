import { z } from '@hono/zod-openapi';
import { decodeCursor, isIdPart, keyCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { isCurrency, toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { accountsWithCode, accountTotalsWithCode, balanceOf } from '../ledger/index.js';
import { merchantsByIds } from '../merchants/index.js';
import { decideDispute, listDisputes, sellerOfDispute } from '../orders/index.js';

/**
 * The platform operator's desk: every seller's balance and the refund disputes to decide. These
 * routes read across sellers, so they need the platform scopes, which only console users of the
 * operator's own account hold (merchants/roles.ts): no API key and no merchant's role can.
 */
const tags = ['Platform operator'];
const sellerOut = z.object({ id: z.string(), handle: z.string(), name: z.string() });
const balanceOut = z
  .object({
    seller: sellerOut,
    currency: z.string(),
    available_minor: z.number().int().openapi({ description: 'released to the seller and not yet paid out' }),
    held_minor: z.number().int().openapi({ description: 'held in escrow for orders not yet confirmed' }),
    paid_out_minor: z.number().int().openapi({ description: 'paid out so far' }),
  })
  .openapi('SellerBalance');
const totalsOut = z.object({ currency: z.string(), sellers: z.number().int(), available_minor: z.number().int(), held_minor: z.number().int(), paid_out_minor: z.number().int() });
const disputeOut = z
  .object({
    order_id: z.string(),
    number: z.number().int(),
    seller: sellerOut,
    currency: z.string(),
    total_minor: z.number().int(),
    refund_asked_minor: z.number().int(),
    buyer_email: z.string().nullable(),
    refund_reason: z.string().nullable().openapi({ description: 'why the refund was asked for' }),
    refund_requested_by: z.string().nullable(),
    dispute_reason: z.string().nullable().openapi({ description: 'why the seller contested it' }),
    disputed_by: z.string().nullable(),
    disputed_at: z.string(),
  })
  .openapi('Dispute');

export const listSellerBalancesRoute = defineRoute({
  operationId: 'listSellerBalances',
  method: 'get',
  path: '/v1/platform/balances',
  tags,
  summary: 'What the platform owes each seller, per currency: available, held in escrow and paid out',
  access: { scope: 'platform:read', tenancy: 'platform' },
  request: { query: pageQuerySchema.extend({ currency: z.string().length(3).optional() }) },
  responses: { 200: jsonResponse(pageSchema(balanceOut), 'A page of sellers’ balances, by seller and currency') },
});

export const getBalanceTotalsRoute = defineRoute({
  operationId: 'getSellerBalanceTotals',
  method: 'get',
  path: '/v1/platform/balance-totals',
  tags,
  summary: 'The sums of every seller’s balance per currency, from the ledger’s seller accounts',
  access: { scope: 'platform:read', tenancy: 'platform' },
  responses: { 200: jsonResponse(z.object({ data: z.array(totalsOut) }), 'One row per currency') },
});

export const listDisputesRoute = defineRoute({
  operationId: 'listDisputes',
  method: 'get',
  path: '/v1/platform/disputes',
  tags,
  summary: 'Refund disputes waiting for the platform’s decision, oldest first, with both sides’ reasons',
  access: { scope: 'platform:read', tenancy: 'platform' },
  request: { query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(disputeOut), 'A page of disputes') },
});

export const decideDisputeRoute = defineRoute({
  operationId: 'decideDispute',
  method: 'post',
  path: '/v1/platform/disputes/{order_id}/decision',
  tags,
  summary: 'Decide a dispute: refund the buyer (the escrow goes back) or reject the refund request (the order goes on to its release)',
  access: { scope: 'platform:write', tenancy: 'platform' },
  request: {
    params: z.object({ order_id: z.string().min(1).max(64).openapi({ param: { name: 'order_id', in: 'path' } }) }),
    ...jsonBody(z.object({ outcome: z.enum(['refund', 'reject']), reason: z.string().trim().min(1).max(500).openapi({ description: 'why, for the order’s timeline and the audit trail' }) }).strict()),
  },
  responses: { 200: jsonResponse(z.object({ order_id: z.string(), seller_id: z.string(), outcome: z.enum(['refund', 'reject']), status: z.string() }), 'The order after the decision') },
});

const n = (v: bigint) => toJsonAmount(v);
const balanceCursor = keyCursor([isIdPart, (part) => isCurrency(part)]);

export function registerRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  const sellersOf = async (ids: string[]) => {
    const merchants = await merchantsByIds(db, ids);
    return (id: string) => {
      const m = merchants.get(id);
      return { id, handle: m?.handle ?? id, name: m?.name ?? id };
    };
  };

  router.route(listSellerBalancesRoute, async (c) => {
    const q = c.req.valid('query');
    const after = balanceCursor.decode(q.cursor);
    const accounts = await accountsWithCode(db, 'seller_payable', { currency: q.currency?.toUpperCase(), after: after === undefined ? undefined : [after[0]!, after[1]!], limit: q.limit + 1 });
    const page = toPage(accounts, q.limit, (last) => balanceCursor.encode([last.owner_id, last.currency]));
    const seller = await sellersOf(page.items.map((a) => a.owner_id));
    const data = page.items.map((a) => ({ seller: seller(a.owner_id), currency: a.currency, available_minor: n(balanceOf(a)), held_minor: n(a.credits_pending), paid_out_minor: n(a.debits_posted) }));
    return c.json({ data, next_cursor: page.next_cursor }, 200);
  });

  router.route(getBalanceTotalsRoute, async (c) => {
    const totals = await accountTotalsWithCode(db, 'seller_payable');
    const data = totals.map((t) => ({ currency: t.currency, sellers: t.accounts, available_minor: n(t.credits_posted - t.debits_posted), held_minor: n(t.credits_pending), paid_out_minor: n(t.debits_posted) }));
    return c.json({ data }, 200);
  });

  router.route(listDisputesRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listDisputes(db, { after_id: decodeCursor(q.cursor), limit: q.limit + 1 });
    const page = toPage(rows.map((d) => ({ ...d, id: d.order_id })), q.limit);
    const seller = await sellersOf(page.items.map((d) => d.merchant_id));
    const data = page.items.map((d) => ({
      order_id: d.order_id,
      number: Number(d.number),
      seller: seller(d.merchant_id),
      currency: d.currency,
      total_minor: n(BigInt(d.total_minor)),
      refund_asked_minor: n(BigInt(d.refund_asked_minor)),
      buyer_email: d.buyer_email,
      refund_reason: d.refund_reason,
      refund_requested_by: d.refund_requested_by,
      dispute_reason: d.dispute_reason,
      disputed_by: d.disputed_by,
      disputed_at: new Date(d.disputed_at).toISOString(),
    }));
    return c.json({ data, next_cursor: page.next_cursor }, 200);
  });

  router.route(decideDisputeRoute, async (c) => {
    const caller = c.get('caller');
    const { order_id } = c.req.valid('param');
    const { outcome, reason } = c.req.valid('json');
    const seller_id = await sellerOfDispute(db, order_id);
    if (seller_id === undefined) throw problems.notFound('A dispute on that order');
    // The state machine lets only the platform (`platform:…`) decide; the person is named after it.
    const order = await decideDispute(db, seller_id, order_id, outcome, { actor: `platform:${caller.actor}`, reason, operator_merchant_id: caller.merchant_id });
    return c.json({ order_id: order.id, seller_id, outcome, status: order.status }, 200);
  });
}

