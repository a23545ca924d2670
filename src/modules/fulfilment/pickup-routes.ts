import { z } from '@hono/zod-openapi';
import { inTransaction } from '../../kernel/db.js';
import { SignInThrottle, type ThrottleRule } from '../../kernel/http/sign-in-throttle.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { Problem, problems } from '../../kernel/problem.js';
import { consumerToken, consumerTokenHeader, requireConsumer } from '../accounts/index.js';
import { getLocation } from '../locations/index.js';
import { cartAccess, consumerOrder, orderSettings } from '../orders/index.js';
import { fulfilmentJson, fulfilmentSchema } from './fulfilment-routes.js';
import { fulfilmentsOfOrder, getFulfilment, transitionFulfilment } from './fulfilments.js';
import { code_pattern, collectWithCode, findWaitingByCode, issuePickupCode, mailPickupCode, pickupCodeOf, PickupCodes, pickupHoldHours, waitingAtDesk, wrongCode } from './pickup.js';
import { fulfilmentStatuses } from './tables.js';

const id = z.string().min(1).max(64);
const fulfilmentParam = z.object({ fulfilment_id: id.openapi({ param: { name: 'fulfilment_id', in: 'path' } }) });
const locationParam = z.object({ location_id: id.openapi({ param: { name: 'location_id', in: 'path' } }) });
const codeBody = z.object({ code: z.string().trim().regex(code_pattern, 'six digits').openapi({ example: '042917' }) }).strict();

/** Wrong codes allowed per parcel, and per desk across parcels, in `guess_window_s`; then 429 until the window passes. */
const wrong_codes_per_fulfilment_max = 5;
const wrong_codes_per_location_max = 30;
const guess_window_s = 15 * 60;
const waiting_page_max = 200;
const byKey: ThrottleRule = { name: 'key', max: 0, key: (key) => key };

/** A recipient's name as the desk sees it: enough to greet them, not to identify them. */
export function maskName(name: string | null): string | null {
  if (name === null) return null;
  return name
    .trim()
    .split(/\s+/)
    .map((w) => { const chars = [...w]; return chars[0]! + '*'.repeat(Math.min(3, chars.length - 1)); })
    .join(' ');
}

const pickupLine = z.object({ line_no: z.number().int(), sku: z.string(), title: z.string(), quantity: z.number().int() });

export const readyForPickupRoute = defineRoute({
  operationId: 'markReadyForPickup',
  method: 'post',
  path: '/v1/fulfilments/{fulfilment_id}/ready',
  tags: ['Fulfilment'],
  summary: 'Put a packed pickup fulfilment at the desk: the buyer gets a pickup code (by mail and in their account) and the hold window starts',
  access: { scope: 'fulfilments:write', tenancy: 'merchant' },
  request: { params: fulfilmentParam, ...jsonBody(z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict()) },
  responses: { 200: jsonResponse(fulfilmentSchema.extend({ pickup_hold_until: z.string().openapi({ description: 'when an uncollected parcel is cancelled and refunded' }) }), 'The fulfilment, ready for pickup') },
});

export const collectPickupRoute = defineRoute({
  operationId: 'collectPickup',
  method: 'post',
  path: '/v1/fulfilments/{fulfilment_id}/collect',
  tags: ['Fulfilment'],
  summary: 'Hand a pickup parcel over against the buyer’s code: the order is delivered and the escrow clock starts. A wrong code is 422 with nothing changed; repeated wrong codes are 429',
  access: { scope: 'fulfilments:write', tenancy: 'merchant' },
  request: { params: fulfilmentParam, ...jsonBody(codeBody) },
  responses: { 200: jsonResponse(fulfilmentSchema, 'The fulfilment, picked up') },
});

const waitingSchema = z.object({
  fulfilment_id: z.string(),
  order_id: z.string(),
  hold_until: z.string(),
  ready_at: z.string(),
  recipient_name: z.string().nullable().openapi({ description: 'masked' }),
  units: z.number().int(),
});

export const verifyPickupRoute = defineRoute({
  operationId: 'verifyPickupCode',
  method: 'post',
  path: '/v1/locations/{location_id}/pickups/verify',
  tags: ['Fulfilment'],
  summary: 'The desk types the buyer’s code first: which parcel waiting here it opens (nothing changes; collect hands it over). Wrong codes are throttled per desk',
  access: { scope: 'fulfilments:write', tenancy: 'merchant' },
  request: { params: locationParam, ...jsonBody(codeBody) },
  responses: { 200: jsonResponse(waitingSchema.extend({ lines: z.array(pickupLine) }), 'The parcel the code opens') },
});

export const waitingPickupsRoute = defineRoute({
  operationId: 'listWaitingPickups',
  method: 'get',
  path: '/v1/locations/{location_id}/pickups',
  tags: ['Fulfilment'],
  summary: 'Parcels waiting at a store’s pickup desk, the one whose hold ends first first',
  access: { scope: 'fulfilments:read', tenancy: 'merchant' },
  request: { params: locationParam },
  responses: { 200: jsonResponse(z.object({ data: z.array(waitingSchema) }), 'The parcels waiting at the desk') },
});

export const consumerPickupRoute = defineRoute({
  operationId: 'consumerOrderPickup',
  method: 'get',
  path: '/v1/account/orders/{order_id}/pickup',
  tags: ['Fulfilment'],
  summary: 'The signed-in buyer’s pickup: where, ready by when, held until when, and the code to show at the desk once it is ready',
  access: cartAccess,
  request: { params: z.object({ order_id: id.openapi({ param: { name: 'order_id', in: 'path' } }) }), headers: consumerToken },
  responses: {
    200: jsonResponse(
      z.object({
        data: z.array(
          z.object({
            fulfilment_id: z.string(),
            status: z.enum(fulfilmentStatuses),
            location: z.object({ id: z.string(), name: z.string() }),
            ready_by: z.string().nullable(),
            hold_until: z.string().nullable(),
            code: z.string().nullable().openapi({ description: 'shown only while the parcel waits at the desk' }),
          }),
        ),
      }),
      'The order’s pickups (none for an order delivered otherwise)',
    ),
  },
});

