import { sql, type Selectable, type Updateable } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { newToken } from '../../kernel/tokens.js';
import { problems } from '../../kernel/problem.js';
import { recordAudit } from '../merchants/index.js';
import { allEvents } from './event-types.js';
import { webhookEndpointCreated, webhookEndpointDeleted, webhookEndpointUpdated } from './events.js';
import type { WebhookEndpointTable, WebhookTables } from './tables.js';

/**
 * A merchant's webhook endpoints: URLs that receive the merchant's events, signed with a secret
 * the platform generates. The secret is returned whole once, at creation; afterwards only a hint.
 */
export type WebhookEndpoint = Omit<Selectable<WebhookEndpointTable>, 'secret' | 'previous_secret'> & { secret_hint: string };

/** Each endpoint multiplies every event into one delivery, so a merchant may have only a few. */
export const endpoints_per_merchant_max = 16;
export const url_length_max = 2_048;
export const description_length_max = 500;
const secret_bytes = 32;
/** How long a rotated-out secret still signs deliveries by default, and at most: time to deploy the new one. */
export const rotation_overlap_s_default = 24 * 3_600;
export const rotation_overlap_s_max = 7 * 24 * 3_600;

export interface NewWebhookEndpoint {
  url: string;
  description?: string | undefined;
  events: readonly string[];
}

export interface WebhookEndpointChanges {
  url?: string | undefined;
  description?: string | undefined;
  events?: readonly string[] | undefined;
  enabled?: boolean | undefined;
}

/** Duplicates go, and `*` stands alone: it already means every type. */
function normaliseEvents(events: readonly string[]): string[] {
  return events.includes(allEvents) ? [allEvents] : [...new Set(events)].sort();
}

function withHint(row: Selectable<WebhookEndpointTable>): WebhookEndpoint {
  const { secret, previous_secret: _previous, ...rest } = row;
  return { ...rest, secret_hint: `whsec_...${secret.slice(-4)}` };
}

