import { createHash, timingSafeEqual } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import type { Logger } from 'pino';
import { Problem, problemContentType, problems, type FieldError } from '../problem.js';
import type { AppEnv } from './context.js';
import { mountDocs } from './docs.js';
import type { LargeBodyRoute } from './route.js';
import type { Metrics } from './metrics.js';
import { unstorableFields } from './storable.js';
import { isUnavailable } from '../db.js';

export interface ReadyState {
  ready: boolean;
  checks: Record<string, string>;
}

export interface AppOptions {
  logger: Logger;
  metrics: Metrics;
  body_limit_bytes: number;
  /** Routes with their own, larger body limit (filled as modules register them). */
  large_bodies?: readonly LargeBodyRoute[];
  version: string;
  /** Markdown for the API reference's first page (getting started), after the API's conventions. */
  guide?: string;
  isReady: () => Promise<ReadyState>;
  /**
   * Who may read /metrics: `open` (development), a bearer token Prometheus sends, or nobody
   * (`closed`: production without a token). Metrics name routes, volumes and errors: not for anyone.
   */
  metricsAccess: { kind: 'open' } | { kind: 'token'; token: string } | { kind: 'closed' };
}

const validationLocation = { json: 'body', form: 'body', query: 'query', param: 'path', header: 'header', cookie: 'header' } as const;

function fieldErrors(error: ZodError, target: keyof typeof validationLocation): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(root)',
    location: validationLocation[target],
    message: issue.message,
  }));
}

/** API keys in a path (a write key in `/v1/projects/{writeKey}/settings`) are never echoed back. */
const keyInPath = /\b(sk|pk)_[A-Za-z0-9_-]{8,}/g;

export function problemResponse(c: Context<AppEnv>, problem: Problem): Response {
  const body = problem.toBody(c.req.path.replace(keyInPath, '$1_…'), c.get('requestId'));
  // c.body (not a new Response) keeps headers set earlier in the chain, such as X-Request-Id.
  return c.body(JSON.stringify(body), problem.status as ContentfulStatusCode, { 'content-type': problemContentType, ...problem.headers });
}

/**
 * `/ready` while something is not: a problem document that names what it waits for (with the
 * checks as an extension member), and when to ask again.
 */
function notReadyResponse(c: Context<AppEnv>, checks: Record<string, string>): Response {
  const waiting = Object.entries(checks).filter(([, v]) => v !== 'ok').map(([name, v]) => `${name}: ${v}`);
  const problem = new Problem(503, 'not_ready', 'Not ready', `Waiting for ${waiting.join('; ')}`, undefined, { 'Retry-After': '1' });
  const body = { ...problem.toBody(c.req.path, c.get('requestId')), checks };
  return c.body(JSON.stringify(body), 503, { 'content-type': problemContentType, ...problem.headers });
}

/** While the database is unreachable every request hears so, with when to try again. */
const databaseUnavailable = new Problem(503, 'database_unavailable', 'Service unavailable', 'The database is unreachable; retry shortly', undefined, { 'Retry-After': '5' });

function toProblem(error: unknown): Problem | undefined {
  if (error instanceof Problem) return error;
  if (error instanceof HTTPException) {
    if (error.status === 400 && /json/i.test(error.message)) return problems.malformedJson(error.message);
    if (error.status === 415) return problems.unsupportedMediaType('another content type');
    return new Problem(error.status, `http_${error.status}`, error.message || 'Request failed');
  }
  if (isUnavailable(error)) return databaseUnavailable;
  // SQLSTATE class 22, a data exception, that validation did not foresee: the request's value,
  // not the server, is at fault (group commit has isolated it from the rest of its batch).
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('22') && error instanceof Error && 'severity' in error) {
    return new Problem(400, 'value_refused', 'A value of the request cannot be stored', 'The database refused a value of this request; check numbers, dates and text for values out of range');
  }
  return undefined;
}

const conventions = 'The open business operating system for retail. Errors are RFC 9457 problem+json with a stable `code`. Mutating requests accept an `Idempotency-Key` header.';

/**
 * The head of the OpenAPI document; the paths come from the routes. `guide` (markdown) follows
 * the conventions on the reference's first page: the platform's getting-started walkthrough.
 */
