import { z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { decodeCursor, encodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { newId } from '../../kernel/ids.js';
import { Problem, problems } from '../../kernel/problem.js';
import { consumerToken, consumerTokenHeader, requireConsumer } from '../accounts/index.js';
import { reachChannels } from '../audiences/index.js';
import { storedIdentifier } from '../databank/index.js';
import { screenOfToken, screenTokenHeader } from '../promotions/index.js';
import { readFeed } from './channels/feed.js';
import { screenMessages } from './channels/screen.js';
import type { ReachLinks } from './channels/types.js';
import { suppressReasons } from './contract.js';
import { sendMessages } from './send.js';
import { reachSettings, setReachSettings, type ReachSettings } from './settings.js';

const read = { scope: 'reach:read', tenancy: 'merchant' } as const;
const write = { scope: 'reach:write', tenancy: 'merchant' } as const;
const id = z.string().min(1).max(64);
const hhmm = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'must be HH:MM (00:00 to 23:59)');
const capsSchema = z.partialRecord(z.enum(reachChannels), z.number().int().min(0).max(1_000));
const quietSchema = z.object({ from: hhmm, to: hhmm }).strict().nullable().openapi({ description: 'local to the consumer (trait `timezone`, else the merchant’s time zone); may span midnight; null: none' });

const settingsSchema = z
  .object({
    cap_per_channel: capsSchema.openapi({ description: 'at most this many marketing messages per consumer on the channel within the window; absent: no cap of its own' }),
    cap_across_channels: z.number().int().nullable().openapi({ description: 'at most this many marketing messages per consumer across channels within the window; null: none' }),
    cap_window_days: z.number().int(),
    quiet_hours: quietSchema,
    dedupe_window_hours: z.number().int().openapi({ description: 'a consumer sent a message of one campaign gets none of another campaign within this many hours (`duplicate`); 0: off' }),
    email_from_name: z.string().nullable(),
    smtp_server: z.string().nullable().openapi({ description: 'the host of the merchant’s own SMTP server (its credentials are never shown); null: the platform’s' }),
    webhook_url: z.string().nullable().openapi({ description: 'the SMS / push provider’s URL that the sms, push and webhook channels POST to' }),
    webhook_secret_set: z.boolean().openapi({ description: 'whether a webhook secret is set (it is never shown again)' }),
    updated_at: z.string().nullable(),
  })
  .openapi('ReachSettings');

const settingsJson = (s: ReachSettings) => ({
  cap_per_channel: s.cap_per_channel,
  cap_across_channels: s.cap_across_channels,
  cap_window_days: s.cap_window_days,
  quiet_hours: s.quiet_hours,
  dedupe_window_hours: s.dedupe_window_hours,
  email_from_name: s.email_from_name,
  smtp_server: s.smtp_url === null ? null : (/^smtps?:\/\/(?:[^@/]*@)?([^/?#]+)/.exec(s.smtp_url)?.[1] ?? 'set'),
  webhook_url: s.webhook_url,
  webhook_secret_set: s.webhook_secret !== null,
  updated_at: s.updated_at?.toISOString() ?? null,
});

export const getReachSettingsRoute = defineRoute({
  operationId: 'getReachSettings',
  method: 'get',
  path: '/v1/reach/settings',
  tags: ['Reach'],
  summary: 'Frequency caps, quiet hours, de-duplication and channel settings for reaching consumers',
  access: read,
  responses: { 200: jsonResponse(settingsSchema, 'The settings') },
});

export const putReachSettingsRoute = defineRoute({
  operationId: 'putReachSettings',
  method: 'put',
  path: '/v1/reach/settings',
  tags: ['Reach'],
  summary: 'Change reach settings; fields left out keep their value',
  access: write,
  request: jsonBody(
    z
      .object({
        cap_per_channel: capsSchema.optional(),
        cap_across_channels: z.number().int().min(0).max(1_000).nullable().optional(),
        cap_window_days: z.number().int().min(1).max(90).optional(),
        quiet_hours: quietSchema.optional(),
        dedupe_window_hours: z.number().int().min(0).max(720).optional(),
        email_from_name: z.string().trim().min(1).max(100).nullable().optional(),
        smtp_url: z.string().max(500).regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL').nullable().optional(),
        webhook_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2_000).nullable().optional(),
        webhook_secret: z.string().min(16, 'must be at least 16 characters').max(200).nullable().optional(),
      })
      .strict(),
  ),
  responses: { 200: jsonResponse(settingsSchema, 'The settings') },
});

const sendStatuses = ['sending', 'sent', 'delivered', 'failed', 'suppressed'] as const;
const sendReasons = [...suppressReasons, 'interrupted', 'refused'] as const;

const sendSchema = z
  .object({
    id: z.string(),
    profile_id: z.string(),
    channel: z.enum(reachChannels),
    purpose: z.enum(['marketing', 'service']),
    campaign_id: z.string().nullable(),
    step_id: z.string().nullable(),
    status: z.enum(sendStatuses),
    reason: z.enum(sendReasons).nullable(),
    subject: z.string().nullable(),
    error: z.string().nullable(),
    created_at: z.string(),
    sent_at: z.string().nullable(),
    opened_at: z.string().nullable(),
    clicked_at: z.string().nullable(),
  })
  .openapi('ReachSend');

interface SendRow {
  id: string;
  profile_id: string;
  channel: (typeof reachChannels)[number];
  purpose: 'marketing' | 'service';
  campaign_id: string | null;
  step_id: string | null;
  status: (typeof sendStatuses)[number];
  reason: (typeof sendReasons)[number] | null;
  subject: string | null;
  error: string | null;
  created_at: Date;
  sent_at: Date | null;
  opened_at: Date | null;
  clicked_at: Date | null;
}

const sendJson = (r: SendRow) => ({
  ...r,
  created_at: r.created_at.toISOString(),
  sent_at: r.sent_at?.toISOString() ?? null,
  opened_at: r.opened_at?.toISOString() ?? null,
  clicked_at: r.clicked_at?.toISOString() ?? null,
});

export const listReachSendsRoute = defineRoute({
  operationId: 'listReachSends',
  method: 'get',
  path: '/v1/reach/sends',
  tags: ['Reach'],
  summary: 'Messages sent or suppressed (with the reason), newest first',
  access: read,
  request: {
    query: pageQuerySchema.extend({
      campaign_id: id.optional(),
      profile_id: id.optional(),
      status: z.enum(sendStatuses).optional(),
      reason: z.enum(sendReasons).optional(),
    }),
  },
  responses: { 200: jsonResponse(pageSchema(sendSchema), 'A page of sends') },
});

const outcomeSchema = z
  .object({
    profile_id: z.string(),
    send_id: z.string(),
    status: z.enum(['sent', 'suppressed', 'failed', 'sending']),
    reason: z.enum(suppressReasons).nullable(),
    repeated: z.boolean(),
  })
  .openapi('ReachSendOutcome');

export const testSendRoute = defineRoute({
  operationId: 'createReachTestSend',
  method: 'post',
  path: '/v1/reach/test-sends',
  tags: ['Reach'],
  summary: 'Send one message to one consumer through the same checks as a campaign (consent, caps, quiet hours)',
  access: write,
  request: jsonBody(
    z
      .object({
        profile_id: id,
        channel: z.enum(reachChannels),
        purpose: z.enum(['marketing', 'service']).default('marketing'),
        subject: z.string().trim().min(1).max(200),
        text: z.string().trim().min(1).max(5_000).openapi({ description: '`{{name}}` is replaced with the consumer’s name' }),
        url: z.url({ protocol: /^https?$/ }).max(2_000).optional(),
        location_id: id.optional().openapi({ description: 'the screen channel: the store whose screens show it' }),
      })
      .strict(),
  ),
  responses: { 201: jsonResponse(outcomeSchema, 'What became of the send: sent, failed, or suppressed with its reason') },
});

const feedSchema = z.object({ id: z.string(), subject: z.string(), text: z.string(), url: z.string().nullable(), created_at: z.string(), read_at: z.string().nullable() }).openapi('AccountMessage');

export const accountMessagesRoute = defineRoute({
  operationId: 'listAccountMessages',
  method: 'get',
  path: '/v1/account/messages',
  tags: ['Accounts'],
  summary: 'The brand’s messages to the signed-in consumer (its storefront feed), newest first; what is returned is marked read (`read_at` null: new in this answer)',
  access: { scope: 'checkout:write', tenancy: 'public', keyKinds: ['publishable'] },
  request: { headers: consumerToken, query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(feedSchema), 'A page of messages; `read_at` is when the consumer first saw each, null for those new in this answer') },
});

const screenMessageSchema = z.object({ id: z.string(), subject: z.string(), text: z.string(), url: z.string().nullable(), created_at: z.string(), expires_at: z.string() }).openapi('ScreenMessage');
export const screen_messages_max = 50;

export const screenMessagesRoute = defineRoute({
  operationId: 'listScreenMessages',
  method: 'get',
  path: '/v1/reach/screen-messages',
  tags: ['Screens'],
  summary: `The messages queued for the calling screen’s store, newest first (at most ${screen_messages_max})`,
  access: { scope: 'storefront:read', tenancy: 'public', keyKinds: ['publishable'] },
  request: { headers: z.object({ [screenTokenHeader]: z.string().max(100).openapi({ param: { name: screenTokenHeader, in: 'header' }, description: 'the screen’s token from `POST /v1/screens`' }) }) },
  responses: { 200: jsonResponse(z.object({ data: z.array(screenMessageSchema) }), 'The messages') },
});

/** The profiles of the signed-in consumer in this brand's bank: by account ID or email, and those merged into them. */
async function profilesOfConsumer(db: AnyDb, merchant_id: string, consumer: { id: string; email: string }): Promise<string[]> {
  const email = storedIdentifier('email', consumer.email)?.value ?? '';
  const rows = await sql<{ id: string }>`
    with own as (select distinct profile_id from cdp_identity where merchant_id = ${merchant_id} and ((type = 'email' and value = ${email}) or (type = 'user_id' and value = ${consumer.id})))
    select id from cdp_profile where merchant_id = ${merchant_id} and (id in (select profile_id from own) or merged_into in (select profile_id from own))`.execute(db);
  return rows.rows.map((r) => r.id);
}

export function registerRoutes(router: ModuleRouter, { db, config }: ModuleContext, links?: ReachLinks): void {
  router.route(getReachSettingsRoute, async (c) => c.json(settingsJson(await reachSettings(db, config, c.get('caller').merchant_id)), 200));

  router.route(putReachSettingsRoute, async (c) => {
    const body = c.req.valid('json');
    const changes = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
    return c.json(settingsJson(await setReachSettings(db, config, c.get('caller').merchant_id, changes)), 200);
  });

  router.route(listReachSendsRoute, async (c) => {
    const q = c.req.valid('query');
    const after = decodeCursor(q.cursor);
    const rows = await sql<SendRow>`
      select id, profile_id, channel, purpose, campaign_id, step_id, status, reason, subject, error, created_at, sent_at, opened_at, clicked_at from reach_send
      where merchant_id = ${c.get('caller').merchant_id}
        ${q.campaign_id === undefined ? sql`` : sql`and campaign_id = ${q.campaign_id}`}
        ${q.profile_id === undefined ? sql`` : sql`and profile_id = ${q.profile_id}`}
        ${q.status === undefined ? sql`` : sql`and status = ${q.status}`}
        ${q.reason === undefined ? sql`` : sql`and reason = ${q.reason}`}
        ${after === undefined ? sql`` : sql`and id < ${after}`}
      order by id desc limit ${q.limit + 1}`.execute(db);
    const page = toPage(rows.rows, q.limit);
    return c.json({ data: page.items.map(sendJson), next_cursor: page.next_cursor }, 200);
  });

  router.route(testSendRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const body = c.req.valid('json');
    const exists = await sql`select 1 from cdp_profile where merchant_id = ${merchant_id} and id = ${body.profile_id}`.execute(db);
    if (exists.rows.length === 0) throw problems.notFound('The consumer');
    const [outcome] = await sendMessages(
      db,
      { config, links },
      {
        merchant_id,
        channel: body.channel,
        purpose: body.purpose,
        campaign_id: null,
        step_id: null,
        dedupe_key: `test:${newId('rtest')}`,
        profile_ids: [body.profile_id],
        message: { subject: body.subject, text: body.text, url: body.url, location_id: body.location_id },
      },
    );
    return c.json(outcome!, 201);
  });

  router.route(accountMessagesRoute, async (c) => {
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    const { limit, cursor } = c.req.valid('query');
    const merchant_id = c.get('caller').merchant_id;
    const rows = await readFeed(db, merchant_id, await profilesOfConsumer(db, merchant_id, consumer), decodeCursor(cursor), limit + 1);
    const page = toPage(rows, limit);
    return c.json({ data: page.items.map((m) => ({ ...m, created_at: m.created_at.toISOString(), read_at: m.read_at?.toISOString() ?? null })), next_cursor: page.next_cursor === null ? null : encodeCursor(page.items.at(-1)!.id) }, 200);
  });

  router.route(screenMessagesRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const screen = await screenOfToken(db, merchant_id, c.req.valid('header')[screenTokenHeader]);
    if (screen === undefined) throw new Problem(401, 'screen_unauthenticated', 'An active screen of this store is needed', `Send ${screenTokenHeader} with the token of an active screen of this merchant`);
    const rows = await screenMessages(db, merchant_id, screen.location_id, screen_messages_max);
    return c.json({ data: rows.map((m) => ({ ...m, created_at: m.created_at.toISOString(), expires_at: m.expires_at.toISOString() })) }, 200);
  });
}
