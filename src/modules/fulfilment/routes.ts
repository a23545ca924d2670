import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import type { DeliveryOption } from './promise.js';
import { promiseFor } from './service.js';
import { registerSettingsRoutes } from './settings-routes.js';

const probability = z.number().min(0).max(1);
const shipmentOut = z.object({
  location_id: z.string(),
  location_code: z.string(),
  lines: z.array(z.object({ variant_id: z.string(), quantity: z.number().int() })),
  carrier: z.string(),
  lane: z.string(),
  price_minor: z.number().int(),
  p_on_time: probability,
  ready_at: z.string().datetime(),
});
const optionOut = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('express'), location_id: z.string(), location_code: z.string(), distance_m: z.number().int(), price_minor: z.number().int(), window_from: z.string().datetime(), window_to: z.string().datetime(), confidence: probability }),
    z.object({ kind: z.literal('pickup'), location_id: z.string(), location_code: z.string(), distance_m: z.number().int(), price_minor: z.number().int(), ready_by: z.string().datetime(), confidence: probability }),
    z.object({
      kind: z.enum(['standard', 'cross_border']),
      price_minor: z.number().int(),
      deliver_by: z.string().datetime(),
      confidence: probability,
      target_h: z.number().int(),
      shipments: z.array(shipmentOut),
      reason: z.string(),
    }),
  ])
  .openapi('DeliveryOption');

const promiseOut = z
  .object({
    currency: z.literal('CNY').openapi({ description: 'prices of the simulated carrier network are in CNY' }),
    sellers: z.array(z.object({ merchant_id: z.string(), items: z.array(z.object({ variant_id: z.string(), quantity: z.number().int() })), options: z.array(optionOut) })),
  })
  .openapi('DeliveryPromise');

export const deliveryOptionsRoute = defineRoute({
  operationId: 'getDeliveryOptions',
  method: 'post',
  path: '/v1/delivery-options',
  tags: ['Checkout'],
  summary: 'The delivery options that can be kept for these items to this destination: express from a store within the merchant’s radius (3 km by default), pickup in store, standard and cross-border by carrier; each with its price, promised time, confidence and serving location, per seller',
  access: { scope: ['storefront:read', 'checkout:write'], tenancy: 'public', keyKinds: ['publishable', 'secret'] },
  request: jsonBody(
    z
      .object({
        items: z.array(z.object({ variant_id: z.string().min(1).max(64), quantity: z.number().int().min(1).max(10_000) }).strict()).min(1).max(100),
        destination: z
          .object({
            latitude: z.number().min(-90).max(90),
            longitude: z.number().min(-180).max(180),
            country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code').optional(),
          })
          .strict(),
      })
      .strict(),
  ),
  responses: { 200: jsonResponse(promiseOut, 'The options per seller; an empty list of options where none can be kept') },
});

function optionJson(o: DeliveryOption): z.infer<typeof optionOut> {
  switch (o.kind) {
    case 'express':
      return { ...o, window_from: o.window_from.toISOString(), window_to: o.window_to.toISOString() };
    case 'pickup':
      return { ...o, ready_by: o.ready_by.toISOString() };
    default:
      return { ...o, deliver_by: o.deliver_by.toISOString(), shipments: o.shipments.map((s) => ({ ...s, ready_at: s.ready_at.toISOString() })) };
  }
}

export function registerRoutes(router: ModuleRouter, ctx: ModuleContext): void {
  const { db } = ctx;
  registerSettingsRoutes(router, ctx);
  router.route(deliveryOptionsRoute, async (c) => {
    const { items, destination } = c.req.valid('json');
    const sellers = await promiseFor(db, items, destination);
    return c.json({ currency: 'CNY' as const, sellers: sellers.map((s) => ({ ...s, options: s.options.map(optionJson) })) }, 200);
  });
}
