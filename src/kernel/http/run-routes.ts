import { z } from '@hono/zod-openapi';
import { durableRunJson, runListQuerySchema, type DurableRun, type RunStatus } from '../durable-run.js';
import type { ModuleRouter } from '../module.js';
import { problems } from '../problem.js';
import type { Caller } from './context.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from './pagination.js';
import { defineRoute, jsonBody, jsonResponse, type RouteAccess } from './route.js';

/**
 * The three routes of a kind of durable run (kernel/durable-run.ts), the same for every kind:
 * `POST path` asks for a run (202: the run queued, or the one already under way), `GET path`
 * pages through the merchant's runs newest first (optionally of one status), and
 * `GET path/{param}` answers one run.
 */
export interface RunRoutesSpec<S extends z.ZodObject, B extends z.ZodObject> {
  /** The collection, e.g. `/v1/forecast/runs`. */
  path: string;
  /** The path parameter naming one run, e.g. `run_id`. */
  param: string;
  tag: string;
  access: { read: RouteAccess; write: RouteAccess };
  /** The run resource (`durableRunSchema`). */
  schema: S;
  /** The body of a request for a run. */
  body: B;
  operationIds: { request: string; list: string; get: string };
  summaries: { request: string; list: string; get: string };
}

export function defineRunRoutes<S extends z.ZodObject, B extends z.ZodObject>(spec: RunRoutesSpec<S, B>) {
  const base = { tags: [spec.tag], path: spec.path };
  return {
    spec,
    request: defineRoute({
      ...base,
      operationId: spec.operationIds.request,
      method: 'post',
      summary: spec.summaries.request,
      access: spec.access.write,
      request: jsonBody(spec.body),
      responses: { 202: jsonResponse(spec.schema, 'The run, queued or already under way') },
    }),
    list: defineRoute({
      ...base,
      operationId: spec.operationIds.list,
      method: 'get',
      summary: spec.summaries.list,
      access: spec.access.read,
      request: { query: runListQuerySchema(pageQuerySchema) },
      responses: { 200: jsonResponse(pageSchema(spec.schema), 'A page of runs') },
    }),
    get: defineRoute({
      ...base,
      operationId: spec.operationIds.get,
      method: 'get',
      path: `${spec.path}/{${spec.param}}`,
      summary: spec.summaries.get,
      access: spec.access.read,
      request: { params: z.object({ [spec.param]: z.string().max(64).openapi({ param: { name: spec.param, in: 'path' } }) }) },
      responses: { 200: jsonResponse(spec.schema, 'The run') },
    }),
  };
}

/** Where a kind of run's routes find its runs; every read is of the caller's merchant. */
export interface RunRouteStore<Run extends DurableRun, Body> {
  request(caller: Caller, body: Body): Promise<Run>;
  list(merchant_id: string, page: { before_id: string | undefined; limit: number; status: RunStatus | undefined }): Promise<Run[]>;
  get(merchant_id: string, id: string): Promise<Run | undefined>;
  /** The run serving now, if any (its resource says `current: true`). */
  current(merchant_id: string): Promise<Run | undefined>;
  /** What a 404 names, e.g. `The forecast run`. */
  noun: string;
}

/** The little of a request's context these handlers use, the same whatever the run's schema. */
interface RunRequestContext {
  get(key: 'caller'): Caller;
  req: { valid(target: 'json' | 'query' | 'param'): unknown };
  json(body: unknown, status: 200 | 202): Response;
}

/** The handler typed for `router.route`, whose types cannot follow a schema the kernel does not know. */
const handler = (handle: (c: RunRequestContext) => Promise<Response>) => handle as never;

/** Registers the three routes of `defineRunRoutes` on the module's router. */
export function registerRunRoutes<S extends z.ZodObject, B extends z.ZodObject, Run extends DurableRun>(
  router: ModuleRouter,
  routes: ReturnType<typeof defineRunRoutes<S, B>>,
  store: RunRouteStore<Run, z.infer<B>>,
): void {
  const spec = routes.spec;
  const json = async (merchant_id: string, runs: Run[]) => {
    const current = await store.current(merchant_id);
    return runs.map((run) => durableRunJson(spec.schema, run, current?.id));
  };
  router.route(
    routes.request,
    handler(async (c) => {
      const caller = c.get('caller');
      const run = await store.request(caller, c.req.valid('json') as z.infer<B>);
      return c.json((await json(caller.merchant_id, [run]))[0], 202);
    }),
  );
  router.route(
    routes.list,
    handler(async (c) => {
      const merchant_id = c.get('caller').merchant_id;
      const { limit, cursor, status } = c.req.valid('query') as { limit: number; cursor?: string; status?: RunStatus };
      const page = toPage(await store.list(merchant_id, { before_id: decodeCursor(cursor), limit: limit + 1, status }), limit);
      return c.json({ data: await json(merchant_id, page.items), next_cursor: page.next_cursor }, 200);
    }),
  );
  router.route(
    routes.get,
    handler(async (c) => {
      const merchant_id = c.get('caller').merchant_id;
      const run = await store.get(merchant_id, (c.req.valid('param') as Record<string, string>)[spec.param]!);
      if (run === undefined) throw problems.notFound(store.noun);
      return c.json((await json(merchant_id, [run]))[0], 200);
    }),
  );
}
