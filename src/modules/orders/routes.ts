import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { currencySchema, toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { consumerToken, consumerTokenHeader, requireConsumer, type Consumer } from '../consumers/index.js';
import { quantity_max } from '../inventory/index.js';
import { cart_lines_max, cartItems, claimCart, claimForCheckout, consumerCarts, createCart, openCart, reopenCart, setCartItem, viewCart, type CartView } from './carts.js';
import { CheckoutCommitter } from './checkout/committer.js';
import type { CheckoutItem, PlacedOrder } from './checkout/place-batch.js';
import { consumerOrder, consumerOrders, getOrder, listOrders, type OrderDetail } from './orders.js';
import { applyOrderAction, rules, type Order, type OrderAction, type OrderLine } from './state-machine.js';
import { orderStatuses } from './tables.js';

const quantity = z.number().int('must be a whole number of units').min(1, 'must be at least 1').max(quantity_max, `must be at most ${quantity_max}`);
const id = z.string().min(1).max(64);

const lineOut = z.object({ line_no: z.number().int(), variant_id: z.string(), product_id: z.string(), sku: z.string(), title: z.string(), quantity: z.number().int(), unit_price_minor: z.number().int(), total_minor: z.number().int() });
const orderOut = z
  .object({
    id: z.string(),
    merchant_id: z.string(),
    checkout_id: z.string(),
    status: z.enum(orderStatuses),
    currency: z.string(),
    subtotal_minor: z.number().int(),
    total_minor: z.number().int(),
    location_id: z.string(),
    buyer_email: z.string().nullable(),
    expires_at: z.string().nullable(),
    shipped_at: z.string().nullable(),
    tracking_number: z.string().nullable(),
    refund_amount_minor: z.number().int().nullable(),
    created_at: z.string(),
    lines: z.array(lineOut),
  })
  .openapi('Order');
const transitionOut = z.object({ from_status: z.string().nullable(), to_status: z.string(), action: z.string(), actor: z.string(), reason: z.string().nullable(), occurred_at: z.string() });
const sellerActionNames = ['ship', 'deliver', 'complete', 'cancel', 'refund-request', 'refund-approve', 'refund-reject', 'refund-dispute'] as const;
const orderDetailOut = orderOut
  .extend({
    transitions: z.array(transitionOut),
    actions: z.array(z.enum(sellerActionNames)).openapi({ description: 'what the seller may do next, as the last segment of the action’s path (`POST /v1/orders/{id}/ship`)' }),
  })
  .openapi('OrderDetail');
const checkoutOut = z.object({ checkout_id: z.string(), orders: z.array(orderOut) }).openapi('Checkout');

function orderJson(o: Order & { lines: OrderLine[] }): z.infer<typeof orderOut> {
  return {
    id: o.id,
    merchant_id: o.merchant_id,
    checkout_id: o.checkout_id,
    status: o.status,
    currency: o.currency,
    subtotal_minor: toJsonAmount(o.subtotal_minor),
    total_minor: toJsonAmount(o.total_minor),
    location_id: o.location_id,
    buyer_email: o.buyer_email,
    expires_at: o.expires_at?.toISOString() ?? null,
    shipped_at: o.shipped_at?.toISOString() ?? null,
    tracking_number: o.tracking_number,
    refund_amount_minor: o.refund_amount_minor === null ? null : toJsonAmount(o.refund_amount_minor),
    created_at: o.created_at.toISOString(),
    lines: o.lines.map((l) => ({ line_no: l.line_no, variant_id: l.variant_id, product_id: l.product_id, sku: l.sku, title: l.title, quantity: l.quantity, unit_price_minor: toJsonAmount(l.unit_price_minor), total_minor: toJsonAmount(l.total_minor) })),
  };
}

function orderDetailJson(o: OrderDetail): z.infer<typeof orderDetailOut> {
  const actions = sellerActions.filter((a) => rules[a.action].from.includes(o.status)).map((a) => a.segment);
  return { ...orderJson(o), actions, transitions: o.transitions.map((t) => ({ from_status: t.from_status, to_status: t.to_status, action: t.action, actor: t.actor, reason: t.reason, occurred_at: t.occurred_at.toISOString() })) };
}


const checkoutItem = z.object({
  variant_id: id,
  quantity,
  expected_unit_price_minor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().openapi({ description: 'the price the buyer saw; a different server price refuses the checkout' }),
}).strict();
const fulfilment = z.record(id, id).optional().openapi({ description: 'location per seller: `{ "mer_...": "loc_..." }`; by default the location with most stock' });
const buyerEmail = z.string().email().max(254).optional();

export const checkoutRoute = defineRoute({
  operationId: 'createCheckout',
  method: 'post',
  path: '/v1/checkouts',
  tags: ['Checkout'],
  summary: 'Buy now: price, reserve stock and create one order per seller, awaiting payment',
  access: { scope: 'checkout:write', tenancy: 'public', keyKinds: ['publishable', 'secret'] },
  request: { headers: consumerToken, ...jsonBody(z.object({ currency: currencySchema, items: z.array(checkoutItem).min(1).max(cart_lines_max), buyer_email: buyerEmail, fulfilment }).strict()) },
  responses: { 201: jsonResponse(checkoutOut, 'The orders, awaiting payment') },
});

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

const cartParams = z.object({ cart_id: id.openapi({ param: { name: 'cart_id', in: 'path' } }) });
const cartToken = z.object({ 'x-cart-token': z.string().max(100).optional().openapi({ param: { name: 'x-cart-token', in: 'header' }, description: 'the token returned when the cart was created; a signed-in consumer’s own cart opens without it' }) }).extend(consumerToken.shape);
const cartAccess = { scope: 'checkout:write', tenancy: 'public', keyKinds: ['publishable', 'secret'] } as const;

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

export const checkoutCartRoute = defineRoute({
  operationId: 'checkoutCart',
  method: 'post',
  path: '/v1/carts/{cart_id}/checkout',
  tags: ['Checkout'],
  summary: 'Check out a cart: one order per seller, awaiting payment',
  access: cartAccess,
  request: { params: cartParams, headers: cartToken, ...jsonBody(z.object({ buyer_email: buyerEmail, fulfilment, expected_total_minor: z.number().int().min(0).optional() }).strict()) },
  responses: { 201: jsonResponse(checkoutOut, 'The orders, awaiting payment') },
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
  request: { headers: consumerToken, query: z.object({ before: id.optional(), limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: { 200: jsonResponse(z.object({ data: z.array(orderOut), next_before: z.string().nullable() }), 'Orders') },
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
    query: z.object({
      status: z.enum(orderStatuses).optional(),
      created_from: z.string().datetime({ offset: true }).optional(),
      created_to: z.string().datetime({ offset: true }).optional(),
      before: id.optional(),
      limit: z.coerce.number().int().min(1).max(100).default(20),
    }),
  },
  responses: { 200: jsonResponse(z.object({ data: z.array(orderOut), next_before: z.string().nullable() }), 'A page of orders') },
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

/** Seller actions over HTTP. Paying is not among them: payment comes from the payments module. */
type SellerAction = { action: OrderAction; segment: (typeof sellerActionNames)[number]; operationId: string; summary: string };
const sellerActions: SellerAction[] = [
  { action: 'ship', segment: 'ship', operationId: 'shipOrder', summary: 'Ship a paid order; its reserved stock becomes a sale' },
  { action: 'deliver', segment: 'deliver', operationId: 'markOrderDelivered', summary: 'Record delivery of a shipped order' },
  { action: 'complete', segment: 'complete', operationId: 'completeOrder', summary: 'Complete an order (buyer confirmed receipt)' },
  { action: 'close', segment: 'cancel', operationId: 'cancelOrder', summary: 'Cancel an unpaid order; its stock is released' },
  { action: 'request_refund', segment: 'refund-request', operationId: 'requestRefund', summary: 'Open a refund request on a paid, shipped or delivered order' },
  { action: 'approve_refund', segment: 'refund-approve', operationId: 'approveRefund', summary: 'Approve a refund request; unshipped stock is released' },
  { action: 'reject_refund', segment: 'refund-reject', operationId: 'rejectRefund', summary: 'Reject a refund request; the order returns to its previous state' },
  { action: 'dispute', segment: 'refund-dispute', operationId: 'disputeRefund', summary: 'Contest a refund request; the platform operator decides (`bos disputes decide`)' },
];

export function registerRoutes(router: ModuleRouter, { db, config, logger }: ModuleContext): void {
  const committer = new CheckoutCommitter(db, logger.child({ component: 'checkout' }));

  async function checkout(input: { channel_merchant_id: string; currency: string; items: readonly CheckoutItem[]; buyer_email?: string | undefined; fulfilment?: Record<string, string> | undefined; cart_id?: string; consumer_id?: string | undefined }): Promise<{ checkout_id: string; orders: PlacedOrder[] }> {
    const checkout_id = newId('chk');
    const result = await committer.submit({
      checkout_id,
      channel_merchant_id: input.channel_merchant_id,
      currency: input.currency,
      buyer_email: input.buyer_email ?? null,
      consumer_id: input.consumer_id ?? null,
      cart_id: input.cart_id ?? null,
      items: input.items,
      locations: input.fulfilment ?? {},
      unpaid_ttl_s: config.OPENBOS_UNPAID_ORDER_TTL_S,
    });
    if (!result.ok) throw result.problem;
    return { checkout_id, orders: result.orders };
  }

  const checkoutJson = (r: { checkout_id: string; orders: PlacedOrder[] }) => ({ checkout_id: r.checkout_id, orders: r.orders.map((p) => orderJson({ ...p.order, lines: p.lines })) });

  /** The signed-in consumer when the request carries a session token (which must then be valid); undefined for a guest. */
  const signedIn = async (headers: Record<string, string | undefined>): Promise<Consumer | undefined> => {
    const token = headers[consumerTokenHeader];
    return token === undefined ? undefined : requireConsumer(db, token);
  };

  router.route(checkoutRoute, async (c) => {
    const input = c.req.valid('json');
    const variants = input.items.map((i) => i.variant_id);
    if (new Set(variants).size !== variants.length) throw problems.validation([{ field: 'items', location: 'body', message: 'each variant may appear once; raise its quantity instead' }]);
    const consumer = await signedIn(c.req.valid('header'));
    return c.json(checkoutJson(await checkout({ ...input, buyer_email: input.buyer_email ?? consumer?.email, consumer_id: consumer?.id, channel_merchant_id: c.get('caller').merchant_id })), 201);
  });

  router.route(createCartRoute, async (c) => {
    const consumer = await signedIn(c.req.valid('header'));
    const input = c.req.valid('json');
    const { cart, token } = await createCart(db, { channel_merchant_id: c.get('caller').merchant_id, ...input, buyer_email: input.buyer_email ?? consumer?.email, consumer_id: consumer?.id });
    return c.json({ ...cartJson(await viewCart(db, cart)), token }, 201);
  });

  const openRequestCart = async (cart_id: string, headers: Record<string, string | undefined>) => {
    const consumer = await signedIn(headers);
    return { cart: await openCart(db, cart_id, headers['x-cart-token'], consumer?.id), consumer };
  };

  router.route(getCartRoute, async (c) => {
    const { cart } = await openRequestCart(c.req.valid('param').cart_id, c.req.valid('header'));
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
    const rows = await consumerOrders(db, consumer.id, q.before, q.limit + 1);
    const page = rows.slice(0, q.limit);
    return c.json({ data: page.map(orderJson), next_before: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null }, 200);
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
    const { cart } = await openRequestCart(c.req.valid('param').cart_id, c.req.valid('header'));
    const { variant_id, quantity } = c.req.valid('json');
    await setCartItem(db, cart, variant_id, quantity);
    return c.json(cartJson(await viewCart(db, cart)), 200);
  });

  router.route(checkoutCartRoute, async (c) => {
    const { cart, consumer } = await openRequestCart(c.req.valid('param').cart_id, c.req.valid('header'));
    const input = c.req.valid('json');
    if (input.expected_total_minor !== undefined) {
      const view = await viewCart(db, cart);
      if (view.total_minor !== BigInt(input.expected_total_minor)) throw problems.unprocessable('price_changed', `The cart now totals ${view.total_minor}, not ${input.expected_total_minor}`);
    }
    const items = await cartItems(db, cart.id);
    if (items.length === 0) throw problems.unprocessable('cart_empty', 'The cart has no items');
    if (!(await claimForCheckout(db, cart.id))) throw problems.conflict('cart_checked_out', 'This cart has already been checked out');
    try {
      const result = await checkout({
        channel_merchant_id: cart.channel_merchant_id,
        currency: cart.currency,
        items,
        buyer_email: input.buyer_email ?? cart.buyer_email ?? consumer?.email,
        consumer_id: cart.consumer_id ?? consumer?.id,
        fulfilment: input.fulfilment,
        cart_id: cart.id,
      });
      return c.json(checkoutJson(result), 201);
    } catch (error) {
      await reopenCart(db, cart.id);
      throw error;
    }
  });

  router.route(listOrdersRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listOrders(db, c.get('caller').merchant_id, {
      status: q.status,
      created_from: q.created_from === undefined ? undefined : new Date(q.created_from),
      created_to: q.created_to === undefined ? undefined : new Date(q.created_to),
      before_id: q.before,
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    return c.json({ data: page.map(orderJson), next_before: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null }, 200);
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
      await applyOrderAction(db, caller.merchant_id, order_id, action, { actor: caller.actor, reason: input.reason, tracking_number: input.tracking_number, refund_amount_minor: input.amount_minor === undefined ? undefined : BigInt(input.amount_minor), auto_confirm_after_s: config.OPENBOS_AUTO_CONFIRM_AFTER_S });
      return c.json(orderDetailJson((await getOrder(db, caller.merchant_id, order_id))!), 200);
    });
  }
}
