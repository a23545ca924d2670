import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { presentedKey } from '../../kernel/http/auth.js';
import { admitOrigin } from '../../kernel/http/cors.js';
import type { AppEnv, Authenticator } from '../../kernel/http/context.js';
import { defineRoute, jsonResponse } from '../../kernel/http/route.js';
import { decodeCursor, isIdPart, isTimePart, keyCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { keyAuthenticator, merchantTimeZone } from '../merchants/index.js';
import { localDay } from '../../kernel/time-zone.js';
import { consentOf, eraseConsumer, exportConsumer, getProfile, identitiesOf, listProfiles, ordersWithoutAmount, setConsent, timeline, undoMerge, type ProfileRow } from './consumers.js';
import { hashValue, normaliseEmail, storedIdentifier } from './identifiers.js';
import type { IngestCommitter } from './ingestion/committer.js';
import { consentChannels, type EventType } from './ingestion/incoming-event.js';
import { channelConsent } from './channel-consent.js';
import { contactKinds, contactSealer, maskedContactPoints } from './contact-points.js';
import { latestStage, snapshotStages, stageCounts, stageFlow, stages } from './lifecycle.js';
import { displayContact, displayName, traitsForMerchant } from './contact.js';
import { summarise } from './summary.js';
import { decodeBody, parseJson, parseRequest, shortPaths } from './segment.js';

const id = z.string().min(1).max(64);
/** A calendar day that exists (no 2020-02-30) within the years reports cover. */
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine((d) => {
    const t = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d && t.getUTCFullYear() >= 1900 && t.getUTCFullYear() <= 9999;
  }, 'must be a real calendar day between the years 1900 and 9999');

const segmentPaths = ['track', 'identify', 'page', 'screen', 'group', 'alias', 'batch', 't', 'i', 'p', 's', 'g', 'a', 'b'] as const;

/**
 * The write key is found by the handler (Basic user name, `writeKey` in the body, or the settings
 * path), which also checks a browser's origin against it: analytics SDKs run on merchants' pages.
 */
const writeKeyAccess = { scope: 'public', tenancy: 'public', keyKinds: ['publishable', 'secret'] } as const;

function segmentRoute(path: (typeof segmentPaths)[number]) {
  const full = shortPaths[path] ?? path;
  return defineRoute({
    operationId: `segment_${path}`,
    method: 'post',
    path: `/v1/${path}`,
    tags: ['Event ingestion (Segment-compatible)'],
    summary: path.length === 1 ? `Short path for /v1/${full} (browser SDK)` : `Segment ${full}: write key as Basic user name or \`writeKey\`; JSON or text/plain; gzip allowed`,
    access: writeKeyAccess,
    responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), 'Stored durably') },
  });
}

export const settingsRoute = defineRoute({
  operationId: 'segmentSettings',
  method: 'get',
  path: '/v1/projects/{writeKey}/settings',
  tags: ['Event ingestion (Segment-compatible)'],
  summary: 'Settings the Segment browser SDK loads at start',
  access: writeKeyAccess,
  request: { params: z.object({ writeKey: z.string().max(100).openapi({ param: { name: 'writeKey', in: 'path' } }) }) },
  responses: { 200: jsonResponse(z.record(z.string(), z.unknown()), 'SDK settings') },
});

const profileOut = z
  .object({
    id: z.string(),
    name: z.string().nullable().openapi({ description: 'the name the consumer gave (identify traits, or the account they ordered with); null when unknown' }),
    contact: z
      .object({ email: z.string().nullable().openapi({ example: 'l***@example.com' }), phone: z.string().nullable().openapi({ example: '+86 138****0001' }) })
      .openapi({ description: 'email and phone, masked: the data bank holds them only hashed and masked' }),
    traits: z.record(z.string(), z.unknown()).openapi({ description: 'newest value per trait; email and phone only masked (`email_masked`, `phone_masked`)' }),
    first_seen_at: z.string(), last_seen_at: z.string(), events_count: z.number().int(), orders_count: z.number().int(), amount_spent_minor: z.number().int(), last_purchase_at: z.string().nullable() })
  .openapi('ConsumerProfile');

