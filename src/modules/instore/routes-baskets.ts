import { z } from '@hono/zod-openapi';
import { inTransaction } from '../../kernel/db.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { toJsonAmount } from '../../kernel/money.js';
import { problems } from '../../kernel/problem.js';
import { consumerToken, consumerTokenHeader, requireConsumer, type Consumer } from '../accounts/index.js';
import { getLocation } from '../locations/index.js';
import { mailFrom } from '../mail/index.js';
import { pricingSchema, pricingJson } from '../promotions/index.js';
import { basket_line_quantity_max, getBasket, openBasket, priceBasket, requireStore, scanIntoBasket, setBasketLine, type Basket, type ScanInput } from './baskets.js';
import {
  assertMayRunTill,
  clerkStores,
  closePosSession,
  createRegister,
  getClerk,
  getPosSession,
  listRegisters,
  openPosSession,
  register_name_max,
  sessionTotals,
  setClerkStores,
  startPosSale,
  type PosSession,
  type Register,
} from './tills.js';
import { getSale, mailReceipt, receiptText } from './sales.js';

/**
 * Scan-and-pay and tills over the API (docs/STORES.md). A consumer's basket is reached with the
 * storefront's publishable key and their `X-Consumer-Token`, and only by them; tills are merchant
 * routes (`pos:read`, `pos:write`), and a clerk reaches only the tills of their stores. Paying is
 * the sell-in-store flow's (`POST /v1/baskets/{basket_id}/pay`, `POST /v1/pos/sales/{sale_id}/pay`).
 */
const id = z.string().min(1).max(64);
const consumerAccess = { scope: 'checkout:write', tenancy: 'public', keyKinds: ['publishable', 'secret'] } as const;
const posRead = { scope: 'pos:read', tenancy: 'merchant' } as const;
const posWrite = { scope: 'pos:write', tenancy: 'merchant' } as const;
const amount = z.number().int();

const saleLineSchema = z.object({
  variant_id: z.string(),
  sku: z.string(),
  title: z.string(),
  quantity: z.number().int(),
  unit_price_minor: amount,
  total_minor: amount,
  discount_minor: amount,
});

export const basketSaleSchema = z
  .object({
    sale_id: z.string(),
    order_id: z.string(),
    status: z.string().openapi({ description: '`processing` until the capture arrives, `paid`, or `declined`' }),
    payment_method: z.string().nullable(),
    paid_at: z.string().nullable(),
    receipt: z.unknown().openapi({ description: 'the sale as paying answered it: lines, discounts, coupons, points, order number' }),
  })
  .openapi('InStoreBasketSale');

export const basketSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['scan', 'pos']).openapi({ description: '`scan`: a consumer’s scan-and-pay basket; `pos`: a sale at a till' }),
    location_id: z.string(),
    consumer_id: z.string().nullable(),
    pos_session_id: z.string().nullable(),
    status: z.enum(['open', 'paid']).openapi({ description: '`paid` once sold (the sale may still be `processing`); a declined sale leaves the basket open for another try' }),
    currency: z.string(),
    lines: z.array(saleLineSchema),
    subtotal_minor: amount,
    discount_minor: amount,
    total_minor: amount,
    promotions: pricingSchema.nullable().openapi({ description: 'an open basket: the promotions as checkout would apply them now, and why others do not' }),
    sale: basketSaleSchema.nullable(),
    created_at: z.string(),
  })
  .openapi('InStoreBasket');

type SaleJson = { status?: string; lines?: { variant_id: string; sku: string; title: string; quantity: number; unit_price_minor: string | number; total_minor: string | number; discount_minor: string | number }[] };

