import type { MiddlewareHandler } from 'hono';
import { problems } from '../problem.js';
import type { AppEnv, Authenticator } from './context.js';
import type { RouteAccess } from './route.js';

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

export function requireKey(authenticator: Authenticator, access: RouteAccess): MiddlewareHandler<AppEnv> {
  const kinds = access.keyKinds ?? ['secret'];
  return async (c, next) => {
    if (access.scope === 'public') return next();
    const token = presentedKey(c.req.header('authorization'));
    if (token === undefined || token === '') throw problems.unauthenticated();
    const caller = await authenticator.authenticate(token);
    if (caller === undefined) throw problems.unauthenticated('The API key is unknown or has been revoked');
    if (!kinds.includes(caller.kind)) {
      throw problems.unauthenticated(`This operation needs a ${kinds.join(' or ')} key, not a ${caller.kind} key`);
    }
    const anyOf = typeof access.scope === 'string' ? [access.scope] : access.scope;
    if (!anyOf.some((scope) => caller.scopes.has(scope))) throw problems.forbidden(anyOf.join('` or `'));
    c.set('caller', caller);
    c.set('logger', c.get('logger').child({ merchant_id: caller.merchant_id, key_id: caller.key_id }));
    return next();
  };
}
