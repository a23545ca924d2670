import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { currencySchema, toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { consumerToken, consumerTokenHeader, requireConsumer } from '../accounts/index.js';
import { quantity_max } from '../inventory/index.js';
import { CartItemWriter } from './cart-items.js';
import { CartOpener, claimCart, consumerCarts, openCart, viewCart, type CartView } from './carts.js';
import { buyerEmail, deliveryJson, deliverySchema, cartAccess, cartParams, cartToken, openRequestCart, orderJson, orderSchema as orderOut, signedInConsumer } from './http.js';
import { consumerOrder, consumerOrders, getOrder, listOrders, type OrderDetail } from './orders.js';
import { bulkActions, bulk_orders_max, bulkOrderAction, locationsOf, orderCounts, ordersCsv, type BulkAction } from './orders-list.js';
import { applyOrderAction, rules, type OrderAction } from './state-machine.js';
import { orderStatuses } from './tables.js';
import { orderSettings } from './settings.js';

/**
 * Carts (except their checkout), the buyer's own orders and the seller's order actions. Checking
 * out, which spans catalog, inventory and orders, is the place-order flow (src/flows/place-order).
 */
const id = z.string().min(1).max(64);

const transitionOut = z.object({ from_status: z.string().nullable(), to_status: z.string(), action: z.string(), actor: z.string(), reason: z.string().nullable(), occurred_at: z.string() });
const sellerActionNames = ['ship', 'deliver', 'cancel', 'refund-request', 'refund-approve', 'refund-reject', 'refund-dispute'] as const;
const orderDetailOut = orderOut
  .extend({
    transitions: z.array(transitionOut),
    delivery: deliverySchema.nullable().openapi({ description: 'the delivery chosen at checkout, with the recipient and address (personal data, for the seller who delivers); null when none was chosen' }),
    actions: z.array(z.enum(sellerActionNames)).openapi({ description: 'what the seller may do next, as the last segment of the action’s path (`POST /v1/orders/{id}/ship`)' }),
  })
  .openapi('OrderDetail');

const orderListItemOut = orderOut
  .extend({ location: z.object({ id: z.string(), code: z.string(), name: z.string() }).nullable().openapi({ description: 'the store the order ships from; null when the location no longer exists' }) })
  .openapi('OrderListItem');

function orderDetailJson(o: OrderDetail): z.infer<typeof orderDetailOut> {
  const actions = sellerActions.filter((a) => rules[a.action].from.includes(o.status)).map((a) => a.segment);
  return { ...orderJson(o), actions, delivery: o.delivery === null ? null : deliveryJson(o.delivery), transitions: o.transitions.map((t) => ({ from_status: t.from_status, to_status: t.to_status, action: t.action, actor: t.actor, reason: t.reason, occurred_at: t.occurred_at.toISOString() })) };
}


const cartOut = z
  .object({
    id: z.string(),
    currency: z.string(),
    status: z.enum(['open', 'checked_out']),
    buyer_email: z.string().nullable(),
    items: z.array(z.object({ variant_id: z.string(), quantity: z.number().int(), available: z.boolean(), merchant_id: z.string().nullable(), sku: z.string().nullable(), title: z.string().nullable(), unit_price_minor: z.number().int().nullable(), problem: z.string().nullable() })),
    total_minor: z.number().int(),
  })
  .openapi('Cart');

function cartJson(c: CartView): z.infer<typeof cartOut> {
  return {
    id: c.id,
    currency: c.currency,
    status: c.status,
    buyer_email: c.buyer_email,
    total_minor: toJsonAmount(c.total_minor),
    items: c.items.map((i) =>
      i.quote.ok
        ? { variant_id: i.variant_id, quantity: i.quantity, available: true, merchant_id: i.quote.merchant_id, sku: i.quote.sku, title: i.quote.title, unit_price_minor: toJsonAmount(i.quote.unit_price_minor), problem: null }
        : { variant_id: i.variant_id, quantity: i.quantity, available: false, merchant_id: null, sku: null, title: null, unit_price_minor: null, problem: i.quote.refusal },
    ),
  };
}

export const createCartRoute = defineRoute({
  operationId: 'createCart',
  method: 'post',
  path: '/v1/carts',
  tags: ['Checkout'],
  summary: 'Open a cart; keep the returned token to use it. With a signed-in consumer’s token, the cart is theirs',
  access: cartAccess,
  request: { headers: consumerToken, ...jsonBody(z.object({ currency: currencySchema, buyer_email: buyerEmail }).strict()) },
  responses: { 201: jsonResponse(cartOut.extend({ token: z.string() }), 'The cart and its token') },
});

export const getCartRoute = defineRoute({
  operationId: 'getCart',
  method: 'get',
  path: '/v1/carts/{cart_id}',
  tags: ['Checkout'],
  summary: 'A cart with current server prices',
  access: cartAccess,
  request: { params: cartParams, headers: cartToken },
  responses: { 200: jsonResponse(cartOut, 'The cart') },
});

export const setCartItemRoute = defineRoute({
  operationId: 'setCartItem',
  method: 'post',
  path: '/v1/carts/{cart_id}/items',
  tags: ['Checkout'],
  summary: 'Set the quantity of an item in the cart (0 removes it)',
  access: cartAccess,
  request: { params: cartParams, headers: cartToken, ...jsonBody(z.object({ variant_id: id, quantity: z.number().int().min(0).max(quantity_max) }).strict()) },
  responses: { 200: jsonResponse(cartOut, 'The cart') },
});

const orderParams = z.object({ order_id: id.openapi({ param: { name: 'order_id', in: 'path' } }) });

export const claimCartRoute = defineRoute({
  operationId: 'claimCart',
  method: 'post',
  path: '/v1/carts/{cart_id}/claim',
  tags: ['Checkout'],
  summary: 'A consumer who signed in takes over their guest cart (its token and their session); it then opens on any device',
  access: cartAccess,
  request: { params: cartParams, headers: cartToken },
  responses: { 200: jsonResponse(cartOut, 'The cart, now the consumer’s') },
});

export const accountCartsRoute = defineRoute({
  operationId: 'listConsumerCarts',
  method: 'get',
  path: '/v1/account/carts',
  tags: ['Consumer accounts'],
  summary: 'The signed-in consumer’s open carts, newest first',
  access: cartAccess,
  request: { headers: consumerToken },
  responses: { 200: jsonResponse(z.object({ data: z.array(cartOut) }), 'Open carts') },
});

export const accountOrdersRoute = defineRoute({
  operationId: 'listConsumerOrders',
  method: 'get',
  path: '/v1/account/orders',
  tags: ['Consumer accounts'],
  summary: 'The signed-in consumer’s orders with every seller, newest first',
  access: cartAccess,
  request: { headers: consumerToken, query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(orderOut), 'A page of orders') },
});

