import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { sql, type Generated } from 'kysely';
import { tablesOf, type AnyDb } from '../db.js';
import { sqlMigration, type Migration } from '../migrations.js';
import { problems } from '../problem.js';
import type { AppEnv } from './context.js';

/**
 * `Idempotency-Key` on mutating requests, scoped per API key and kept 24 hours.
 * - first request: recorded as in progress, executed, and its response stored;
 * - same key, same method, path and body: the stored response is replayed;
 * - the headers that name who acts besides the key (`X-Consumer-Token`, `X-Cart-Token`) count as
 *   part of the request: a storefront's publishable key is shared by all its visitors, and one
 *   visitor reusing another's key must not be shown that visitor's stored response;
 * - same key, different request: 422 `idempotency_key_reused`;
 * - same key while the first is still running: 409 `idempotency_request_in_progress`.
 * A response of 5xx is not stored, so the client may retry the same key. A request whose process
 * died mid-way stays "in progress" until the key expires: its outcome is unknown, and replaying
 * it blindly could do the work twice.
 *
 * No secret is ever stored: the fields of a response that carry one (tokens, signing secrets,
 * recovery codes; `secretField`) are blanked before the response is kept. A replay to a secret key
 * or a console session shows the rest, with `Idempotent-Redacted` naming what was withheld; a
 * replay to a publishable key, which every visitor of a storefront shares, is refused with 409
 * `idempotent_replay_withheld`: it could hand one buyer another's cart or session.
 */
export interface IdempotencyTable {
  api_key_id: string;
  key: string;
  request_hash: string;
  state: 'in_progress' | 'done';
  response_status: number | null;
  response_content_type: string | null;
  response_body: string | null;
  created_at: Generated<Date>;
  expires_at: Date;
  /** Dotted paths of the response's secret fields, blanked before it was stored. */
  redacted_fields: Generated<string[]>;
}

interface Tables {
  bos_idempotency_key: IdempotencyTable;
}

export const idempotencyMigrations: readonly Migration[] = [
  sqlMigration(
    '20261122T1401_create_idempotency_key',
    `create table bos_idempotency_key (
       api_key_id text not null,
       key text not null,
       request_hash text not null,
       state text not null check (state in ('in_progress', 'done')),
       response_status integer,
       response_content_type text,
       response_body text,
       created_at timestamptz not null default now(),
       expires_at timestamptz not null,
       primary key (api_key_id, key)
     );
     create index bos_idempotency_key_expiry on bos_idempotency_key (expires_at);`,
  ),
  sqlMigration(
    '20261205T2000_idempotency_redacted_fields',
    `alter table bos_idempotency_key add column redacted_fields text[] not null default '{}';
     -- Responses stored before secrets were withheld may hold tokens: they are dropped, not kept.
     delete from bos_idempotency_key where state = 'done';`,
  ),
];

/** Field names that carry a secret in any response: never stored, never replayed. */
export function secretField(name: string): boolean {
  return /^(token|secret|password|csrf_token|recovery_codes|otpauth_uri|signing_secret)$|_(token|secret)$/.test(name);
}

/** The response body with every secret field blanked (set to null), and the paths blanked. */
export function withoutSecrets(body: string): { body: string; redacted: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { body, redacted: [] };
  }
  const redacted: string[] = [];
  const walk = (value: unknown, path: string): unknown => {
    if (Array.isArray(value)) return value.map((v, i) => walk(v, path === '' ? String(i) : `${path}.${i}`));
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        const at = path === '' ? k : `${path}.${k}`;
        if (secretField(k) && v !== null) {
          redacted.push(at);
          return [k, null];
        }
        return [k, walk(v, at)];
      }),
    );
  };
  const clean = walk(parsed, '');
  return redacted.length === 0 ? { body, redacted } : { body: JSON.stringify(clean), redacted };
}

const key_length_max = 255;
const ttl_hours = 24;
const mutating = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const principalHeaders = ['x-consumer-token', 'x-cart-token'];

export function idempotency(db: AnyDb): MiddlewareHandler<AppEnv> {
  const t = tablesOf<Tables>(db);
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined || !mutating.has(c.req.method)) return next();
    if (key.length === 0 || key.length > key_length_max) {
      throw problems.validation([{ field: 'Idempotency-Key', location: 'header', message: `must be 1 to ${key_length_max} characters` }]);
    }
    const caller = c.get('caller');
    const body = await c.req.text();
    const principals = principalHeaders.map((h) => c.req.header(h) ?? '').join('\n');
    const request_hash = createHash('sha256').update(`${c.req.method} ${pathAndQuery(c.req.url)}\n${principals}\n${body}`).digest('hex');

    const claimed = await t
      .insertInto('bos_idempotency_key')
      .values({ api_key_id: caller.key_id, key, request_hash, state: 'in_progress', expires_at: sql`now() + interval '${sql.raw(String(ttl_hours))} hours'` })
      .onConflict((oc) =>
        // An expired record is reclaimed as if it never existed.
        oc.columns(['api_key_id', 'key']).doUpdateSet({ request_hash, state: 'in_progress', response_status: null, response_body: null, response_content_type: null, redacted_fields: [], created_at: sql`now()`, expires_at: sql`now() + interval '${sql.raw(String(ttl_hours))} hours'` }).where('bos_idempotency_key.expires_at', '<', sql<Date>`now()`),
      )
      .returning('key')
      .executeTakeFirst();

    if (claimed === undefined) {
      const existing = await t.selectFrom('bos_idempotency_key').selectAll().where('api_key_id', '=', caller.key_id).where('key', '=', key).executeTakeFirst();
      if (existing === undefined) throw problems.conflict('idempotency_request_in_progress', 'A request with this Idempotency-Key is being processed');
      if (existing.request_hash !== request_hash) {
        throw problems.unprocessable('idempotency_key_reused', 'This Idempotency-Key was used with a different request; use a new key for a new request');
      }
      if (existing.state === 'in_progress') {
        throw problems.conflict('idempotency_request_in_progress', 'A request with this Idempotency-Key is still being processed; retry later');
      }
      const withheld = existing.redacted_fields;
      if (withheld.length > 0 && caller.kind === 'publishable') {
        throw problems.conflict('idempotent_replay_withheld', 'A request with this Idempotency-Key already succeeded, and its response carried a secret that is not replayed to a shared storefront key; send a new key to do it again');
      }
      return new Response(existing.response_body, {
        status: existing.response_status ?? 200,
        headers: { 'content-type': existing.response_content_type ?? 'application/json', 'idempotent-replayed': 'true', ...(withheld.length > 0 ? { 'idempotent-redacted': withheld.join(', ') } : {}) },
      });
    }

    let stored = false;
    try {
      await next();
      if (c.res.status < 500) {
        const { body: response_body, redacted } = withoutSecrets(await c.res.clone().text());
        await t
          .updateTable('bos_idempotency_key')
          .set({ state: 'done', response_status: c.res.status, response_content_type: c.res.headers.get('content-type'), response_body, redacted_fields: redacted })
          .where('api_key_id', '=', caller.key_id)
          .where('key', '=', key)
          .execute();
        stored = true;
      }
    } finally {
      if (!stored) {
        await t.deleteFrom('bos_idempotency_key').where('api_key_id', '=', caller.key_id).where('key', '=', key).execute();
      }
    }
    return undefined;
  };
}

function pathAndQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

export async function pruneIdempotencyKeys(db: AnyDb): Promise<number> {
  const result = await tablesOf<Tables>(db).deleteFrom('bos_idempotency_key').where('expires_at', '<', sql<Date>`now()`).executeTakeFirst();
  return Number(result.numDeletedRows);
}

