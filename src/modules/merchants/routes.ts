import { z } from '@hono/zod-openapi';
import { defineRoute, jsonResponse } from '../../kernel/http/route.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey, updateApiKey, type ApiKey } from './api-keys.js';
import { allowed_origins_max, parseAllowedOrigin } from '../../kernel/http/cors.js';
import { listAuditEvents } from './audit.js';
import { getMerchant, setMerchantTimeZone, type Merchant } from './merchants.js';
import { timeZoneSchema } from '../../kernel/time-zone.js';
import { registerConsoleRoutes } from './console-routes.js';
import { registerPasswordResetRoutes } from './password-reset-routes.js';
import { registerTwoFactorRoutes } from './two-factor-routes.js';
import type { Caller } from '../../kernel/http/context.js';
import type { KeyKind, Scope, ScopeCatalogue } from '../../kernel/http/scopes.js';
import { assertWithinPowers } from './roles.js';

/**
 * Nobody hands out more than they hold: a key or a signed-in person may create a secret key only
 * with scopes they have themselves, or else a staff member could mint an owner's key.
 * Publishable scopes are public by design and may always be granted.
 */
function grantableScopes(catalogue: ScopeCatalogue, caller: Caller, kind: KeyKind, requested: readonly string[] | undefined): string[] {
  const grantable = (s: string) => catalogue.has(s) && (caller.scopes.has(s) || catalogue.isPublishable(s));
  // Without a list, the new key gets the kind's default scopes that the caller may grant.
  if (requested === undefined) return catalogue.defaults(kind).filter(grantable);
  // Unknown names are left for createApiKey to refuse as invalid (400), not as forbidden.
  const beyond = requested.filter((s) => catalogue.has(s) && !grantable(s));
  if (beyond.length > 0) throw problems.forbidden(beyond.join('`, `'));
  return [...requested];
}

const merchantSchema = z
  .object({
    id: z.string().openapi({ example: 'mer_01JD4V8Q5B0Z6M3X9K2T7R1C8N' }),
    handle: z.string(),
    name: z.string(),
    kind: z.enum(['brand', 'retailer', 'wholesale', 'individual']),
    default_currency: z.string(),
    country: z.string(),
    time_zone: z.string().openapi({ example: 'Asia/Shanghai', description: 'IANA time zone: the merchant’s days (sales today, the daily series, A-I-P-L days) run from midnight to midnight here' }),
    created_at: z.string().datetime(),
  })
  .openapi('Merchant');

function merchantJson(m: Merchant): z.infer<typeof merchantSchema> {
  return { id: m.id, handle: m.handle, name: m.name, kind: m.kind, default_currency: m.default_currency, country: m.country, time_zone: m.time_zone, created_at: m.created_at.toISOString() };
}

const apiKeySchema = z
  .object({
    id: z.string(),
    kind: z.enum(['secret', 'publishable']),
    name: z.string(),
    scopes: z.array(z.string()),
    token_hint: z.string().openapi({ description: 'first and last characters of the token' }),
    allowed_origins: z.array(z.string()).openapi({ description: 'web origins whose pages may use this publishable key; always empty for a secret key' }),
    created_at: z.string().datetime(),
    revoked_at: z.string().datetime().nullable(),
  })
  .openapi('ApiKey');

const createdApiKeySchema = apiKeySchema.extend({ token: z.string().openapi({ description: 'the key itself; shown only in this response' }) }).openapi('CreatedApiKey');

const auditEventSchema = z
  .object({ id: z.string(), actor: z.string(), action: z.string(), target: z.string(), details: z.record(z.string(), z.unknown()), occurred_at: z.string().datetime() })
  .openapi('AuditEvent');

/** Origins as a merchant writes them, normalised to what browsers send, or a field error naming the entry. */
const allowedOrigins = z
  .array(
    z
      .string()
      .max(300)
      .transform((text, ctx) => {
        const parsed = parseAllowedOrigin(text);
        if ('error' in parsed) {
          ctx.addIssue({ code: 'custom', message: parsed.error });
          return z.NEVER;
        }
        return parsed.origin;
      }),
  )
  .max(allowed_origins_max)
  .openapi({
    description: `Web origins (scheme://host[:port]) whose pages may call with this publishable key, at most ${allowed_origins_max}; \`http://localhost:*\` allows any port of a loopback host. Secret keys take none.`,
    example: ['https://shop.example.com', 'http://localhost:*'],
  });

const keyParams = z.object({ key_id: z.string().max(64).openapi({ param: { name: 'key_id', in: 'path' } }) });

