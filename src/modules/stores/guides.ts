import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { getLocation } from '../locations/index.js';
import { listConsoleUsers } from '../merchants/index.js';
import type { StoreGuide, StoresTables } from './tables.js';

/**
 * Guides: the staff of a store whom consumers can message. A guide is "online" when they were
 * seen (answered, or their app said so) within `guide_online_s`. A guide's store is a store of
 * the same merchant, and its console user a user of that merchant; anything else answers 404.
 */
export const guide_online_s = 10 * 60;
/** The guides a store's page lists, active ones, online first. */
export const guides_per_store_max = 50;

export interface GuideView {
  id: string;
  name: string;
  title: string;
  online: boolean;
}

export const isOnline = (g: Pick<StoreGuide, 'active' | 'last_seen_at'>, now: Date) => g.active && g.last_seen_at !== null && now.getTime() - g.last_seen_at.getTime() <= guide_online_s * 1_000;

export async function guidesAt(db: AnyDb, merchant_id: string, location_id: string, now: Date): Promise<GuideView[]> {
  const rows = await tablesOf<StoresTables>(db)
    .selectFrom('store_guide')
    .selectAll()
    .where('merchant_id', '=', merchant_id)
    .where('location_id', '=', location_id)
    .where('active', '=', true)
    .orderBy('last_seen_at', (o) => o.desc().nullsLast())
    .orderBy('id')
    .limit(guides_per_store_max)
    .execute();
  return rows.map((g) => ({ id: g.id, name: g.name, title: g.title, online: isOnline(g, now) }));
}

/** The store must be one of the merchant's stores: 404 otherwise. */
async function requireOwnStore(db: AnyDb, merchant_id: string, location_id: string): Promise<void> {
  const location = await getLocation(db, merchant_id, location_id);
  if (location === undefined || location.kind !== 'store') throw problems.notFound('The store');
}

async function requireOwnUser(db: AnyDb, merchant_id: string, user_id: string): Promise<void> {
  const users = await listConsoleUsers(db, merchant_id);
  if (!users.some((u) => u.id === user_id)) throw problems.notFound('The console user');
}

export interface NewGuide {
  location_id: string;
  name: string;
  title?: string | undefined;
  console_user_id?: string | null | undefined;
}

export async function createGuide(db: AnyDb, merchant_id: string, input: NewGuide): Promise<StoreGuide> {
  await requireOwnStore(db, merchant_id, input.location_id);
  if (input.console_user_id != null) await requireOwnUser(db, merchant_id, input.console_user_id);
  return tablesOf<StoresTables>(db)
    .insertInto('store_guide')
    .values({ merchant_id, id: newId('sgd'), location_id: input.location_id, name: input.name, title: input.title ?? '', console_user_id: input.console_user_id ?? null, active: true, last_seen_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getGuide(db: AnyDb, merchant_id: string, guide_id: string): Promise<StoreGuide | undefined> {
  return tablesOf<StoresTables>(db).selectFrom('store_guide').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', guide_id).executeTakeFirst();
}

export async function listGuides(db: AnyDb, merchant_id: string, options: { location_id?: string | undefined; after_id?: string | undefined; limit: number }): Promise<StoreGuide[]> {
  let q = tablesOf<StoresTables>(db).selectFrom('store_guide').selectAll().where('merchant_id', '=', merchant_id);
  if (options.location_id !== undefined) q = q.where('location_id', '=', options.location_id);
  if (options.after_id !== undefined) q = q.where('id', '>', options.after_id);
  return q.orderBy('id').limit(options.limit).execute();
}

export interface GuideChanges {
  location_id?: string | undefined;
  name?: string | undefined;
  title?: string | undefined;
  console_user_id?: string | null | undefined;
  active?: boolean | undefined;
  /** `true`: the guide is here now (their app's presence ping). */
  online?: boolean | undefined;
}

export async function updateGuide(db: AnyDb, merchant_id: string, guide_id: string, changes: GuideChanges): Promise<StoreGuide | undefined> {
  return inTransaction(db, async (trx) => {
    const t = tablesOf<StoresTables>(trx);
    const guide = await t.selectFrom('store_guide').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', guide_id).forUpdate().executeTakeFirst();
    if (guide === undefined) return undefined;
    if (changes.location_id !== undefined) await requireOwnStore(trx, merchant_id, changes.location_id);
    if (changes.console_user_id != null) await requireOwnUser(trx, merchant_id, changes.console_user_id);
    return t
      .updateTable('store_guide')
      .set({
        ...(changes.location_id === undefined ? {} : { location_id: changes.location_id }),
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.title === undefined ? {} : { title: changes.title }),
        ...(changes.console_user_id === undefined ? {} : { console_user_id: changes.console_user_id }),
        ...(changes.active === undefined ? {} : { active: changes.active }),
        ...(changes.online === undefined ? {} : { last_seen_at: changes.online ? new Date() : null }),
        updated_at: new Date(),
      })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', guide_id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}
