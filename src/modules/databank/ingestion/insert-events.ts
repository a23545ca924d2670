import { sql } from 'kysely';
import type { AnyTrx } from '../../../kernel/db.js';
import type { Batch } from './batch.js';

/**
 * Inserts the batch's events; returns the message IDs actually inserted (absent: already stored).
 * Duplicates (a retried messageId) are rare, so the insert itself finds them: no lookup first.
 */
export async function insertEvents(trx: AnyTrx, b: Batch): Promise<Set<string>> {
  if (b.events.length === 0) return new Set();
  // In message ID order, so that two transactions inserting the same retried events wait for each
  // other in one order and never deadlock over them.
  const ev = [...b.events].sort((x, y) => (x.e.message_id < y.e.message_id ? -1 : x.e.message_id > y.e.message_id ? 1 : 0));
  const result = await sql<{ message_id: string }>`insert into cdp_event (merchant_id, id, message_id, type, event, profile_id, user_id, anonymous_id, properties, context, occurred_at, received_at)
    select ${b.merchant_id}, * from unnest(${ev.map((x) => x.id)}::text[], ${ev.map((x) => x.e.message_id)}::text[], ${ev.map((x) => x.e.type)}::text[], ${ev.map((x) => x.e.event)}::text[],
      ${ev.map((x) => x.profile_id)}::text[], ${ev.map((x) => x.e.user_id)}::text[], ${ev.map((x) => x.e.anonymous_id)}::text[],
      ${ev.map((x) => JSON.stringify(x.e.properties))}::jsonb[], ${ev.map((x) => JSON.stringify(x.e.context))}::jsonb[],
      ${ev.map((x) => x.e.occurred_at.toISOString())}::timestamptz[], ${ev.map((x) => x.e.received_at.toISOString())}::timestamptz[])
    on conflict (merchant_id, message_id) do nothing
    returning message_id`.execute(trx);
  return new Set(result.rows.map((r) => r.message_id));
}

/** Undoes `insertEvents`: only the rows it inserted, so an event stored before keeps its row. */
export async function deleteInsertedEvents(trx: AnyTrx, merchant_id: string, inserted: ReadonlySet<string>): Promise<void> {
  await sql`delete from cdp_event where merchant_id = ${merchant_id} and message_id = any(${[...inserted]}::text[])`.execute(trx);
}
