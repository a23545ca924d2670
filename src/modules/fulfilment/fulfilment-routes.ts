import { z } from '@hono/zod-openapi';
import { inTransaction } from '../../kernel/db.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { isIdPart, isTimePart, keyCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { Problem, problems } from '../../kernel/problem.js';
import { getOrder, orderSettings } from '../orders/index.js';
import { fulfilmentRules, fulfilmentsOfOrder, getFulfilment, listFulfilments, shippedQuantity, transitionFulfilment, type FulfilmentAction, type FulfilmentWithLines } from './fulfilments.js';
import { fulfilmentMethods, fulfilmentStatuses, type FulfilmentStatus } from './tables.js';

const id = z.string().min(1).max(64);

export const fulfilmentSchema = z
  .object({
    id: z.string(),
    order_id: z.string(),
    location_id: z.string(),
    method: z.enum(fulfilmentMethods),
    status: z.enum(fulfilmentStatuses),
    promised_by: z.string().nullable().openapi({ description: 'what the buyer was promised: the end of the express window, the pickup ready-by time, or the delivery date' }),
    pick_by: z.string().openapi({ description: 'when picking must be done for the promise to hold' }),
    minutes_to_pick_by: z.number().int().openapi({ description: 'minutes left until pick-by (negative: the promise is at risk)' }),
    rerouted_from: z.string().nullable(),
    shipment_id: z.string().nullable(),
    lines: z.array(z.object({ line_no: z.number().int(), variant_id: z.string(), sku: z.string(), title: z.string(), quantity: z.number().int(), picked_quantity: z.number().int().nullable(), fulfilled_quantity: z.number().int(), refunded_quantity: z.number().int().openapi({ description: 'refunded after a short pick: nothing else could send it' }), returned_quantity: z.number().int().nullable().openapi({ description: 'what came back when it was returned' }) })),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Fulfilment');

const transitionSchema = z.object({ id: z.string(), from_status: z.string().nullable(), to_status: z.string(), action: z.string(), actor: z.string(), reason: z.string().nullable(), occurred_at: z.string() });

export function fulfilmentJson(f: FulfilmentWithLines, now = Date.now()): z.infer<typeof fulfilmentSchema> {
  return {
    id: f.id,
    order_id: f.order_id,
    location_id: f.location_id,
    method: f.method,
    status: f.status,
    promised_by: f.promised_by?.toISOString() ?? null,
    pick_by: f.pick_by.toISOString(),
    minutes_to_pick_by: Math.round((f.pick_by.getTime() - now) / 60_000),
    rerouted_from: f.rerouted_from,
    shipment_id: f.shipment_id,
    lines: f.lines.map((l) => ({ line_no: l.line_no, variant_id: l.variant_id, sku: l.sku, title: l.title, quantity: l.quantity, picked_quantity: l.picked_quantity, fulfilled_quantity: shippedQuantity(l), refunded_quantity: l.refunded_quantity, returned_quantity: l.returned_quantity })),
    created_at: f.created_at.toISOString(),
    updated_at: f.updated_at.toISOString(),
  };
}

const cursor = keyCursor([isTimePart, isIdPart]);
const statusList = z
  .string()
  .max(400)
  .optional()
  .openapi({ description: `comma-separated statuses (${fulfilmentStatuses.join(', ')}); default: all` })
  .transform((s, ctx) => {
    if (s === undefined || s === '') return undefined;
    const parts = s.split(',').map((p) => p.trim());
    const bad = parts.find((p) => !(fulfilmentStatuses as readonly string[]).includes(p));
    if (bad !== undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `unknown status ${bad}; one of ${fulfilmentStatuses.join(', ')}` });
      return z.NEVER;
    }
    return parts as FulfilmentStatus[];
  });

export const listFulfilmentsRoute = defineRoute({
  operationId: 'listFulfilments',
  method: 'get',
  path: '/v1/fulfilments',
  tags: ['Fulfilment'],
  summary: 'A location’s fulfilment queue (or all of the seller’s fulfilments): most urgent pick-by first, with what to pick for which order',
  access: { scope: 'fulfilments:read', tenancy: 'merchant' },
  request: { query: pageQuerySchema.extend({ location_id: id.optional(), order_id: id.optional(), status: statusList }) },
  responses: { 200: jsonResponse(pageSchema(fulfilmentSchema), 'A page of fulfilments') },
});

export const getFulfilmentRoute = defineRoute({
  operationId: 'getFulfilment',
  method: 'get',
  path: '/v1/fulfilments/{fulfilment_id}',
  tags: ['Fulfilment'],
  summary: 'One fulfilment with its lines',
  access: { scope: 'fulfilments:read', tenancy: 'merchant' },
  request: { params: z.object({ fulfilment_id: id.openapi({ param: { name: 'fulfilment_id', in: 'path' } }) }) },
  responses: { 200: jsonResponse(fulfilmentSchema, 'The fulfilment') },
});

export const orderFulfilmentsRoute = defineRoute({
  operationId: 'listOrderFulfilments',
  method: 'get',
  path: '/v1/orders/{order_id}/fulfilments',
  tags: ['Fulfilment'],
  summary: 'An order’s fulfilments, one per serving location, each with its lines and its transitions',
  access: { scope: 'fulfilments:read', tenancy: 'merchant' },
  request: { params: z.object({ order_id: id.openapi({ param: { name: 'order_id', in: 'path' } }) }) },
  responses: { 200: jsonResponse(z.object({ data: z.array(fulfilmentSchema.extend({ transitions: z.array(transitionSchema) })) }), 'The order’s fulfilments') },
});

