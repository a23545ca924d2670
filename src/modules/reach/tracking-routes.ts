import { z } from '@hono/zod-openapi';
import { defineRoute } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { recordClick, recordOpen, sendOf, unsubscribe, verifyTrackingToken, type TrackingAction } from './tracking.js';

/**
 * The links in a message: no key (a mail client, an <img>, a consumer's browser sends none); the
 * signed token is the authority (tracking.ts). A token that is not one is refused (400), one whose
 * signature fails or whose send does not exist is not found (404), and nothing is recorded.
 */
const tokenParams = z.object({
  token: z
    .string()
    .max(4_000)
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'not a tracking token')
    .openapi({ param: { name: 'token', in: 'path' } }),
});
const access = { scope: 'public', tenancy: 'public' } as const;
const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
const tags = ['Reach: unsubscribe and tracking'];

export const unsubscribePageRoute = defineRoute({
  operationId: 'reachUnsubscribePage',
  method: 'get',
  path: '/v1/reach/unsubscribe/{token}',
  tags,
  summary: 'The page a message’s unsubscribe link opens: it asks the consumer to confirm (a link scanner’s GET unsubscribes nobody)',
  access,
  request: { params: tokenParams },
  responses: { 200: html('The confirmation page') },
});

export const unsubscribeRoute = defineRoute({
  operationId: 'reachUnsubscribe',
  method: 'post',
  path: '/v1/reach/unsubscribe/{token}',
  tags,
  summary: 'Unsubscribe: the consumer refuses marketing by the message’s channel. The confirmation page’s button, and RFC 8058 one-click (`List-Unsubscribe=One-Click`)',
  access,
  request: { params: tokenParams },
  responses: { 200: html('Unsubscribed') },
});

export const openPixelRoute = defineRoute({
  operationId: 'reachOpenPixel',
  method: 'get',
  path: '/v1/reach/open/{token}',
  tags,
  summary: 'A 1x1 GIF in a message; fetching it records the open (`opened_at`, `Message Opened`)',
  access,
  request: { params: tokenParams },
  responses: { 200: { description: 'A transparent GIF', content: { 'image/gif': { schema: z.string().openapi({ format: 'binary' }) } } } },
});

export const clickRoute = defineRoute({
  operationId: 'reachClick',
  method: 'get',
  path: '/v1/reach/click/{token}',
  tags,
  summary: 'A link in a message: records the click (`clicked_at`, `Message Clicked`) and redirects to the URL signed into the token (never one given as a parameter)',
  access,
  request: { params: tokenParams },
  responses: { 302: { description: 'To the message’s link' } },
});

/** The smallest transparent GIF (43 bytes). */
const pixel = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${title}</title>` +
  `<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font-size:1rem;padding:.5rem 1rem}</style></head><body>${body}</body></html>`;

const channelWords: Record<string, string> = { email: 'emails', sms: 'text messages', push: 'notifications', webhook: 'messages', feed: 'messages', screen: 'messages' };

export function registerTrackingRoutes(router: ModuleRouter, { db, config }: ModuleContext): void {
  const check = (action: TrackingAction, token: string) => {
    const verified = verifyTrackingToken(config, action, token);
    if (!verified.ok) {
      if (verified.why === 'malformed') throw problems.validation([{ field: 'token', location: 'path', message: 'not a tracking token' }]);
      throw problems.notFound('The link');
    }
    return verified;
  };

  router.route(unsubscribePageRoute, async (c) => {
    const { token } = c.req.valid('param');
    const t = check('unsubscribe', token);
    const send = await sendOf(db, t.merchant_id, t.send_id, false);
    if (send === undefined) throw problems.notFound('The link');
    const words = channelWords[send.channel] ?? 'messages';
    return c.html(page('Unsubscribe', `<h1>Unsubscribe</h1><p>Stop receiving marketing ${words} like this one?</p><form method="post"><button type="submit">Unsubscribe</button></form>`), 200);
  });

  router.route(unsubscribeRoute, async (c) => {
    const t = check('unsubscribe', c.req.valid('param').token);
    const send = await unsubscribe(db, t.merchant_id, t.send_id);
    if (send === undefined) throw problems.notFound('The link');
    const words = channelWords[send.channel] ?? 'messages';
    return c.html(page('Unsubscribed', `<h1>You are unsubscribed</h1><p>You will no longer receive marketing ${words} from this brand.</p>`), 200);
  });

  router.route(openPixelRoute, async (c) => {
    const t = check('open', c.req.valid('param').token);
    if (!(await recordOpen(db, t.merchant_id, t.send_id))) throw problems.notFound('The link');
    return c.body(pixel, 200, { 'content-type': 'image/gif', 'cache-control': 'no-store, private' });
  });

  router.route(clickRoute, async (c) => {
    const t = check('click', c.req.valid('param').token);
    if (!(await recordClick(db, t.merchant_id, t.send_id, t.url!))) throw problems.notFound('The link');
    return c.redirect(t.url!, 302);
  });
}