function profileJson(p: ProfileRow): z.infer<typeof profileOut> {
  return { id: p.id, name: displayName(p.traits), contact: displayContact(p.traits), traits: traitsForMerchant(p.traits), first_seen_at: p.first_seen_at.toISOString(), last_seen_at: p.last_seen_at.toISOString(), events_count: Number(p.events_count), orders_count: p.orders_count, amount_spent_minor: toJsonAmount(p.amount_spent_minor), last_purchase_at: p.last_purchase_at?.toISOString() ?? null };
}

const channelConsentSchema = z
  .object(Object.fromEntries(consentChannels.map((ch) => [ch, z.boolean().optional()])) as Record<(typeof consentChannels)[number], z.ZodOptional<z.ZodBoolean>>)
  .openapi({ description: 'consent per channel: false refuses marketing by that channel (an unsubscribe), true takes it; absent, the purpose alone decides' });
const consentSchema = z.object({ analytics: z.boolean().nullable(), personalisation: z.boolean().nullable(), marketing: z.boolean().nullable(), channels: channelConsentSchema });
const contactPointOut = z
  .object({ kind: z.enum(contactKinds), masked: z.string().openapi({ example: 'l***@example.com' }), source: z.string().openapi({ description: 'where it came from: identify, event, platform' }), updated_at: z.string() })
  .openapi('ConsumerContactPoint');
const consumerParams = z.object({ profile_id: id.openapi({ param: { name: 'profile_id', in: 'path' } }) });

export const listConsumersRoute = defineRoute({
  operationId: 'listConsumers',
  method: 'get',
  path: '/v1/consumers',
  tags: ['Consumers'],
  summary: 'Consumers in this brand’s data bank; find one by email (hashed for the lookup) or user ID, or search with `q`',
  access: { scope: 'consumers:read', tenancy: 'merchant' },
  request: {
    query: pageQuerySchema.extend({
      q: z.string().trim().min(1).max(200).optional().openapi({ description: 'an email, phone, user ID, member code, external ID or profile ID, or part of a name' }),
      email: z.string().max(254).optional(),
      user_id: z.string().max(200).optional(),
    }),
  },
  responses: { 200: jsonResponse(pageSchema(profileOut), 'A page of profiles') },
});

export const getConsumerRoute = defineRoute({
  operationId: 'getConsumer',
  method: 'get',
  path: '/v1/consumers/{profile_id}',
  tags: ['Consumers'],
  summary: 'A consumer: traits, facts, identities (email and phone as hashes), consent',
  access: { scope: 'consumers:read', tenancy: 'merchant' },
  request: { params: consumerParams },
  responses: {
    200: jsonResponse(
      profileOut.extend({
        identities: z.array(z.object({ type: z.string(), value: z.string() })),
        consent: consentSchema,
        contact_points: z.array(contactPointOut).openapi({ description: 'the addresses the brand may reach the consumer at, masked: they are kept sealed and never shown in clear (only the consumer’s export opens them)' }),
        merged_into: z.string().nullable(),
        lifecycle: z.object({ stage: z.enum(stages), day: z.string() }).nullable().openapi({ description: 'the A-I-P-L stage on the latest recorded day' }),
        orders_without_amount: z.number().int().openapi({ description: 'purchases recorded without an amount (imported history without prices); `amount_spent_minor` leaves them out' }),
      }),
      'The consumer',
    ),
  },
});

export const timelineRoute = defineRoute({
  operationId: 'getConsumerTimeline',
  method: 'get',
  path: '/v1/consumers/{profile_id}/timeline',
  tags: ['Consumers'],
  summary: 'Events of a consumer, newest first',
  access: { scope: 'consumers:read', tenancy: 'merchant' },
  request: { params: consumerParams, query: pageQuerySchema },
  responses: {
    200: jsonResponse(
      pageSchema(z.object({ id: z.string(), type: z.string(), event: z.string().nullable(), summary: z.string().openapi({ description: 'the event as a sentence, in English', example: 'Paid order ord_01JD… ¥44.65' }), properties: z.unknown(), occurred_at: z.string() })),
      'A page of events',
    ),
  },
});