export function openApiConfig(version: string, guide?: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'OpenBOS API',
      version,
      description: guide === undefined ? conventions : `${conventions}\n\n## Getting started: a buyer's first order\n\n${guide}`,
    },
  };
}

/**
 * The HTTP core: request IDs, JSON logs, metrics, body limit, problem+json errors and the
 * operational endpoints. Modules add their routes afterwards through `moduleRouter`.
 */
export function createApiApp(options: AppOptions): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw problems.validation(fieldErrors(result.error, result.target));
      // Valid by its schema, yet PostgreSQL would refuse it: refused here, for every route at once.
      const unstorable = unstorableFields(result.data, validationLocation[result.target]);
      if (unstorable.length > 0) throw problems.validation(unstorable);
    },
  });

  app.use(requestId({ headerName: 'X-Request-Id' }));
  app.use(async (c, next) => {
    const started = performance.now();
    c.set('logFields', { request_id: c.get('requestId') });
    await next();
    const route = routePath(c) || 'unmatched';
    const seconds = (performance.now() - started) / 1_000;
    options.metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    options.metrics.httpDuration.observe({ method: c.req.method, route }, seconds);
    if (options.logger.isLevelEnabled('info')) {
      options.logger.info({ ...c.get('logFields'), method: c.req.method, path: c.req.path, route, status: c.res.status, duration_ms: Math.round(seconds * 1_000_000) / 1_000 }, 'request');
    }
  });
  const streamedLimits = new Map<number, ReturnType<typeof bodyLimit>>();
  const streamedBodyLimit = (limit_bytes: number) => {
    let middleware = streamedLimits.get(limit_bytes);
    if (middleware === undefined) {
      middleware = bodyLimit({
        maxSize: limit_bytes,
        onError: () => {
          throw problems.payloadTooLarge(limit_bytes);
        },
      });
      streamedLimits.set(limit_bytes, middleware);
    }
    return middleware;
  };
  app.use(async (c, next) => {
    const limit_bytes = options.large_bodies?.find((r) => r.method === c.req.method && r.pattern.test(c.req.path))?.limit_bytes ?? options.body_limit_bytes;
    // Under Node's HTTP server a body comes with a Content-Length, which Node's parser holds it to,
    // or chunked. The length alone decides the first case, so the body is left to the handler's
    // own read, which @hono/node-server does straight from the socket. (Hono's middleware would
    // build a web Request and stream for every request, GETs included: a tenth of the server's CPU
    // in the flash-sale benchmark.) Chunked bodies, and requests not from Node's server (tests'
    // app.request), are counted as they stream.
    if ((c.env as { incoming?: unknown } | undefined)?.incoming !== undefined && c.req.header('transfer-encoding') === undefined) {
      const length = c.req.header('content-length');
      if (length !== undefined && Number(length) > limit_bytes) throw problems.payloadTooLarge(limit_bytes);
      return next();
    }
    return streamedBodyLimit(limit_bytes)(c, next);
  });

  app.onError((error, c) => {
    const problem = toProblem(error);
    if (problem !== undefined) return problemResponse(c, problem);
    options.logger.error({ ...c.get('logFields'), err: error }, 'unhandled error');
    return problemResponse(c, problems.internal());
  });
  app.notFound((c) => problemResponse(c, problems.routeNotFound(c.req.method, c.req.path)));

  app.get('/health', (c) => c.json({ status: 'ok', version: options.version }));
  app.get('/ready', async (c) => {
    const state = await options.isReady();
    if (state.ready) return c.json({ status: 'ready', checks: state.checks });
    return notReadyResponse(c, state.checks);
  });
  app.get('/metrics', async (c) => {
    const access = options.metricsAccess;
    if (access.kind === 'closed') throw problems.routeNotFound(c.req.method, c.req.path);
    if (access.kind === 'token' && !sameSecret(c.req.header('authorization') ?? '', `Bearer ${access.token}`)) {
      throw problems.unauthenticated('Send the metrics token (OPENBOS_METRICS_TOKEN) as `Authorization: Bearer <token>`');
    }
    return c.body(await options.metrics.registry.metrics(), 200, { 'content-type': options.metrics.registry.contentType });
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'A secret key (`sk_...`) or, where a route says so, a publishable key (`pk_...`).',
  });
  app.doc31('/openapi.json', openApiConfig(options.version, options.guide));
  mountDocs(app);
  return app;
}

function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
