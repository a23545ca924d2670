import { sql, type Selectable } from 'kysely';
import { tablesOf, type AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { Problem, problems } from '../../kernel/problem.js';
import { getLocation } from '../locations/index.js';
import type { DeviceKind, SessionsTables } from './tables-sessions.js';

/**
 * An unattended store's devices (gates, shelves, screens, registers) and their health. A store
 * becomes unattended by its merchant's flag (`unattended_store`); devices belong to such a store.
 * Every call a device makes (heartbeat, a gate pass, a batch of shelf events) counts as seen.
 */
export type StoreDevice = Selectable<SessionsTables['store_device']>;

/** A device seen within this long is online. */
export const device_online_window_s = 60;

export interface DeviceHealth {
  last_seen_at: Date | null;
  online: boolean;
  /** Shelf events it sent, and gate passes it made, in the last minute. */
  events_last_minute: number;
  errors: number;
  last_error: string | null;
  last_error_at: Date | null;
}

export async function isUnattended(db: AnyDb, merchant_id: string, location_id: string): Promise<boolean> {
  const row = await tablesOf<SessionsTables>(db).selectFrom('unattended_store').select('unattended').where('merchant_id', '=', merchant_id).where('location_id', '=', location_id).executeTakeFirst();
  return row?.unattended ?? false;
}

/** The store of this merchant, or 404 (another merchant's location is not found either); a warehouse is a 422. */
export async function requireStore(db: AnyDb, merchant_id: string, location_id: string, field = 'location_id'): Promise<void> {
  const location = await getLocation(db, merchant_id, location_id);
  if (location === undefined) throw problems.notFound('The location');
  if (location.kind !== 'store') throw problems.validation([{ field, location: 'body', message: `is a ${location.kind}; only stores can be unattended` }]);
}

export async function setUnattended(db: AnyDb, merchant_id: string, location_id: string, unattended: boolean): Promise<{ location_id: string; unattended: boolean; updated_at: Date }> {
  await requireStore(db, merchant_id, location_id);
  return tablesOf<SessionsTables>(db)
    .insertInto('unattended_store')
    .values({ merchant_id, location_id, unattended })
    .onConflict((oc) => oc.columns(['merchant_id', 'location_id']).doUpdateSet({ unattended, updated_at: sql`now()` }))
    .returning(['location_id', 'unattended', 'updated_at'])
    .executeTakeFirstOrThrow();
}

export async function unattendedSetting(db: AnyDb, merchant_id: string, location_id: string): Promise<{ location_id: string; unattended: boolean; updated_at: Date | null }> {
  const location = await getLocation(db, merchant_id, location_id);
  if (location === undefined) throw problems.notFound('The location');
  const row = await tablesOf<SessionsTables>(db).selectFrom('unattended_store').select(['location_id', 'unattended', 'updated_at']).where('merchant_id', '=', merchant_id).where('location_id', '=', location_id).executeTakeFirst();
  return row ?? { location_id, unattended: false, updated_at: null };
}

export async function createDevice(db: AnyDb, merchant_id: string, input: { location_id: string; kind: DeviceKind; name: string }): Promise<StoreDevice> {
  await requireStore(db, merchant_id, input.location_id);
  if (!(await isUnattended(db, merchant_id, input.location_id))) {
    throw problems.unprocessable('store_not_unattended', 'The store is not unattended: set it with PUT /v1/unattended-stores/{location_id} first');
  }
  return tablesOf<SessionsTables>(db)
    .insertInto('store_device')
    .values({ merchant_id, id: newId('sdev'), location_id: input.location_id, kind: input.kind, name: input.name, last_seen_at: null, last_error: null, last_error_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getDevice(db: AnyDb, merchant_id: string, device_id: string): Promise<StoreDevice | undefined> {
  return tablesOf<SessionsTables>(db).selectFrom('store_device').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', device_id).executeTakeFirst();
}

/**
 * The device of this merchant calling, of the kind the route needs, seen now; 404 for an unknown
 * or other merchant's device, 422 `device_kind_mismatch` for a shelf calling a gate's route, 422
 * `store_not_unattended` once its store is no longer unattended.
 */
export async function deviceCalling(db: AnyDb, merchant_id: string, device_id: string, kinds: readonly DeviceKind[]): Promise<StoreDevice> {
  const device = await tablesOf<SessionsTables>(db)
    .updateTable('store_device')
    .set({ last_seen_at: sql`now()` })
    .where('merchant_id', '=', merchant_id)
    .where('id', '=', device_id)
    .returningAll()
    .executeTakeFirst();
  if (device === undefined) throw problems.notFound('The device');
  if (!kinds.includes(device.kind)) throw new Problem(422, 'device_kind_mismatch', 'The request cannot be processed', `The device is a ${device.kind}; this needs a ${kinds.join(' or ')}`);
  if (!(await isUnattended(db, merchant_id, device.location_id))) throw problems.unprocessable('store_not_unattended', 'The device’s store is not unattended');
  return device;
}

/** A heartbeat: seen now, and the errors the device reports since its last one. */
export async function heartbeat(db: AnyDb, merchant_id: string, device_id: string, report: { errors?: { message: string }[] | undefined }): Promise<StoreDevice> {
  const errors = report.errors ?? [];
  const last = errors.at(-1)?.message ?? null;
  const device = await tablesOf<SessionsTables>(db)
    .updateTable('store_device')
    .set({
      last_seen_at: sql`now()`,
      errors: sql`errors + ${errors.length}`,
      ...(last === null ? {} : { last_error: last, last_error_at: sql`now()` }),
    })
    .where('merchant_id', '=', merchant_id)
    .where('id', '=', device_id)
    .returningAll()
    .executeTakeFirst();
  if (device === undefined) throw problems.notFound('The device');
  return device;
}

/** The merchant's devices (of one store, or all), by ID, with their health. */
export async function listDevices(db: AnyDb, merchant_id: string, filter: { location_id?: string | undefined; after_id?: string | undefined; limit: number }): Promise<(StoreDevice & { health: DeviceHealth })[]> {
  let q = tablesOf<SessionsTables>(db).selectFrom('store_device').selectAll().where('merchant_id', '=', merchant_id);
  if (filter.location_id !== undefined) q = q.where('location_id', '=', filter.location_id);
  if (filter.after_id !== undefined) q = q.where('id', '>', filter.after_id);
  return withHealth(db, merchant_id, await q.orderBy('id').limit(filter.limit).execute());
}

/** The devices with their health: seen, events in the last minute, errors. */
export async function withHealth(db: AnyDb, merchant_id: string, devices: StoreDevice[]): Promise<(StoreDevice & { health: DeviceHealth })[]> {
  if (devices.length === 0) return [];
  const ids = devices.map((d) => d.id);
  const activity = await sql<{ device_id: string; n: string }>`
    select device_id, count(*)::text as n from (
      select device_id from shelf_event where merchant_id = ${merchant_id} and device_id = any(${ids}) and received_at > now() - interval '1 minute'
      union all
      select entry_device_id from store_session where merchant_id = ${merchant_id} and entry_device_id = any(${ids}) and opened_at > now() - interval '1 minute'
      union all
      select exit_device_id from store_session where merchant_id = ${merchant_id} and exit_device_id = any(${ids}) and closed_at > now() - interval '1 minute'
    ) a group by device_id`.execute(db);
  const counts = new Map(activity.rows.map((r) => [r.device_id, Number(r.n)]));
  const now = (await sql<{ now: Date }>`select now() as now`.execute(db)).rows[0]!.now.getTime();
  return devices.map((d) => ({
    ...d,
    health: {
      last_seen_at: d.last_seen_at,
      online: d.last_seen_at !== null && now - d.last_seen_at.getTime() <= device_online_window_s * 1_000,
      events_last_minute: counts.get(d.id) ?? 0,
      errors: d.errors,
      last_error: d.last_error,
      last_error_at: d.last_error_at,
    },
  }));
}