export function registerPickupRoutes(router: ModuleRouter, { db, config }: ModuleContext): void {
  const codes = PickupCodes.fromConfig(config);
  const auto_confirm_after_s = orderSettings.of(config).OPENBOS_AUTO_CONFIRM_AFTER_S;
  const perFulfilment = new SignInThrottle(db, 'pickup_code_fulfilment', [{ ...byKey, max: wrong_codes_per_fulfilment_max }], guess_window_s);
  const perLocation = new SignInThrottle(db, 'pickup_code_location', [{ ...byKey, max: wrong_codes_per_location_max }], guess_window_s);

  router.route(readyForPickupRoute, async (c) => {
    const caller = c.get('caller');
    const { fulfilment_id } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    const out = await inTransaction(db, async (trx) => {
      const f = await transitionFulfilment(trx, { merchant_id: caller.merchant_id, fulfilment_id, action: 'ready', actor: caller.actor, reason });
      const issued = await issuePickupCode(trx, codes, f, { hold_h: await pickupHoldHours(trx, config, caller.merchant_id) });
      await mailPickupCode(trx, config, f, issued.code, issued.hold_until);
      return { f, hold_until: issued.hold_until };
    });
    return c.json({ ...fulfilmentJson(out.f), pickup_hold_until: out.hold_until.toISOString() }, 200);
  });

  router.route(collectPickupRoute, async (c) => {
    const caller = c.get('caller');
    const { fulfilment_id } = c.req.valid('param');
    const f = await getFulfilment(db, caller.merchant_id, fulfilment_id);
    if (f === undefined) throw problems.notFound('The fulfilment');
    const parcel = `${f.merchant_id}|${f.id}`;
    const desk = `${f.merchant_id}|${f.location_id}`;
    await perFulfilment.check(parcel, parcel);
    await perLocation.check(desk, desk);
    try {
      const done = await inTransaction(db, (trx) => collectWithCode(trx, codes, { merchant_id: caller.merchant_id, fulfilment_id, code: c.req.valid('json').code, actor: caller.actor, auto_confirm_after_s }));
      return c.json(fulfilmentJson(done), 200);
    } catch (error) {
      if (error instanceof Problem && error.code === 'pickup_code_wrong') {
        await perFulfilment.failed(parcel, parcel);
        await perLocation.failed(desk, desk);
      }
      throw error;
    }
  });

  router.route(verifyPickupRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { location_id } = c.req.valid('param');
    if ((await getLocation(db, merchant_id, location_id)) === undefined) throw problems.notFound('The location');
    const desk = `${merchant_id}|${location_id}`;
    await perLocation.check(desk, desk);
    const p = await findWaitingByCode(db, codes, merchant_id, location_id, c.req.valid('json').code);
    if (p === undefined) {
      await perLocation.failed(desk, desk);
      throw wrongCode();
    }
    const [f, waiting] = await Promise.all([getFulfilment(db, merchant_id, p.fulfilment_id), waitingAtDesk(db, merchant_id, location_id, waiting_page_max)]);
    const row = waiting.find((w) => w.fulfilment_id === p.fulfilment_id);
    return c.json({
      fulfilment_id: p.fulfilment_id,
      order_id: p.order_id,
      hold_until: p.hold_until.toISOString(),
      ready_at: p.issued_at.toISOString(),
      recipient_name: maskName(row?.recipient_name ?? null),
      units: row?.units ?? 0,
      lines: (f?.lines ?? []).map((l) => ({ line_no: l.line_no, sku: l.sku, title: l.title, quantity: l.picked_quantity ?? l.quantity })),
    }, 200);
  });

  router.route(waitingPickupsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { location_id } = c.req.valid('param');
    if ((await getLocation(db, merchant_id, location_id)) === undefined) throw problems.notFound('The location');
    const rows = await waitingAtDesk(db, merchant_id, location_id, waiting_page_max);
    return c.json({ data: rows.map((w) => ({ fulfilment_id: w.fulfilment_id, order_id: w.order_id, hold_until: w.hold_until.toISOString(), ready_at: w.issued_at.toISOString(), recipient_name: maskName(w.recipient_name), units: w.units })) }, 200);
  });

  router.route(consumerPickupRoute, async (c) => {
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    // Only the buyer's own order; any other answers 404, like one that does not exist.
    const order = await consumerOrder(db, consumer.id, c.req.valid('param').order_id);
    if (order === undefined) throw problems.notFound('The order');
    const pickups = (await fulfilmentsOfOrder(db, order.merchant_id, order.id)).filter((f) => f.method === 'pickup');
    const data = await Promise.all(
      pickups.map(async (f) => {
        const [p, location] = await Promise.all([pickupCodeOf(db, f.merchant_id, f.id), getLocation(db, f.merchant_id, f.location_id)]);
        const waiting = f.status === 'ready_for_pickup' && p !== undefined;
        return {
          fulfilment_id: f.id,
          status: f.status,
          location: { id: f.location_id, name: location?.name ?? '' },
          ready_by: f.promised_by?.toISOString() ?? null,
          hold_until: p?.hold_until.toISOString() ?? null,
          code: waiting ? codes.codeOf(p) : null,
        };
      }),
    );
    return c.json({ data }, 200);
  });
}
