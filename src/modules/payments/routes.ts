import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { balanceOf, listAccounts } from '../ledger/index.js';
import { commissionOn, refundSplit } from './escrow.js';
import { payCheckout, paymentsOf, type Payment } from './payments.js';
import { getPayoutStatement, listPayouts, requestPayout } from './payouts.js';
import type { PaymentProvider } from './provider.js';
import { paymentSettings } from './settings.js';

const id = z.string().min(1).max(64);

const paymentOut = z
  .object({
    id: z.string(),
    order_id: z.string(),
    checkout_id: z.string(),
    amount_minor: z.number().int(),
    platform_funded_minor: z.number().int().openapi({ description: 'what the platform adds to escrow for the order’s discounts it funds; the seller is held amount_minor + this, and a seller-funded discount is simply not paid' }),
    currency: z.string(),
    status: z.string(),
    failure_code: z.string().nullable(),
    refund_amount_minor: z.number().int().nullable(),
    commission_bps: z.number().int().openapi({ description: 'the platform’s commission rate on this payment, in basis points (500 = 5%), fixed when it was made' }),
    commission_minor: z.number().int().openapi({ description: 'the commission on what the seller keeps (the amount and the platform’s funding, less any refund and the platform’s share of it), taken when the escrow is released' }),
    payout_id: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Payment');

function paymentJson(p: Payment): z.infer<typeof paymentOut> {
  const kept = p.refund_amount_minor === null ? p.amount_minor + p.platform_funded_minor : refundSplit(p, p.refund_amount_minor).kept_minor;
  return {
    id: p.id,
    order_id: p.order_id,
    checkout_id: p.checkout_id,
    amount_minor: toJsonAmount(p.amount_minor),
    platform_funded_minor: toJsonAmount(p.platform_funded_minor),
    currency: p.currency,
    status: p.status,
    failure_code: p.failure_code,
    refund_amount_minor: p.refund_amount_minor === null ? null : toJsonAmount(p.refund_amount_minor),
    commission_bps: p.commission_bps,
    commission_minor: toJsonAmount(kept > 0n ? commissionOn(kept, p.currency, p.commission_bps) : 0n),
    payout_id: p.payout_id,
    created_at: p.created_at.toISOString(),
  };
}

export const payCheckoutRoute = defineRoute({
  operationId: 'payCheckout',
  method: 'post',
  path: '/v1/checkouts/{checkout_id}/payments',
  tags: ['Payments'],
  summary: 'Pay every order of a checkout; the money is held in escrow until the buyer has the goods',
  access: { scope: 'checkout:write', tenancy: 'public', keyKinds: ['publishable', 'secret'] },
  request: {
    params: z.object({ checkout_id: id.openapi({ param: { name: 'checkout_id', in: 'path' } }) }),
    body: { required: true, content: { 'application/json': { schema: z.object({ provider: z.enum(['test']).default('test'), payment_method: z.string().min(1).max(200).openapi({ description: 'test provider: a card number such as 4242424242424242' }) }).strict() } } },
  },
  responses: { 202: jsonResponse(z.object({ payments: z.array(paymentOut) }), 'Payments accepted; outcomes follow by webhook'), 402: jsonResponse(z.object({}), 'Declined') },
});

export const listPaymentsRoute = defineRoute({
  operationId: 'listPayments',
  method: 'get',
  path: '/v1/payments',
  tags: ['Payments'],
  summary: 'Payments of this seller’s orders, newest first',
  access: { scope: 'payments:read', tenancy: 'merchant' },
  request: { query: pageQuerySchema.extend({ order_id: id.optional() }) },
  responses: { 200: jsonResponse(pageSchema(paymentOut), 'A page of payments') },
});

export const balanceRoute = defineRoute({
  operationId: 'getBalance',
  method: 'get',
  path: '/v1/balance',
  tags: ['Payments'],
  summary: 'What the platform owes this seller: available (released) and held in escrow',
  access: { scope: 'payments:read', tenancy: 'merchant' },
  responses: { 200: jsonResponse(z.object({ data: z.array(z.object({ currency: z.string(), available_minor: z.number().int(), held_minor: z.number().int(), paid_out_minor: z.number().int() })) }), 'Balances per currency') },
});

const payoutOut = z
  .object({
    id: z.string(),
    currency: z.string(),
    amount_minor: z.number().int(),
    gross_minor: z.number().int(),
    commission_minor: z.number().int(),
    refunded_minor: z.number().int(),
    requested_by: z.string().nullable().openapi({ description: 'who asked for it (`user:usr_…`, `key:key_…`); null when the scheduled run paid it' }),
    created_at: z.string(),
  })
  .openapi('Payout');
const payoutItemOut = z.object({ order_id: z.string(), payment_id: z.string(), gross_minor: z.number().int(), commission_minor: z.number().int(), refunded_minor: z.number().int(), net_minor: z.number().int() });

export const listPayoutsRoute = defineRoute({
  operationId: 'listPayouts',
  method: 'get',
  path: '/v1/payouts',
  tags: ['Payments'],
  summary: 'Settlements paid to this seller',
  access: { scope: 'payouts:read', tenancy: 'merchant' },
  request: { query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(payoutOut), 'A page of payouts, newest first') },
});

export const getPayoutRoute = defineRoute({
  operationId: 'getPayoutStatement',
  method: 'get',
  path: '/v1/payouts/{payout_id}',
  tags: ['Payments'],
  summary: 'A payout with its statement: every order, commission and refund that makes up the amount',
  access: { scope: 'payouts:read', tenancy: 'merchant' },
  request: { params: z.object({ payout_id: id.openapi({ param: { name: 'payout_id', in: 'path' } }) }) },
  responses: { 200: jsonResponse(payoutOut.extend({ items: z.array(payoutItemOut) }), 'The statement') },
});

export const requestPayoutRoute = defineRoute({
  operationId: 'requestPayout',
  method: 'post',
  path: '/v1/payouts',
  tags: ['Payments'],
  summary: 'Ask to be paid the available balance of one currency now, with its statement; send `amount_minor` as confirmed, and the payout is refused if the balance has changed',
  access: { scope: 'payouts:write', tenancy: 'merchant' },
  request: jsonBody(
    z
      .object({
        currency: z.string().length(3).toUpperCase().openapi({ example: 'CNY' }),
        amount_minor: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().openapi({ description: 'the available balance the seller saw and confirmed; when it is no longer the balance the request is refused with 409 `balance_changed`' }),
      })
      .strict(),
  ),
  responses: { 201: jsonResponse(payoutOut.extend({ items: z.array(payoutItemOut) }), 'The payout with its statement') },
});

const n = (v: bigint) => toJsonAmount(v);

type PayoutRow = { id: string; currency: string; amount_minor: bigint; gross_minor: bigint; commission_minor: bigint; refunded_minor: bigint; requested_by: string | null; created_at: Date };
const payoutJson = (p: PayoutRow) => ({ id: p.id, currency: p.currency, amount_minor: n(p.amount_minor), gross_minor: n(p.gross_minor), commission_minor: n(p.commission_minor), refunded_minor: n(p.refunded_minor), requested_by: p.requested_by, created_at: p.created_at.toISOString() });
type StatementRow = PayoutRow & { items: { order_id: string; payment_id: string; gross_minor: bigint; commission_minor: bigint; refunded_minor: bigint; net_minor: bigint }[] };
const statementJson = (p: StatementRow) => ({
  ...payoutJson(p),
  items: p.items.map((i) => ({ order_id: i.order_id, payment_id: i.payment_id, gross_minor: n(i.gross_minor), commission_minor: n(i.commission_minor), refunded_minor: n(i.refunded_minor), net_minor: n(i.net_minor) })),
});

export function registerRoutes(router: ModuleRouter, { db, config }: ModuleContext, providers: ReadonlyMap<string, PaymentProvider>): void {
  router.route(payCheckoutRoute, async (c) => {
    const body = c.req.valid('json');
    const provider = providers.get(body.provider);
    if (provider === undefined) throw problems.notImplemented(`payment provider ${body.provider}`);
    const payments = await payCheckout(db, provider, c.req.valid('param').checkout_id, body.payment_method, paymentSettings.of(config).OPENBOS_COMMISSION_BPS, { resume: c.get('idempotentRerun') === true });
    return c.json({ payments: payments.map(paymentJson) }, 202);
  });

  router.route(listPaymentsRoute, async (c) => {
    const q = c.req.valid('query');
    const page = toPage(await paymentsOf(db, c.get('caller').merchant_id, { order_id: q.order_id, before_id: decodeCursor(q.cursor), limit: q.limit + 1 }), q.limit);
    return c.json({ data: page.items.map(paymentJson), next_cursor: page.next_cursor }, 200);
  });

  router.route(balanceRoute, async (c) => {
    const accounts = await listAccounts(db, c.get('caller').merchant_id);
    return c.json(
      {
        data: accounts
          .filter((a) => a.code === 'seller_payable')
          .map((a) => ({ currency: a.currency, available_minor: n(balanceOf(a)), held_minor: n(a.credits_pending), paid_out_minor: n(a.debits_posted) })),
      },
      200,
    );
  });

  router.route(listPayoutsRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const page = toPage(await listPayouts(db, c.get('caller').merchant_id, decodeCursor(cursor), limit + 1), limit);
    return c.json({ next_cursor: page.next_cursor, data: page.items.map(payoutJson) }, 200);
  });

  const minimum_minor = BigInt(paymentSettings.of(config).OPENBOS_PAYOUT_MINIMUM_MINOR);
  router.route(requestPayoutRoute, async (c) => {
    const caller = c.get('caller');
    const body = c.req.valid('json');
    const paid = await requestPayout(db, caller.merchant_id, { currency: body.currency, expected_amount_minor: body.amount_minor === undefined ? undefined : BigInt(body.amount_minor), minimum_minor, actor: caller.actor });
    const statement = await getPayoutStatement(db, caller.merchant_id, paid.payout_id);
    if (statement === undefined) throw new Error(`payout ${paid.payout_id} vanished after it was made`);
    return c.json(statementJson(statement), 201);
  });

  router.route(getPayoutRoute, async (c) => {
    const p = await getPayoutStatement(db, c.get('caller').merchant_id, c.req.valid('param').payout_id);
    if (p === undefined) throw problems.notFound('The payout');
    return c.json(statementJson(p), 200);
  });
}
