import { z } from '@hono/zod-openapi';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { consumerToken, consumerTokenHeader, requireConsumer } from '../accounts/index.js';
import { candidates_per_event_max, ingestShelfEvents, shelf_events_per_batch_max, shelfEventsOfSession } from './shelf-events.js';
import { createDevice, deviceCalling, heartbeat, listDevices, withHealth, setUnattended, unattendedSetting, type DeviceHealth, type StoreDevice } from './devices.js';
import { listDisputes, openDispute, type StoreDispute } from './disputes.js';
import { getSession, listSessions, sessionLines, type SessionLine, type StoreSession } from './sessions.js';
import { deviceKinds, disputeStatuses, sessionStatuses } from './tables-sessions.js';

/**
 * Unattended stores over the API (docs/STORES.md, "Unattended stores"): the store's flag, its
 * devices and their health, shelf events, the sessions with their lines and evidence, and the
 * members' disputes. The gates, a review's resolution and a dispute's decision pay or refund, so
 * they are the sell-in-store flow's routes (routes-gates.ts there).
 */
export const instoreRead = { scope: 'instore:read', tenancy: 'merchant' } as const;
export const instoreWrite = { scope: 'instore:write', tenancy: 'merchant' } as const;
/** A store's devices call with a secret key holding `instore:devices` and name themselves. */
export const instoreDevices = { scope: 'instore:devices', tenancy: 'merchant', keyKinds: ['secret'] } as const;

const id = z.string().min(1).max(64);
export const deviceParam = z.object({ device_id: id.openapi({ param: { name: 'device_id', in: 'path' } }) });
export const sessionParam = z.object({ session_id: id.openapi({ param: { name: 'session_id', in: 'path' } }) });
export const disputeParam = z.object({ dispute_id: id.openapi({ param: { name: 'dispute_id', in: 'path' } }) });
const locationParam = z.object({ location_id: id.openapi({ param: { name: 'location_id', in: 'path' } }) });

const healthSchema = z
  .object({
    last_seen_at: z.string().nullable(),
    online: z.boolean().openapi({ description: 'seen within the last 60 s (a heartbeat, a gate pass or shelf events)' }),
    events_last_minute: z.number().int().openapi({ description: 'shelf events sent and gate passes made in the last minute' }),
    errors: z.number().int().openapi({ description: 'errors the device reported in its heartbeats, in all' }),
    last_error: z.string().nullable(),
    last_error_at: z.string().nullable(),
  })
  .openapi('StoreDeviceHealth');
const deviceSchema = z.object({ id: z.string(), location_id: z.string(), kind: z.enum(deviceKinds), name: z.string(), created_at: z.string(), health: healthSchema }).openapi('StoreDevice');

const iso = (d: Date | null) => (d === null ? null : d.toISOString());
const healthJson = (h: DeviceHealth) => ({ last_seen_at: iso(h.last_seen_at), online: h.online, events_last_minute: h.events_last_minute, errors: h.errors, last_error: h.last_error, last_error_at: iso(h.last_error_at) });
const fresh = (d: StoreDevice): DeviceHealth => ({ last_seen_at: d.last_seen_at, online: d.last_seen_at !== null, events_last_minute: 0, errors: d.errors, last_error: d.last_error, last_error_at: d.last_error_at });
export const deviceJson = (d: StoreDevice, health: DeviceHealth = fresh(d)) => ({ id: d.id, location_id: d.location_id, kind: d.kind, name: d.name, created_at: d.created_at.toISOString(), health: healthJson(health) });

const unattendedSchema = z.object({ location_id: z.string(), unattended: z.boolean(), updated_at: z.string().nullable() }).openapi('UnattendedStore');

const reviewReasonSchema = z
  .object({ reason: z.string().openapi({ description: '`low_confidence`, `ambiguous_attribution`, `put_back_without_pick`, `charge_refused`' }), variant_id: z.string().optional(), event_ids: z.array(z.string()).optional(), detail: z.string().optional() })
  .openapi('StoreSessionReviewReason');
