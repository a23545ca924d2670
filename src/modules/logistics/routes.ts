import { z } from '@hono/zod-openapi';
import { defineRoute, jsonResponse } from '../../kernel/http/route.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { consumerToken, consumerTokenHeader, requireConsumer } from '../accounts/index.js';
import { cartAccess, consumerOrder, orderDeliveries } from '../orders/index.js';
import { shipmentStatuses } from './carrier.js';
import { shipmentJson, shipmentSchema } from './http.js';
import { getShipment, lanePerformance, listShipments, shipmentsOfOrder } from './shipments.js';

const id = z.string().min(1).max(64);

export const listShipmentsRoute = defineRoute({
  operationId: 'listShipments',
  method: 'get',
  path: '/v1/shipments',
  tags: ['Logistics'],
  summary: 'This seller’s shipments, newest first, each with its tracking timeline and routing reasons',
  access: { scope: 'shipments:read', tenancy: 'merchant' },
  request: {
    query: pageQuerySchema.extend({
      order_id: id.optional(),
      status: z.enum(shipmentStatuses).optional().openapi({ description: 'only shipments in this status' }),
      carrier: z.string().min(1).max(40).optional().openapi({ description: 'only this carrier’s shipments (its code)' }),
      overdue: z.enum(['true', 'false']).transform((v) => v === 'true').optional().openapi({ description: 'true: only shipments past their promise without a delivery; false: only the others' }),
    }),
  },
  responses: { 200: jsonResponse(pageSchema(shipmentSchema), 'A page of shipments') },
});

export const getShipmentRoute = defineRoute({
  operationId: 'getShipment',
  method: 'get',
  path: '/v1/shipments/{shipment_id}',
  tags: ['Logistics'],
  summary: 'A shipment with its tracking timeline and the routing decision’s candidates and reason',
  access: { scope: 'shipments:read', tenancy: 'merchant' },
  request: { params: z.object({ shipment_id: id.openapi({ param: { name: 'shipment_id', in: 'path' } }) }) },
  responses: { 200: jsonResponse(shipmentSchema, 'The shipment') },
});

const day_ms = 86_400_000;
const window_days_max = 366;

const performanceOut = z.object({
  from: z.string(),
  to: z.string(),
  data: z.array(
    z.object({
      carrier: z.string(),
      lane: z.string(),
      parcels: z.number().int(),
      delivered: z.number().int(),
      on_time: z.number().int(),
      late: z.number().int(),
      overdue: z.number().int().openapi({ description: 'past the promise without a delivery event (lost parcels count here)' }),
      lost: z.number().int(),
      in_flight: z.number().int(),
      on_time_rate: z.number().nullable().openapi({ description: 'on time ÷ (delivered + overdue); null while no promise is decided' }),
      cost_minor: z.number().int(),
      cost_per_parcel_minor: z.number().int(),
      currency: z.string(),
      median_transit_h: z.number().nullable(),
    }),
  ),
  carriers: z.array(z.object({ carrier: z.string(), parcels: z.number().int(), on_time_rate: z.number().nullable(), cost_per_parcel_minor: z.number().int(), overdue: z.number().int() })),
}).openapi('CarrierPerformance');

export const performanceRoute = defineRoute({
  operationId: 'getCarrierPerformance',
  method: 'get',
  path: '/v1/logistics/performance',
  tags: ['Logistics'],
  summary: 'Carrier performance from real tracking: on-time rate, cost per parcel and volume per carrier and lane',
  access: { scope: 'shipments:read', tenancy: 'merchant' },
  request: {
    query: z.object({
      from: z.string().datetime({ offset: true }).optional().openapi({ description: 'shipments created from (default: 30 days ago)' }),
      to: z.string().datetime({ offset: true }).optional().openapi({ description: 'shipments created before (default: now)' }),
    }),
  },
  responses: { 200: jsonResponse(performanceOut, 'Figures per lane and per carrier') },
});

export const trackOrderRoute = defineRoute({
  operationId: 'trackConsumerOrder',
  method: 'get',
  path: '/v1/account/orders/{order_id}/shipments',
  tags: ['Logistics'],
  summary: 'The signed-in consumer follows their order’s shipments: carrier, tracking number, status, promise and timeline',
  access: cartAccess,
  request: { params: z.object({ order_id: id.openapi({ param: { name: 'order_id', in: 'path' } }) }), headers: consumerToken },
  responses: { 200: jsonResponse(z.object({ data: z.array(shipmentSchema.omit({ routing: true, location_id: true, label_id: true, recipient: true })) }), 'The order’s shipments') },
});

export function registerRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(listShipmentsRoute, async (c) => {
    const q = c.req.valid('query');
    const merchant_id = c.get('caller').merchant_id;
    const page = toPage(await listShipments(db, merchant_id, { order_id: q.order_id, status: q.status, carrier: q.carrier, overdue: q.overdue, before_id: decodeCursor(q.cursor), limit: q.limit + 1 }), q.limit);
    const recipients = await orderDeliveries(db, merchant_id, page.items.map((s) => s.order_id));
    return c.json({ data: page.items.map((s) => shipmentJson(s, recipients.get(s.order_id))), next_cursor: page.next_cursor }, 200);
  });

  router.route(getShipmentRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const shipment = await getShipment(db, merchant_id, c.req.valid('param').shipment_id);
    if (shipment === undefined) throw problems.notFound('The shipment');
    const recipients = await orderDeliveries(db, merchant_id, [shipment.order_id]);
    return c.json(shipmentJson(shipment, recipients.get(shipment.order_id)), 200);
  });

  router.route(performanceRoute, async (c) => {
    const q = c.req.valid('query');
    const to = q.to === undefined ? new Date() : new Date(q.to);
    const from = q.from === undefined ? new Date(to.getTime() - 30 * day_ms) : new Date(q.from);
    if (from >= to) throw problems.validation([{ field: 'from', location: 'query', message: 'must be before `to`' }]);
    if (to.getTime() - from.getTime() > window_days_max * day_ms) throw problems.validation([{ field: 'from', location: 'query', message: `the window may span ${window_days_max} days at most` }]);
    const lanes = await lanePerformance(db, c.get('caller').merchant_id, { from, to });
    const byCarrier = new Map<string, typeof lanes>();
    for (const l of lanes) byCarrier.set(l.carrier, [...(byCarrier.get(l.carrier) ?? []), l]);
    const carriers = [...byCarrier].map(([carrier, ls]) => {
      const sum = (f: (l: (typeof lanes)[number]) => number) => ls.reduce((a, l) => a + f(l), 0);
      const decided = sum((l) => l.delivered + l.overdue);
      return { carrier, parcels: sum((l) => l.parcels), on_time_rate: decided === 0 ? null : sum((l) => l.on_time) / decided, cost_per_parcel_minor: Math.round(sum((l) => l.cost_minor) / sum((l) => l.parcels)), overdue: sum((l) => l.overdue) };
    });
    return c.json({ from: from.toISOString(), to: to.toISOString(), data: lanes, carriers }, 200);
  });

  router.route(trackOrderRoute, async (c) => {
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    // The order must be this consumer's; any other answers 404, like an order that does not exist.
    const order = await consumerOrder(db, consumer.id, c.req.valid('param').order_id);
    if (order === undefined) throw problems.notFound('The order');
    const shipments = await shipmentsOfOrder(db, order.merchant_id, order.id);
    return c.json({ data: shipments.map((s) => { const { routing: _r, location_id: _l, label_id: _b, recipient: _p, ...rest } = shipmentJson(s); return rest; }) }, 200);
  });
}
