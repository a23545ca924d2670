import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { presentedKey, sessionCookie } from '../../kernel/http/auth.js';
import { clientAddress } from '../../kernel/http/client-address.js';
import { perAccount, perAccountAndAddress, perAddress, SignInThrottle } from '../../kernel/http/sign-in-throttle.js';
import type { AppEnv, Caller } from '../../kernel/http/context.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { Config } from '../../kernel/config.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { Problem, problems } from '../../kernel/problem.js';
import { csrfTokenFor, getSession, sessionAuthenticator, signIn, signOut, type SignedIn } from './console-sessions.js';
import { createConsoleUser, getConsoleUser, listConsoleUsers, updateConsoleUser, type ConsoleUser } from './console-users.js';
import { getMerchant } from './merchants.js';
import type { ScopeCatalogue } from '../../kernel/http/scopes.js';
import { usersWithTwoFactor } from './two-factor.js';
import { assertWithinPowers, consoleRoles, scopesOfRole } from './roles.js';
import { merchantSettings } from './settings.js';

/** Sign-in, sign-out and the people of a merchant who use the web console. */
const roleSchema = z.enum(consoleRoles);
export const consoleUserSchema = z
  .object({ id: z.string(), email: z.string(), name: z.string(), role: roleSchema, created_at: z.string().datetime(), disabled_at: z.string().datetime().nullable() })
  .openapi('ConsoleUser');

export const sessionSchema = z
  .object({
    user: consoleUserSchema,
    merchant: z.object({ id: z.string(), handle: z.string(), name: z.string(), kind: z.string(), default_currency: z.string(), country: z.string(), time_zone: z.string() }),
    scopes: z.array(z.string()),
    csrf_token: z.string().openapi({ description: 'send it as `X-CSRF-Token` on every request that changes something' }),
    expires_at: z.string().datetime(),
  })
  .openapi('ConsoleSession');

export const signInChallengeSchema = z
  .object({
    second_factor: z.object({
      challenge_token: z.string().openapi({ description: 'send it with a code to POST /v1/console/sessions/second-factor within five minutes' }),
      purpose: z.enum(['verify', 'enrol']).openapi({ description: '`verify`: enter a code from the authenticator app or a recovery code; `enrol`: the store requires a second factor, set one up first' }),
      expires_at: z.string().datetime(),
    }),
  })
  .openapi('ConsoleSignInChallenge');

export function userJson(u: ConsoleUser): z.infer<typeof consoleUserSchema> {
  return { id: u.id, email: u.email, name: u.name, role: u.role, created_at: u.created_at.toISOString(), disabled_at: u.disabled_at?.toISOString() ?? null };
}

export const signInRoute = defineRoute({
  operationId: 'signIn',
  method: 'post',
  path: '/v1/console/sessions',
  tags: ['Console'],
  summary: 'Sign in to the console with the merchant’s handle, an email and a password; sets the session cookie',
  access: { scope: 'public', tenancy: 'public' },
  request: jsonBody(z.object({ merchant: z.string().min(1).max(64), email: z.string().min(3).max(254), password: z.string().min(1).max(200) }).strict()),
  responses: {
    201: jsonResponse(sessionSchema, 'Signed in; the `bos_session` cookie is set'),
    202: jsonResponse(signInChallengeSchema, 'The password is right; a second factor comes next, and no cookie is set yet'),
  },
});

export const getSessionRoute = defineRoute({
  operationId: 'getConsoleSession',
  method: 'get',
  path: '/v1/console/session',
  tags: ['Console'],
  summary: 'The signed-in person, the merchant and what the person may do',
  access: { scope: 'merchant:read', tenancy: 'merchant', keyKinds: ['console'] },
  responses: { 200: jsonResponse(sessionSchema, 'The session') },
});

export const sessionStateRoute = defineRoute({
  operationId: 'getConsoleSessionState',
  method: 'get',
  path: '/v1/console/session/state',
  tags: ['Console'],
  summary: 'Whether this browser is signed in to the console, with the session when it is. It answers 200 either way, so a page that asks on every load logs no error for a visitor who has not signed in',
  access: { scope: 'public', tenancy: 'public' },
  responses: { 200: jsonResponse(z.object({ signed_in: z.boolean(), session: sessionSchema.nullable() }).openapi('ConsoleSessionState'), 'Signed in (with the session) or not (`session` is null)') },
});

export const signOutRoute = defineRoute({
  operationId: 'signOut',
  method: 'delete',
  path: '/v1/console/session',
  tags: ['Console'],
  summary: 'Sign out: the session ends at once and the cookie is cleared',
  access: { scope: 'merchant:read', tenancy: 'merchant', keyKinds: ['console'] },
  responses: { 200: jsonResponse(z.object({ signed_out: z.literal(true) }), 'Signed out') },
});