function keyJson(key: ApiKey): z.infer<typeof apiKeySchema> {
  return {
    id: key.id,
    kind: key.kind,
    name: key.name,
    scopes: key.scopes,
    token_hint: key.token_hint,
    allowed_origins: key.allowed_origins,
    created_at: key.created_at.toISOString(),
    revoked_at: key.revoked_at?.toISOString() ?? null,
  };
}


export const getCurrentMerchant = defineRoute({
  operationId: 'getCurrentMerchant',
  method: 'get',
  path: '/v1/merchant',
  tags: ['Merchants'],
  summary: 'The merchant the API key belongs to',
  access: { scope: ['merchant:read', 'storefront:read'], tenancy: 'merchant', keyKinds: ['secret', 'publishable'] },
  responses: { 200: jsonResponse(merchantSchema, 'The merchant') },
});

export const updateCurrentMerchant = defineRoute({
  operationId: 'updateCurrentMerchant',
  method: 'patch',
  path: '/v1/merchant',
  tags: ['Merchants'],
  summary: 'Change the merchant’s profile: its time zone',
  access: { scope: 'merchant:write', tenancy: 'merchant' },
  request: { body: { required: true, content: { 'application/json': { schema: z.object({ time_zone: timeZoneSchema.optional() }).strict() } } } },
  responses: { 200: jsonResponse(merchantSchema, 'The merchant') },
});

export const listKeys = defineRoute({
  operationId: 'listApiKeys',
  method: 'get',
  path: '/v1/api-keys',
  tags: ['API keys'],
  summary: 'List API keys, revoked ones included, newest first',
  access: { scope: 'keys:read', tenancy: 'merchant' },
  request: { query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(apiKeySchema), 'A page of API keys') },
});

export const createKey = defineRoute({
  operationId: 'createApiKey',
  method: 'post',
  path: '/v1/api-keys',
  tags: ['API keys'],
  summary: 'Create an API key; the token is returned once',
  access: { scope: 'keys:write', tenancy: 'merchant' },
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            kind: z.enum(['secret', 'publishable']),
            name: z.string().min(1).max(100).optional(),
            scopes: z.array(z.string().max(64)).max(200).optional().openapi({ description: 'scopes the key holds (`GET /v1/scopes` lists them); by default every scope of its kind that the caller holds' }),
            allowed_origins: allowedOrigins.optional(),
          }).strict(),
        },
      },
    },
  },
  responses: { 201: jsonResponse(createdApiKeySchema, 'The new key, with its token') },
});

export const getKey = defineRoute({
  operationId: 'getApiKey',
  method: 'get',
  path: '/v1/api-keys/{key_id}',
  tags: ['API keys'],
  summary: 'One API key',
  access: { scope: 'keys:read', tenancy: 'merchant' },
  request: { params: keyParams },
  responses: { 200: jsonResponse(apiKeySchema, 'The key') },
});

export const updateKey = defineRoute({
  operationId: 'updateApiKey',
  method: 'patch',
  path: '/v1/api-keys/{key_id}',
  tags: ['API keys'],
  summary: 'Rename a key or replace the origins whose pages may use a publishable key',
  access: { scope: 'keys:write', tenancy: 'merchant' },
  request: {
    params: keyParams,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({ name: z.string().min(1).max(100).optional(), allowed_origins: allowedOrigins.optional() })
            .strict()
            .refine((b) => b.name !== undefined || b.allowed_origins !== undefined, { message: 'send name or allowed_origins' }),
        },
      },
    },
  },
  responses: { 200: jsonResponse(apiKeySchema, 'The key as it is now') },
});

export const revokeKey = defineRoute({
  operationId: 'revokeApiKey',
  method: 'delete',
  path: '/v1/api-keys/{key_id}',
  tags: ['API keys'],
  summary: 'Revoke an API key; it stops working at once',
  access: { scope: 'keys:write', tenancy: 'merchant' },
  request: { params: keyParams },
  responses: { 200: jsonResponse(apiKeySchema, 'The revoked key') },
});

export const listAudit = defineRoute({
  operationId: 'listAuditEvents',
  method: 'get',
  path: '/v1/audit-events',
  tags: ['Merchants'],
  summary: 'Privileged actions on this merchant, newest first',
  access: { scope: 'audit:read', tenancy: 'merchant' },
  request: { query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(auditEventSchema), 'A page of audit events') },
});

