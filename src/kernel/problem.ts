import { z } from '@hono/zod-openapi';

/**
 * Errors that reach a client are RFC 9457 problem documents with a stable `code`. Business code
 * throws `Problem`; anything else that escapes a handler is a bug and answers 500 without
 * details.
 */
export const fieldErrorSchema = z
  .object({
    field: z.string().describe('dotted path of the offending field, e.g. `items.0.quantity`'),
    location: z.enum(['body', 'query', 'path', 'header']),
    message: z.string(),
  })
  .openapi('FieldError');

export const problemSchema = z
  .object({
    type: z.string().describe('URI naming the problem type'),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('stable, machine-readable error code'),
    detail: z.string().optional(),
    instance: z.string().optional(),
    request_id: z.string().optional(),
    errors: z.array(fieldErrorSchema).optional(),
  })
  .openapi('Problem');

export type FieldError = z.infer<typeof fieldErrorSchema>;
export type ProblemBody = z.infer<typeof problemSchema>;

export const problemContentType = 'application/problem+json';

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail ?? title);
    this.name = 'Problem';
  }

  toBody(instance?: string, request_id?: string): ProblemBody {
    return {
      type: `https://openbos.dev/problems/${this.code}`,
      title: this.title,
      status: this.status,
      code: this.code,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...(instance === undefined ? {} : { instance }),
      ...(request_id === undefined ? {} : { request_id }),
      ...(this.errors === undefined ? {} : { errors: this.errors }),
    };
  }
}

/** The problems every route can answer, so each has one code and one wording. */
export const problems = {
  validation: (errors: FieldError[]) =>
    new Problem(400, 'validation_failed', 'The request has invalid fields', `${errors.length} field(s) are invalid`, errors),
  malformedJson: (detail: string) => new Problem(400, 'malformed_json', 'The request body is not valid JSON', detail),
  unauthenticated: (detail = 'Send a valid API key as `Authorization: Bearer <key>`') =>
    new Problem(401, 'unauthenticated', 'Authentication required', detail),
  forbidden: (scope: string) =>
    new Problem(403, 'insufficient_scope', 'The API key lacks a required scope', `This operation needs the scope \`${scope}\``),
  forbiddenCsrf: () =>
    new Problem(403, 'csrf_token_invalid', 'Missing or wrong anti-forgery token', 'A request signed in by the session cookie must send the session’s `X-CSRF-Token` header'),
  notFound: (what: string) => new Problem(404, 'not_found', 'Not found', `${what} was not found`),
  routeNotFound: (method: string, path: string) =>
    new Problem(404, 'route_not_found', 'No such route', `${method} ${path} is not an OpenBOS API route`),
  methodNotAllowed: (method: string, path: string) =>
    new Problem(405, 'method_not_allowed', 'Method not allowed', `${method} is not allowed on ${path}`),
  conflict: (code: string, detail: string) => new Problem(409, code, 'Conflict', detail),
  payloadTooLarge: (limit_bytes: number) =>
    new Problem(413, 'payload_too_large', 'Request body too large', `The body exceeds ${limit_bytes} bytes`),
  unsupportedMediaType: (type: string) =>
    new Problem(415, 'unsupported_media_type', 'Unsupported media type', `Send application/json, not ${type}`),
  unprocessable: (code: string, detail: string) => new Problem(422, code, 'The request cannot be processed', detail),
  rateLimited: (retry_after_s: number) =>
    new Problem(429, 'rate_limited', 'Too many requests', `Retry after ${retry_after_s} s`, undefined, {
      'Retry-After': String(retry_after_s),
    }),
  notImplemented: (what: string) => new Problem(501, 'not_implemented', 'Not implemented yet', what),
  unavailable: (detail: string) => new Problem(503, 'unavailable', 'Service unavailable', detail),
  internal: () => new Problem(500, 'internal_error', 'Internal server error', 'An unexpected error occurred; it has been logged'),
} as const;