const orderFilterQuery = z.object({
  status: z.enum(orderStatuses).optional(),
  created_from: z.string().datetime({ offset: true }).optional(),
  created_to: z.string().datetime({ offset: true }).optional(),
});

export const orderCountsRoute = defineRoute({
  operationId: 'countOrders',
  method: 'get',
  path: '/v1/orders/counts',
  tags: ['Orders'],
  summary: 'How many orders this seller has in each state (the orders list’s tabs)',
  access: { scope: 'orders:read', tenancy: 'merchant' },
  responses: {
    200: jsonResponse(z.object({ all: z.number().int(), by_status: z.object(Object.fromEntries(orderStatuses.map((s) => [s, z.number().int()])) as Record<(typeof orderStatuses)[number], z.ZodNumber>) }).openapi('OrderCounts'), 'Orders per state; every state is present'),
  },
});

export const exportOrdersRoute = defineRoute({
  operationId: 'exportOrdersCsv',
  method: 'get',
  path: '/v1/orders/export.csv',
  tags: ['Orders'],
  summary: 'Every order matching the filters as CSV (RFC 4180), newest first, amounts as decimals in their currency',
  access: { scope: 'orders:read', tenancy: 'merchant' },
  request: { query: orderFilterQuery },
  responses: { 200: { description: 'One header row, then one row per order', content: { 'text/csv': { schema: z.string() } } } },
});

