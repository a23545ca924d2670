import { z } from '@hono/zod-openapi';
import { clientAddress } from '../../kernel/http/client-address.js';
import { perAccountAndAddress, perAddress, SignInThrottle } from '../../kernel/http/sign-in-throttle.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { Problem, problems } from '../../kernel/problem.js';
import { changeConsumerPassword, consumerOfToken, signInConsumer, signOutConsumer, signUpConsumer, type ConsumerSession } from './accounts.js';
import type { Consumer } from './consumers.js';
import { checkLinkUrl } from './account-tokens.js';

/**
 * Consumer accounts over the storefront API: a storefront calls with its publishable key and,
 * once the consumer signed in, their session token in `X-Consumer-Token`.
 */
export const consumerTokenHeader = 'x-consumer-token';
export const consumerToken = z.object({
  [consumerTokenHeader]: z.string().max(100).optional().openapi({ param: { name: consumerTokenHeader, in: 'header' }, description: 'a signed-in consumer’s session token (`POST /v1/account/sessions`)' }),
});

const accountOut = z.object({ id: z.string(), email: z.string(), email_verified: z.boolean(), name: z.string(), phone: z.string().nullable(), created_at: z.string() }).openapi('ConsumerAccount');
const sessionOut = z.object({ token: z.string(), expires_at: z.string(), account: accountOut }).openapi('ConsumerSession');
const accountJson = (c: Consumer) => ({ id: c.id, email: c.email, email_verified: c.email_verified_at !== null, name: c.name, phone: c.phone, created_at: c.created_at.toISOString() });
const sessionJson = (s: ConsumerSession) => ({ token: s.token, expires_at: s.expires_at.toISOString(), account: accountJson(s.consumer) });

export const linkUrl = z.string().url().max(2_000);

export const storefrontWrite = { scope: 'checkout:write', tenancy: 'public', keyKinds: ['publishable', 'secret'] } as const;
const storefrontRead = { scope: ['storefront:read', 'checkout:write'], tenancy: 'public', keyKinds: ['publishable', 'secret'] } as const;

export const signUpRoute = defineRoute({
  operationId: 'createConsumerAccount',
  method: 'post',
  path: '/v1/account',
  tags: ['Consumer accounts'],
  summary: 'A consumer creates an account (one for every storefront on the platform) and is signed in',
  access: storefrontWrite,
  request: jsonBody(
    z
      .object({
        email: z.string().email().max(320),
        name: z.string().min(1).max(200),
        password: z.string().max(200),
        phone: z.string().max(40).optional(),
        email_verification_url: linkUrl.optional().openapi({ description: 'the storefront page that confirms the email; the emailed link is this URL with `token` added. It must be on an origin the key allows; without it the email carries the token as a code' }),
      })
      .strict(),
  ),
  responses: { 201: jsonResponse(sessionOut, 'The account and a session') },
});

export const signInRoute = defineRoute({
  operationId: 'signInConsumer',
  method: 'post',
  path: '/v1/account/sessions',
  tags: ['Consumer accounts'],
  summary: 'A consumer signs in; send the token as `X-Consumer-Token` from then on',
  access: storefrontWrite,
  request: jsonBody(z.object({ email: z.string().max(320), password: z.string().max(200) }).strict()),
  responses: { 201: jsonResponse(sessionOut, 'A session') },
});

export const getAccountRoute = defineRoute({
  operationId: 'getConsumerAccount',
  method: 'get',
  path: '/v1/account',
  tags: ['Consumer accounts'],
  summary: 'The signed-in consumer',
  access: storefrontRead,
  request: { headers: consumerToken },
  responses: { 200: jsonResponse(accountOut, 'The account') },
});

export const signOutRoute = defineRoute({
  operationId: 'signOutConsumer',
  method: 'delete',
  path: '/v1/account/session',
  tags: ['Consumer accounts'],
  summary: 'A consumer signs out; the token stops working',
  access: storefrontWrite,
  request: { headers: consumerToken },
  responses: { 200: jsonResponse(z.object({ signed_out: z.boolean() }), 'Signed out') },
});

export const changePasswordRoute = defineRoute({
  operationId: 'changeConsumerPassword',
  method: 'put',
  path: '/v1/account/password',
  tags: ['Consumer accounts'],
  summary: 'A signed-in consumer changes their password; their other sessions end',
  access: storefrontWrite,
  request: { headers: consumerToken, ...jsonBody(z.object({ current_password: z.string().max(200), new_password: z.string().max(200) }).strict()) },
  responses: { 200: jsonResponse(z.object({ changed: z.boolean() }), 'Changed') },
});

/** The signed-in consumer of a request, or 401 `consumer_unauthenticated`. */
export async function requireConsumer(db: ModuleContext['db'], token: string | undefined): Promise<Consumer> {
  const consumer = await consumerOfToken(db, token);
  if (consumer === undefined) throw new Problem(401, 'consumer_unauthenticated', 'A signed-in consumer is needed', `Send ${consumerTokenHeader} with a session token from POST /v1/account/sessions; it is missing, unknown, expired or signed out`);
  return consumer;
}

/** Failed sign-ins allowed in 15 minutes, per email and client address, and per address. */
const sign_in_rules = [perAccountAndAddress(10), perAddress(50)];
const sign_in_block_s = 15 * 60;

export function registerRoutes(router: ModuleRouter, { db, config, logger }: ModuleContext): void {
  const throttle = new SignInThrottle(db, 'consumer_sign_in', sign_in_rules, sign_in_block_s);

  router.route(signUpRoute, async (c) => {
    const { email_verification_url, ...input } = c.req.valid('json');
    const caller = c.get('caller');
    const link_url = checkLinkUrl(email_verification_url, caller.allowed_origins, 'email_verification_url');
    return c.json(sessionJson(await signUpConsumer(db, input, { config, merchant_id: caller.merchant_id, link_url })), 201);
  });

  router.route(signInRoute, async (c) => {
    const { email, password } = c.req.valid('json');
    const account = email.trim().toLowerCase();
    const address = clientAddress(c, config.OPENBOS_TRUSTED_PROXIES, logger);
    await throttle.check(account, address);
    const session = await signInConsumer(db, account, password);
    if (session === undefined) {
      await throttle.failed(account, address);
      throw new Problem(401, 'invalid_credentials', 'Sign-in failed', 'The email or password is not right');
    }
    await throttle.succeeded(account, address);
    return c.json(sessionJson(session), 201);
  });

  router.route(getAccountRoute, async (c) => c.json(accountJson(await requireConsumer(db, c.req.valid('header')[consumerTokenHeader])), 200));

  router.route(changePasswordRoute, async (c) => {
    const token = c.req.valid('header')[consumerTokenHeader];
    const consumer = await requireConsumer(db, token);
    const { current_password, new_password } = c.req.valid('json');
    // A wrong current password counts as a failed sign-in: a stolen session must not guess it.
    const address = clientAddress(c, config.OPENBOS_TRUSTED_PROXIES, logger);
    await throttle.check(consumer.email, address);
    if (!(await changeConsumerPassword(db, consumer.id, current_password, new_password, token!))) {
      await throttle.failed(consumer.email, address);
      throw problems.validation([{ field: 'current_password', location: 'body', message: 'is not the current password' }]);
    }
    return c.json({ changed: true }, 200);
  });

  router.route(signOutRoute, async (c) => {
    const token = c.req.valid('header')[consumerTokenHeader];
    await requireConsumer(db, token);
    await signOutConsumer(db, token!);
    return c.json({ signed_out: true }, 200);
  });
}
