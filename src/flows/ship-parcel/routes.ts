import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { Problem, problems } from '../../kernel/problem.js';
import { InvalidTrackingSignatureError, shipmentJson, shipmentSchema, shipping, type TrackingEvent } from '../../modules/logistics/index.js';
import { orderDeliveries, orderSettings } from '../../modules/orders/index.js';
import { createShipment } from './ship-parcel.js';
import { receiveTracking } from './track-parcel.js';

const id = z.string().min(1).max(64);
const coordinates = z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) }).strict();

export const createShipmentRoute = defineRoute({
  operationId: 'createShipment',
  method: 'post',
  path: '/v1/orders/{order_id}/shipments',
  tags: ['Logistics'],
  summary: 'Ship a paid order by carrier: route the parcel, buy its label (once per Idempotency-Key), record the decision with its reasons, and mark the order shipped with the tracking number',
  access: { scope: 'shipments:write', tenancy: 'merchant' },
  request: {
    params: z.object({ order_id: id.openapi({ param: { name: 'order_id', in: 'path' } }) }),
    ...jsonBody(
      z
        .object({
          destination: coordinates.optional().openapi({ description: 'where the parcel goes; by default the coordinates of the delivery address chosen at checkout (422 `destination_required` when the order has none)' }),
          weight_g: z.number().int().min(1).max(70_000).default(1_000).openapi({ description: 'the parcel’s weight in grams' }),
        })
        .strict(),
    ),
  },
  responses: { 201: jsonResponse(shipmentSchema, 'The shipment, its label bought and the order shipped') },
});

export const trackingWebhookRoute = defineRoute({
  operationId: 'receiveTrackingWebhook',
  method: 'post',
  path: '/v1/logistics/webhooks/{carrier}',
  tags: ['Logistics'],
  summary: 'Signed tracking webhooks from carriers; duplicates are acknowledged and ignored, late events never move a shipment back',
  access: { scope: 'public', tenancy: 'public' },
  request: { params: z.object({ carrier: z.string().min(1).max(40).openapi({ param: { name: 'carrier', in: 'path' } }) }) },
  responses: { 200: jsonResponse(z.object({ received: z.boolean(), outcome: z.enum(['recorded', 'duplicate']), status: z.string(), order_delivered: z.boolean(), return_received: z.boolean() }), 'Received') },
});

export function registerRoutes(router: ModuleRouter, ctx: ModuleContext): void {
  const { db, config } = ctx;
  const here = shipping(ctx);
  const auto_confirm_after_s = orderSettings.of(config).OPENBOS_AUTO_CONFIRM_AFTER_S;

  router.route(createShipmentRoute, async (c) => {
    const body = c.req.valid('json');
    const caller = c.get('caller');
    const merchant_id = caller.merchant_id;
    const shipment = await createShipment(db, here, {
      merchant_id,
      order_id: c.req.valid('param').order_id,
      actor: caller.actor,
      destination: body.destination,
      weight_g: body.weight_g,
      auto_confirm_after_s,
      resume: c.get('idempotentRerun') === true,
    });
    const recipients = await orderDeliveries(db, merchant_id, [shipment.order_id]);
    return c.json(shipmentJson(shipment, recipients.get(shipment.order_id)), 201);
  });

  router.route(trackingWebhookRoute, async (c) => {
    const carrier = here.carriers.get(c.req.valid('param').carrier);
    if (carrier === undefined) throw problems.notFound(`The carrier ${c.req.valid('param').carrier}`);
    const raw = await c.req.text();
    let event: TrackingEvent;
    try {
      event = carrier.verifyWebhook(raw, c.req.raw.headers);
    } catch (error) {
      if (error instanceof InvalidTrackingSignatureError) throw new Problem(401, 'invalid_signature', 'The webhook signature is not valid', error.message);
      throw problems.malformedJson('The webhook body is not a tracking event');
    }
    const answer = await receiveTracking(db, here.router, carrier.code, event);
    return c.json({ received: true, ...answer }, 200);
  });
}
