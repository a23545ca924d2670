import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { timingSafeEqual } from 'node:crypto';
import { Problem, problems } from '../problem.js';
import type { AppEnv, Authenticator, Caller } from './context.js';
import type { RouteAccess } from './route.js';

/** The cookie that carries a console session; HttpOnly, so scripts on the page never see it. */
export const sessionCookie = 'bos_session';
export const csrfHeader = 'x-csrf-token';

/** The key a request presents: `Authorization: Bearer <key>`, or Basic with the key as user name. */
export function presentedKey(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const [scheme, value] = authorization.split(' ', 2);
  if (value === undefined) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value.trim();
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.split(':', 1)[0];
  }
  return undefined;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A browser sends the session cookie with every request to this origin, including ones another
 * site tricks it into making. So a request authenticated by the cookie that changes anything must
 * also carry the session's anti-forgery token in a header, which only this origin's pages can
 * read (from the sign-in answer) and set.
 */
function checkCsrf(authenticator: Authenticator, method: string, token: string, presented: string | undefined): void {
  if (safeMethods.has(method)) return;
  const expected = authenticator.csrfTokenFor(token);
  const ok = expected !== undefined && presented !== undefined && presented.length === expected.length && timingSafeEqual(Buffer.from(presented), Buffer.from(expected));
  if (!ok) throw problems.forbiddenCsrf();
}

function kindAllowed(caller: Caller, kinds: readonly string[]): boolean {
  // A console session acts with the rights of a secret key, narrowed by the role's scopes.
  return kinds.includes(caller.kind) || (caller.kind === 'console' && kinds.includes('secret'));
}

export function requireKey(authenticator: Authenticator, access: RouteAccess): MiddlewareHandler<AppEnv> {
  const kinds = access.keyKinds ?? ['secret'];
  return async (c, next) => {
    if (access.scope === 'public') return next();
    const fromHeader = presentedKey(c.req.header('authorization'));
    const fromCookie = fromHeader === undefined ? getCookie(c, sessionCookie) : undefined;
    const token = fromHeader ?? fromCookie;
    if (token === undefined || token === '') throw problems.unauthenticated();
    const caller = await authenticator.authenticate(token);
    if (caller === undefined) throw problems.unauthenticated('The API key or session is unknown, expired or revoked');
    if (fromCookie !== undefined) checkCsrf(authenticator, c.req.method, token, c.req.header(csrfHeader));
    if (!kindAllowed(caller, kinds)) {
      // Authenticated, but not allowed: 403, so a client does not retry with the same key thinking it was refused.
      throw new Problem(403, 'wrong_key_kind', 'This kind of key may not do that', `This operation needs a ${kinds.join(' or ')} key, not a ${caller.kind} ${caller.kind === 'console' ? 'session' : 'key'}`);
    }
    const anyOf = typeof access.scope === 'string' ? [access.scope] : access.scope;
    if (!anyOf.some((scope) => caller.scopes.has(scope))) throw problems.forbidden(anyOf.join('` or `'));
    c.set('caller', caller);
    Object.assign(c.get('logFields'), { merchant_id: caller.merchant_id, key_id: caller.key_id });
    return next();
  };
}
