import { sql, type Generated, type Selectable } from 'kysely';
import type { z } from 'zod';
import { tablesOf, type AnyDb, type AnyTrx } from '../db.js';
import { newId } from '../ids.js';
import { sqlMigration, type Migration } from '../migrations.js';
import { containsPatterns, replaceInJson } from '../redact.js';
import type { EventDefinition } from './event.js';

/**
 * The transactional outbox. An event is a row written in the same transaction as the change it
 * describes, so it exists exactly when the change does; the dispatcher delivers it afterwards.
 */
export interface OutboxTable {
  id: string;
  type: string;
  merchant_id: string | null;
  payload: unknown;
  occurred_at: Generated<Date>;
  status: Generated<'pending' | 'delivered' | 'dead'>;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  completed_handlers: Generated<string[]>;
  last_error: string | null;
  delivered_at: Date | null;
}

export type OutboxRow = Selectable<OutboxTable>;

export interface OutboxTables {
  bos_outbox_event: OutboxTable;
}

export const outboxChannel = 'bos_outbox';

export const outboxMigrations: readonly Migration[] = [
  sqlMigration(
    '20261122T1400_create_outbox',
    `create table bos_outbox_event (
       id text primary key,
       type text not null,
       merchant_id text,
       payload jsonb not null,
       occurred_at timestamptz not null default now(),
       status text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
       attempts integer not null default 0 check (attempts >= 0),
       next_attempt_at timestamptz not null default now(),
       completed_handlers text[] not null default '{}',
       last_error text,
       delivered_at timestamptz
     );
     create index bos_outbox_event_due on bos_outbox_event (next_attempt_at) where status = 'pending';
     create index bos_outbox_event_type on bos_outbox_event (type, id);
     -- One notification per inserting statement wakes the dispatchers as the transaction commits.
     create function bos_outbox_notify() returns trigger language plpgsql as $$
     begin
       perform pg_notify('${outboxChannel}', '');
       return null;
     end $$;
     create trigger bos_outbox_event_notify after insert on bos_outbox_event
       for each statement execute function bos_outbox_notify();`,
  ),
];

export class InvalidEventError extends Error {
  constructor(type: string, detail: string) {
    super(`event ${type} has an invalid payload: ${detail}`);
    this.name = 'InvalidEventError';
  }
}

/**
 * Writes events into the outbox inside the caller's transaction. Taking the transaction as the
 * first parameter makes it impossible to publish outside one.
 */
export async function publish<Schema extends z.ZodType>(
  trx: AnyTrx,
  event: EventDefinition<string, Schema>,
  merchant_id: string | null,
  payloads: z.input<Schema> | readonly z.input<Schema>[],
): Promise<string[]> {
  const list = (Array.isArray(payloads) ? payloads : [payloads]) as z.input<Schema>[];
  return publishEach(trx, event, list.map((payload) => ({ merchant_id, payload })));
}

/**
 * Like `publish`, for events of one type that belong to several merchants: one statement for
 * all of them.
 */
export async function publishEach<Schema extends z.ZodType>(trx: AnyTrx, event: EventDefinition<string, Schema>, items: readonly { merchant_id: string | null; payload: z.input<Schema> }[]): Promise<string[]> {
  if (items.length === 0) return [];
  const rows = items.map(({ merchant_id, payload }) => {
    const parsed = event.schema.safeParse(payload);
    if (!parsed.success) throw new InvalidEventError(event.type, parsed.error.message);
    return { id: newId('evt'), merchant_id, payload: JSON.stringify(parsed.data, jsonBigInt) };
  });
  await sql`insert into bos_outbox_event (id, type, merchant_id, payload)
    select id, ${event.type}, merchant_id, payload from unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.merchant_id)}::text[], ${rows.map((r) => r.payload)}::jsonb[]) as v(id, merchant_id, payload)`.execute(trx);
  return rows.map((r) => r.id);
}

/** Events carry bigint amounts as JSON numbers when safe and as strings when not. */
export function jsonBigInt(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

export interface OutboxStats {
  pending: number;
  dead: number;
  delivered: number;
}

export async function outboxStats(db: AnyDb): Promise<OutboxStats> {
  const rows = await tablesOf<OutboxTables>(db)
    .selectFrom('bos_outbox_event')
    .select(['status', sql<number>`count(*)::int`.as('count')])
    .groupBy('status')
    .execute();
  const count = (status: string) => rows.find((r) => r.status === status)?.count ?? 0;
  return { pending: count('pending'), dead: count('dead'), delivered: count('delivered') };
}

/** Moves dead letters back to pending so the dispatcher tries them again. */
export async function retryDeadEvents(db: AnyDb, ids?: readonly string[]): Promise<number> {
  let query = tablesOf<OutboxTables>(db)
    .updateTable('bos_outbox_event')
    .set({ status: 'pending', attempts: 0, next_attempt_at: new Date(), last_error: null })
    .where('status', '=', 'dead');
  if (ids !== undefined) query = query.where('id', 'in', ids.length > 0 ? ids : ['']);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Erasure: one merchant's stored events keep none of the given personal values (each replaced
 * by its pseudonym). Returns how many events changed.
 */
export async function redactEventPayloads(trx: AnyTrx, merchant_id: string, replacements: ReadonlyMap<string, string>): Promise<number> {
  if (replacements.size === 0) return 0;
  const rows = await sql<{ id: string; payload: unknown }>`select id, payload from bos_outbox_event
    where merchant_id = ${merchant_id} and payload::text ilike any(${containsPatterns(replacements.keys())}::text[]) for update`.execute(trx);
  let changed = 0;
  for (const row of rows.rows) {
    const payload = replaceInJson(row.payload, replacements);
    if (payload === row.payload) continue;
    await sql`update bos_outbox_event set payload = ${JSON.stringify(payload)}::jsonb where id = ${row.id}`.execute(trx);
    changed++;
  }
  return changed;
}
