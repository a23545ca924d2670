import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { deviceParam, disputeJson, disputeParam, instoreDevices, instoreWrite, sessionJson, sessionParam, sessionSchema, storeDisputeSchema } from '../../modules/instore/index.js';
import { inStoreSaleJson, inStoreSaleSchema } from './http.js';
import { decideStoreDispute, enterStore, exitStore, resolveStoreSession, type ExitOutcome } from './unattended.js';

/**
 * The routes of unattended stores that take or give money: the gates (entry accepts the
 * member's code and opens the session; exit closes it once and charges), a merchant's review
 * resolution, and a dispute's decision (a refund through the order).
 */
const id = z.string().min(1).max(64);

const exitSchema = z
  .object({
    outcome: z.enum(['charged', 'review', 'empty']),
    session: sessionSchema,
    sale: inStoreSaleSchema.optional().openapi({ description: 'with `charged`: the sale and its receipt' }),
    review_reasons: z.array(z.object({ reason: z.string(), variant_id: z.string().optional(), event_ids: z.array(z.string()).optional(), detail: z.string().optional() })).optional(),
  })
  .openapi('GateExit');
const exitJson = (o: ExitOutcome) => {
  const session = sessionJson(o.session);
  if (o.outcome === 'charged') return { outcome: o.outcome, session, sale: inStoreSaleJson(o.sale) };
  if (o.outcome === 'review') return { outcome: o.outcome, session, review_reasons: session.review_reasons };
  return { outcome: o.outcome, session };
};

export const gateEntryRoute = defineRoute({
  operationId: 'enterAtGate',
  method: 'post',
  path: '/v1/gates/{device_id}/entries',
  tags: ['Unattended stores'],
  summary: 'An entry gate accepts the member’s consumer code (once) and opens their shopping session (one open session per member per store)',
  access: instoreDevices,
  request: { params: deviceParam, ...jsonBody(z.object({ code: z.string().min(1).max(64) }).strict()) },
  responses: {
    201: jsonResponse(z.object({ session_id: z.string(), opened: z.boolean().openapi({ description: 'false: the member’s session here was open already, and is answered' }), member: z.record(z.string(), z.unknown()) }).openapi('GateEntry'), 'The session'),
  },
});

export const gateExitRoute = defineRoute({
  operationId: 'exitAtGate',
  method: 'post',
  path: '/v1/gates/{device_id}/exits',
  tags: ['Unattended stores'],
  summary: 'An exit gate closes the session once and charges its basket, sends it to review when a line is uncertain, or closes it empty; a repeated exit answers the first outcome',
  access: instoreDevices,
  request: { params: deviceParam, ...jsonBody(z.object({ session_id: id }).strict()) },
  responses: { 200: jsonResponse(exitSchema, 'The outcome') },
});

export const resolveSessionRoute = defineRoute({
  operationId: 'resolveStoreSession',
  method: 'post',
  path: '/v1/store-sessions/{session_id}/resolve',
  tags: ['Unattended stores'],
  summary: 'A merchant’s review of a session: its corrected basket is charged (no units: the session is empty)',
  access: instoreWrite,
  request: { params: sessionParam, ...jsonBody(z.object({ lines: z.array(z.object({ variant_id: id, quantity: z.number().int().min(0).max(1_000) }).strict()).max(200) }).strict()) },
  responses: { 200: jsonResponse(exitSchema, 'The outcome') },
});

export const decideDisputeRoute = defineRoute({
  operationId: 'decideStoreDispute',
  method: 'post',
  path: '/v1/store-disputes/{dispute_id}/decide',
  tags: ['Unattended stores'],
  summary: 'Decide a member’s dispute once: refund the disputed units through the order, or reject it',
  access: instoreWrite,
  request: { params: disputeParam, ...jsonBody(z.object({ outcome: z.enum(['refund', 'reject']), note: z.string().trim().min(1).max(1_000) }).strict()) },
  responses: { 200: jsonResponse(storeDisputeSchema, 'The dispute, decided') },
});

export function registerGateRoutes(router: ModuleRouter, ctx: ModuleContext): void {
  const { db } = ctx;
  router.route(gateEntryRoute, async (c) => {
    const { session, opened, member } = await enterStore(db, c.get('caller').merchant_id, c.req.valid('param').device_id, c.req.valid('json').code);
    return c.json({ session_id: session.id, opened, member }, 201);
  });

  router.route(gateExitRoute, async (c) => c.json(exitJson(await exitStore(ctx, c.get('caller').merchant_id, c.req.valid('param').device_id, c.req.valid('json').session_id)), 200));

  router.route(resolveSessionRoute, async (c) => {
    const caller = c.get('caller');
    return c.json(exitJson(await resolveStoreSession(ctx, caller.merchant_id, c.req.valid('param').session_id, c.req.valid('json').lines, caller.actor)), 200);
  });

  router.route(decideDisputeRoute, async (c) => {
    const caller = c.get('caller');
    const body = c.req.valid('json');
    return c.json(disputeJson(await decideStoreDispute(db, caller.merchant_id, c.req.valid('param').dispute_id, { ...body, actor: caller.actor })), 200);
  });
}
