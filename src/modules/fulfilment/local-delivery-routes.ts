import { z } from '@hono/zod-openapi';
import { inTransaction } from '../../kernel/db.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { orderSettings } from '../orders/index.js';
import { dispatchLocalRoute, getLocalRoute, localDeliveryBoard, planLocalRoutes, recordStop, type LocalRouteWithStops } from './local-routes.js';
import { createRider, listRiders, updateRider, type Rider } from './riders.js';

const id = z.string().min(1).max(64);
const pathId = (name: string) => id.openapi({ param: { name, in: 'path' } });
const iso = (d: Date | null) => d?.toISOString() ?? null;

const riderIn = z.object({
  name: z.string().trim().min(1).max(200),
  phone: z.string().trim().regex(/^\+?[0-9][0-9 ()-]{2,38}$/, 'must be a phone number: digits, spaces, ( ) - and an optional leading +'),
  active: z.boolean().optional(),
});

const riderSchema = z
  .object({ id: z.string(), location_id: z.string(), name: z.string(), phone: z.string(), active: z.boolean(), created_at: z.string(), updated_at: z.string() })
  .openapi('Rider');

const riderJson = (r: Rider): z.infer<typeof riderSchema> => ({ id: r.id, location_id: r.location_id, name: r.name, phone: r.phone, active: r.active, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString() });

const stopSchema = z.object({
  sequence: z.number().int(),
  fulfilment_id: z.string(),
  order_id: z.string(),
  latitude: z.number(),
  longitude: z.number(),
  leg_m: z.number().int().openapi({ description: 'from the previous stop (or the store), straight line' }),
  eta: z.string(),
  promised_by: z.string().nullable(),
  minutes_to_spare: z.number().int().nullable().openapi({ description: 'minutes between the ETA and the promise (negative: late)' }),
  status: z.enum(['pending', 'delivered', 'failed']),
  reason: z.string().nullable(),
});

const routeSchema = z
  .object({
    id: z.string(),
    location_id: z.string(),
    rider_id: z.string(),
    rider_name: z.string(),
    status: z.enum(['planned', 'out', 'done']),
    distance_m: z.number().int().openapi({ description: 'from the store to the last stop, straight lines' }),
    depart_at: z.string(),
    back_at: z.string().openapi({ description: 'when the rider is expected back at the store' }),
    dispatched_at: z.string().nullable(),
    done_at: z.string().nullable(),
    stops: z.array(stopSchema),
  })
  .openapi('LocalRoute');

const unplannedSchema = z.object({ fulfilment_id: z.string(), order_id: z.string(), reason: z.string() });

function routeJson(r: LocalRouteWithStops): z.infer<typeof routeSchema> {
  return {
    id: r.id,
    location_id: r.location_id,
    rider_id: r.rider_id,
    rider_name: r.rider_name,
    status: r.status,
    distance_m: r.distance_m,
    depart_at: r.depart_at.toISOString(),
    back_at: r.back_at.toISOString(),
    dispatched_at: iso(r.dispatched_at),
    done_at: iso(r.done_at),
    stops: r.stops.map((s) => ({
      sequence: s.sequence,
      fulfilment_id: s.fulfilment_id,
      order_id: s.order_id,
      latitude: s.latitude,
      longitude: s.longitude,
      leg_m: s.leg_m,
      eta: s.eta.toISOString(),
      promised_by: iso(s.promised_by),
      minutes_to_spare: s.promised_by === null ? null : Math.floor((s.promised_by.getTime() - s.eta.getTime()) / 60_000),
      status: s.status,
      reason: s.reason,
    })),
  };
}

const locationParams = z.object({ location_id: pathId('location_id') });
const routeParams = z.object({ route_id: pathId('route_id') });
const stopParams = routeParams.extend({ fulfilment_id: pathId('fulfilment_id') });
/** Actions that need nothing but their path; an empty object (or no body) is accepted. */
const noBody = { body: { required: false, content: { 'application/json': { schema: z.object({}).strict() } } } };
const read = { scope: 'fulfilments:read', tenancy: 'merchant' } as const;
const write = { scope: 'fulfilments:write', tenancy: 'merchant' } as const;
const tags = ['Local delivery'];