const scopeSchema = z
  .object({
    name: z.string().openapi({ example: 'orders:read' }),
    kind: z.enum(['secret', 'publishable']).openapi({ description: '`publishable` scopes may be held by publishable keys (browsers, apps); secret keys may hold every scope' }),
    module: z.string().openapi({ description: 'the module that declares it', example: 'orders' }),
    description: z.string(),
  })
  .openapi('Scope');

export const listScopesRoute = defineRoute({
  operationId: 'listScopes',
  method: 'get',
  path: '/v1/scopes',
  tags: ['API keys'],
  summary: 'Every scope an API key may hold, as the platform’s modules declare them, in module order',
  access: { scope: ['keys:read', 'keys:write'], tenancy: 'public' },
  responses: { 200: jsonResponse(z.object({ data: z.array(scopeSchema) }), 'The scopes') },
});

export function registerRoutes(router: ModuleRouter, ctx: ModuleContext): void {
  const { db } = ctx;
  const catalogue = ctx.registry.scopes;
  router.route(listScopesRoute, (c) => c.json({ data: catalogue.all().flatMap(({ name, kind, module, description }) => (kind === 'platform' ? [] : [{ name, kind, module, description }])) }, 200));
  registerConsoleRoutes(router, ctx);
  registerPasswordResetRoutes(router, ctx);
  registerTwoFactorRoutes(router, ctx);
  router.route(getCurrentMerchant, async (c) => {
    const merchant = await getMerchant(db, c.get('caller').merchant_id);
    if (merchant === undefined) throw problems.notFound('The merchant');
    return c.json(merchantJson(merchant), 200);
  });

  router.route(updateCurrentMerchant, async (c) => {
    const caller = c.get('caller');
    const body = c.req.valid('json');
    const merchant = body.time_zone === undefined ? await getMerchant(db, caller.merchant_id) : await setMerchantTimeZone(db, caller.merchant_id, body.time_zone, caller.actor);
    if (merchant === undefined) throw problems.notFound('The merchant');
    return c.json(merchantJson(merchant), 200);
  });

  router.route(listKeys, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const rows = await listApiKeys(db, c.get('caller').merchant_id, decodeCursor(cursor), limit + 1);
    const page = toPage(rows, limit);
    return c.json({ data: page.items.map(keyJson), next_cursor: page.next_cursor }, 200);
  });

  router.route(createKey, async (c) => {
    const body = c.req.valid('json');
    const caller = c.get('caller');
    const scopes = grantableScopes(catalogue, caller, body.kind, body.scopes);
    const { key, token } = await createApiKey(db, { merchant_id: caller.merchant_id, ...body, scopes }, caller.actor, catalogue);
    return c.json({ ...keyJson(key), token }, 201);
  });

  router.route(getKey, async (c) => {
    const key = await getApiKey(db, c.get('caller').merchant_id, c.req.valid('param').key_id);
    if (key === undefined) throw problems.notFound('The API key');
    return c.json(keyJson(key), 200);
  });

  /** A key may be changed or revoked only by a caller who holds every scope it has. */
  async function keyWithinPowers(caller: Caller, key_id: string): Promise<void> {
    const key = await getApiKey(db, caller.merchant_id, key_id);
    if (key === undefined) throw problems.notFound('The API key');
    assertWithinPowers(caller.scopes, key.scopes.filter((s): s is Scope => !catalogue.isPublishable(s)), 'This key');
  }

  router.route(updateKey, async (c) => {
    const caller = c.get('caller');
    await keyWithinPowers(caller, c.req.valid('param').key_id);
    const key = await updateApiKey(db, caller.merchant_id, c.req.valid('param').key_id, c.req.valid('json'), caller.actor);
    if (key === undefined) throw problems.notFound('The API key');
    return c.json(keyJson(key), 200);
  });

  router.route(revokeKey, async (c) => {
    const caller = c.get('caller');
    await keyWithinPowers(caller, c.req.valid('param').key_id);
    const key = await revokeApiKey(db, caller.merchant_id, c.req.valid('param').key_id, caller.actor);
    if (key === undefined) throw problems.notFound('The API key');
    return c.json(keyJson(key), 200);
  });

  router.route(listAudit, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const rows = await listAuditEvents(db, c.get('caller').merchant_id, decodeCursor(cursor), limit + 1);
    const page = toPage(rows, limit);
    return c.json(
      {
        data: page.items.map((e) => ({ ...e, details: e.details as Record<string, unknown>, occurred_at: e.occurred_at.toISOString() })),
        next_cursor: page.next_cursor,
      },
      200,
    );
  });
}