/** A basket as the API shows it: an open one priced now (with the member's wallet), a paid one as it was sold. */
export async function basketJson(db: ModuleContext['db'], basket: Basket, consumer: { id: string; email: string } | null): Promise<z.infer<typeof basketSchema>> {
  const base = { id: basket.id, kind: basket.kind, location_id: basket.location_id, consumer_id: basket.consumer_id, pos_session_id: basket.pos_session_id, status: basket.status, currency: basket.currency, created_at: basket.created_at.toISOString() };
  if (basket.status === 'open') {
    const priced = await priceBasket(db, basket, consumer);
    return {
      ...base,
      lines: priced.lines.map((l) => ({ ...l, unit_price_minor: toJsonAmount(l.unit_price_minor), total_minor: toJsonAmount(l.total_minor), discount_minor: toJsonAmount(l.discount_minor) })),
      subtotal_minor: toJsonAmount(priced.subtotal_minor),
      discount_minor: toJsonAmount(priced.discount_minor),
      total_minor: toJsonAmount(priced.total_minor),
      promotions: pricingJson(priced.pricing, (i) => priced.lines[i]!.variant_id),
      sale: null,
    };
  }
  const sale = (basket.sale ?? {}) as SaleJson & Record<string, unknown>;
  return {
    ...base,
    lines: (sale.lines ?? []).map((l) => ({ variant_id: l.variant_id, sku: l.sku, title: l.title, quantity: l.quantity, unit_price_minor: Number(l.unit_price_minor), total_minor: Number(l.total_minor), discount_minor: Number(l.discount_minor) })),
    subtotal_minor: toJsonAmount(basket.subtotal_minor ?? 0n),
    discount_minor: toJsonAmount(basket.discount_minor ?? 0n),
    total_minor: toJsonAmount(basket.total_minor ?? 0n),
    promotions: null,
    sale: { sale_id: basket.sale_id!, order_id: basket.order_id!, status: sale.status ?? 'processing', payment_method: basket.payment_method, paid_at: basket.paid_at?.toISOString() ?? null, receipt: basket.sale },
  };
}

const locationParams = z.object({ location_id: id.openapi({ param: { name: 'location_id', in: 'path' } }) });
const basketParams = z.object({ basket_id: id.openapi({ param: { name: 'basket_id', in: 'path' } }) });
const lineParams = basketParams.extend({ variant_id: id.openapi({ param: { name: 'variant_id', in: 'path' } }) });
const saleParams = z.object({ sale_id: id.openapi({ param: { name: 'sale_id', in: 'path' } }) });
const saleLineParams = saleParams.extend({ variant_id: id.openapi({ param: { name: 'variant_id', in: 'path' } }) });
const sessionParams = z.object({ session_id: id.openapi({ param: { name: 'session_id', in: 'path' } }) });
const quantity = z.number().int().min(1).max(basket_line_quantity_max);

export const scanBody = z
  .object({
    barcode: z.string().min(1).max(64).optional().openapi({ description: 'the barcode on the product (the variant’s `barcode`)' }),
    sku: z.string().min(1).max(64).optional().openapi({ description: 'instead of a barcode: the SKU' }),
    quantity: quantity.optional().openapi({ description: 'units scanned at once (default 1)' }),
  })
  .strict()
  .refine((b) => (b.barcode === undefined) !== (b.sku === undefined), { message: 'send barcode or sku, one of them' });
const lineBody = z.object({ quantity: z.number().int().min(0).max(basket_line_quantity_max).openapi({ description: '0 removes the line' }) }).strict();

export const openBasketRoute = defineRoute({
  operationId: 'openStoreBasket',
  method: 'post',
  path: '/v1/stores/{location_id}/baskets',
  tags: ['Scan and pay'],
  summary: 'The signed-in consumer opens a scan-and-pay basket in a store (they are in the store: `instore.entered`)',
  access: consumerAccess,
  request: { params: locationParams, headers: consumerToken },
  responses: { 201: jsonResponse(basketSchema, 'The basket, empty') },
});

export const scanBasketRoute = defineRoute({
  operationId: 'scanIntoBasket',
  method: 'post',
  path: '/v1/baskets/{basket_id}/scans',
  tags: ['Scan and pay'],
  summary: 'Scans a product into the consumer’s basket by its barcode (or SKU); answers the basket priced as at checkout',
  access: consumerAccess,
  request: { params: basketParams, headers: consumerToken, ...jsonBody(scanBody) },
  responses: { 200: jsonResponse(basketSchema, 'The basket') },
});