const bulkProblemOut = z.object({ status: z.number().int(), code: z.string(), title: z.string(), detail: z.string().nullable() });
export const bulkOrdersRoute = defineRoute({
  operationId: 'bulkOrderAction',
  method: 'post',
  path: '/v1/orders/bulk',
  tags: ['Orders'],
  summary: 'Ship, deliver or cancel many orders at once; each order answers for itself',
  description: 'An order the action does not apply to (a refusal of the state machine, or an unknown order) is reported in its outcome and left unchanged; the others move.',
  access: { scope: 'orders:write', tenancy: 'merchant' },
  request: {
    ...jsonBody(
      z
        .object({
          action: z.enum(Object.keys(bulkActions) as [BulkAction, ...BulkAction[]]),
          order_ids: z.array(id).min(1).max(bulk_orders_max).refine((ids) => new Set(ids).size === ids.length, { message: 'must not name an order twice' }),
          tracking_numbers: z.record(id, z.string().min(1).max(100)).optional().openapi({ description: 'shipping only: the tracking number of each order, by order ID' }),
          reason: z.string().max(500).optional(),
        })
        .strict(),
    ),
  },
  responses: {
    200: jsonResponse(
      z.object({ data: z.array(z.object({ order_id: z.string(), ok: z.boolean(), order: orderOut.nullable(), problem: bulkProblemOut.nullable() })) }).openapi('BulkOrderOutcomes'),
      'One outcome per order, in the order asked',
    ),
  },
});

export const confirmReceiptRoute = defineRoute({
  operationId: 'confirmReceiptAsConsumer',
  method: 'post',
  path: '/v1/account/orders/{order_id}/confirm-receipt',
  tags: ['Consumer accounts'],
  summary: 'The buyer confirms they have the goods: the order completes and its escrow is released to the seller',
  access: cartAccess,
  request: { params: orderParams, headers: consumerToken },
  responses: { 200: jsonResponse(orderOut, 'The completed order') },
});

export const consumerRefundRoute = defineRoute({
  operationId: 'requestRefundAsConsumer',
  method: 'post',
  path: '/v1/account/orders/{order_id}/refund-request',
  tags: ['Consumer accounts'],
  summary: 'The buyer asks for a refund of a paid, shipped or delivered order (all of it, or `amount_minor`); the seller approves, rejects or contests it',
  access: cartAccess,
  request: {
    params: orderParams,
    headers: consumerToken,
    ...jsonBody(z.object({ reason: z.string().min(1).max(500), amount_minor: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional() }).strict()),
  },
  responses: { 200: jsonResponse(orderOut, 'The order, refund requested') },
});

export const listOrdersRoute = defineRoute({
  operationId: 'listOrders',
  method: 'get',
  path: '/v1/orders',
  tags: ['Orders'],
  summary: 'Orders of this seller, newest first',
  access: { scope: 'orders:read', tenancy: 'merchant' },
  request: {
    query: pageQuerySchema.extend(orderFilterQuery.shape),
  },
  responses: { 200: jsonResponse(pageSchema(orderListItemOut), 'A page of orders') },
});


export const getOrderRoute = defineRoute({
  operationId: 'getOrder',
  method: 'get',
  path: '/v1/orders/{order_id}',
  tags: ['Orders'],
  summary: 'One order with its lines and its timeline of transitions',
  access: { scope: 'orders:read', tenancy: 'merchant' },
  request: { params: orderParams },
  responses: { 200: jsonResponse(orderDetailOut, 'The order') },
});

const actionBody = z
  .object({
    reason: z.string().max(500).optional(),
    tracking_number: z.string().max(100).optional(),
    amount_minor: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().openapi({ description: 'refund requests only: how much to refund; the whole order when absent' }),
  })
  .strict();

function actionRoute(action: OrderAction, operationId: string, segment: string, summary: string) {
  return defineRoute({
    operationId,
    method: 'post',
    path: `/v1/orders/{order_id}/${segment}`,
    tags: ['Orders'],
    summary,
    access: { scope: 'orders:write', tenancy: 'merchant' },
    request: { params: orderParams, body: { required: false, content: { 'application/json': { schema: actionBody } } } },
    responses: { 200: jsonResponse(orderDetailOut, 'The order after the transition') },
  });
}