const reason = z.string().trim().min(1).max(500).optional();

/** The fulfilment actions a store takes by hand; the rest follow carriers, pickup codes (pickup-routes.ts: ready, collect) and riders. */
const storeActions: { action: FulfilmentAction; segment: string; operationId: string; summary: string; body: z.ZodType }[] = [
  { action: 'start_pick', segment: 'start-pick', operationId: 'startPicking', summary: 'Start picking: the store took the fulfilment off the pick list', body: z.object({ reason }).strict() },
  {
    action: 'pack',
    segment: 'pack',
    operationId: 'packFulfilment',
    summary: 'Pack: confirm the quantity picked per line (all of every line when absent); a short line is re-routed to another location that can keep the promise, or refunded, and the stock corrected',
    body: z
      .object({
        reason,
        lines: z
          .array(z.object({ line_no: z.number().int().min(1), picked_quantity: z.number().int().min(0).max(1_000_000) }).strict())
          .max(500)
          .optional(),
      })
      .strict(),
  },
  { action: 'cancel', segment: 'cancel', operationId: 'cancelFulfilment', summary: 'Cancel a fulfilment that has not left its location; its stock is released', body: z.object({ reason: z.string().trim().min(1).max(500) }).strict() },
  { action: 'fail', segment: 'fail', operationId: 'failDelivery', summary: 'Record a failed delivery (nobody home, refused)', body: z.object({ reason: z.string().trim().min(1).max(500) }).strict() },
  { action: 'return', segment: 'return', operationId: 'returnFulfilment', summary: 'The goods came back to the location: they are on the shelf again', body: z.object({ reason }).strict() },
];

export function registerFulfilmentRoutes(router: ModuleRouter, { db, config }: ModuleContext): void {
  const auto_confirm_after_s = orderSettings.of(config).OPENBOS_AUTO_CONFIRM_AFTER_S;

  router.route(listFulfilmentsRoute, async (c) => {
    const q = c.req.valid('query');
    const after = cursor.decode(q.cursor);
    const rows = await listFulfilments(db, c.get('caller').merchant_id, { location_id: q.location_id, order_id: q.order_id, status: q.status, after: after === undefined ? undefined : { pick_by: new Date(after[0]!), id: after[1]! }, limit: q.limit + 1 });
    const page = toPage(rows, q.limit, (last) => cursor.encode([last.pick_by.toISOString(), last.id]));
    const now = Date.now();
    return c.json({ data: page.items.map((f) => fulfilmentJson(f, now)), next_cursor: page.next_cursor }, 200);
  });

  router.route(getFulfilmentRoute, async (c) => {
    const f = await getFulfilment(db, c.get('caller').merchant_id, c.req.valid('param').fulfilment_id);
    if (f === undefined) throw problems.notFound('The fulfilment');
    return c.json(fulfilmentJson(f), 200);
  });

  router.route(orderFulfilmentsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { order_id } = c.req.valid('param');
    if ((await getOrder(db, merchant_id, order_id)) === undefined) throw problems.notFound('The order');
    const list = await fulfilmentsOfOrder(db, merchant_id, order_id);
    return c.json({ data: list.map((f) => ({ ...fulfilmentJson(f), transitions: f.transitions.map((t) => ({ id: t.id, from_status: t.from_status, to_status: t.to_status, action: t.action, actor: t.actor, reason: t.reason, occurred_at: t.occurred_at.toISOString() })) })) }, 200);
  });

  for (const a of storeActions) {
    const route = defineRoute({
      operationId: a.operationId,
      method: 'post',
      path: `/v1/fulfilments/{fulfilment_id}/${a.segment}`,
      tags: ['Fulfilment'],
      summary: a.summary,
      access: { scope: 'fulfilments:write', tenancy: 'merchant' },
      request: { params: z.object({ fulfilment_id: id.openapi({ param: { name: 'fulfilment_id', in: 'path' } }) }), ...jsonBody(a.body) },
      responses: { 200: jsonResponse(fulfilmentSchema, 'The fulfilment after the action') },
    });
    router.route(route, async (c) => {
      const caller = c.get('caller');
      const body = c.req.valid('json') as { reason?: string; lines?: { line_no: number; picked_quantity: number }[] };
      const picked = body.lines === undefined ? undefined : new Map(body.lines.map((l) => [l.line_no, l.picked_quantity]));
      if (body.lines !== undefined && picked!.size !== body.lines.length) throw problems.validation([{ field: 'lines', location: 'body', message: 'each line_no at most once' }]);
      const fulfilment_id = c.req.valid('param').fulfilment_id;
      try {
        const f = await inTransaction(db, (trx) => transitionFulfilment(trx, { merchant_id: caller.merchant_id, fulfilment_id, action: a.action, actor: caller.actor, reason: body.reason, picked, auto_confirm_after_s }));
        return c.json(fulfilmentJson(f), 200);
      } catch (error) {
        // The same request again under its Idempotency-Key after its first run's process died:
        // if that run got the fulfilment there, its answer is the fulfilment as it is.
        if (error instanceof Problem && error.code === 'illegal_fulfilment_transition' && c.get('idempotentRerun') === true) {
          const now = await getFulfilment(db, caller.merchant_id, fulfilment_id);
          if (now !== undefined && now.status === fulfilmentRules[a.action].to) return c.json(fulfilmentJson(now), 200);
        }
        throw error;
      }
    });
  }
}