export const setBasketLineRoute = defineRoute({
  operationId: 'setBasketLine',
  method: 'put',
  path: '/v1/baskets/{basket_id}/lines/{variant_id}',
  tags: ['Scan and pay'],
  summary: 'Sets how many of a product the consumer’s basket holds (0 removes it)',
  access: consumerAccess,
  request: { params: lineParams, headers: consumerToken, ...jsonBody(lineBody) },
  responses: { 200: jsonResponse(basketSchema, 'The basket') },
});

export const getBasketRoute = defineRoute({
  operationId: 'getStoreBasket',
  method: 'get',
  path: '/v1/baskets/{basket_id}',
  tags: ['Scan and pay'],
  summary: 'The consumer’s basket, priced with the store’s promotions and their best wallet coupons as at checkout (or as sold, once paid)',
  access: consumerAccess,
  request: { params: basketParams, headers: consumerToken },
  responses: { 200: jsonResponse(basketSchema, 'The basket') },
});

const registerSchema = z
  .object({ id: z.string(), location_id: z.string(), name: z.string(), open_session_id: z.string().nullable(), created_at: z.string() })
  .openapi('PosRegister');
const registerJson = (r: Register & { open_session_id?: string | null }) => ({ id: r.id, location_id: r.location_id, name: r.name, open_session_id: r.open_session_id ?? null, created_at: new Date(r.created_at).toISOString() });

const totalsSchema = z
  .object({
    currency: z.string(),
    sales_count: z.number().int(),
    gross_minor: amount,
    discount_minor: amount,
    net_minor: amount,
    refunds_count: z.number().int(),
    refunds_minor: amount,
    by_method: z.record(z.string(), amount).openapi({ description: 'paid per method: `code` (member’s code, charged to their authorisation), `card`' }),
    expected_cash_minor: amount.openapi({ description: 'the opening float: tills take no cash payments' }),
    counted_cash_minor: amount.nullable(),
    cash_difference_minor: amount.nullable().openapi({ description: 'counted minus expected' }),
  })
  .openapi('PosSessionTotals');

export const posSessionSchema = z
  .object({
    id: z.string(),
    register_id: z.string(),
    location_id: z.string(),
    status: z.enum(['open', 'closed']),
    opened_by: z.string(),
    opening_float_minor: amount,
    opened_at: z.string(),
    closed_at: z.string().nullable(),
    closed_by: z.string().nullable(),
    totals: totalsSchema.openapi({ description: 'frozen at the close; while open, as they stand' }),
  })
  .openapi('PosSession');

export async function posSessionJson(db: ModuleContext['db'], s: PosSession): Promise<z.infer<typeof posSessionSchema>> {
  return {
    id: s.id,
    register_id: s.register_id,
    location_id: s.location_id,
    status: s.status,
    opened_by: s.opened_by,
    opening_float_minor: toJsonAmount(s.opening_float_minor),
    opened_at: s.opened_at.toISOString(),
    closed_at: s.closed_at?.toISOString() ?? null,
    closed_by: s.closed_by,
    totals: s.totals ?? (await sessionTotals(db, s, null)),
  };
}

export const createRegisterRoute = defineRoute({
  operationId: 'createPosRegister',
  method: 'post',
  path: '/v1/pos/registers',
  tags: ['Tills'],
  summary: 'Adds a register (a till) to a store',
  access: posWrite,
  request: jsonBody(z.object({ location_id: id, name: z.string().trim().min(1).max(register_name_max) }).strict()),
  responses: { 201: jsonResponse(registerSchema, 'The register') },
});

export const listRegistersRoute = defineRoute({
  operationId: 'listPosRegisters',
  method: 'get',
  path: '/v1/pos/registers',
  tags: ['Tills'],
  summary: 'The registers, of one store or all, with the session open at each',
  access: posRead,
  request: { query: pageQuerySchema.extend({ location_id: id.optional() }) },
  responses: { 200: jsonResponse(pageSchema(registerSchema), 'A page of registers, by ID') },
});