const userParams = z.object({ user_id: z.string().max(64).openapi({ param: { name: 'user_id', in: 'path' } }) });

export const listUsersRoute = defineRoute({
  operationId: 'listConsoleUsers',
  method: 'get',
  path: '/v1/console-users',
  tags: ['Console'],
  summary: 'The people who may sign in to this merchant’s console',
  access: { scope: 'users:read', tenancy: 'merchant' },
  responses: { 200: jsonResponse(z.object({ data: z.array(consoleUserSchema.extend({ two_factor_enabled: z.boolean() }).openapi('ConsoleUserListed')) }), 'Console users') },
});

export const createUserRoute = defineRoute({
  operationId: 'createConsoleUser',
  method: 'post',
  path: '/v1/console-users',
  tags: ['Console'],
  summary: 'Invite a person to the console with a role and an initial password',
  access: { scope: 'users:write', tenancy: 'merchant' },
  request: jsonBody(z.object({ email: z.string().email().max(254), name: z.string().min(1).max(200), role: roleSchema, password: z.string().min(10).max(200) }).strict()),
  responses: { 201: jsonResponse(consoleUserSchema, 'The new console user') },
});

export const updateUserRoute = defineRoute({
  operationId: 'updateConsoleUser',
  method: 'patch',
  path: '/v1/console-users/{user_id}',
  tags: ['Console'],
  summary: 'Change a person’s name, role or password, or disable or enable the person; a merchant keeps at least one owner',
  access: { scope: 'users:write', tenancy: 'merchant' },
  request: { params: userParams, ...jsonBody(z.object({ name: z.string().min(1).max(200).optional(), role: roleSchema.optional(), disabled: z.boolean().optional(), password: z.string().min(10).max(200).optional() }).strict()) },
  responses: { 200: jsonResponse(consoleUserSchema, 'The console user') },
});

/** Failed console sign-ins allowed in 15 minutes, per store, email and address; per address; per store and email. */
const sign_in_rules = [perAccountAndAddress(10), perAddress(50), perAccount(100)];
const sign_in_block_s = 15 * 60;

/**
 * Whether the browser reached us over HTTPS: directly, by the public URL's say, or, behind a
 * trusted reverse proxy that ends TLS, by the `X-Forwarded-Proto` it sets (its own entry is the
 * last one; a client may have sent earlier ones). An untrusted header counts for nothing.
 */
function isHttps(c: Context<AppEnv>, config: Pick<Config, 'OPENBOS_PUBLIC_URL' | 'OPENBOS_TRUSTED_PROXIES'>): boolean {
  if (new URL(c.req.url).protocol === 'https:' || (config.OPENBOS_PUBLIC_URL?.startsWith('https:') ?? false)) return true;
  if (config.OPENBOS_TRUSTED_PROXIES === 0) return false;
  const forwarded = c.req.header('x-forwarded-proto')?.split(',').at(-1)?.trim().toLowerCase();
  return forwarded === 'https';
}

export function setSessionCookie(c: Context<AppEnv>, session: SignedIn, config: Pick<Config, 'OPENBOS_PUBLIC_URL' | 'OPENBOS_TRUSTED_PROXIES'>): void {
  setCookie(c, sessionCookie, session.token, { httpOnly: true, sameSite: 'Strict', path: '/', secure: isHttps(c, config), expires: session.expires_at });
}

export function sessionJson({ merchant, user, csrf_token, expires_at }: SignedIn, catalogue: ScopeCatalogue): z.infer<typeof sessionSchema> {
  return {
    user: userJson(user),
    merchant: { id: merchant.id, handle: merchant.handle, name: merchant.name, kind: merchant.kind, default_currency: merchant.default_currency, country: merchant.country, time_zone: merchant.time_zone },
    scopes: scopesOfRole(user.role, catalogue, merchant.platform_operator),
    csrf_token,
    expires_at: expires_at.toISOString(),
  };
}

