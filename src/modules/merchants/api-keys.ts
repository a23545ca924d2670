import { LRUCache } from 'lru-cache';
import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import type { Authenticator, Caller } from '../../kernel/http/context.js';
import type { KeyKind, Scope, ScopeCatalogue } from '../../kernel/http/scopes.js';
import { allowed_origins_max, parseAllowedOrigin } from '../../kernel/http/cors.js';
import { hashToken, newToken } from '../../kernel/tokens.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { recordAudit } from './audit.js';
import { csrfTokenFor, isSessionToken, sessionAuthenticator } from './console-sessions.js';
import { apiKeyCreated, apiKeyRevoked, apiKeyUpdated } from './events.js';
import type { ApiKeyTable, MerchantTables } from './tables.js';

/**
 * API keys: `sk_` secret keys for servers, `pk_` publishable keys for storefronts and event
 * ingestion. The token is shown once at creation; only its SHA-256 is stored. A fast hash is
 * right here: tokens carry 192 random bits, so there is nothing to brute-force.
 */
export type ApiKey = Omit<ApiKeyTable, 'token_hash' | 'created_at' | 'allowed_origins'> & { created_at: Date; allowed_origins: string[] };

const token_bytes = 24;
const tokenPrefix: Record<KeyKind, string> = { secret: 'sk_', publishable: 'pk_' };

export interface NewApiKey {
  merchant_id: string;
  kind: KeyKind;
  name?: string;
  scopes?: readonly string[];
  /** Normalised origins (see `parseAllowedOrigin`); publishable keys only. */
  allowed_origins?: readonly string[];
}

