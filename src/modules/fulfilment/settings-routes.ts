import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { Problem } from '../../kernel/problem.js';
import { deliverySettings, saveDeliverySettings, settingsBounds as b, type DeliverySettings } from './settings-store.js';

const price = z.number().int().min(0).max(b.price_minor_max);

const settingsSchema = z
  .object({
    express_radius_m: z.number().int().openapi({ description: `how far from a store express delivers, in metres (3,000 by default); ${b.express_radius_m_min} to ${b.express_radius_m_max}, otherwise 422 \`express_radius_out_of_range\`` }),
    express_price_minor: price.openapi({ description: 'what the buyer pays for express delivery' }),
    pickup_price_minor: price.openapi({ description: 'what the buyer pays to pick up in store (usually 0)' }),
    standard_base_price_minor: price.openapi({ description: 'added to the carrier’s rate for each parcel of a standard delivery' }),
    cross_border_base_price_minor: price.openapi({ description: 'added to the carrier’s rate for each parcel of a cross-border delivery' }),
    cross_border_enabled: z.boolean().openapi({ description: 'whether buyers abroad are offered cross-border delivery (72 h target)' }),
    pickup_hold_h: z.number().int().openapi({ description: `hours a pickup order waits at the store before it is cancelled and refunded (72 by default); ${b.pickup_hold_h_min} to ${b.pickup_hold_h_max}, otherwise 422 \`pickup_hold_out_of_range\`` }),
  })
  .strict()
  .openapi('DeliverySettings');

const access = { scope: 'locations:write', tenancy: 'merchant' } as const;

export const getDeliverySettingsRoute = defineRoute({
  operationId: 'getDeliverySettings',
  method: 'get',
  path: '/v1/fulfilment/settings',
  tags: ['Locations'],
  summary: 'The merchant’s delivery settings: express radius, the price of each option, cross-border, pickup hold window (the defaults until changed)',
  access: { scope: ['locations:read', 'locations:write'], tenancy: 'merchant' },
  responses: { 200: jsonResponse(settingsSchema, 'The settings the delivery promise and checkout use') },
});

export const putDeliverySettingsRoute = defineRoute({
  operationId: 'putDeliverySettings',
  method: 'put',
  path: '/v1/fulfilment/settings',
  tags: ['Locations'],
  summary: 'Replace the merchant’s delivery settings; promises and checkouts use them at once (within 5 s on other processes)',
  access,
  request: jsonBody(settingsSchema),
  responses: { 200: jsonResponse(settingsSchema, 'The settings as saved') },
});

/**
 * A radius of 0 would switch express off by accident, and one of 1,000 km promises 30 minutes
 * nobody can keep: both are well-formed numbers a merchant may type, so they get a 422 that
 * names the bounds, and nothing is saved.
 */
function checkBounds(s: DeliverySettings): void {
  if (s.express_radius_m < b.express_radius_m_min || s.express_radius_m > b.express_radius_m_max) {
    throw new Problem(422, 'express_radius_out_of_range', 'The express radius is out of range', `Express delivers within ${b.express_radius_m_min} m to ${b.express_radius_m_max} m (50 km) of a store, not ${s.express_radius_m} m`, [
      { field: 'express_radius_m', location: 'body', message: `must be between ${b.express_radius_m_min} and ${b.express_radius_m_max}` },
    ]);
  }
  if (s.pickup_hold_h < b.pickup_hold_h_min || s.pickup_hold_h > b.pickup_hold_h_max) {
    throw new Problem(422, 'pickup_hold_out_of_range', 'The pickup hold window is out of range', `A pickup order waits ${b.pickup_hold_h_min} to ${b.pickup_hold_h_max} hours (two weeks), not ${s.pickup_hold_h}`, [
      { field: 'pickup_hold_h', location: 'body', message: `must be between ${b.pickup_hold_h_min} and ${b.pickup_hold_h_max}` },
    ]);
  }
}

export function registerSettingsRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(getDeliverySettingsRoute, async (c) => c.json(await deliverySettings(db, c.get('caller').merchant_id), 200));
  router.route(putDeliverySettingsRoute, async (c) => {
    const settings = c.req.valid('json');
    checkBounds(settings);
    return c.json(await saveDeliverySettings(db, c.get('caller').merchant_id, settings), 200);
  });
}
