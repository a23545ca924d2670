import { sql } from 'kysely';
import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { problems, type FieldError } from '../../kernel/problem.js';
import type { ShelfEventInput } from './basket-builder.js';
import { isUnattended } from './devices.js';
import { foldSession } from './sessions.js';
import type { SessionsTables } from './tables-sessions.js';

/**
 * Shelf events: what the store's shelves saw (a pick, a put-back) with the camera's candidates
 * for who did it. A batch is all or nothing: every device must be a shelf of this merchant in an
 * unattended store (404 otherwise), every candidate a session of that same store (422), and an
 * `event_id` already stored is skipped (a resend is a no-op). The open sessions the batch names
 * are then refolded into their lines, in the same transaction, each under its row lock.
 */
export const shelf_events_per_batch_max = 500;
export const candidates_per_event_max = 10;

export interface ShelfEventsOutcome {
  accepted: number;
  duplicates: number;
  sessions_updated: number;
}

export async function ingestShelfEvents(db: AnyDb, merchant_id: string, events: readonly ShelfEventInput[]): Promise<ShelfEventsOutcome> {
  const device_ids = [...new Set(events.map((e) => e.device_id))];
  const session_ids = [...new Set(events.flatMap((e) => e.candidates.map((c) => c.session_id)))];
  return inTransaction(db, async (trx) => {
    const t = tablesOf<SessionsTables>(trx);
    const devices = new Map(
      (await t.selectFrom('store_device').select(['id', 'kind', 'location_id']).where('merchant_id', '=', merchant_id).where('id', 'in', device_ids).execute()).map((d) => [d.id, d]),
    );
    const missing = device_ids.find((id) => !devices.has(id));
    if (missing !== undefined) throw problems.notFound('A device of the batch');
    const errors: FieldError[] = [];
    const stores = new Map<string, boolean>();
    for (const d of devices.values()) if (!stores.has(d.location_id)) stores.set(d.location_id, await isUnattended(trx, merchant_id, d.location_id));
    const sessions =
      session_ids.length === 0
        ? new Map<string, { location_id: string }>()
        : new Map((await t.selectFrom('store_session').select(['id', 'location_id']).where('merchant_id', '=', merchant_id).where('id', 'in', session_ids).execute()).map((s) => [s.id, s]));
    events.forEach((e, i) => {
      const device = devices.get(e.device_id)!;
      if (device.kind !== 'shelf') errors.push({ field: `events.${i}.device_id`, location: 'body', message: `is a ${device.kind}, not a shelf` });
      else if (stores.get(device.location_id) !== true) errors.push({ field: `events.${i}.device_id`, location: 'body', message: 'is in a store that is not unattended' });
      e.candidates.forEach((c, j) => {
        const session = sessions.get(c.session_id);
        if (session === undefined) errors.push({ field: `events.${i}.candidates.${j}.session_id`, location: 'body', message: 'is not a shopping session of this merchant' });
        else if (session.location_id !== device.location_id) errors.push({ field: `events.${i}.candidates.${j}.session_id`, location: 'body', message: 'is a session of another store than the shelf’s' });
      });
    });
    if (errors.length > 0) throw problems.validation(errors.slice(0, 50));

    // A resend within the batch counts once; one already stored is skipped by the unique key.
    const fresh = new Map<string, ShelfEventInput>();
    for (const e of events) if (!fresh.has(e.event_id)) fresh.set(e.event_id, e);
    const rows = [...fresh.values()].map((e) => ({
      merchant_id,
      id: newId('shev'),
      event_id: e.event_id,
      device_id: e.device_id,
      location_id: devices.get(e.device_id)!.location_id,
      variant_id: e.variant_id,
      kind: e.kind,
      quantity: e.quantity,
      at: e.at,
      candidates: JSON.stringify(e.candidates) as unknown as ShelfEventInput['candidates'] & { session_id: string; confidence: number }[],
    }));
    const inserted = await t.insertInto('shelf_event').values(rows).onConflict((oc) => oc.columns(['merchant_id', 'event_id']).doNothing()).returning(['id', 'event_id']).execute();
    const candidates = inserted.flatMap((row) => {
      const best = new Map<string, number>();
      for (const c of fresh.get(row.event_id)!.candidates) best.set(c.session_id, Math.max(best.get(c.session_id) ?? 0, c.confidence));
      return [...best.entries()].map(([session_id, confidence]) => ({ merchant_id, session_id, shelf_event_id: row.id, confidence }));
    });
    if (candidates.length > 0) await t.insertInto('shelf_event_candidate').values(candidates).execute();

    // Refold the open sessions the new events name, locked in ID order (an exit locks one).
    const touched = [...new Set(candidates.map((c) => c.session_id))].sort();
    let sessions_updated = 0;
    if (touched.length > 0) {
      const open = await sql<{ id: string }>`select id from store_session where merchant_id = ${merchant_id} and id = any(${touched}) and status = 'open' order by id for no key update`.execute(trx);
      for (const s of open.rows) {
        await foldSession(trx, merchant_id, s.id);
        sessions_updated++;
      }
    }
    await t.updateTable('store_device').set({ last_seen_at: sql`now()` }).where('merchant_id', '=', merchant_id).where('id', 'in', device_ids).execute();
    return { accepted: inserted.length, duplicates: events.length - inserted.length, sessions_updated };
  });
}

/** A session's shelf events (every one that names it), newest last, for the review screen. */
export async function shelfEventsOfSession(db: AnyDb, merchant_id: string, session_id: string): Promise<{ event_id: string; device_id: string; variant_id: string; kind: string; quantity: number; at: Date; received_at: Date; confidence: number }[]> {
  const rows = await sql<{ event_id: string; device_id: string; variant_id: string; kind: string; quantity: number; at: Date; received_at: Date; confidence: number }>`
    select e.event_id, e.device_id, e.variant_id, e.kind, e.quantity, e.at, e.received_at, c.confidence
    from shelf_event_candidate c join shelf_event e on e.merchant_id = c.merchant_id and e.id = c.shelf_event_id
    where c.merchant_id = ${merchant_id} and c.session_id = ${session_id} order by e.at, e.event_id`.execute(db);
  return rows.rows;
}