/**
 * Seller actions over HTTP. Paying is not among them (payment comes from the payments flow), nor
 * is completing: that releases the escrow, which only the buyer (`confirm-receipt`), the
 * auto-confirm timer or the platform may do (state-machine.ts `by`).
 */
type SellerAction = { action: OrderAction; segment: (typeof sellerActionNames)[number]; operationId: string; summary: string };
const sellerActions: SellerAction[] = [
  { action: 'ship', segment: 'ship', operationId: 'shipOrder', summary: 'Ship a paid order; its reserved stock becomes a sale' },
  { action: 'deliver', segment: 'deliver', operationId: 'markOrderDelivered', summary: 'Record delivery of a shipped order' },
  { action: 'close', segment: 'cancel', operationId: 'cancelOrder', summary: 'Cancel an unpaid order; its stock is released' },
  { action: 'request_refund', segment: 'refund-request', operationId: 'requestRefund', summary: 'Open a refund request on a paid, shipped or delivered order' },
  { action: 'approve_refund', segment: 'refund-approve', operationId: 'approveRefund', summary: 'Approve a refund request; unshipped stock is released' },
  { action: 'reject_refund', segment: 'refund-reject', operationId: 'rejectRefund', summary: 'Reject a refund request; the order returns to its previous state' },
  { action: 'dispute', segment: 'refund-dispute', operationId: 'disputeRefund', summary: 'Contest a refund request; the platform operator decides (`POST /v1/platform/disputes/{order_id}/decision` or `bos disputes decide`)' },
];