export const consentRoute = defineRoute({
  operationId: 'setConsumerConsent',
  method: 'put',
  path: '/v1/consumers/{profile_id}/consent',
  tags: ['Consumers'],
  summary: 'Record a consumer’s consent per purpose: true (given), false (refused) or null (not given, as if never asked)',
  access: { scope: 'consumers:write', tenancy: 'merchant' },
  request: { params: consumerParams, body: { required: true, content: { 'application/json': { schema: z
            .object({
              analytics: z.boolean().nullable().optional(),
              personalisation: z.boolean().nullable().optional(),
              marketing: z.boolean().nullable().optional(),
              channels: z
                .object(Object.fromEntries(consentChannels.map((ch) => [ch, z.boolean().nullable().optional()])) as Record<(typeof consentChannels)[number], z.ZodOptional<z.ZodNullable<z.ZodBoolean>>>)
                .strict()
                .optional()
                .openapi({ description: 'per channel: false refuses marketing by it, true takes it, null removes the decision' }),
            })
            .strict() } } } },
  responses: { 200: jsonResponse(consentSchema, 'The consent now held') },
});

export const exportRoute = defineRoute({
  operationId: 'exportConsumer',
  method: 'get',
  path: '/v1/consumers/{profile_id}/export',
  tags: ['Consumers'],
  summary: 'Everything held on a consumer, as JSON (data-subject access request)',
  access: { scope: 'consumers:read', tenancy: 'merchant' },
  request: { params: consumerParams },
  responses: { 200: jsonResponse(z.record(z.string(), z.unknown()), 'The export') },
});

export const eraseRoute = defineRoute({
  operationId: 'eraseConsumer',
  method: 'delete',
  path: '/v1/consumers/{profile_id}',
  tags: ['Consumers'],
  summary: 'Erase a consumer; future events with their identifiers are dropped',
  access: { scope: 'consumers:write', tenancy: 'merchant' },
  request: { params: consumerParams },
  responses: { 200: jsonResponse(z.object({ erased: z.literal(true), events: z.number().int(), identities: z.number().int() }), 'Erased') },
});

export const undoMergeRoute = defineRoute({
  operationId: 'undoConsumerMerge',
  method: 'post',
  path: '/v1/consumer-merges/{merge_id}/undo',
  tags: ['Consumers'],
  summary: 'Undo an identity merge',
  access: { scope: 'consumers:write', tenancy: 'merchant' },
  request: { params: z.object({ merge_id: id.openapi({ param: { name: 'merge_id', in: 'path' } }) }) },
  responses: { 200: jsonResponse(z.object({ undone: z.literal(true) }), 'Undone') },
});

export const lifecycleRoute = defineRoute({
  operationId: 'getLifecycle',
  method: 'get',
  path: '/v1/lifecycle',
  tags: ['Consumers'],
  summary: 'A-I-P-L: consumers per stage on a day (the merchant’s day, in its time zone), and with `from` the flow between two days',
  access: { scope: 'consumers:read', tenancy: 'merchant' },
  request: {
    query: z.object({
      day: day.optional(),
      from: day.optional(),
      refresh: z.enum(['true', 'false']).optional(),
      purchase_days: z.coerce.number().int().min(1).max(3_650).default(365).openapi({ description: 'a purchase counts for this long' }),
      interest_days: z.coerce.number().int().min(1).max(365).default(30),
      aware_days: z.coerce.number().int().min(1).max(365).default(30),
    }),
  },
  responses: { 200: jsonResponse(z.object({ day: z.string(), counts: z.record(z.enum(stages), z.number().int()), flow: z.array(z.object({ from: z.string(), to: z.string(), consumers: z.number().int() })).optional() }), 'Stage counts') },
});

