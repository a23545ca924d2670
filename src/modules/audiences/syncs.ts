import type { AudienceTables } from './tables.js';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { sql } from 'kysely';
import roaring from 'roaring';
import type { Config } from '../../kernel/config.js';
import { tablesOf, inTransaction, type AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { Problem } from '../../kernel/problem.js';
import { destinationPolicy, signatureHeader, signWebhook, webhookSettings, type DestinationPolicy } from '../webhooks/index.js';
import type { Audience } from './audiences.js';
import { profileIdsOf } from './evaluate.js';

const { RoaringBitmap32 } = roaring;
type Bitmap = InstanceType<typeof RoaringBitmap32>;

/**
 * Webhook syncs: an external destination (an ad platform's audience, an SMS provider's list) kept
 * in step with a saved audience. Each round of the maintenance task posts the members added and
 * removed since the destination was last told (the first post: every member), signed as the
 * platform's webhooks are (`OpenBOS-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")`) with the
 * sync's own secret, shown once when the sync is made. What the destination has been told is kept
 * as a bitmap; a failed post changes nothing and is tried again in the next round.
 */
export interface AudienceSync {
  merchant_id: string;
  id: string;
  audience_id: string;
  url: string;
  size: number;
  last_pushed_at: Date | null;
  last_error: string | null;
  failures: number;
  created_at: Date;
}

export const syncs_per_audience_max = 10;
/** Members added or removed one post carries at most; the rest go in the next round. */
export const sync_batch_max = 5_000;
export const sync_timeout_ms = 10_000;

const policies = new WeakMap<Config, DestinationPolicy>();
function policyOf(config: Config): DestinationPolicy {
  let policy = policies.get(config);
  if (policy === undefined) {
    policy = destinationPolicy(webhookSettings.of(config).OPENBOS_WEBHOOK_ALLOWED_HOSTS);
    policies.set(config, policy);
  }
  return policy;
}

/** Why a sync may not post to this URL (the platform's own or private networks, as for webhooks), else undefined. */
export function syncUrlProblem(config: Config, url: string): string | undefined {
  const parsed = new URL(url);
  const policy = policyOf(config);
  const literal = policy.refuseLiteral(parsed);
  if (literal !== undefined) return literal.replace(/^refused: /, '');
  const host = parsed.hostname.toLowerCase().replace(/\.$/, '');
  if ((host === 'localhost' || host.endsWith('.localhost')) && !policy.allowsName(host)) return `${host} is the loopback interface; syncs are not sent to the platform’s own networks (an operator may allow the host in OPENBOS_WEBHOOK_ALLOWED_HOSTS)`;
  return undefined;
}

const columns = ['merchant_id', 'id', 'audience_id', 'url', 'size', 'last_pushed_at', 'last_error', 'failures', 'created_at'] as const;

export async function createSync(db: AnyDb, audience: Audience, url: string): Promise<{ sync: AudienceSync; secret: string }> {
  const secret = `asec_${randomBytes(24).toString('base64url')}`;
  return inTransaction(db, async (trx) => {
    await tablesOf<AudienceTables>(trx).selectFrom('audience').select('id').where('merchant_id', '=', audience.merchant_id).where('id', '=', audience.id).forUpdate().execute();
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from audience_sync where merchant_id = ${audience.merchant_id} and audience_id = ${audience.id}`.execute(trx);
    if ((rows[0]?.n ?? 0) >= syncs_per_audience_max) throw new Problem(422, 'too_many_syncs', 'Too many syncs', `an audience has at most ${syncs_per_audience_max} syncs`);
    const sync = (await tablesOf<AudienceTables>(trx).insertInto('audience_sync')
      .values({ merchant_id: audience.merchant_id, id: newId('async'), audience_id: audience.id, url, secret })
      .returning([...columns])
      .executeTakeFirstOrThrow());
    return { sync, secret };
  });
}

export async function listSyncs(db: AnyDb, merchant_id: string, audience_id: string, page: { after_id?: string | undefined; limit: number }): Promise<AudienceSync[]> {
  let query = tablesOf<AudienceTables>(db).selectFrom('audience_sync').select([...columns]).where('merchant_id', '=', merchant_id).where('audience_id', '=', audience_id);
  if (page.after_id !== undefined) query = query.where('id', '>', page.after_id);
  return (await query.orderBy('id').limit(page.limit).execute());
}

export async function deleteSync(db: AnyDb, merchant_id: string, audience_id: string, sync_id: string): Promise<boolean> {
  const result = await tablesOf<AudienceTables>(db).deleteFrom('audience_sync').where('merchant_id', '=', merchant_id).where('audience_id', '=', audience_id).where('id', '=', sync_id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** POSTs a JSON body, connecting only where the destination policy allows; resolves with the status or an error message. */
function post(config: Config, url: string, body: string, headers: Record<string, string>): Promise<{ status: number } | { error: string }> {
  const parsed = new URL(url);
  const refused = syncUrlProblem(config, url);
  if (refused !== undefined) return Promise.resolve({ error: refused });
  const client = parsed.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.request(
      parsed,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers }, lookup: policyOf(config).lookup, timeout: sync_timeout_ms },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
        response.on('error', (error) => resolve({ error: error.message }));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${sync_timeout_ms} ms`)));
    request.on('error', (error) => resolve({ error: error.message }));
    request.end(body);
  });
}

