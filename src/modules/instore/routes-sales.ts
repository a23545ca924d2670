import { z } from '@hono/zod-openapi';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { consumerToken, consumerTokenHeader, requireConsumer } from '../accounts/index.js';
import { consumerReceipts, inStoreRelease, receiptText, refundsOf, saleOfOrder, setInStoreRelease, type SaleRow } from './sales.js';

const receiptOut = z
  .object({
    sale_id: z.string(),
    order_id: z.string(),
    order_number: z.string(),
    receipt_number: z.string().nullable(),
    merchant_id: z.string(),
    location_id: z.string(),
    source_kind: z.enum(['basket', 'pos', 'session']),
    status: z.enum(['processing', 'paid', 'declined', 'partially_refunded', 'refunded']),
    payment_method: z.enum(['authorisation', 'card', 'none']),
    card_last4: z.string().nullable(),
    currency: z.string(),
    subtotal_minor: z.number().int(),
    discount_minor: z.number().int(),
    total_minor: z.number().int(),
    refunded_minor: z.number().int(),
    lines: z.array(z.object({ variant_id: z.string(), sku: z.string(), title: z.string(), quantity: z.number().int(), unit_price_minor: z.number().int(), discount_minor: z.number().int(), total_minor: z.number().int() })),
    coupons: z.array(z.object({ code: z.string(), discount_minor: z.number().int() })),
    paid_at: z.string().nullable(),
    created_at: z.string(),
    text: z.string().openapi({ description: 'the receipt as printed or mailed' }),
  })
  .openapi('InStoreReceipt');

export function receiptJson(s: SaleRow): z.infer<typeof receiptOut> {
  const n = (v: bigint | string) => toJsonAmount(BigInt(v));
  return {
    sale_id: s.id,
    order_id: s.order_id,
    order_number: s.order_number.toString(),
    receipt_number: s.receipt_number,
    merchant_id: s.merchant_id,
    location_id: s.location_id,
    source_kind: s.source_kind,
    status: s.status,
    payment_method: s.payment_method,
    card_last4: s.card_last4,
    currency: s.currency,
    subtotal_minor: n(s.subtotal_minor),
    discount_minor: n(s.discount_minor),
    total_minor: n(s.total_minor),
    refunded_minor: n(s.refunded_minor),
    lines: s.lines.map((l) => ({ variant_id: l.variant_id, sku: l.sku, title: l.title, quantity: l.quantity, unit_price_minor: n(l.unit_price_minor), discount_minor: n(l.discount_minor), total_minor: n(l.total_minor) })),
    coupons: s.coupons.map((c) => ({ code: c.code, discount_minor: n(c.discount_minor) })),
    paid_at: s.paid_at?.toISOString() ?? null,
    created_at: s.created_at.toISOString(),
    text: receiptText(s, ''),
  };
}

export const accountReceiptsRoute = defineRoute({
  operationId: 'listConsumerReceipts',
  method: 'get',
  path: '/v1/account/receipts',
  tags: ['Consumer accounts'],
  summary: 'The signed-in consumer’s in-store receipts with every merchant, newest first',
  access: { scope: 'checkout:write', tenancy: 'public', keyKinds: ['publishable', 'secret'] },
  request: { headers: consumerToken, query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(receiptOut), 'A page of receipts') },
});

export const orderReceiptRoute = defineRoute({
  operationId: 'getInStoreReceipt',
  method: 'get',
  path: '/v1/receipts/{order_id}',
  tags: ['Stores'],
  summary: 'The receipt of an in-store sale, by its order, with its refunds',
  access: { scope: 'orders:read', tenancy: 'merchant' },
  request: { params: z.object({ order_id: z.string().min(1).max(64).openapi({ param: { name: 'order_id', in: 'path' } }) }) },
  responses: { 200: jsonResponse(receiptOut.extend({ refunds: z.array(z.object({ id: z.string(), amount_minor: z.number().int(), funded_by: z.enum(['escrow', 'seller']), lines: z.array(z.object({ variant_id: z.string(), quantity: z.number().int() })), actor: z.string(), created_at: z.string() })) }), 'The receipt') },
});

const inStoreSettingsSchema = z
  .object({
    in_store_release: z.enum(['at_once', 'auto_confirm']).openapi({ description: '`at_once` (default): an in-store order completes when handed over and its escrow is released to the seller; `auto_confirm`: it waits the auto-confirm window as online, and a refund until then comes from escrow' }),
  })
  .strict()
  .openapi('InStoreSettings');

export const getInStoreSettingsRoute = defineRoute({
  operationId: 'getInStoreSettings',
  method: 'get',
  path: '/v1/instore/settings',
  tags: ['Stores'],
  summary: 'The merchant’s in-store settings: when an in-store sale’s escrow is released',
  access: { scope: ['locations:read', 'locations:write'], tenancy: 'merchant' },
  responses: { 200: jsonResponse(inStoreSettingsSchema, 'The settings (the defaults until changed)') },
});

export const putInStoreSettingsRoute = defineRoute({
  operationId: 'putInStoreSettings',
  method: 'put',
  path: '/v1/instore/settings',
  tags: ['Stores'],
  summary: 'Replace the merchant’s in-store settings; sales handed over from now on follow them',
  access: { scope: 'locations:write', tenancy: 'merchant' },
  request: jsonBody(inStoreSettingsSchema),
  responses: { 200: jsonResponse(inStoreSettingsSchema, 'The settings as saved') },
});

export function registerSalesRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(getInStoreSettingsRoute, async (c) => c.json({ in_store_release: await inStoreRelease(db, c.get('caller').merchant_id) }, 200));
  router.route(putInStoreSettingsRoute, async (c) => c.json({ in_store_release: await setInStoreRelease(db, c.get('caller').merchant_id, c.req.valid('json').in_store_release) }, 200));

  router.route(accountReceiptsRoute, async (c) => {
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    const q = c.req.valid('query');
    const page = toPage(await consumerReceipts(db, consumer.id, decodeCursor(q.cursor), q.limit + 1), q.limit);
    return c.json({ data: page.items.map(receiptJson), next_cursor: page.next_cursor }, 200);
  });

  router.route(orderReceiptRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const sale = await saleOfOrder(db, merchant_id, c.req.valid('param').order_id);
    if (sale === undefined) throw problems.notFound('The in-store receipt');
    const refunds = await refundsOf(db, merchant_id, sale.id);
    return c.json({ ...receiptJson(sale), refunds: refunds.map((r) => ({ id: r.id, amount_minor: toJsonAmount(r.amount_minor), funded_by: r.funded_by, lines: r.lines.map((l) => ({ variant_id: l.variant_id, quantity: l.quantity })), actor: r.actor, created_at: r.created_at.toISOString() })) }, 200);
  });
}