/** Serialises endpoint creation per merchant, so two concurrent requests cannot pass the limit. */
async function lockMerchantEndpoints(trx: AnyTrx, merchant_id: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`webhooks:${merchant_id}`}, 0))`.execute(trx);
}

export async function createWebhookEndpoint(db: AnyDb, merchant_id: string, input: NewWebhookEndpoint, actor: string): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const secret = newToken('whsec_', secret_bytes);
  const events = normaliseEvents(input.events);
  return inTransaction(db, async (trx) => {
    const t = tablesOf<WebhookTables>(trx);
    await lockMerchantEndpoints(trx, merchant_id);
    const { count } = await t.selectFrom('webhook_endpoint').select(sql<number>`count(*)::int`.as('count')).where('merchant_id', '=', merchant_id).executeTakeFirstOrThrow();
    if (count >= endpoints_per_merchant_max) {
      throw problems.unprocessable('webhook_endpoint_limit', `A merchant may have at most ${endpoints_per_merchant_max} webhook endpoints; delete one first`);
    }
    const row = await t
      .insertInto('webhook_endpoint')
      .values({ merchant_id, id: newId('whk'), url: input.url, description: input.description ?? '', events, secret, previous_secret: null, previous_secret_expires_at: null, disabled_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    await publish(trx, webhookEndpointCreated, merchant_id, { endpoint_id: row.id, url: row.url, events });
    await recordAudit(trx, { merchant_id, actor, action: 'webhook_endpoint.create', target: row.id, details: { url: row.url, events } });
    return { endpoint: withHint(row), secret };
  });
}

/** Returns undefined when the endpoint does not exist or is another merchant's. */
export async function updateWebhookEndpoint(db: AnyDb, merchant_id: string, endpoint_id: string, changes: WebhookEndpointChanges, actor: string): Promise<WebhookEndpoint | undefined> {
  return inTransaction(db, async (trx) => {
    const t = tablesOf<WebhookTables>(trx);
    const current = await t.selectFrom('webhook_endpoint').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', endpoint_id).forUpdate().executeTakeFirst();
    if (current === undefined) return undefined;
    const changed = (['url', 'description', 'events', 'enabled'] as const).filter((k) => changes[k] !== undefined);
    if (changed.length === 0) return withHint(current);
    const set: Updateable<WebhookEndpointTable> = { updated_at: new Date() };
    if (changes.url !== undefined) set.url = changes.url;
    if (changes.description !== undefined) set.description = changes.description;
    if (changes.events !== undefined) set.events = normaliseEvents(changes.events);
    // Disabling twice keeps the time it was first disabled.
    if (changes.enabled !== undefined) set.disabled_at = changes.enabled ? null : (current.disabled_at ?? new Date());
    const row = await t
      .updateTable('webhook_endpoint')
      .set(set)
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', endpoint_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await publish(trx, webhookEndpointUpdated, merchant_id, { endpoint_id, changed });
    await recordAudit(trx, { merchant_id, actor, action: 'webhook_endpoint.update', target: endpoint_id, details: { ...changes, ...(changes.events === undefined ? {} : { events: row.events }) } });
    return withHint(row);
  });
}

/**
 * Gives the endpoint a new signing secret, returned once. The old one keeps signing deliveries,
 * beside the new one, for `overlap_s` seconds, so the merchant can deploy the new secret to the
 * receiver without refusing a delivery meanwhile; then it is dropped. Rotating again during an
 * overlap retires the secret that was current: only the two newest ever sign. Returns undefined
 * when the endpoint does not exist or is another merchant's.
 */
export async function rotateWebhookEndpointSecret(db: AnyDb, merchant_id: string, endpoint_id: string, overlap_s: number, actor: string): Promise<{ endpoint: WebhookEndpoint; secret: string } | undefined> {
  if (!Number.isInteger(overlap_s) || overlap_s < 0 || overlap_s > rotation_overlap_s_max) throw new Error(`overlap_s must be an integer from 0 to ${rotation_overlap_s_max}`);
  const secret = newToken('whsec_', secret_bytes);
  return inTransaction(db, async (trx) => {
    const t = tablesOf<WebhookTables>(trx);
    const current = await t.selectFrom('webhook_endpoint').select(['secret']).where('merchant_id', '=', merchant_id).where('id', '=', endpoint_id).forUpdate().executeTakeFirst();
    if (current === undefined) return undefined;
    const now = new Date();
    const expires_at = overlap_s === 0 ? null : new Date(now.getTime() + overlap_s * 1_000);
    const row = await t
      .updateTable('webhook_endpoint')
      .set({ secret, previous_secret: expires_at === null ? null : current.secret, previous_secret_expires_at: expires_at, updated_at: now })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', endpoint_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await publish(trx, webhookEndpointUpdated, merchant_id, { endpoint_id, changed: ['secret'] });
    await recordAudit(trx, { merchant_id, actor, action: 'webhook_endpoint.rotate_secret', target: endpoint_id, details: { previous_secret_expires_at: expires_at?.toISOString() ?? null } });
    return { endpoint: withHint(row), secret };
  });
}

/** Forgets rotated-out secrets whose overlap has ended; they no longer sign anything (the sender checks the time). */
export async function dropExpiredPreviousSecrets(db: AnyDb, now: Date = new Date()): Promise<number> {
  const result = await tablesOf<WebhookTables>(db)
    .updateTable('webhook_endpoint')
    .set({ previous_secret: null, previous_secret_expires_at: null })
    .where('previous_secret_expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Deletes the endpoint and its deliveries, pending ones included. Returns false when not theirs. */
export async function deleteWebhookEndpoint(db: AnyDb, merchant_id: string, endpoint_id: string, actor: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const deleted = await tablesOf<WebhookTables>(trx)
      .deleteFrom('webhook_endpoint')
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', endpoint_id)
      .returning(['id', 'url'])
      .executeTakeFirst();
    if (deleted === undefined) return false;
    await publish(trx, webhookEndpointDeleted, merchant_id, { endpoint_id });
    await recordAudit(trx, { merchant_id, actor, action: 'webhook_endpoint.delete', target: endpoint_id, details: { url: deleted.url } });
    return true;
  });
}

export async function getWebhookEndpoint(db: AnyDb, merchant_id: string, endpoint_id: string): Promise<WebhookEndpoint | undefined> {
  const row = await tablesOf<WebhookTables>(db).selectFrom('webhook_endpoint').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', endpoint_id).executeTakeFirst();
  return row === undefined ? undefined : withHint(row);
}

export async function listWebhookEndpoints(db: AnyDb, merchant_id: string, after_id: string | undefined, limit: number): Promise<WebhookEndpoint[]> {
  let query = tablesOf<WebhookTables>(db).selectFrom('webhook_endpoint').selectAll().where('merchant_id', '=', merchant_id);
  if (after_id !== undefined) query = query.where('id', '>', after_id);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map(withHint);
}
