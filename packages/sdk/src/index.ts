/**
 * The OpenBOS SDK: a typed client for the OpenBOS HTTP API. Paths, parameters, bodies and
 * answers are typed from the API's OpenAPI document (see schema.d.ts, generated), so a call the
 * server would reject as malformed does not compile.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };

/** Every named schema of the API, e.g. `Schemas['Order']`. */
export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];

export interface OpenBosOptions {
  /** The server, e.g. `https://bos.example.com`; the page's own origin in a browser when absent. */
  baseUrl?: string;
  /** A secret (`sk_...`) or publishable (`pk_...`) key. Leave it out in the console, which signs in with a cookie. */
  apiKey?: string;
  /**
   * The console session's anti-forgery token, sent as `X-CSRF-Token` on requests that change
   * something; a function, because it is known only after sign-in.
   */
  csrfToken?: () => string | undefined;
  /** Another fetch, for tests or for running inside a server framework. */
  fetch?: (request: Request) => Promise<Response>;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

export type OpenBosClient = Client<paths>;

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export function createOpenBos(options: OpenBosOptions = {}): OpenBosClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    credentials: 'same-origin',
    headers: { ...options.headers, ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }) },
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  if (options.csrfToken !== undefined) client.use(csrfMiddleware(options.csrfToken));
  return client;
}

function csrfMiddleware(token: () => string | undefined): Middleware {
  return {
    onRequest({ request }) {
      const value = token();
      if (!safeMethods.has(request.method) && value !== undefined) request.headers.set('x-csrf-token', value);
      return request;
    },
  };
}

/** An API error: the problem document the server answered with, and its HTTP status. */
export class OpenBosError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem | undefined;

  constructor(status: number, problem: Problem | undefined) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = 'OpenBosError';
    this.status = status;
    this.code = problem?.code ?? `http_${status}`;
    this.problem = problem;
  }

  /** The message of each invalid field, by field name, for forms. */
  fieldErrors(): Record<string, string> {
    return Object.fromEntries((this.problem?.errors ?? []).map((e) => [e.field, e.message]));
  }
}

/**
 * The data of a successful answer, or an `OpenBosError` thrown for an error answer:
 * `const order = await unwrap(bos.GET('/v1/orders/{order_id}', { params: { path: { order_id } } }))`.
 */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined) throw new OpenBosError(response.status, isProblem(error) ? error : undefined);
  return data;
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'code' in value && 'status' in value;
}
