import type { Context, Handler, MiddlewareHandler } from 'hono';
import { Problem } from '../problem.js';
import type { AppEnv, Caller } from './context.js';

/**
 * Cross-origin requests from browsers (CORS). A storefront is a page on the merchant's own domain
 * and an analytics SDK runs on the merchant's pages, so the routes that accept a publishable key
 * answer browsers on other origins; no other route does (the console and secret-key routes stay
 * same-origin, and no answer ever allows credentials, so the console's cookie never travels
 * cross-origin).
 *
 * A preflight (OPTIONS) carries no key, so it is answered alike for every origin: which methods
 * and headers the route takes, without credentials. What protects a merchant is the actual
 * request: it carries the publishable key, and only when that key lists the request's origin in
 * its `allowed_origins` does the answer carry `Access-Control-Allow-Origin`. A browser request
 * from any other origin is refused before it does anything (403 `origin_not_allowed`), because a
 * request the browser sends without a preflight (a `text/plain` POST of an analytics SDK) reaches
 * the server even when the browser will hide the answer. A secret key never gets CORS headers.
 *
 * This guards browsers only: a program that is not a browser can send any `Origin`, or none, and
 * a publishable key is public by design.
 */

/** Request headers a storefront or an analytics SDK sends (lower case, as browsers list them). */
export const corsRequestHeaders = ['authorization', 'content-type', 'content-encoding', 'idempotency-key', 'x-consumer-token', 'x-cart-token', 'x-request-id', 'x-retry-count'] as const;

/** Response headers a page may read besides the CORS-safelisted ones. */
export const corsExposedHeaders = ['retry-after', 'x-request-id', 'idempotent-replayed', 'ratelimit-limit', 'ratelimit-remaining'] as const;

/** How long a browser may reuse a preflight answer (Chromium caps it at two hours). */
export const preflight_max_age_s = 600;

/** How many origins one publishable key may list. */
export const allowed_origins_max = 20;

/** `http://localhost:*`: any port of a loopback host, for development; no other wildcard exists. */
const loopbackAnyPort = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\]):\*$/;

/**
 * An allowed origin as a merchant may write it, normalised to the form browsers send in `Origin`
 * (lower-case scheme and host, default port dropped), or the reason it is not one.
 */
export function parseAllowedOrigin(text: string): { origin: string } | { error: string } {
  const trimmed = text.trim().replace(/\/$/, '');
  if (loopbackAnyPort.test(trimmed.toLowerCase())) return { origin: trimmed.toLowerCase() };
  if (trimmed.includes('*')) return { error: 'a wildcard is allowed only as the port of localhost, 127.0.0.1 or [::1], e.g. http://localhost:*' };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { error: 'must be an origin: scheme://host[:port], e.g. https://shop.example.com' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: 'must start with https:// or http://' };
  if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '' || /^https?:\/\/[^/]+\/./i.test(trimmed)) {
    return { error: 'must be an origin only (scheme://host[:port]), without path, query, fragment or user' };
  }
  return { origin: url.origin };
}

/** Whether a browser's `Origin` is one of the listed origins (or matches a loopback any-port entry). */
export function originAllowed(allowed: readonly string[], origin: string): boolean {
  for (const entry of allowed) {
    if (entry === origin) return true;
    if (entry.endsWith(':*')) {
      const base = entry.slice(0, -2);
      if (origin === base || (origin.startsWith(`${base}:`) && /^\d{1,5}$/.test(origin.slice(base.length + 1)))) return true;
    }
  }
  return false;
}

function originNotAllowed(origin: string, caller: Caller): Problem {
  const detail =
    caller.kind === 'publishable'
      ? `This publishable key does not allow requests from ${origin}; add the origin to the key's allowed_origins`
      : `A ${caller.kind === 'console' ? 'console session' : 'secret key'} is never accepted from a web page of another origin (${origin}); a storefront uses a publishable key`;
  return new Problem(403, 'origin_not_allowed', 'Origin not allowed', detail);
}

/**
 * The request's cross-origin `Origin`, or undefined for requests that need no CORS: programs
 * that send none, and the server's own pages (browsers mark those `Sec-Fetch-Site: same-origin`,
 * a header no page can forge; older browsers send an `Origin` equal to the server's own).
 */
function crossOrigin(c: Context<AppEnv>): string | undefined {
  const origin = c.req.header('origin');
  if (origin === undefined || c.req.header('sec-fetch-site') === 'same-origin') return undefined;
  if (origin === new URL(c.req.url).origin) return undefined;
  return origin;
}

/**
 * Lets a browser request from another origin through when the caller's publishable key lists
 * that origin, and refuses any other cross-origin browser request. Returns the admitted origin,
 * or undefined when the request needs no CORS.
 */
function checkOrigin(c: Context<AppEnv>, caller: Caller): string | undefined {
  const origin = crossOrigin(c);
  if (origin === undefined) return undefined;
  if (caller.kind !== 'publishable' || !originAllowed(caller.allowed_origins ?? [], origin)) throw originNotAllowed(origin, caller);
  return origin;
}

/** Marks the answer so the browser shows it to the page of the admitted origin. */
function markAnswer(c: Context<AppEnv>, origin: string | undefined): void {
  // The answer depends on the Origin, so a cache must not hand one origin's answer to another.
  c.header('Vary', 'Origin', { append: true });
  if (origin === undefined) return;
  c.header('Access-Control-Allow-Origin', origin);
  c.header('Access-Control-Expose-Headers', corsExposedHeaders.join(', '));
}

/**
 * `crossOriginAccess` for routes that resolve their key themselves (the data bank's Segment
 * routes): call it once the key is known, before the work.
 */
export function admitOrigin(c: Context<AppEnv>, caller: Caller): void {
  markAnswer(c, checkOrigin(c, caller));
}

/**
 * Route middleware after `requireKey` on every route a publishable key may call. The headers go
 * on the final answer, so errors further down the chain (a 429 and its `Retry-After`, a 400
 * naming a field) and answers made by a middleware of its own (an idempotent replay) reach the
 * page too.
 */
export const crossOriginAccess: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = checkOrigin(c, c.get('caller'));
  await next();
  // Only a browser's request pays for the copy of the finished answer that setting headers now
  // costs; the rest (servers, apps, the checkout benchmark) carry a key in Authorization, and
  // shared caches keep no such answers, so they need no `Vary`.
  if (origin !== undefined) markAnswer(c, origin);
};

/**
 * The answer to a preflight for a path with browser-reachable routes: the methods those routes
 * take and the headers a storefront sends, for any origin and never with credentials.
 */
export function preflight(methods: () => readonly string[]): Handler<AppEnv> {
  return (c) =>
    c.body(null, 204, {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': methods().join(', '),
      'Access-Control-Allow-Headers': corsRequestHeaders.join(', '),
      'Access-Control-Max-Age': String(preflight_max_age_s),
    });
}
