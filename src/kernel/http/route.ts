import { createRoute, type RouteConfig, type z } from '@hono/zod-openapi';

type ZodType = z.ZodType;
import { problemContentType, problemSchema } from '../problem.js';
import type { CallerKind } from './context.js';
import type { Scope } from './scopes.js';

/**
 * Every API route is declared with what it needs: the scope, which kinds of key may call it and
 * whether the data it touches belongs to a merchant. The route table built from these
 * declarations drives authentication, the OpenAPI document and the tenancy test that walks
 * every route.
 */
export interface RouteAccess {
  /** `public` routes need no key (health, settings for SDKs); a list means any one of them. */
  readonly scope: Scope | readonly Scope[] | 'public';
  /**
   * The kinds of credential accepted (default: secret keys and console sessions). A route that
   * accepts publishable keys is reachable by browsers on the origins the key lists (cors.ts). A
   * `public` route that resolves a key itself (the data bank's Segment routes) names the kinds
   * its handler accepts, and its handler must call `admitOrigin` with the key before acting.
   */
  readonly keyKinds?: readonly CallerKind[];
  /**
   * `merchant`: reads or writes one merchant's data and must never show another's. `platform`:
   * the platform operator's routes across every seller; they require `platform` scopes, which
   * no key and no merchant's role holds.
   */
  readonly tenancy: 'merchant' | 'platform' | 'public';
}

/** Whether browsers on other origins may call the route with a publishable key. */
export function isBrowserRoute(access: RouteAccess): boolean {
  return access.keyKinds?.includes('publishable') ?? false;
}

export type ApiRoute<R extends RouteConfig = RouteConfig> = R & { access: RouteAccess; body_limit_bytes?: number };

/** A route that takes bodies larger than OPENBOS_BODY_LIMIT_BYTES (an image upload), and its own limit. */
export interface LargeBodyRoute {
  method: string;
  pattern: RegExp;
  limit_bytes: number;
}

const problemResponse = (description: string) => ({
  description,
  content: { [problemContentType]: { schema: problemSchema } },
});

export const standardProblems = {
  400: problemResponse('Invalid request: malformed JSON or invalid fields'),
  401: problemResponse('Missing, unknown or revoked API key'),
  403: problemResponse('The API key lacks the required scope'),
  404: problemResponse('Not found, or owned by another merchant'),
  409: problemResponse('Conflict with the current state, or an idempotent request still in progress'),
  413: problemResponse('Request body too large'),
  422: problemResponse('Idempotency key reused with a different request, or a business rule refused it'),
  429: problemResponse('Rate limit exceeded'),
} as const;

export function defineRoute<const R extends RouteConfig>(config: R & { operationId: string; access: RouteAccess; body_limit_bytes?: number }): ApiRoute<R> {
  const scope = config.access.scope;
  const security = scope === 'public' ? [] : [{ apiKey: typeof scope === 'string' ? [scope] : [...scope] }];
  const route = createRoute({
    security,
    ...config,
    responses: { ...standardProblems, ...config.responses },
  });
  return Object.assign(route, { access: config.access, ...(config.body_limit_bytes === undefined ? {} : { body_limit_bytes: config.body_limit_bytes }) });
}

/** A JSON response of a route, for `responses: { 200: jsonResponse(schema, '...') }`. */
export function jsonResponse<T extends ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** A required JSON request body, for `request: { ...jsonBody(schema) }`. */
export function jsonBody<T extends ZodType>(schema: T) {
  return { body: { required: true, content: { 'application/json': { schema } } } };
}