export function registerRoutes(router: ModuleRouter, { db, config, logger }: ModuleContext): void {
  const carts = new CartOpener(db, logger.child({ component: 'carts' }));
  const cartItems = new CartItemWriter(db, logger.child({ component: 'cart_items' }));

  router.route(createCartRoute, async (c) => {
    const consumer = await signedInConsumer(db, c.req.valid('header'));
    const input = c.req.valid('json');
    const { cart, token } = await carts.submit({ channel_merchant_id: c.get('caller').merchant_id, ...input, buyer_email: input.buyer_email ?? consumer?.email, consumer_id: consumer?.id });
    return c.json({ ...cartJson(cart), token }, 201);
  });

  router.route(getCartRoute, async (c) => {
    const { cart } = await openRequestCart(db, c.req.valid('param').cart_id, c.req.valid('header'));
    return c.json(cartJson(await viewCart(db, cart)), 200);
  });

  router.route(claimCartRoute, async (c) => {
    const headers = c.req.valid('header');
    const consumer = await requireConsumer(db, headers[consumerTokenHeader]);
    // The cart's token proves the guest held it (a consumer's own cart needs none).
    const cart = await openCart(db, c.req.valid('param').cart_id, headers['x-cart-token'], consumer.id);
    return c.json(cartJson(await viewCart(db, await claimCart(db, cart, consumer))), 200);
  });

  router.route(accountCartsRoute, async (c) => {
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    const carts = await consumerCarts(db, consumer.id);
    return c.json({ data: await Promise.all(carts.map(async (cart) => cartJson(await viewCart(db, cart)))) }, 200);
  });

  router.route(accountOrdersRoute, async (c) => {
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    const q = c.req.valid('query');
    const page = toPage(await consumerOrders(db, consumer.id, decodeCursor(q.cursor), q.limit + 1), q.limit);
    return c.json({ data: page.items.map(orderJson), next_cursor: page.next_cursor }, 200);
  });

  /** The signed-in buyer acts on one of their own orders (any seller's); another's is 404. */
  async function actAsBuyer(token: string | undefined, order_id: string, action: OrderAction, options: { reason: string; refund_amount_minor?: bigint | undefined }) {
    const consumer = await requireConsumer(db, token);
    const order = await consumerOrder(db, consumer.id, order_id);
    if (order === undefined) throw problems.notFound('The order');
    await applyOrderAction(db, order.merchant_id, order_id, action, { actor: `consumer:${consumer.id}`, ...options });
    return orderJson((await getOrder(db, order.merchant_id, order_id))!);
  }

  router.route(confirmReceiptRoute, async (c) =>
    c.json(await actAsBuyer(c.req.valid('header')[consumerTokenHeader], c.req.valid('param').order_id, 'complete', { reason: 'the buyer confirmed receipt' }), 200),
  );

  router.route(consumerRefundRoute, async (c) => {
    const input = c.req.valid('json');
    const refund_amount_minor = input.amount_minor === undefined ? undefined : BigInt(input.amount_minor);
    return c.json(await actAsBuyer(c.req.valid('header')[consumerTokenHeader], c.req.valid('param').order_id, 'request_refund', { reason: input.reason, refund_amount_minor }), 200);
  });

  router.route(setCartItemRoute, async (c) => {
    const headers = c.req.valid('header');
    const consumer = await signedInConsumer(db, headers);
    const { variant_id, quantity } = c.req.valid('json');
    const result = await cartItems.submit({ cart_id: c.req.valid('param').cart_id, key: { token: headers['x-cart-token'], consumer_id: consumer?.id }, variant_id, quantity });
    if (!result.ok) throw result.problem;
    return c.json(cartJson(result.cart), 200);
  });

  router.route(listOrdersRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listOrders(db, c.get('caller').merchant_id, {
      status: q.status,
      created_from: q.created_from === undefined ? undefined : new Date(q.created_from),
      created_to: q.created_to === undefined ? undefined : new Date(q.created_to),
      before_id: decodeCursor(q.cursor),
      limit: q.limit + 1,
    });
    const page = toPage(rows, q.limit);
    const merchant_id = c.get('caller').merchant_id;
    const locations = await locationsOf(db, merchant_id, page.items.map((o) => o.location_id));
    return c.json({ data: page.items.map((o) => ({ ...orderJson(o), location: locations.get(o.location_id) ?? null })), next_cursor: page.next_cursor }, 200);
  });

  // Registered before `/v1/orders/{order_id}`, which would otherwise take `counts` for an ID.
  router.route(orderCountsRoute, async (c) => c.json(await orderCounts(db, c.get('caller').merchant_id), 200));

  router.route(exportOrdersRoute, (c) => {
    const q = c.req.valid('query');
    const filter = { status: q.status, created_from: q.created_from === undefined ? undefined : new Date(q.created_from), created_to: q.created_to === undefined ? undefined : new Date(q.created_to) };
    const day = new Date().toISOString().slice(0, 10);
    return c.body(ordersCsv(db, c.get('caller').merchant_id, filter), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="orders-${day}.csv"` });
  });

  router.route(bulkOrdersRoute, async (c) => {
    const caller = c.get('caller');
    const input = c.req.valid('json');
    const outcomes = await bulkOrderAction(db, caller.merchant_id, input.action, input.order_ids, {
      actor: caller.actor,
      reason: input.reason,
      tracking_numbers: input.tracking_numbers,
      auto_confirm_after_s: orderSettings.of(config).OPENBOS_AUTO_CONFIRM_AFTER_S,
    });
    const data = outcomes.map((o) =>
      o.ok
        ? { order_id: o.order_id, ok: true, order: orderJson({ ...o.order, lines: [] }), problem: null }
        : { order_id: o.order_id, ok: false, order: null, problem: { status: o.problem.status, code: o.problem.code, title: o.problem.title, detail: o.problem.detail ?? null } },
    );
    return c.json({ data }, 200);
  });

  router.route(getOrderRoute, async (c) => {
    const order = await getOrder(db, c.get('caller').merchant_id, c.req.valid('param').order_id);
    if (order === undefined) throw problems.notFound('The order');
    return c.json(orderDetailJson(order), 200);
  });

  for (const { action, segment, operationId, summary } of sellerActions) {
    router.route(actionRoute(action, operationId, segment, summary), async (c) => {
      const caller = c.get('caller');
      const { order_id } = c.req.valid('param');
      const input = c.req.valid('json');
      await applyOrderAction(db, caller.merchant_id, order_id, action, { actor: caller.actor, reason: input.reason, tracking_number: input.tracking_number, refund_amount_minor: input.amount_minor === undefined ? undefined : BigInt(input.amount_minor), auto_confirm_after_s: orderSettings.of(config).OPENBOS_AUTO_CONFIRM_AFTER_S });
      return c.json(orderDetailJson((await getOrder(db, caller.merchant_id, order_id))!), 200);
    });
  }
}