export const listRidersRoute = defineRoute({ operationId: 'listRiders', method: 'get', path: '/v1/locations/{location_id}/riders', tags, summary: 'The store’s riders', access: read, request: { params: locationParams }, responses: { 200: jsonResponse(z.object({ data: z.array(riderSchema) }), 'The riders') } });
export const createRiderRoute = defineRoute({ operationId: 'createRider', method: 'post', path: '/v1/locations/{location_id}/riders', tags, summary: 'Add a rider to the store’s staff', access: write, request: { params: locationParams, ...jsonBody(riderIn.strict()) }, responses: { 201: jsonResponse(riderSchema, 'The new rider') } });
export const updateRiderRoute = defineRoute({
  operationId: 'updateRider',
  method: 'patch',
  path: '/v1/riders/{rider_id}',
  tags,
  summary: 'Change a rider, move them to another store, or take them off duty with `active: false`',
  access: write,
  request: { params: z.object({ rider_id: pathId('rider_id') }), ...jsonBody(riderIn.partial().extend({ location_id: id.optional() }).strict()) },
  responses: { 200: jsonResponse(riderSchema, 'The changed rider') },
});

const boardSchema = z
  .object({
    location: z.object({ id: z.string(), code: z.string(), name: z.string(), latitude: z.number(), longitude: z.number() }),
    riders: z.array(riderSchema.extend({ out: z.boolean().openapi({ description: 'out on a route now' }) })),
    waiting: z.array(z.object({ fulfilment_id: z.string(), order_id: z.string(), latitude: z.number().nullable(), longitude: z.number().nullable(), promised_by: z.string().nullable(), planned: z.boolean(), hold_reason: z.string().nullable().openapi({ description: 'why the last plan could not give it to a rider' }) })),
    routes: z.array(routeSchema),
  })
  .openapi('LocalDeliveryBoard');

export const localDeliveryBoardRoute = defineRoute({
  operationId: 'getLocalDeliveryBoard',
  method: 'get',
  path: '/v1/locations/{location_id}/local-delivery',
  tags,
  summary: 'The store’s local-delivery desk: riders, packed express fulfilments waiting for one (with why the last plan left them), and routes planned, out and done today',
  access: read,
  request: { params: locationParams },
  responses: { 200: jsonResponse(boardSchema, 'The board') },
});

export const planLocalRoutesRoute = defineRoute({
  operationId: 'planLocalRoutes',
  method: 'post',
  path: '/v1/locations/{location_id}/local-routes/plan',
  tags,
  summary: 'Plan the store’s packed express fulfilments onto its free riders (cheapest insertion, every ETA within its promise); replaces routes not dispatched yet',
  access: write,
  request: { params: locationParams, ...noBody },
  responses: { 200: jsonResponse(z.object({ routes: z.array(routeSchema), unplanned: z.array(unplannedSchema) }), 'The planned routes and what no rider can take, with why') },
});

export const getLocalRouteRoute = defineRoute({ operationId: 'getLocalRoute', method: 'get', path: '/v1/local-routes/{route_id}', tags, summary: 'One rider route with its stops in order', access: read, request: { params: routeParams }, responses: { 200: jsonResponse(routeSchema, 'The route') } });
export const dispatchLocalRouteRoute = defineRoute({
  operationId: 'dispatchLocalRoute',
  method: 'post',
  path: '/v1/local-routes/{route_id}/dispatch',
  tags,
  summary: 'The rider leaves: every stop goes out for delivery, its stock is sold at the store, its order ships',
  access: write,
  request: { params: routeParams, ...noBody },
  responses: { 200: jsonResponse(routeSchema, 'The route, out') },
});
export const stopDeliveredRoute = defineRoute({
  operationId: 'markStopDelivered',
  method: 'post',
  path: '/v1/local-routes/{route_id}/stops/{fulfilment_id}/delivered',
  tags,
  summary: 'The rider handed the goods over: the fulfilment is delivered, its order too once nothing else is on the way (the escrow’s auto-confirm clock starts)',
  access: write,
  request: { params: stopParams, ...noBody },
  responses: { 200: jsonResponse(routeSchema, 'The route after the stop') },
});
export const stopFailedRoute = defineRoute({
  operationId: 'markStopFailed',
  method: 'post',
  path: '/v1/local-routes/{route_id}/stops/{fulfilment_id}/failed',
  tags,
  summary: 'The rider could not deliver (nobody home, refused): the fulfilment’s delivery failed, with the reason',
  access: write,
  request: { params: stopParams, ...jsonBody(z.object({ reason: z.string().trim().min(1).max(500) }).strict()) },
  responses: { 200: jsonResponse(routeSchema, 'The route after the stop') },
});

