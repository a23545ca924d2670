import type { OpenAPIHono, RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AnyDb } from '../db.js';
import type { ModuleRouter } from '../module.js';
import { requireKey } from './auth.js';
import type { AppEnv, Authenticator } from './context.js';
import { idempotency } from './idempotency.js';
import type { ApiRoute, RouteAccess } from './route.js';

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
}

/**
 * Registers a module's routes with the middleware every route inherits, in this order:
 * authenticate and check scope, rate-limit per key, then idempotency, then zod validation and
 * the handler.
 */
export function moduleRouter(module: string, deps: RouterDeps): ModuleRouter {
  const idempotent = idempotency(deps.db);
  return {
    route<R extends RouteConfig>(route: ApiRoute<R>, handler: RouteHandler<R, AppEnv>) {
      const operationId = route.operationId;
      if (operationId === undefined) throw new Error(`route ${route.method} ${route.path} needs an operationId`);
      if (deps.table.some((r) => r.operationId === operationId)) throw new Error(`duplicate operationId ${operationId}`);
      const middleware: MiddlewareHandler<AppEnv>[] = [requireKey(deps.authenticator, route.access)];
      if (route.access.scope !== 'public') middleware.push(deps.rateLimit, idempotent);
      const withMiddleware = { ...route, middleware: [...middleware, ...asArray(route.middleware)] } as R;
      deps.app.openapi(withMiddleware, handler);
      deps.table.push({ module, operationId, method: route.method.toUpperCase(), path: route.path, access: route.access });
    },
  };
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
