import type { OpenAPIHono, RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AnyDb } from '../db.js';
import type { ModuleRouter } from '../module.js';
import { requireKey } from './auth.js';
import { crossOriginAccess, preflight } from './cors.js';
import type { AppEnv, Authenticator } from './context.js';
import { idempotency } from './idempotency.js';
import { isBrowserRoute, type ApiRoute, type LargeBodyRoute, type RouteAccess } from './route.js';
import type { ScopeCatalogue } from './scopes.js';

/** One row of the route table: what the tenancy test and the docs walk. */
export interface RouteEntry {
  readonly module: string;
  readonly operationId: string;
  readonly method: string;
  /** OpenAPI path, e.g. `/v1/locations/{location_id}`. */
  readonly path: string;
  readonly access: RouteAccess;
}

export interface RouterDeps {
  app: OpenAPIHono<AppEnv>;
  db: AnyDb;
  authenticator: Authenticator;
  rateLimit: MiddlewareHandler<AppEnv>;
  table: RouteEntry[];
  /** How long a request in progress holds its Idempotency-Key without renewing it (idempotency.ts). */
  idempotency_lease_ms?: number;
  /** The declared scopes: a route that requires another one is a typo, refused at startup. */
  scopes: ScopeCatalogue;
  /** Filled with the routes that declare their own body limit; the app's body-limit middleware reads it. */
  large_bodies?: LargeBodyRoute[];
}

/**
 * Registers a module's routes with the middleware every route inherits, in this order:
 * authenticate and check scope, check a browser's origin (routes that take publishable keys),
 * rate-limit per key, then idempotency, then zod validation and the handler. A path with routes
 * that take publishable keys also answers CORS preflights (cors.ts).
 */
export function moduleRouter(module: string, deps: RouterDeps): ModuleRouter {
  const idempotent = idempotency(deps.db, deps.idempotency_lease_ms);
  return {
    route<R extends RouteConfig>(route: ApiRoute<R>, handler: RouteHandler<R, AppEnv>) {
      const operationId = route.operationId;
      if (operationId === undefined) throw new Error(`route ${route.method} ${route.path} needs an operationId`);
      if (deps.table.some((r) => r.operationId === operationId)) throw new Error(`duplicate operationId ${operationId}`);
      const scope = route.access.scope;
      const undeclared = (scope === 'public' ? [] : typeof scope === 'string' ? [scope] : scope).filter((s) => !deps.scopes.has(s));
      if (undeclared.length > 0) throw new Error(`route ${operationId} requires undeclared scopes ${undeclared.join(', ')}: a module must declare them in its scopes`);
      const browser = isBrowserRoute(route.access);
      const middleware: MiddlewareHandler<AppEnv>[] = [requireKey(deps.authenticator, route.access)];
      // A public route checks the origin in its handler, once it has found the key.
      if (browser && route.access.scope !== 'public') middleware.push(crossOriginAccess);
      if (route.access.scope !== 'public') middleware.push(deps.rateLimit, idempotent);
      if (browser && !deps.table.some((r) => r.path === route.path && isBrowserRoute(r.access))) {
        deps.app.options(honoPath(route.path), preflight(() => browserMethodsAt(deps.table, route.path)));
      }
      const withMiddleware = { ...route, middleware: [...middleware, ...asArray(route.middleware)] } as R;
      deps.app.openapi(withMiddleware, handler);
      if (route.body_limit_bytes !== undefined) {
        deps.large_bodies?.push({ method: route.method.toUpperCase(), pattern: new RegExp(`^${honoPath(route.path).replace(/:\w+/g, '[^/]+')}$`), limit_bytes: route.body_limit_bytes });
      }
      deps.table.push({ module, operationId, method: route.method.toUpperCase(), path: route.path, access: route.access });
    },
  };
}

/** `/v1/carts/{cart_id}` → `/v1/carts/:cart_id`. */
function honoPath(openApiPath: string): string {
  return openApiPath.replace(/\{(\w+)\}/g, ':$1');
}

/** The methods of the browser-reachable routes at a path, read when a preflight comes (after every module has registered). */
function browserMethodsAt(table: readonly RouteEntry[], path: string): string[] {
  return table.filter((r) => r.path === path && isBrowserRoute(r.access)).map((r) => r.method);
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