async function writeKeyMerchant(authenticator: Authenticator, c: Context<AppEnv>, bodyKey: string | undefined): Promise<string> {
  const token = presentedKey(c.req.header('authorization')) ?? bodyKey;
  if (token === undefined || token === '') throw problems.unauthenticated('Send the write key as the Basic user name or as `writeKey`');
  const caller = await authenticator.authenticate(token);
  if (caller === undefined) throw problems.unauthenticated('The write key is unknown or has been revoked');
  if (!caller.scopes.has('events:write')) throw problems.forbidden('events:write');
  admitOrigin(c, caller);
  return caller.merchant_id;
}

/** A timeline runs newest first by when each event happened, then by ID: the cursor holds both. */
const timelineCursor = keyCursor([isTimePart, isIdPart]);

/** Purpose-wide consent and the channel decisions of one profile. */
async function consentWithChannels(db: ModuleContext['db'], merchant_id: string, profile_id: string) {
  const [consent, channels] = await Promise.all([consentOf(db, merchant_id, profile_id), channelConsent(db, merchant_id, [profile_id])]);
  return { ...consent, channels: channels.get(profile_id) ?? {} };
}

export function registerRoutes(router: ModuleRouter, { db, registry, config }: ModuleContext, ingest: IngestCommitter): void {
  const contacts = contactSealer(config);
  const authenticator = keyAuthenticator(db, registry.scopes);
  for (const path of segmentPaths) {
    const type = (shortPaths[path] ?? path) as EventType | 'batch';
    router.route(segmentRoute(path), async (c) => {
      const receivedAt = new Date();
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const text = decodeBody(raw, c.req.header('content-encoding'));
      const parsed = parseRequest(type, parseJson(text), receivedAt, text.length);
      const merchant_id = await writeKeyMerchant(authenticator, c, parsed.writeKey);
      await ingest.submit(parsed.events.map((e) => ({ ...e, merchant_id })));
      return c.json({ success: true as const }, 200);
    });
  }

  router.route(settingsRoute, async (c) => {
    const writeKey = c.req.valid('param').writeKey;
    const caller = await authenticator.authenticate(writeKey);
    // A write key is a publishable key: a secret key pasted here is neither accepted nor echoed.
    if (caller === undefined || caller.kind !== 'publishable') throw problems.notFound('The write key');
    admitOrigin(c, caller);
    const host = new URL(c.req.url).host;
    return c.json({ integrations: { 'Segment.io': { apiKey: writeKey, apiHost: `${host}/v1`, protocol: new URL(c.req.url).protocol.replace(':', '') } }, plan: { track: { __default: { enabled: true } }, identify: { __default: { enabled: true } } }, edgeFunction: {}, analyticsNextEnabled: true, middlewareSettings: {}, enabledMiddleware: {}, metrics: { sampleRate: 0 }, legacyVideoPluginsEnabled: false, remotePlugins: [] }, 200);
  });

  router.route(listConsumersRoute, async (c) => {
    const q = c.req.valid('query');
    const email = q.email === undefined ? undefined : normaliseEmail(q.email);
    const search = q.q === undefined ? undefined : { text: q.q, identities: searchIdentities(q.q) };
    const rows = await listProfiles(db, c.get('caller').merchant_id, { email_hash: email === undefined ? undefined : hashValue(email), user_id: q.user_id, search, after: decodeCursor(q.cursor), limit: q.limit + 1 });
    const page = toPage(rows, q.limit);
    return c.json({ data: page.items.map(profileJson), next_cursor: page.next_cursor }, 200);
  });

  router.route(getConsumerRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { profile_id } = c.req.valid('param');
    const profile = await getProfile(db, merchant_id, profile_id);
    if (profile === undefined) throw problems.notFound('The consumer');
    const identities = await identitiesOf(db, merchant_id, profile_id);
    const [consent, stage, unpriced, points] = await Promise.all([consentWithChannels(db, merchant_id, profile_id), latestStage(db, merchant_id, profile_id), ordersWithoutAmount(db, merchant_id, profile_id), maskedContactPoints(db, merchant_id, profile_id)]);
    const contact_points = points.map((p) => ({ kind: p.kind, masked: p.masked, source: p.source, updated_at: p.updated_at.toISOString() }));
    return c.json({ ...profileJson(profile), merged_into: profile.merged_into, identities: identities.map((i) => ({ type: i.type, value: i.value })), consent, contact_points, lifecycle: stage, orders_without_amount: unpriced }, 200);
  });

  router.route(timelineRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { profile_id } = c.req.valid('param');
    if ((await getProfile(db, merchant_id, profile_id)) === undefined) throw problems.notFound('The consumer');
    const q = c.req.valid('query');
    const before = timelineCursor.decode(q.cursor);
    const rows = await timeline(db, merchant_id, profile_id, before === undefined ? undefined : { occurred_at: new Date(before[0]!), id: before[1]! }, q.limit + 1);
    const page = toPage(rows, q.limit, (last) => timelineCursor.encode([last.occurred_at.toISOString(), last.id]));
    return c.json({ data: page.items.map((e) => ({ ...e, summary: summarise(e), occurred_at: e.occurred_at.toISOString() })), next_cursor: page.next_cursor }, 200);
  });

  router.route(consentRoute, async (c) => {
    const caller = c.get('caller');
    const { profile_id } = c.req.valid('param');
    if ((await getProfile(db, caller.merchant_id, profile_id)) === undefined) throw problems.notFound('The consumer');
    await setConsent(db, caller.merchant_id, profile_id, c.req.valid('json'), caller.actor);
    return c.json(await consentWithChannels(db, caller.merchant_id, profile_id), 200);
  });

  router.route(exportRoute, async (c) => {
    const data = await exportConsumer(db, c.get('caller').merchant_id, c.req.valid('param').profile_id, contacts);
    if (data === undefined) throw problems.notFound('The consumer');
    return c.body(JSON.stringify(data, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)), 200, { 'content-type': 'application/json' }) as never;
  });

  router.route(eraseRoute, async (c) => {
    const caller = c.get('caller');
    const result = await eraseConsumer(db, caller.merchant_id, c.req.valid('param').profile_id, caller.actor);
    if (result === undefined) throw problems.notFound('The consumer');
    return c.json({ erased: true as const, ...result }, 200);
  });

  router.route(undoMergeRoute, async (c) => {
    const caller = c.get('caller');
    if (!(await undoMerge(db, caller.merchant_id, c.req.valid('param').merge_id, caller.actor))) throw problems.notFound('The merge');
    return c.json({ undone: true as const }, 200);
  });

  router.route(lifecycleRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const q = c.req.valid('query');
    // Days are the merchant's: today is today where the merchant is, and a day ends at its midnight.
    const zone = await merchantTimeZone(db, merchant_id);
    const today = q.day ?? localDay(new Date(), zone);
    const windows = { purchase_days: q.purchase_days, interest_days: q.interest_days, aware_days: q.aware_days };
    const counts = q.refresh === 'true' || q.day === undefined ? await snapshotStages(db, merchant_id, today, windows, zone) : await stageCounts(db, merchant_id, today);
    const flow = q.from === undefined ? undefined : await stageFlow(db, merchant_id, q.from, today);
    return c.json({ day: today, counts, ...(flow === undefined ? {} : { flow }) }, 200);
  });
}

/** What a search box's text could be as a stored identifier; emails and phones are stored hashed. */
function searchIdentities(text: string): { type: string; value: string }[] {
  const candidates = (['email', 'phone', 'user_id', 'member_code', 'external_id'] as const).map((type) => storedIdentifier(type, text));
  return candidates.filter((i): i is NonNullable<typeof i> => i !== undefined);
}
