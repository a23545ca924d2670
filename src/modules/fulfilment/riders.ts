import type { Generated, Selectable } from 'kysely';
import { tablesOf, type AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { getLocation } from '../locations/index.js';

/** A rider is staff of one store who takes its express deliveries out (local_route). */
export interface RiderTable {
  merchant_id: string;
  id: string;
  location_id: string;
  name: string;
  phone: string;
  active: boolean;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type Rider = Selectable<RiderTable>;
export interface RiderTables {
  rider: RiderTable;
}

/** How many riders one store lists at most: a store's staff, not a fleet. */
export const riders_per_location_max = 200;

async function ownLocation(db: AnyDb, merchant_id: string, location_id: string): Promise<void> {
  if ((await getLocation(db, merchant_id, location_id)) === undefined) throw problems.notFound('The location');
}

export async function createRider(db: AnyDb, merchant_id: string, location_id: string, input: { name: string; phone: string; active?: boolean | undefined }): Promise<Rider> {
  await ownLocation(db, merchant_id, location_id);
  return tablesOf<RiderTables>(db)
    .insertInto('rider')
    .values({ merchant_id, id: newId('rdr'), location_id, name: input.name, phone: input.phone, active: input.active ?? true })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listRiders(db: AnyDb, merchant_id: string, location_id: string): Promise<Rider[]> {
  await ownLocation(db, merchant_id, location_id);
  return tablesOf<RiderTables>(db).selectFrom('rider').selectAll().where('merchant_id', '=', merchant_id).where('location_id', '=', location_id).orderBy('id').limit(riders_per_location_max).execute();
}

export async function getRider(db: AnyDb, merchant_id: string, id: string): Promise<Rider | undefined> {
  return tablesOf<RiderTables>(db).selectFrom('rider').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', id).executeTakeFirst();
}

/** Changes a rider; moving them to another store needs that store to be the merchant's. */
export async function updateRider(db: AnyDb, merchant_id: string, id: string, changes: { name?: string | undefined; phone?: string | undefined; active?: boolean | undefined; location_id?: string | undefined }): Promise<Rider> {
  if ((await getRider(db, merchant_id, id)) === undefined) throw problems.notFound('The rider');
  if (changes.location_id !== undefined) await ownLocation(db, merchant_id, changes.location_id);
  const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
  return tablesOf<RiderTables>(db)
    .updateTable('rider')
    .set({ ...set, updated_at: new Date() })
    .where('merchant_id', '=', merchant_id)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