/** Creates a key with the scopes asked for, or the kind's defaults; `catalogue` is every declared scope (`registry.scopes`). */
export async function createApiKey(db: AnyDb, input: NewApiKey, actor: string, catalogue: ScopeCatalogue): Promise<{ key: ApiKey; token: string }> {
  const scopes = validateScopes(catalogue, input.kind, input.scopes ?? catalogue.defaults(input.kind));
  const allowed_origins = validateOrigins(input.kind, input.allowed_origins ?? []);
  const token = newToken(tokenPrefix[input.kind], token_bytes);
  return inTransaction(db, async (trx) => {
    const row = await tablesOf<MerchantTables>(trx)
      .insertInto('api_key')
      .values({
        merchant_id: input.merchant_id,
        id: newId('key'),
        kind: input.kind,
        name: input.name ?? `${input.kind} key`,
        scopes,
        token_hash: hashToken(token),
        token_hint: `${token.slice(0, 3)}...${token.slice(-4)}`,
        allowed_origins,
        revoked_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await publish(trx, apiKeyCreated, input.merchant_id, { key_id: row.id, kind: row.kind, scopes });
    await recordAudit(trx, { merchant_id: input.merchant_id, actor, action: 'api_key.create', target: row.id, details: { kind: row.kind, scopes, ...(allowed_origins.length > 0 ? { allowed_origins } : {}) } });
    const { token_hash: _hash, ...key } = row;
    return { key, token };
  });
}

function validateScopes(catalogue: ScopeCatalogue, kind: KeyKind, requested: readonly string[]): Scope[] {
  const unknown = requested.filter((s) => !catalogue.allows(kind, s));
  if (unknown.length > 0) {
    throw problems.validation([{ field: 'scopes', location: 'body', message: `not allowed for a ${kind} key: ${unknown.join(', ')}; allowed: ${catalogue.allowedFor(kind).join(', ')}` }]);
  }
  if (requested.length === 0) throw problems.validation([{ field: 'scopes', location: 'body', message: 'must name at least one scope' }]);
  return [...new Set(requested.filter((s) => catalogue.allows(kind, s)))];
}

/**
 * Only a publishable key lives in web pages, so only it lists origins; a secret key in a browser
 * would be a leaked secret. Origins are stored as browsers send them (see `parseAllowedOrigin`).
 */
function validateOrigins(kind: KeyKind, origins: readonly string[]): string[] {
  const field = 'allowed_origins';
  if (kind !== 'publishable' && origins.length > 0) {
    throw problems.validation([{ field, location: 'body', message: 'only a publishable key may list origins; a secret key is never accepted from a browser' }]);
  }
  if (origins.length > allowed_origins_max) throw problems.validation([{ field, location: 'body', message: `at most ${allowed_origins_max} origins` }]);
  const parsed = origins.map((text) => parseAllowedOrigin(text));
  const errors = parsed.flatMap((p, i) => ('error' in p ? [{ field: `${field}.${i}`, location: 'body' as const, message: p.error }] : []));
  if (errors.length > 0) throw problems.validation(errors);
  return [...new Set(parsed.map((p) => ('origin' in p ? p.origin : '')))];
}

export interface ApiKeyChanges {
  name?: string;
  allowed_origins?: readonly string[];
}

/**
 * Renames a key or replaces its allowed origins. Returns undefined if the key is not the
 * merchant's; a revoked key cannot change (409 `key_revoked`). Takes effect at once in this
 * process and within `cache_ttl_ms` in others.
 */
export async function updateApiKey(db: AnyDb, merchant_id: string, key_id: string, changes: ApiKeyChanges, actor: string): Promise<ApiKey | undefined> {
  return inTransaction(db, async (trx) => {
    const t = tablesOf<MerchantTables>(trx);
    const current = await t.selectFrom('api_key').select(['kind', 'revoked_at']).where('merchant_id', '=', merchant_id).where('id', '=', key_id).forUpdate().executeTakeFirst();
    if (current === undefined) return undefined;
    if (current.revoked_at !== null) throw problems.conflict('key_revoked', 'A revoked key cannot be changed');
    const allowed_origins = changes.allowed_origins === undefined ? undefined : validateOrigins(current.kind, changes.allowed_origins);
    const row = await t
      .updateTable('api_key')
      .set({ ...(changes.name === undefined ? {} : { name: changes.name }), ...(allowed_origins === undefined ? {} : { allowed_origins }) })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', key_id)
      .returning(['name', 'allowed_origins', 'token_hash'])
      .executeTakeFirstOrThrow();
    await publish(trx, apiKeyUpdated, merchant_id, { key_id, name: row.name, allowed_origins: row.allowed_origins });
    await recordAudit(trx, { merchant_id, actor, action: 'api_key.update', target: key_id, details: { ...changes } });
    for (const cache of liveCaches) cache.delete(row.token_hash);
    return getApiKey(trx, merchant_id, key_id);
  });
}

/** Revokes a key of the merchant; revoking twice is harmless. Returns undefined if not theirs. */
export async function revokeApiKey(db: AnyDb, merchant_id: string, key_id: string, actor: string): Promise<ApiKey | undefined> {
  return inTransaction(db, async (trx) => {
    const t = tablesOf<MerchantTables>(trx);
    const row = await t
      .updateTable('api_key')
      .set({ revoked_at: new Date() })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', key_id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (row !== undefined) {
      await publish(trx, apiKeyRevoked, merchant_id, { key_id });
      await recordAudit(trx, { merchant_id, actor, action: 'api_key.revoke', target: key_id });
      for (const cache of liveCaches) cache.delete(row.token_hash);
    }
    return getApiKey(trx, merchant_id, key_id);
  });
}

const keyColumns = ['merchant_id', 'id', 'kind', 'name', 'scopes', 'token_hint', 'allowed_origins', 'created_at', 'revoked_at'] as const;

export async function getApiKey(db: AnyDb, merchant_id: string, key_id: string): Promise<ApiKey | undefined> {
  return tablesOf<MerchantTables>(db).selectFrom('api_key').select(keyColumns).where('merchant_id', '=', merchant_id).where('id', '=', key_id).executeTakeFirst();
}

/** Newest first, so a key just created heads the first page; `after_id` continues after that key. */
export async function listApiKeys(db: AnyDb, merchant_id: string, after_id: string | undefined, limit: number): Promise<ApiKey[]> {
  let query = tablesOf<MerchantTables>(db).selectFrom('api_key').select(keyColumns).where('merchant_id', '=', merchant_id);
  if (after_id !== undefined) query = query.where('id', '<', after_id);
  return query.orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Resolved keys are cached briefly: a busy storefront key would otherwise cost a query per
 * request. Revocation clears this process's cache at once; other processes see it within
 * `cache_ttl_ms`.
 */
const cache_ttl_ms = 5_000;
const cache_entries_max = 10_000;
const liveCaches = new Set<LRUCache<string, Caller | false>>();

/** Resolves API keys (`sk_`, `pk_`) and console session tokens (`cs_`). */
export function keyAuthenticator(db: AnyDb, scopes: ScopeCatalogue): Authenticator {
  const authCache = new LRUCache<string, Caller | false>({ max: cache_entries_max, ttl: cache_ttl_ms });
  liveCaches.add(authCache);
  const authenticateSession = sessionAuthenticator(db, scopes);
  return {
    csrfTokenFor: (token) => (isSessionToken(token) ? csrfTokenFor(token) : undefined),
    async authenticate(token) {
      if (isSessionToken(token)) return authenticateSession(token);
      if (!/^(sk|pk)_[A-Za-z0-9_-]{20,64}$/.test(token)) return undefined;
      const hash = hashToken(token);
      const cached = authCache.get(hash);
      if (cached !== undefined) return cached === false ? undefined : cached;
      const row = await tablesOf<MerchantTables>(db)
        .selectFrom('api_key')
        .select(['merchant_id', 'id', 'kind', 'scopes', 'allowed_origins', 'revoked_at'])
        .where('token_hash', '=', hash)
        .executeTakeFirst();
      const caller: Caller | false =
        row === undefined || row.revoked_at !== null
          ? false
          : { merchant_id: row.merchant_id, key_id: row.id, kind: row.kind, scopes: new Set(row.scopes), actor: `key:${row.id}`, allowed_origins: row.allowed_origins };
      authCache.set(hash, caller);
      return caller === false ? undefined : caller;
    },
  };
}