export function registerLocalDeliveryRoutes(router: ModuleRouter, { db, config }: ModuleContext): void {
  const auto_confirm_after_s = orderSettings.of(config).OPENBOS_AUTO_CONFIRM_AFTER_S;
  router.route(listRidersRoute, async (c) => c.json({ data: (await listRiders(db, c.get('caller').merchant_id, c.req.valid('param').location_id)).map(riderJson) }, 200));
  router.route(createRiderRoute, async (c) => c.json(riderJson(await createRider(db, c.get('caller').merchant_id, c.req.valid('param').location_id, c.req.valid('json'))), 201));
  router.route(updateRiderRoute, async (c) => c.json(riderJson(await updateRider(db, c.get('caller').merchant_id, c.req.valid('param').rider_id, c.req.valid('json'))), 200));

  router.route(localDeliveryBoardRoute, async (c) => {
    const b = await localDeliveryBoard(db, c.get('caller').merchant_id, c.req.valid('param').location_id);
    return c.json(
      {
        location: { id: b.store.id, code: b.store.code, name: b.store.name, latitude: b.store.latitude, longitude: b.store.longitude },
        riders: b.riders.map((r) => ({ ...riderJson(r), out: r.out })),
        waiting: b.waiting.map((w) => ({ fulfilment_id: w.fulfilment_id, order_id: w.order_id, latitude: w.latitude, longitude: w.longitude, promised_by: iso(w.promised_by), planned: w.planned, hold_reason: w.hold_reason })),
        routes: b.routes.map(routeJson),
      },
      200,
    );
  });

  router.route(planLocalRoutesRoute, async (c) => {
    const plan = await inTransaction(db, (trx) => planLocalRoutes(trx, c.get('caller').merchant_id, c.req.valid('param').location_id));
    return c.json({ routes: plan.routes.map(routeJson), unplanned: plan.unplanned }, 200);
  });

  router.route(getLocalRouteRoute, async (c) => {
    const r = await getLocalRoute(db, c.get('caller').merchant_id, c.req.valid('param').route_id);
    if (r === undefined) throw problems.notFound('The route');
    return c.json(routeJson(r), 200);
  });

  router.route(dispatchLocalRouteRoute, async (c) => {
    const caller = c.get('caller');
    const r = await inTransaction(db, (trx) => dispatchLocalRoute(trx, caller.merchant_id, c.req.valid('param').route_id, caller.actor));
    return c.json(routeJson(r), 200);
  });

  router.route(stopDeliveredRoute, async (c) => {
    const caller = c.get('caller');
    const p = c.req.valid('param');
    const r = await inTransaction(db, (trx) => recordStop(trx, caller.merchant_id, p.route_id, p.fulfilment_id, { status: 'delivered', actor: caller.actor, auto_confirm_after_s }));
    return c.json(routeJson(r), 200);
  });

  router.route(stopFailedRoute, async (c) => {
    const caller = c.get('caller');
    const p = c.req.valid('param');
    const r = await inTransaction(db, (trx) => recordStop(trx, caller.merchant_id, p.route_id, p.fulfilment_id, { status: 'failed', actor: caller.actor, reason: c.req.valid('json').reason }));
    return c.json(routeJson(r), 200);
  });
}