export const sessionSchema = z
  .object({
    id: z.string(),
    location_id: z.string(),
    consumer_id: z.string(),
    status: z.enum(sessionStatuses).openapi({ description: '`open`; `charging` (closed, its sale being made); `charged`; `review` (nothing charged until a merchant resolves it); `empty`' }),
    opened_at: z.string(),
    closed_at: z.string().nullable(),
    entry_device_id: z.string(),
    exit_device_id: z.string().nullable(),
    review_reasons: z.array(reviewReasonSchema),
    charged_lines: z.array(z.object({ variant_id: z.string(), quantity: z.number().int() })).nullable().openapi({ description: 'what is (being) charged' }),
    sale_id: z.string().nullable(),
    order_id: z.string().nullable(),
    resolved_by: z.string().nullable(),
    stale: z.boolean().openapi({ description: 'open for more than a day: flagged for the merchant' }),
  })
  .openapi('StoreSession');
export const sessionJson = (s: StoreSession) => ({
  id: s.id,
  location_id: s.location_id,
  consumer_id: s.consumer_id,
  status: s.status,
  opened_at: s.opened_at.toISOString(),
  closed_at: iso(s.closed_at),
  entry_device_id: s.entry_device_id,
  exit_device_id: s.exit_device_id,
  review_reasons: s.review_reasons as z.infer<typeof reviewReasonSchema>[],
  charged_lines: s.charge_lines,
  sale_id: s.sale_id,
  order_id: s.order_id,
  resolved_by: s.resolved_by,
  stale: s.stale_flagged_at !== null,
});

const evidenceSchema = z
  .object({
    event_id: z.string(),
    device_id: z.string(),
    kind: z.enum(['pick', 'put_back']),
    quantity: z.number().int(),
    at: z.string(),
    status: z.enum(['counted', 'duplicate', 'near_duplicate', 'uncertain', 'clamped']),
    confidence: z.number(),
    other_confidence: z.number(),
    repeats: z.string().optional(),
    reason: z.string().optional(),
  })
  .openapi('ShelfEvidence');
const lineSchema = z.object({ variant_id: z.string(), quantity: z.number().int(), uncertain: z.boolean(), reasons: z.array(z.string()), evidence: z.array(evidenceSchema) }).openapi('StoreSessionLine');
const lineJson = (l: SessionLine) => ({ variant_id: l.variant_id, quantity: l.quantity, uncertain: l.uncertain, reasons: l.reasons as string[], evidence: l.evidence as z.infer<typeof evidenceSchema>[] });
const sessionDetailSchema = sessionSchema
  .extend({
    lines: z.array(lineSchema).openapi({ description: 'the basket as built from the shelf events (frozen at the exit), with each line’s evidence' }),
    shelf_events: z.array(z.object({ event_id: z.string(), device_id: z.string(), variant_id: z.string(), kind: z.string(), quantity: z.number().int(), at: z.string(), received_at: z.string(), confidence: z.number() })),
  })
  .openapi('StoreSessionDetail');