const clerkStoresSchema = z.object({ user_id: z.string(), location_ids: z.array(z.string()) }).openapi('ClerkStores');

export const setClerkStoresRoute = defineRoute({
  operationId: 'setClerkStores',
  method: 'put',
  path: '/v1/pos/clerks/{user_id}',
  tags: ['Tills'],
  summary: 'Binds a clerk (a console user of role `clerk`) to the stores whose tills they run, replacing their earlier stores',
  access: { scope: 'users:write', tenancy: 'merchant' },
  request: { params: z.object({ user_id: id.openapi({ param: { name: 'user_id', in: 'path' } }) }), ...jsonBody(z.object({ location_ids: z.array(id).max(100) }).strict()) },
  responses: { 200: jsonResponse(clerkStoresSchema, 'The clerk’s stores') },
});

export const getClerkStoresRoute = defineRoute({
  operationId: 'getClerkStores',
  method: 'get',
  path: '/v1/pos/clerks/{user_id}',
  tags: ['Tills'],
  summary: 'The stores whose tills a clerk runs',
  access: posRead,
  request: { params: z.object({ user_id: id.openapi({ param: { name: 'user_id', in: 'path' } }) }) },
  responses: { 200: jsonResponse(clerkStoresSchema, 'The clerk’s stores') },
});

export const openSessionRoute = defineRoute({
  operationId: 'openPosSession',
  method: 'post',
  path: '/v1/pos/sessions',
  tags: ['Tills'],
  summary: 'A clerk opens a register session with its opening float (one open session per register)',
  access: posWrite,
  request: jsonBody(z.object({ register_id: id, opening_float_minor: z.number().int().min(0).max(1_000_000_000) }).strict()),
  responses: { 201: jsonResponse(posSessionSchema, 'The session') },
});

export const getSessionRoute = defineRoute({
  operationId: 'getPosSession',
  method: 'get',
  path: '/v1/pos/sessions/{session_id}',
  tags: ['Tills'],
  summary: 'A register session with its totals (as they stand, or as closed)',
  access: posRead,
  request: { params: sessionParams },
  responses: { 200: jsonResponse(posSessionSchema, 'The session') },
});

export const startSaleRoute = defineRoute({
  operationId: 'startPosSale',
  method: 'post',
  path: '/v1/pos/sessions/{session_id}/sales',
  tags: ['Tills'],
  summary: 'Starts a sale at the till of an open session',
  access: posWrite,
  request: { params: sessionParams },
  responses: { 201: jsonResponse(basketSchema, 'The sale, empty') },
});

export const getSaleRoute = defineRoute({
  operationId: 'getPosSale',
  method: 'get',
  path: '/v1/pos/sales/{sale_id}',
  tags: ['Tills'],
  summary: 'A till sale, priced as at checkout while open, as sold once paid',
  access: posRead,
  request: { params: saleParams },
  responses: { 200: jsonResponse(basketSchema, 'The sale') },
});

export const scanSaleRoute = defineRoute({
  operationId: 'scanIntoPosSale',
  method: 'post',
  path: '/v1/pos/sales/{sale_id}/scans',
  tags: ['Tills'],
  summary: 'Scans a product into a till sale by barcode (or SKU)',
  access: posWrite,
  request: { params: saleParams, ...jsonBody(scanBody) },
  responses: { 200: jsonResponse(basketSchema, 'The sale') },
});

export const setSaleLineRoute = defineRoute({
  operationId: 'setPosSaleLine',
  method: 'put',
  path: '/v1/pos/sales/{sale_id}/lines/{variant_id}',
  tags: ['Tills'],
  summary: 'Sets how many of a product a till sale holds (0 removes it)',
  access: posWrite,
  request: { params: saleLineParams, ...jsonBody(lineBody) },
  responses: { 200: jsonResponse(basketSchema, 'The sale') },
});

