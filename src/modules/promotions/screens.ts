import { sql, type Selectable } from 'kysely';
import { tablesOf, type AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { hashToken, newToken } from '../../kernel/tokens.js';
import { getLocation } from '../locations/index.js';
import type { PromotionTables } from './tables.js';

/**
 * A store's screens: devices at a store's entrance that run short games and hand out coupons.
 * A merchant registers one for a store and gets its token once (only the token's SHA-256 is
 * kept); the device then calls with the storefront's publishable key and that token, so a
 * token of one merchant's screen never opens another merchant's promotions.
 */
export type ScreenDevice = Omit<Selectable<PromotionTables['screen_device']>, 'token_hash'>;

const columns = ['merchant_id', 'id', 'location_id', 'name', 'active', 'created_at'] as const;
const token_prefix = 'scr_';

export async function registerScreen(db: AnyDb, merchant_id: string, input: { location_id: string; name: string }): Promise<{ screen: ScreenDevice; token: string }> {
  const location = await getLocation(db, merchant_id, input.location_id);
  if (location?.kind !== 'store') throw problems.validation([{ field: 'location_id', location: 'body', message: location === undefined ? 'is not a location of this merchant' : `is a ${location.kind}; screens belong to stores` }]);
  const token = newToken(token_prefix, 24);
  const screen = await tablesOf<PromotionTables>(db)
    .insertInto('screen_device')
    .values({ merchant_id, id: newId('scr'), location_id: input.location_id, name: input.name, token_hash: hashToken(token), active: true })
    .returning(columns)
    .executeTakeFirstOrThrow();
  return { screen, token };
}

export async function listScreens(db: AnyDb, merchant_id: string, after_id: string | undefined, limit: number): Promise<ScreenDevice[]> {
  let q = tablesOf<PromotionTables>(db).selectFrom('screen_device').select(columns).where('merchant_id', '=', merchant_id);
  if (after_id !== undefined) q = q.where('id', '>', after_id);
  return q.orderBy('id').limit(limit).execute();
}

export async function setScreenActive(db: AnyDb, merchant_id: string, id: string, active: boolean): Promise<ScreenDevice | undefined> {
  return tablesOf<PromotionTables>(db).updateTable('screen_device').set({ active }).where('merchant_id', '=', merchant_id).where('id', '=', id).returning(columns).executeTakeFirst();
}

/** The active screen of this merchant that holds the token; undefined for an unknown, deactivated or other merchant's token. */
export async function screenOfToken(db: AnyDb, merchant_id: string, token: string): Promise<ScreenDevice | undefined> {
  if (!token.startsWith(token_prefix)) return undefined;
  const rows = await sql<ScreenDevice>`select merchant_id, id, location_id, name, active, created_at from screen_device where token_hash = ${hashToken(token)} and merchant_id = ${merchant_id} and active`.execute(db);
  return rows.rows[0];
}
