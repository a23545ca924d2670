import { z } from '@hono/zod-openapi';
import { inTransaction } from '../../kernel/db.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { getReturn, receiveReturn, returnsOfOrder, returnStatuses, shippedQuantity, type ReturnWithLines } from '../../modules/fulfilment/index.js';
import { shipping } from '../../modules/logistics/index.js';
import { getOrder } from '../../modules/orders/index.js';
import { approveWithReturn } from './approve-return.js';

const id = z.string().min(1).max(64);
const lines_max = 200;

export const returnSchema = z
  .object({
    id: z.string(),
    order_id: z.string(),
    fulfilment_id: z.string(),
    location_id: z.string().openapi({ description: 'where the goods go back to: the fulfilment’s location' }),
    status: z.enum(returnStatuses),
    shipment_id: z.string().nullable().openapi({ description: 'the return shipment (direction `return`) carrying the goods back; null when the buyer brings them to the store' }),
    reason: z.string().nullable(),
    requested_by: z.string(),
    received_by: z.string().nullable(),
    received_at: z.string().nullable(),
    lines: z.array(z.object({ line_no: z.number().int(), variant_id: z.string(), sku: z.string(), title: z.string(), fulfilled_quantity: z.number().int().openapi({ description: 'what left the location' }), returned_quantity: z.number().int().nullable().openapi({ description: 'what came back; null until received' }) })),
    created_at: z.string(),
  })
  .openapi('Return');

export function returnJson(r: ReturnWithLines): z.infer<typeof returnSchema> {
  return {
    id: r.id,
    order_id: r.order_id,
    fulfilment_id: r.fulfilment_id,
    location_id: r.location_id,
    status: r.status,
    shipment_id: r.shipment_id,
    reason: r.reason,
    requested_by: r.requested_by,
    received_by: r.received_by,
    received_at: r.received_at?.toISOString() ?? null,
    lines: r.lines.map((l) => ({ line_no: l.line_no, variant_id: l.variant_id, sku: l.sku, title: l.title, fulfilled_quantity: shippedQuantity(l), returned_quantity: l.returned_quantity })),
    created_at: r.created_at.toISOString(),
  };
}

const orderParams = z.object({ order_id: id.openapi({ param: { name: 'order_id', in: 'path' } }) });
const returnParams = z.object({ return_id: id.openapi({ param: { name: 'return_id', in: 'path' } }) });

export const approveWithReturnRoute = defineRoute({
  operationId: 'approveRefundWithReturn',
  method: 'post',
  path: '/v1/orders/{order_id}/returns',
  tags: ['Orders'],
  summary: 'Approve a refund request on condition that the goods come back: the order waits in awaiting_return with its money in escrow, a return label is bought from the buyer back to each fulfilment’s location, and the refund posts when the goods are received',
  access: { scope: 'orders:write', tenancy: 'merchant' },
  request: {
    params: orderParams,
    ...jsonBody(
      z
        .object({
          reason: z.string().max(500).optional(),
          weight_g: z.number().int().min(1).max(70_000).default(1_000).openapi({ description: 'each return parcel’s weight in grams' }),
        })
        .strict(),
    ),
  },
  responses: { 201: jsonResponse(z.object({ data: z.array(returnSchema) }), 'The order’s returns, one per fulfilment whose goods left') },
});

export const listOrderReturnsRoute = defineRoute({
  operationId: 'listOrderReturns',
  method: 'get',
  path: '/v1/orders/{order_id}/returns',
  tags: ['Orders'],
  summary: 'An order’s returns: what is coming back to which location, on which return shipment, and what was received',
  access: { scope: 'orders:read', tenancy: 'merchant' },
  request: { params: orderParams },
  responses: { 200: jsonResponse(z.object({ data: z.array(returnSchema) }), 'The returns') },
});

export const getReturnRoute = defineRoute({
  operationId: 'getReturn',
  method: 'get',
  path: '/v1/returns/{return_id}',
  tags: ['Fulfilment'],
  summary: 'One return',
  access: { scope: 'orders:read', tenancy: 'merchant' },
  request: { params: returnParams },
  responses: { 200: jsonResponse(returnSchema, 'The return') },
});

export const receiveReturnRoute = defineRoute({
  operationId: 'receiveReturn',
  method: 'post',
  path: '/v1/returns/{return_id}/receive',
  tags: ['Fulfilment'],
  summary: 'The store received the goods back: they go back on the shelf at the location (stock receipt), and once all of the order’s returns are in, the order is refunded (escrow back to the buyer), or disputed when something did not come back',
  access: { scope: 'fulfilments:write', tenancy: 'merchant' },
  request: {
    params: returnParams,
    body: {
      required: false,
      content: {
        'application/json': {
          schema: z
            .object({
              lines: z
                .array(z.object({ line_no: z.number().int().min(1), quantity: z.number().int().min(0) }).strict())
                .max(lines_max)
                .optional()
                .openapi({ description: 'what came back per order line; everything that left when absent. Less than what left disputes the refund' }),
            })
            .strict(),
        },
      },
    },
  },
  responses: { 200: jsonResponse(returnSchema.extend({ order_outcome: z.enum(['refunded', 'disputed', 'unchanged']).openapi({ description: 'what the order did: refunded once all its returns came back in full, disputed when one came back short, unchanged while others are on their way' }) }), 'The return, received') },
});

export function registerRoutes(router: ModuleRouter, ctx: ModuleContext): void {
  const { db } = ctx;
  const here = shipping(ctx);

  router.route(approveWithReturnRoute, async (c) => {
    const caller = c.get('caller');
    const body = c.req.valid('json');
    const { order_id } = c.req.valid('param');
    const returns = await approveWithReturn(db, here, { merchant_id: caller.merchant_id, order_id, actor: caller.actor, reason: body.reason, weight_g: body.weight_g });
    return c.json({ data: returns.map(returnJson) }, 201);
  });

  router.route(listOrderReturnsRoute, async (c) => {
    const { merchant_id } = c.get('caller');
    const { order_id } = c.req.valid('param');
    // Another merchant's order answers 404, like one that does not exist.
    if ((await getOrder(db, merchant_id, order_id)) === undefined) throw problems.notFound('The order');
    return c.json({ data: (await returnsOfOrder(db, merchant_id, order_id)).map(returnJson) }, 200);
  });

  router.route(getReturnRoute, async (c) => {
    const found = await getReturn(db, c.get('caller').merchant_id, c.req.valid('param').return_id);
    if (found === undefined) throw problems.notFound('The return');
    return c.json(returnJson(found), 200);
  });

  router.route(receiveReturnRoute, async (c) => {
    const caller = c.get('caller');
    const input = c.req.valid('json');
    const { return_id } = c.req.valid('param');
    const lines = input?.lines === undefined ? undefined : new Map<number, number>();
    for (const l of input?.lines ?? []) {
      if (lines!.has(l.line_no)) throw problems.validation([{ field: 'lines', location: 'body', message: `line ${l.line_no} is named twice` }]);
      lines!.set(l.line_no, l.quantity);
    }
    const received = await inTransaction(db, (trx) => receiveReturn(trx, { merchant_id: caller.merchant_id, return_id, actor: caller.actor, lines }));
    return c.json({ ...returnJson((await getReturn(db, caller.merchant_id, received.return.id))!), order_outcome: received.order }, 200);
  });
}