export const saleReceiptRoute = defineRoute({
  operationId: 'sendPosReceipt',
  method: 'post',
  path: '/v1/pos/sales/{sale_id}/receipt',
  tags: ['Tills'],
  summary: 'The printable receipt of a paid till sale; with `email`, also mailed there',
  access: posWrite,
  request: { params: saleParams, ...jsonBody(z.object({ email: z.string().email().max(320).optional() }).strict()) },
  responses: { 200: jsonResponse(z.object({ sale_id: z.string(), order_id: z.string(), text: z.string(), emailed_to: z.string().nullable() }).openapi('PosReceipt'), 'The receipt') },
});

export const closeSessionRoute = defineRoute({
  operationId: 'closePosSession',
  method: 'post',
  path: '/v1/pos/sessions/{session_id}/close',
  tags: ['Tills'],
  summary: 'Closes a register session: its totals (sales, gross, discounts, refunds, per payment method, cash expected and counted) are frozen',
  access: posWrite,
  request: { params: sessionParams, ...jsonBody(z.object({ counted_cash_minor: z.number().int().min(0).max(1_000_000_000).optional() }).strict()) },
  responses: { 200: jsonResponse(posSessionSchema, 'The closed session') },
});

/** The consumer's own scan-and-pay basket, or 404 (another consumer's is not found either). */
export async function consumersBasket(db: ModuleContext['db'], merchant_id: string, basket_id: string, consumer: Consumer): Promise<Basket> {
  const basket = await getBasket(db, merchant_id, basket_id);
  if (basket === undefined || basket.kind !== 'scan' || basket.consumer_id !== consumer.id) throw problems.notFound('The basket');
  return basket;
}

const ownedBy = (consumer: Consumer) => (b: Basket) => {
  if (b.kind !== 'scan' || b.consumer_id !== consumer.id) throw problems.notFound('The basket');
};

/** A till sale of this merchant that the caller may work on (a clerk: of their stores), or 404/403. */
export async function tillSale(db: ModuleContext['db'], caller: { merchant_id: string; actor: string }, sale_id: string): Promise<Basket> {
  const sale = await getBasket(db, caller.merchant_id, sale_id);
  if (sale === undefined || sale.kind !== 'pos') throw problems.notFound('The sale');
  await assertMayRunTill(db, caller, sale.location_id);
  return sale;
}

const notTill = (b: Basket) => {
  if (b.kind !== 'pos') throw problems.notFound('The sale');
};

