import { sql, type Selectable } from 'kysely';
import { tablesOf, type AnyDb } from '../../kernel/db.js';
import type { DomainEvent } from '../../kernel/events/event.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { subscribes, testEventType } from './event-types.js';
import type { DeliveryStatus, WebhookDeliveryTable, WebhookTables } from './tables.js';

/**
 * Deliveries: one row per event and endpoint, written by the outbox handler and sent later by
 * the sender. Writing a row is all the handler does, so a slow or dead receiver never holds up
 * the outbox or the merchant's other subscribers.
 */
export type WebhookDelivery = Selectable<WebhookDeliveryTable>;

/** Sent deliveries are kept this long for the merchant to inspect, then deleted. */
export const delivery_retention_ms = 30 * 24 * 3_600_000;
const prune_batch_max = 10_000;

/**
 * The outbox handler: queues each event of a run for every enabled endpoint of its merchant
 * that subscribes to its type and existed when it occurred. Idempotent: an event the outbox delivers
 * again finds its rows already there (unique per endpoint and event) and adds none.
 */
export async function enqueueDeliveries(db: AnyDb, events: readonly DomainEvent[]): Promise<number> {
  const merchants = [...new Set(events.map((e) => e.merchant_id).filter((m): m is string => m !== null))];
  if (merchants.length === 0) return 0;
  const t = tablesOf<WebhookTables>(db);
  // One query for the endpoints of every merchant in the run of events, however long the run.
  const endpoints = await t.selectFrom('webhook_endpoint').select(['merchant_id', 'id', 'events', 'created_at']).where('merchant_id', 'in', merchants).where('disabled_at', 'is', null).execute();
  if (endpoints.length === 0) return 0;
  const rows = events.flatMap((e) => {
    const targets = endpoints.filter((x) => x.merchant_id === e.merchant_id && x.created_at <= e.occurred_at && subscribes(x.events, e.type));
    if (targets.length === 0) return [];
    const data = JSON.stringify(e.payload);
    return targets.map((x) => ({ merchant_id: x.merchant_id, id: newId('whd'), endpoint_id: x.id, event_id: e.id, event_type: e.type, data, occurred_at: e.occurred_at, last_response_status: null, last_error: null, delivered_at: null }));
  });
  if (rows.length === 0) return 0;
  const inserted = await t
    .insertInto('webhook_delivery')
    .values(rows)
    .onConflict((oc) => oc.columns(['merchant_id', 'endpoint_id', 'event_id']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0n);
}

/**
 * Queues a `webhook.test` ping to one endpoint, whatever it subscribes to. Returns undefined when
 * the endpoint does not exist or is another merchant's; a disabled endpoint is refused, because
 * nothing is sent to it until it is enabled again.
 */
export async function enqueueTestDelivery(db: AnyDb, merchant_id: string, endpoint_id: string): Promise<WebhookDelivery | undefined> {
  const t = tablesOf<WebhookTables>(db);
  const endpoint = await t.selectFrom('webhook_endpoint').select(['id', 'disabled_at']).where('merchant_id', '=', merchant_id).where('id', '=', endpoint_id).executeTakeFirst();
  if (endpoint === undefined) return undefined;
  if (endpoint.disabled_at !== null) throw problems.conflict('webhook_endpoint_disabled', 'The endpoint is disabled; enable it to send it a test');
  const event_id = newId('evt');
  return t
    .insertInto('webhook_delivery')
    .values({
      merchant_id,
      id: newId('whd'),
      endpoint_id,
      event_id,
      event_type: testEventType,
      data: JSON.stringify({ endpoint_id, message: 'A test delivery from OpenBOS: your endpoint is reachable and the signature can be verified.' }),
      occurred_at: new Date(),
      last_response_status: null,
      last_error: null,
      delivered_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** An endpoint's deliveries, newest first. */
export async function listDeliveries(db: AnyDb, merchant_id: string, endpoint_id: string, filter: { status?: DeliveryStatus | undefined; before_id?: string | undefined; limit: number }): Promise<WebhookDelivery[]> {
  let query = tablesOf<WebhookTables>(db).selectFrom('webhook_delivery').selectAll().where('merchant_id', '=', merchant_id).where('endpoint_id', '=', endpoint_id);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.before_id !== undefined) query = query.where('id', '<', filter.before_id);
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}

/** Deletes settled deliveries older than the retention, at most `prune_batch_max` per call. */
export async function pruneDeliveries(db: AnyDb, now: Date = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - delivery_retention_ms);
  const result = await sql`delete from webhook_delivery where (merchant_id, id) in (
      select merchant_id, id from webhook_delivery
      where status in ('succeeded', 'dead') and created_at < ${cutoff}
      limit ${prune_batch_max})`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
