import { z } from '@hono/zod-openapi';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { getMailMessage, listMailMessages, type MailMessage } from './mail-messages.js';
import { mailStatuses } from './tables.js';
import { transportKind, type MailTransport } from './transport.js';

/**
 * The outbox as the console shows it: what was sent on the merchant's behalf, its status and,
 * in development, its body. Mail may carry a password-reset link for any of the merchant's
 * people, so it takes `users:read` (owners and admins; a secret key may create users anyway).
 */
const access = { scope: 'users:read', tenancy: 'merchant' } as const;
const transportSchema = z.enum(['smtp', 'none']).openapi({ description: '`none`: no SMTP server is configured, so mail is recorded here and not sent' });

const summarySchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    from: z.string(),
    to: z.string(),
    subject: z.string(),
    status: z.enum(mailStatuses),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    smtp_message_id: z.string().nullable(),
    sensitive: z.boolean().openapi({ description: 'it carries a single-use link' }),
    created_at: z.string().datetime(),
    sent_at: z.string().datetime().nullable(),
  })
  .openapi('MailMessageSummary');

const messageSchema = summarySchema
  .extend({
    body: z.enum(['shown', 'hidden', 'erased']).openapi({ description: '`hidden`: it carries a secret link and an SMTP server delivers mail, so only its recipient may read it; `erased`: the link was erased after sending' }),
    text: z.string().nullable(),
    html: z.string().nullable(),
  })
  .openapi('MailMessage');

type Summary = Omit<MailMessage, 'text_body' | 'html_body'>;
const summaryJson = (m: Summary): z.infer<typeof summarySchema> => ({
  id: m.id,
  kind: m.kind,
  from: m.from_address,
  to: m.to_address,
  subject: m.subject,
  status: m.status,
  attempts: m.attempts,
  last_error: m.last_error,
  smtp_message_id: m.smtp_message_id,
  sensitive: m.sensitive,
  created_at: m.created_at.toISOString(),
  sent_at: m.sent_at?.toISOString() ?? null,
});

function messageJson(m: MailMessage, transport: MailTransport['kind']): z.infer<typeof messageSchema> {
  const body = m.body_erased_at !== null ? 'erased' : m.sensitive && transport === 'smtp' ? 'hidden' : 'shown';
  return { ...summaryJson(m), body, text: body === 'shown' ? m.text_body : null, html: body === 'shown' ? m.html_body : null };
}

export const listMailRoute = defineRoute({
  operationId: 'listMailMessages',
  method: 'get',
  path: '/v1/mail-messages',
  tags: ['Mail'],
  summary: 'Mail sent on this merchant’s behalf, newest first (the development outbox)',
  access,
  request: { query: pageQuerySchema.extend({ status: z.enum(mailStatuses).optional() }) },
  responses: { 200: jsonResponse(pageSchema(summarySchema).extend({ transport: transportSchema }), 'A page of messages') },
});

export const getMailRoute = defineRoute({
  operationId: 'getMailMessage',
  method: 'get',
  path: '/v1/mail-messages/{mail_id}',
  tags: ['Mail'],
  summary: 'One message with its body, unless it carries a secret link that only its recipient may read',
  access,
  request: { params: z.object({ mail_id: z.string().max(64).openapi({ param: { name: 'mail_id', in: 'path' } }) }) },
  responses: { 200: jsonResponse(messageSchema, 'The message') },
});

export function registerRoutes(router: ModuleRouter, { db, config }: ModuleContext): void {
  const transport = transportKind(config);

  router.route(listMailRoute, async (c) => {
    const { limit, cursor, status } = c.req.valid('query');
    const rows = await listMailMessages(db, c.get('caller').merchant_id, { status, before_id: decodeCursor(cursor), limit: limit + 1 });
    const page = toPage(rows, limit);
    return c.json({ data: page.items.map(summaryJson), next_cursor: page.next_cursor, transport }, 200);
  });

  router.route(getMailRoute, async (c) => {
    const message = await getMailMessage(db, c.get('caller').merchant_id, c.req.valid('param').mail_id);
    if (message === undefined) throw problems.notFound('The mail message');
    return c.json(messageJson(message, transport), 200);
  });
}