export function registerBasketsRoutes(router: ModuleRouter, { db, config }: ModuleContext): void {
  router.route(openBasketRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    const { location_id } = c.req.valid('param');
    await requireStore(db, merchant_id, location_id);
    const basket = await openBasket(db, { merchant_id, location_id, kind: 'scan', consumer_id: consumer.id });
    return c.json(await basketJson(db, basket, consumer), 201);
  });

  router.route(scanBasketRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    const basket = await scanIntoBasket(db, merchant_id, c.req.valid('param').basket_id, c.req.valid('json') as ScanInput, ownedBy(consumer));
    return c.json(await basketJson(db, basket, consumer), 200);
  });

  router.route(setBasketLineRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    const { basket_id, variant_id } = c.req.valid('param');
    const basket = await setBasketLine(db, merchant_id, basket_id, variant_id, c.req.valid('json').quantity, ownedBy(consumer));
    return c.json(await basketJson(db, basket, consumer), 200);
  });

  router.route(getBasketRoute, async (c) => {
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    const basket = await consumersBasket(db, c.get('caller').merchant_id, c.req.valid('param').basket_id, consumer);
    return c.json(await basketJson(db, basket, consumer), 200);
  });

  router.route(createRegisterRoute, async (c) => {
    const register = await createRegister(db, c.get('caller').merchant_id, c.req.valid('json'));
    return c.json(registerJson(register), 201);
  });

  router.route(listRegistersRoute, async (c) => {
    const { limit, cursor, location_id } = c.req.valid('query');
    const rows = await listRegisters(db, c.get('caller').merchant_id, { location_id, after_id: decodeCursor(cursor), limit: limit + 1 });
    const page = toPage(rows, limit);
    return c.json({ data: page.items.map(registerJson), next_cursor: page.next_cursor }, 200);
  });

  router.route(setClerkStoresRoute, async (c) => {
    const { user_id } = c.req.valid('param');
    const location_ids = await setClerkStores(db, c.get('caller').merchant_id, user_id, c.req.valid('json').location_ids);
    return c.json({ user_id, location_ids }, 200);
  });

  router.route(getClerkStoresRoute, async (c) => {
    const { user_id } = c.req.valid('param');
    const merchant_id = c.get('caller').merchant_id;
    const user = await getClerk(db, merchant_id, user_id);
    if (user === undefined) throw problems.notFound('The clerk');
    return c.json({ user_id, location_ids: await clerkStores(db, merchant_id, user_id) }, 200);
  });

  router.route(openSessionRoute, async (c) => {
    const session = await openPosSession(db, c.get('caller'), c.req.valid('json'));
    return c.json(await posSessionJson(db, session), 201);
  });

  router.route(getSessionRoute, async (c) => {
    const session = await getPosSession(db, c.get('caller').merchant_id, c.req.valid('param').session_id);
    if (session === undefined) throw problems.notFound('The register session');
    return c.json(await posSessionJson(db, session), 200);
  });

  router.route(startSaleRoute, async (c) => {
    const sale = await startPosSale(db, c.get('caller'), c.req.valid('param').session_id);
    return c.json(await basketJson(db, sale, null), 201);
  });

  router.route(getSaleRoute, async (c) => {
    const sale = await getBasket(db, c.get('caller').merchant_id, c.req.valid('param').sale_id);
    if (sale === undefined || sale.kind !== 'pos') throw problems.notFound('The sale');
    return c.json(await basketJson(db, sale, null), 200);
  });

  router.route(scanSaleRoute, async (c) => {
    const caller = c.get('caller');
    const sale = await tillSale(db, caller, c.req.valid('param').sale_id);
    const scanned = await scanIntoBasket(db, caller.merchant_id, sale.id, c.req.valid('json') as ScanInput, notTill);
    return c.json(await basketJson(db, scanned, null), 200);
  });

  router.route(setSaleLineRoute, async (c) => {
    const caller = c.get('caller');
    const { sale_id, variant_id } = c.req.valid('param');
    const sale = await tillSale(db, caller, sale_id);
    const changed = await setBasketLine(db, caller.merchant_id, sale.id, variant_id, c.req.valid('json').quantity, notTill);
    return c.json(await basketJson(db, changed, null), 200);
  });

  router.route(saleReceiptRoute, async (c) => {
    const caller = c.get('caller');
    const sale = await tillSale(db, caller, c.req.valid('param').sale_id);
    if (sale.status === 'open') throw problems.conflict('sale_not_paid', `The sale ${sale.id} is not paid yet`);
    // The sale's own receipt (sales.ts): the one the member gets when they have an email.
    const sold = sale.sale_id === null ? undefined : await getSale(db, caller.merchant_id, sale.sale_id);
    if (sold === undefined) throw problems.conflict('sale_not_paid', `The sale ${sale.id} is not paid yet`);
    const store_name = (await getLocation(db, caller.merchant_id, sale.location_id))?.name ?? sale.location_id;
    const text = receiptText(sold, store_name);
    const email = c.req.valid('json').email ?? null;
    if (email !== null) await inTransaction(db, (trx) => mailReceipt(trx, sold, { to: email, from: mailFrom(config), store_name }));
    return c.json({ sale_id: sale.id, order_id: sale.order_id!, text, emailed_to: email }, 200);
  });

  router.route(closeSessionRoute, async (c) => {
    const session = await closePosSession(db, c.get('caller'), c.req.valid('param').session_id, c.req.valid('json').counted_cash_minor);
    return c.json(await posSessionJson(db, session), 200);
  });
}
