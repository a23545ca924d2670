import { sql } from 'kysely';
import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { canonicalTimeZone } from '../../kernel/time-zone.js';
import { merchantTimeZone } from '../merchants/index.js';
import { locationCreated, locationUpdated } from './events.js';
import type { Address, LocationKind, LocationTable, LocationTables, OpeningHours } from './tables.js';

/**
 * A merchant's places that hold stock: warehouses, and stores, which are front warehouses
 * too (ship-from-store, pick-up, delivery within a radius), so every one has coordinates.
 */
export type Location = Omit<LocationTable, 'created_at' | 'updated_at'> & { created_at: Date; updated_at: Date };

export interface NewLocation {
  kind: LocationKind;
  code: string;
  name: string;
  address: Address;
  latitude: number;
  longitude: number;
  /** IANA; the merchant's own time zone when absent. */
  timezone?: string | undefined;
  opening_hours?: OpeningHours;
}

export type LocationChanges = Partial<Omit<NewLocation, 'kind'> & { active: boolean }>;

/** The zone as stored: its canonical IANA name ("asia/shanghai" is stored "Asia/Shanghai"). */
function storedZone(zone: string): string {
  const canonical = canonicalTimeZone(zone);
  if (canonical === undefined) throw problems.validation([{ field: 'timezone', location: 'body', message: 'must be an IANA time zone such as Asia/Shanghai' }]);
  return canonical;
}

export async function createLocation(db: AnyDb, merchant_id: string, input: NewLocation): Promise<Location> {
  return inTransaction(db, async (trx) => {
    const t = tablesOf<LocationTables>(trx);
    const taken = await t.selectFrom('location').select('id').where('merchant_id', '=', merchant_id).where('code', '=', input.code).executeTakeFirst();
    if (taken !== undefined) throw problems.conflict('location_code_taken', `A location with the code ${input.code} exists`);
    const row = await t
      .insertInto('location')
      .values({
        merchant_id,
        id: newId('loc'),
        ...input,
        timezone: storedZone(input.timezone ?? (await merchantTimeZone(trx, merchant_id))),
        opening_hours: input.opening_hours ?? {},
        active: true,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await publish(trx, locationCreated, merchant_id, { location_id: row.id, kind: row.kind, code: row.code, latitude: row.latitude, longitude: row.longitude });
    return row;
  });
}

export async function updateLocation(db: AnyDb, merchant_id: string, location_id: string, changes: LocationChanges): Promise<Location | undefined> {
  return inTransaction(db, async (trx) => {
    const t = tablesOf<LocationTables>(trx);
    if (changes.code !== undefined) {
      const taken = await t
        .selectFrom('location')
        .select('id')
        .where('merchant_id', '=', merchant_id)
        .where('code', '=', changes.code)
        .where('id', '!=', location_id)
        .executeTakeFirst();
      if (taken !== undefined) throw problems.conflict('location_code_taken', `A location with the code ${changes.code} exists`);
    }
    const row = await t
      .updateTable('location')
      .set({
        ...changes,
        ...(changes.timezone === undefined ? {} : { timezone: storedZone(changes.timezone) }),
        updated_at: sql`now()`,
      })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', location_id)
      .returningAll()
      .executeTakeFirst();
    if (row !== undefined) await publish(trx, locationUpdated, merchant_id, { location_id, changed: Object.keys(changes) });
    return row;
  });
}

export async function getLocation(db: AnyDb, merchant_id: string, location_id: string): Promise<Location | undefined> {
  return tablesOf<LocationTables>(db).selectFrom('location').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', location_id).executeTakeFirst();
}

export async function listLocations(
  db: AnyDb,
  merchant_id: string,
  filter: { kind?: LocationKind | undefined; after_id?: string | undefined; limit: number },
): Promise<Location[]> {
  let query = tablesOf<LocationTables>(db).selectFrom('location').selectAll().where('merchant_id', '=', merchant_id);
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
  if (filter.after_id !== undefined) query = query.where('id', '>', filter.after_id);
  return query.orderBy('id').limit(filter.limit).execute();
}

/** Great-circle distance in metres (haversine), for "stores within 3 km" questions. */
export function distance_m(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const earth_radius_m = 6_371_008.8;
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * earth_radius_m * Math.asin(Math.min(1, Math.sqrt(h)));
}
