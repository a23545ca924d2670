import { createHash, randomBytes } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { sql, type Generated } from 'kysely';
import { tablesOf, type AnyDb } from '../db.js';
import { sqlMigration, type Migration } from '../migrations.js';
import { Problem, problems } from '../problem.js';
import type { AppEnv } from './context.js';

/**
 * `Idempotency-Key` on mutating requests, scoped per API key and kept 24 hours.
 * - first request: recorded as in progress, executed, and its response stored;
 * - same key, same method, path and body: the stored response is replayed;
 * - the headers that name who acts besides the key (`X-Consumer-Token`, `X-Cart-Token`) count as
 *   part of the request: a storefront's publishable key is shared by all its visitors, and one
 *   visitor reusing another's key must not be shown that visitor's stored response;
 * - same key, different request: 422 `idempotency_key_reused`;
 * - same key while the first is still running: 409 `idempotency_request_in_progress`, with
 *   `Retry-After`.
 * A response of 5xx is not stored, so the client may retry the same key.
 *
 * A request in progress holds a lease (OPENBOS_IDEMPOTENCY_LEASE_MS) that its process renews
 * while it runs. A process that dies mid-way stops renewing, and once the lease ends the same key
 * runs the request again instead of answering 409 for a day. Running it again is what the
 * client asked for; the handlers make that safe where the first run may have done part of the
 * work (a payment, for example, is recorded before its provider is called, and a retry finds it).
 * Each claim has its own token, so a process that outlived its lease cannot store or delete the
 * record of the one that took over.
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
  lease_expires_at: Date | null;
  claim: string | null;
  /** How many times the request ran again after a process died with it in progress. */
  reruns: Generated<number>;
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
    '20261205T1941_idempotency_key_lease',
    `-- A request in progress holds a lease its process renews; a record whose lease ended belongs
     -- to a process that died, and the key may run again. Records from before have no lease.
     alter table bos_idempotency_key add column lease_expires_at timestamptz;
     alter table bos_idempotency_key add column claim text;
     alter table bos_idempotency_key add column reruns integer not null default 0;`,
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

export const idempotencyLeaseDefaultMs = 60_000;

export function idempotency(db: AnyDb, lease_ms: number = idempotencyLeaseDefaultMs): MiddlewareHandler<AppEnv> {
  const t = tablesOf<Tables>(db);
  const lease = sql<Date>`now() + make_interval(secs => ${lease_ms / 1_000})`;
  const retry_after_s = String(Math.max(1, Math.ceil(lease_ms / 1_000 / 4)));
  const inProgress = (detail: string) => new Problem(409, 'idempotency_request_in_progress', 'Conflict', detail, undefined, { 'Retry-After': retry_after_s });
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined || !mutating.has(c.req.method)) return next();
    if (key.length === 0 || key.length > key_length_max) {
      throw problems.validation([{ field: 'Idempotency-Key', location: 'header', message: `must be 1 to ${key_length_max} characters` }]);
    }
    const caller = c.get('caller');
    // The bytes, not text: an image upload's body is not UTF-8, and reading it as text would hand
    // the handler a re-encoded copy. (A JSON body hashes the same either way.)
    const body = new Uint8Array(await c.req.arrayBuffer());
    const principals = principalHeaders.map((h) => c.req.header(h) ?? '').join('\n');
    const request_hash = createHash('sha256').update(`${c.req.method} ${pathAndQuery(c.req.url)}\n${principals}\n`).update(body).digest('hex');

    const claim = randomBytes(12).toString('base64url');
    const claimed = await t
      .insertInto('bos_idempotency_key')
      .values({ api_key_id: caller.key_id, key, request_hash, state: 'in_progress', expires_at: sql`now() + interval '${sql.raw(String(ttl_hours))} hours'`, lease_expires_at: lease, claim })
      .onConflict((oc) =>
        // An expired record is reclaimed as if it never existed; so is one left in progress by a
        // process that died (its lease ended), if it is the same request.
        oc
          .columns(['api_key_id', 'key'])
          .doUpdateSet({
            request_hash,
            state: 'in_progress',
            response_status: null,
            response_body: null,
            response_content_type: null,
            redacted_fields: [],
            created_at: sql`now()`,
            expires_at: sql`now() + interval '${sql.raw(String(ttl_hours))} hours'`,
            lease_expires_at: lease,
            claim,
            // The same request, left in progress: this run follows one that died.
            reruns: sql<number>`case when bos_idempotency_key.state = 'in_progress' and bos_idempotency_key.request_hash = excluded.request_hash then bos_idempotency_key.reruns + 1 else 0 end`,
          })
          .where((eb) =>
            eb.or([
              eb('bos_idempotency_key.expires_at', '<', sql<Date>`now()`),
              eb.and([eb('bos_idempotency_key.state', '=', 'in_progress'), eb('bos_idempotency_key.request_hash', '=', request_hash), eb(sql<Date>`coalesce(bos_idempotency_key.lease_expires_at, bos_idempotency_key.created_at + make_interval(secs => ${lease_ms / 1_000}))`, '<', sql<Date>`now()`)]),
            ]),
          ),
      )
      .returning(['key', 'reruns'])
      .executeTakeFirst();

    if (claimed === undefined) {
      const existing = await t.selectFrom('bos_idempotency_key').selectAll().where('api_key_id', '=', caller.key_id).where('key', '=', key).executeTakeFirst();
      if (existing === undefined) throw inProgress('A request with this Idempotency-Key is being processed');
      if (existing.request_hash !== request_hash) {
        throw problems.unprocessable('idempotency_key_reused', 'This Idempotency-Key was used with a different request; use a new key for a new request');
      }
      if (existing.state === 'in_progress') throw inProgress('A request with this Idempotency-Key is still being processed; retry later');
      const withheld = existing.redacted_fields;
      if (withheld.length > 0 && caller.kind === 'publishable') {
        throw problems.conflict('idempotent_replay_withheld', 'A request with this Idempotency-Key already succeeded, and its response carried a secret that is not replayed to a shared storefront key; send a new key to do it again');
      }
      return new Response(existing.response_body, {
        status: existing.response_status ?? 200,
        headers: { 'content-type': existing.response_content_type ?? 'application/json', 'idempotent-replayed': 'true', ...(withheld.length > 0 ? { 'idempotent-redacted': withheld.join(', ') } : {}) },
      });
    }

    if (claimed.reruns > 0) c.set('idempotentRerun', true);
    const mine = () => t.updateTable('bos_idempotency_key').where('api_key_id', '=', caller.key_id).where('key', '=', key).where('claim', '=', claim);
    // Renewed while the request runs, so only a dead process's claim runs out.
    const renewal = setInterval(() => {
      mine()
        .set({ lease_expires_at: lease })
        .where('state', '=', 'in_progress')
        .execute()
        .catch(() => undefined);
    }, lease_ms / 3);
    renewal.unref();
    let stored = false;
    try {
      await next();
      if (c.res.status < 500) {
        const { body: response_body, redacted } = withoutSecrets(await c.res.clone().text());
        await mine().set({ state: 'done', response_status: c.res.status, response_content_type: c.res.headers.get('content-type'), response_body, redacted_fields: redacted, lease_expires_at: null }).execute();
        stored = true;
      }
    } finally {
      clearInterval(renewal);
      if (!stored) {
        await t.deleteFrom('bos_idempotency_key').where('api_key_id', '=', caller.key_id).where('key', '=', key).where('claim', '=', claim).execute();
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