const disputeSchema = z
  .object({
    id: z.string(),
    session_id: z.string(),
    consumer_id: z.string(),
    variant_id: z.string(),
    quantity: z.number().int(),
    reason: z.string(),
    status: z.enum(disputeStatuses),
    note: z.string().nullable(),
    refund_ref: z.string().nullable(),
    decided_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('StoreDispute');
export const disputeJson = (d: StoreDispute) => ({
  id: d.id,
  session_id: d.session_id,
  consumer_id: d.consumer_id,
  variant_id: d.variant_id,
  quantity: d.quantity,
  reason: d.reason,
  status: d.status,
  note: d.note,
  refund_ref: d.refund_ref,
  decided_at: iso(d.decided_at),
  created_at: d.created_at.toISOString(),
});
export { disputeSchema as storeDisputeSchema };

export const putUnattendedRoute = defineRoute({
  operationId: 'setUnattendedStore',
  method: 'put',
  path: '/v1/unattended-stores/{location_id}',
  tags: ['Unattended stores'],
  summary: 'Make a store unattended (its devices may then open sessions and charge at the exit), or attended again',
  access: instoreWrite,
  request: { params: locationParam, ...jsonBody(z.object({ unattended: z.boolean() }).strict()) },
  responses: { 200: jsonResponse(unattendedSchema, 'The store’s setting') },
});

export const getUnattendedRoute = defineRoute({
  operationId: 'getUnattendedStore',
  method: 'get',
  path: '/v1/unattended-stores/{location_id}',
  tags: ['Unattended stores'],
  summary: 'Whether a store is unattended',
  access: instoreRead,
  request: { params: locationParam },
  responses: { 200: jsonResponse(unattendedSchema, 'The store’s setting') },
});

export const createDeviceRoute = defineRoute({
  operationId: 'createStoreDevice',
  method: 'post',
  path: '/v1/store-devices',
  tags: ['Unattended stores'],
  summary: 'Register a device of an unattended store: a gate, a shelf, a screen or a register',
  access: instoreWrite,
  request: jsonBody(z.object({ location_id: id, kind: z.enum(deviceKinds), name: z.string().trim().min(1).max(100) }).strict()),
  responses: { 201: jsonResponse(deviceSchema, 'The device') },
});

export const listDevicesRoute = defineRoute({
  operationId: 'listStoreDevices',
  method: 'get',
  path: '/v1/store-devices',
  tags: ['Unattended stores'],
  summary: 'The devices of the merchant’s stores (or of one), by ID, with their health',
  access: instoreRead,
  request: { query: pageQuerySchema.extend({ location_id: id.optional() }) },
  responses: { 200: jsonResponse(pageSchema(deviceSchema), 'A page of devices') },
});

export const heartbeatRoute = defineRoute({
  operationId: 'storeDeviceHeartbeat',
  method: 'post',
  path: '/v1/store-devices/{device_id}/heartbeat',
  tags: ['Unattended stores'],
  summary: 'A device says it is alive, with the errors it met since its last heartbeat',
  access: instoreDevices,
  request: { params: deviceParam, ...jsonBody(z.object({ errors: z.array(z.object({ message: z.string().trim().min(1).max(500) }).strict()).max(100).optional() }).strict()) },
  responses: { 200: jsonResponse(deviceSchema, 'The device and its health') },
});

const shelfEventSchema = z
  .object({
    event_id: z.string().min(1).max(100).openapi({ description: 'the sensor’s ID of the event: sending it again is a no-op' }),
    device_id: id,
    variant_id: id,
    kind: z.enum(['pick', 'put_back']),
    quantity: z.number().int().min(1).max(1_000),
    at: z.string().datetime({ offset: true }),
    candidates: z.array(z.object({ session_id: id, confidence: z.number().min(0).max(1) }).strict()).max(candidates_per_event_max).openapi({ description: 'the camera’s guesses of who did it, with confidence 0 to 1' }),
  })
  .strict();

export const shelfEventsRoute = defineRoute({
  operationId: 'postShelfEvents',
  method: 'post',
  path: '/v1/shelf-events',
  tags: ['Unattended stores'],
  summary: `Shelves report picks and put-backs (up to ${shelf_events_per_batch_max} a batch, all or nothing); each is folded into the sessions it names`,
  access: instoreDevices,
  request: jsonBody(z.object({ events: z.array(shelfEventSchema).min(1).max(shelf_events_per_batch_max) }).strict()),
  responses: { 200: jsonResponse(z.object({ accepted: z.number().int(), duplicates: z.number().int(), sessions_updated: z.number().int() }).openapi('ShelfEventsAccepted'), 'What was stored') },
});

export const listSessionsRoute = defineRoute({
  operationId: 'listStoreSessions',
  method: 'get',
  path: '/v1/store-sessions',
  tags: ['Unattended stores'],
  summary: 'Shopping sessions of unattended stores, by ID; `status=review` is the review queue',
  access: instoreRead,
  request: { query: pageQuerySchema.extend({ location_id: id.optional(), status: z.enum(sessionStatuses).optional() }) },
  responses: { 200: jsonResponse(pageSchema(sessionSchema), 'A page of sessions') },
});

export const getSessionRoute = defineRoute({
  operationId: 'getStoreSession',
  method: 'get',
  path: '/v1/store-sessions/{session_id}',
  tags: ['Unattended stores'],
  summary: 'A shopping session with its lines and each line’s evidence',
  access: instoreRead,
  request: { params: sessionParam },
  responses: { 200: jsonResponse(sessionDetailSchema, 'The session') },
});

export const openDisputeRoute = defineRoute({
  operationId: 'disputeStoreSession',
  method: 'post',
  path: '/v1/account/store-sessions/{session_id}/disputes',
  tags: ['Unattended stores'],
  summary: 'A member disputes a line of their charged session (units they did not take)',
  access: { scope: 'checkout:write', tenancy: 'public', keyKinds: ['publishable', 'secret'] },
  request: { params: sessionParam, headers: consumerToken, ...jsonBody(z.object({ variant_id: id, quantity: z.number().int().min(1).max(1_000), reason: z.string().trim().min(1).max(1_000) }).strict()) },
  responses: { 201: jsonResponse(disputeSchema, 'The dispute, open') },
});

export const listDisputesRoute = defineRoute({
  operationId: 'listStoreDisputes',
  method: 'get',
  path: '/v1/store-disputes',
  tags: ['Unattended stores'],
  summary: 'Members’ disputes of charged sessions, by ID',
  access: instoreRead,
  request: { query: pageQuerySchema.extend({ status: z.enum(disputeStatuses).optional() }) },
  responses: { 200: jsonResponse(pageSchema(disputeSchema), 'A page of disputes') },
});

export function registerSessionsRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(putUnattendedRoute, async (c) => {
    const s = await setUnattended(db, c.get('caller').merchant_id, c.req.valid('param').location_id, c.req.valid('json').unattended);
    return c.json({ location_id: s.location_id, unattended: s.unattended, updated_at: s.updated_at.toISOString() }, 200);
  });

  router.route(getUnattendedRoute, async (c) => {
    const s = await unattendedSetting(db, c.get('caller').merchant_id, c.req.valid('param').location_id);
    return c.json({ location_id: s.location_id, unattended: s.unattended, updated_at: iso(s.updated_at) }, 200);
  });

  router.route(createDeviceRoute, async (c) => c.json(deviceJson(await createDevice(db, c.get('caller').merchant_id, c.req.valid('json'))), 201));

  router.route(listDevicesRoute, async (c) => {
    const { limit, cursor, location_id } = c.req.valid('query');
    const page = toPage(await listDevices(db, c.get('caller').merchant_id, { location_id, after_id: decodeCursor(cursor), limit: limit + 1 }), limit);
    return c.json({ data: page.items.map((d) => deviceJson(d, d.health)), next_cursor: page.next_cursor }, 200);
  });

  router.route(heartbeatRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const device = await heartbeat(db, merchant_id, c.req.valid('param').device_id, c.req.valid('json'));
    const [seen] = await withHealth(db, merchant_id, [device]);
    return c.json(deviceJson(device, seen!.health), 200);
  });

  router.route(shelfEventsRoute, async (c) => {
    const events = c.req.valid('json').events.map((e) => ({ ...e, at: new Date(e.at) }));
    return c.json(await ingestShelfEvents(db, c.get('caller').merchant_id, events), 200);
  });

  router.route(listSessionsRoute, async (c) => {
    const { limit, cursor, location_id, status } = c.req.valid('query');
    const page = toPage(await listSessions(db, c.get('caller').merchant_id, { location_id, status, after_id: decodeCursor(cursor), limit: limit + 1 }), limit);
    return c.json({ data: page.items.map(sessionJson), next_cursor: page.next_cursor }, 200);
  });

  router.route(getSessionRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const session_id = c.req.valid('param').session_id;
    const session = await getSession(db, merchant_id, session_id);
    if (session === undefined) throw problems.notFound('The session');
    const [lines, events] = await Promise.all([sessionLines(db, merchant_id, session_id), shelfEventsOfSession(db, merchant_id, session_id)]);
    return c.json(
      {
        ...sessionJson(session),
        lines: lines.map(lineJson),
        shelf_events: events.map((e) => ({ ...e, at: e.at.toISOString(), received_at: e.received_at.toISOString() })),
      },
      200,
    );
  });

  router.route(openDisputeRoute, async (c) => {
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    const dispute = await openDispute(db, c.get('caller').merchant_id, consumer.id, c.req.valid('param').session_id, c.req.valid('json'));
    return c.json(disputeJson(dispute), 201);
  });

  router.route(listDisputesRoute, async (c) => {
    const { limit, cursor, status } = c.req.valid('query');
    const page = toPage(await listDisputes(db, c.get('caller').merchant_id, { status, after_id: decodeCursor(cursor), limit: limit + 1 }), limit);
    return c.json({ data: page.items.map(disputeJson), next_cursor: page.next_cursor }, 200);
  });
}

export { deviceCalling };
