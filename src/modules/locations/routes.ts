import { z } from '@hono/zod-openapi';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { timeZoneSchema } from '../../kernel/time-zone.js';
import { createLocation, distance_m, getLocation, listLocations, updateLocation, type Location } from './locations.js';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');
const openingHoursSchema = z
  .partialRecord(z.enum(['1', '2', '3', '4', '5', '6', '7']), z.array(z.object({ opens: hhmm, closes: hhmm })).max(4))
  .openapi({ description: 'intervals per ISO weekday, 1 = Monday', example: { '1': [{ opens: '09:00', closes: '21:00' }] } });

const addressSchema = z.object({
  line1: z.string().min(1).max(200),
  line2: z.string().max(200).optional(),
  city: z.string().min(1).max(100),
  region: z.string().max(100).optional(),
  postal_code: z.string().max(20).optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'),
}).strict();

const newLocationSchema = z.object({
  kind: z.enum(['warehouse', 'store']),
  code: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'must be 1-32 letters, digits, - or _'),
  name: z.string().min(1).max(200),
  address: addressSchema,
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  timezone: timeZoneSchema.optional().openapi({ description: 'IANA time zone whose days the location’s figures (sales today) are counted in; the merchant’s own (`time_zone` of GET /v1/merchant) when absent' }),
  opening_hours: openingHoursSchema.optional(),
});

const locationSchema = newLocationSchema
  .extend({
    id: z.string(),
    timezone: z.string().openapi({ example: 'Asia/Shanghai' }),
    opening_hours: openingHoursSchema,
    active: z.boolean(),
    created_at: z.string().datetime(),
    updated_at: z.string().datetime(),
    distance_m: z.number().optional().openapi({ description: 'distance from `near`, when asked' }),
  })
  .openapi('Location');

const locationParams = z.object({ location_id: z.string().max(64).openapi({ param: { name: 'location_id', in: 'path' } }) });

function locationJson(l: Location, extra: { distance_m?: number } = {}): z.infer<typeof locationSchema> {
  const { merchant_id: _m, ...rest } = l;
  return { ...rest, created_at: l.created_at.toISOString(), updated_at: l.updated_at.toISOString(), ...extra };
}


export const createLocationRoute = defineRoute({
  operationId: 'createLocation',
  method: 'post',
  path: '/v1/locations',
  tags: ['Locations'],
  summary: 'Add a warehouse or store',
  access: { scope: 'locations:write', tenancy: 'merchant' },
  request: { body: { required: true, content: { 'application/json': { schema: newLocationSchema.strict() } } } },
  responses: { 201: jsonResponse(locationSchema, 'The new location') },
});

export const listLocationsRoute = defineRoute({
  operationId: 'listLocations',
  method: 'get',
  path: '/v1/locations',
  tags: ['Locations'],
  summary: 'List warehouses and stores; with `near`, those within `radius_m`, nearest first',
  access: { scope: ['locations:read', 'storefront:read'], tenancy: 'merchant', keyKinds: ['secret', 'publishable'] },
  request: {
    query: pageQuerySchema.extend({
      kind: z.enum(['warehouse', 'store']).optional(),
      near: z
        .string()
        .regex(/^-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?$/, 'must be "latitude,longitude"')
        .optional()
        .openapi({ example: '31.2304,121.4737' }),
      radius_m: z.coerce.number().int().min(1).max(100_000).default(3_000),
    }),
  },
  responses: { 200: jsonResponse(pageSchema(locationSchema), 'A page of locations') },
});

export const getLocationRoute = defineRoute({
  operationId: 'getLocation',
  method: 'get',
  path: '/v1/locations/{location_id}',
  tags: ['Locations'],
  summary: 'One location',
  access: { scope: ['locations:read', 'storefront:read'], tenancy: 'merchant', keyKinds: ['secret', 'publishable'] },
  request: { params: locationParams },
  responses: { 200: jsonResponse(locationSchema, 'The location') },
});

export const updateLocationRoute = defineRoute({
  operationId: 'updateLocation',
  method: 'patch',
  path: '/v1/locations/{location_id}',
  tags: ['Locations'],
  summary: 'Change a location, or close it with `active: false`',
  access: { scope: 'locations:write', tenancy: 'merchant' },
  request: {
    params: locationParams,
    body: { required: true, content: { 'application/json': { schema: newLocationSchema.omit({ kind: true }).partial().extend({ active: z.boolean().optional() }).strict() } } },
  },
  responses: { 200: jsonResponse(locationSchema, 'The changed location') },
});

/** Locations scanned for a `near` query; a merchant with more pages through them by cursor. */
const near_scan_max = 1_000;

export function registerRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(createLocationRoute, async (c) => {
    const location = await createLocation(db, c.get('caller').merchant_id, c.req.valid('json'));
    return c.json(locationJson(location), 201);
  });

  router.route(listLocationsRoute, async (c) => {
    const { limit, cursor, kind, near, radius_m } = c.req.valid('query');
    const merchant_id = c.get('caller').merchant_id;
    if (near === undefined) {
      const rows = await listLocations(db, merchant_id, { kind, after_id: decodeCursor(cursor), limit: limit + 1 });
      const page = toPage(rows, limit);
      return c.json({ data: page.items.map((l) => locationJson(l)), next_cursor: page.next_cursor }, 200);
    }
    const [latitude, longitude] = near.split(',').map(Number) as [number, number];
    const rows = await listLocations(db, merchant_id, { kind, limit: near_scan_max });
    const within = rows
      .filter((l) => l.active)
      .map((l) => ({ l, d: Math.round(distance_m({ latitude, longitude }, l)) }))
      .filter((x) => x.d <= radius_m)
      .sort((a, b) => a.d - b.d)
      .slice(0, limit);
    return c.json({ data: within.map((x) => locationJson(x.l, { distance_m: x.d })), next_cursor: null }, 200);
  });

  router.route(getLocationRoute, async (c) => {
    const location = await getLocation(db, c.get('caller').merchant_id, c.req.valid('param').location_id);
    if (location === undefined) throw problems.notFound('The location');
    return c.json(locationJson(location), 200);
  });

  router.route(updateLocationRoute, async (c) => {
    const location = await updateLocation(db, c.get('caller').merchant_id, c.req.valid('param').location_id, c.req.valid('json'));
    if (location === undefined) throw problems.notFound('The location');
    return c.json(locationJson(location), 200);
  });
}