export interface SyncReport {
  sync_id: string;
  added: number;
  removed: number;
  error?: string;
}

/**
 * Pushes the audience's members (`members`, evaluated this round) to each of its syncs: what was
 * added and removed since the destination was last told. Each sync in its own transaction, its
 * row locked (a sync another process is pushing is skipped).
 */
export async function pushSyncs(db: AnyDb, config: Config, audience: Audience, members: Bitmap, now = new Date()): Promise<SyncReport[]> {
  const ids = (await tablesOf<AudienceTables>(db).selectFrom('audience_sync').select('id').where('merchant_id', '=', audience.merchant_id).where('audience_id', '=', audience.id).orderBy('id').execute()) as { id: string }[];
  const reports: SyncReport[] = [];
  for (const { id } of ids) {
    const report = await inTransaction(db, async (trx) => {
      const row = (await tablesOf<AudienceTables>(trx).selectFrom('audience_sync')
        .select(['id', 'url', 'secret', 'members', 'last_pushed_at'])
        .where('merchant_id', '=', audience.merchant_id)
        .where('id', '=', id)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst());
      if (row === undefined) return undefined;
      const told = row.members === null ? new RoaringBitmap32() : RoaringBitmap32.deserialize(row.members, 'portable');
      const added = [...RoaringBitmap32.andNot(members, told).rangeUint32Array(0, sync_batch_max)];
      const removed = [...RoaringBitmap32.andNot(told, members).rangeUint32Array(0, sync_batch_max)];
      if (added.length === 0 && removed.length === 0 && row.last_pushed_at !== null) return { sync_id: id, added: 0, removed: 0 };
      const profiles = await profileIdsOf(trx, audience.merchant_id, [...added, ...removed]);
      const item = (n: number) => ({ profile_id: profiles.get(n) ?? null, consumer_number: n });
      const body = JSON.stringify({ type: 'audience.sync', sync_id: id, audience_id: audience.id, audience_name: audience.name, at: now.toISOString(), size: members.size, added: added.map(item), removed: removed.map(item) });
      const result = await post(config, row.url, body, { [signatureHeader]: signWebhook(row.secret, body, Math.floor(now.getTime() / 1000)) });
      const error = 'error' in result ? result.error : result.status >= 200 && result.status < 300 ? undefined : `the destination answered ${result.status}`;
      if (error !== undefined) {
        await tablesOf<AudienceTables>(trx).updateTable('audience_sync').set({ last_error: error.slice(0, 500), failures: sql`failures + 1` }).where('merchant_id', '=', audience.merchant_id).where('id', '=', id).execute();
        return { sync_id: id, added: 0, removed: 0, error };
      }
      told.addMany(added);
      told.removeMany(removed);
      await tablesOf<AudienceTables>(trx).updateTable('audience_sync')
        .set({ members: told.serialize('portable'), size: told.size, last_pushed_at: now, last_error: null, failures: 0 })
        .where('merchant_id', '=', audience.merchant_id)
        .where('id', '=', id)
        .execute();
      return { sync_id: id, added: added.length, removed: removed.length };
    });
    if (report !== undefined) reports.push(report);
  }
  return reports;
}