export function registerConsoleRoutes(router: ModuleRouter, { db, config, logger, registry }: ModuleContext): void {
  const throttle = new SignInThrottle(db, 'console_sign_in', sign_in_rules, sign_in_block_s);
  const isPlatformOperator = async (merchant_id: string) => (await getMerchant(db, merchant_id))?.platform_operator === true;

  router.route(signInRoute, async (c) => {
    const input = c.req.valid('json');
    const account = `${input.merchant.trim().toLowerCase()}:${input.email.trim().toLowerCase()}`;
    const address = clientAddress(c, config.OPENBOS_TRUSTED_PROXIES, logger);
    await throttle.check(account, address);
    const step = await signIn(db, input, merchantSettings.of(config).OPENBOS_CONSOLE_SESSION_TTL_S);
    if (step === undefined) {
      await throttle.failed(account, address);
      throw new Problem(401, 'invalid_credentials', 'Sign-in failed', 'The store, email or password is not right');
    }
    await throttle.succeeded(account, address);
    if (step.kind === 'second_factor') {
      const { token, purpose, expires_at } = step.challenge;
      return c.json({ second_factor: { challenge_token: token, purpose, expires_at: expires_at.toISOString() } }, 202);
    }
    setSessionCookie(c, step.session, config);
    return c.json(sessionJson(step.session, registry.scopes), 201);
  });

  /** The session of a signed-in caller, as GET /v1/console/session answers it; undefined once it has ended. */
  async function currentSession(caller: Caller, token: string): Promise<z.infer<typeof sessionSchema> | undefined> {
    const [session, merchant] = await Promise.all([getSession(db, caller.merchant_id, caller.key_id), getMerchant(db, caller.merchant_id)]);
    if (session === undefined || merchant === undefined) return undefined;
    return {
      user: userJson(session.user),
      merchant: { id: merchant.id, handle: merchant.handle, name: merchant.name, kind: merchant.kind, default_currency: merchant.default_currency, country: merchant.country, time_zone: merchant.time_zone },
      scopes: [...caller.scopes],
      csrf_token: csrfTokenFor(token),
      expires_at: session.expires_at.toISOString(),
    };
  }

  router.route(getSessionRoute, async (c) => {
    const token = presentedKey(c.req.header('authorization')) ?? getCookie(c, sessionCookie) ?? '';
    const session = await currentSession(c.get('caller'), token);
    if (session === undefined) throw problems.unauthenticated('The session has ended');
    return c.json(session, 200);
  });

  const authenticateSession = sessionAuthenticator(db, registry.scopes);
  router.route(sessionStateRoute, async (c) => {
    // Only the cookie: this is the console's question about its own browser. Reading it changes
    // nothing, so it needs no anti-forgery token.
    const token = getCookie(c, sessionCookie) ?? '';
    const caller = token === '' ? undefined : await authenticateSession(token);
    const session = caller === undefined ? undefined : await currentSession(caller, token);
    return c.json({ signed_in: session !== undefined, session: session ?? null }, 200);
  });

  router.route(signOutRoute, async (c) => {
    const caller = c.get('caller');
    await signOut(db, caller.merchant_id, caller.key_id);
    deleteCookie(c, sessionCookie, { path: '/' });
    return c.json({ signed_out: true as const }, 200);
  });

  router.route(listUsersRoute, async (c) => {
    const { merchant_id } = c.get('caller');
    const [users, withFactor] = await Promise.all([listConsoleUsers(db, merchant_id), usersWithTwoFactor(db, merchant_id)]);
    return c.json({ data: users.map((u) => ({ ...userJson(u), two_factor_enabled: withFactor.has(u.id) })) }, 200);
  });

  router.route(createUserRoute, async (c) => {
    const caller = c.get('caller');
    const input = c.req.valid('json');
    const operator = await isPlatformOperator(caller.merchant_id);
    assertWithinPowers(caller.scopes, scopesOfRole(input.role, registry.scopes, operator), `The role ${input.role}`);
    const user = await createConsoleUser(db, { merchant_id: caller.merchant_id, ...input }, caller.actor);
    return c.json(userJson(user), 201);
  });

  router.route(updateUserRoute, async (c) => {
    const caller = c.get('caller');
    const { user_id } = c.req.valid('param');
    const target = await getConsoleUser(db, caller.merchant_id, user_id);
    if (target === undefined) throw problems.notFound('The console user');
    const changes = c.req.valid('json');
    // In the operator's account a person's powers include the platform scopes: a key (which can
    // hold none) must not take over someone who holds them.
    const operator = await isPlatformOperator(caller.merchant_id);
    assertWithinPowers(caller.scopes, scopesOfRole(target.role, registry.scopes, operator), `This person (${target.role})`);
    if (changes.role !== undefined) assertWithinPowers(caller.scopes, scopesOfRole(changes.role, registry.scopes, operator), `The role ${changes.role}`);
    const user = await updateConsoleUser(db, caller.merchant_id, user_id, changes, caller.actor);
    if (user === undefined) throw problems.notFound('The console user');
    return c.json(userJson(user), 200);
  });
}
