import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { isCurrency } from '../../kernel/money.js';
import { problems } from '../../kernel/problem.js';
import { canonicalTimeZone } from '../../kernel/time-zone.js';
import { recordAudit } from './audit.js';
import { merchantCreated } from './events.js';
import type { MerchantKind, MerchantTable, MerchantTables } from './tables.js';

export type Merchant = Omit<MerchantTable, 'created_at' | 'console_two_factor_required' | 'platform_operator'> & { created_at: Date; console_two_factor_required: boolean; platform_operator: boolean };

export interface NewMerchant {
  handle: string;
  name: string;
  kind: MerchantKind;
  default_currency: string;
  country: string;
  /** IANA time zone; UTC when absent (the seed passes `OPENBOS_DEFAULT_TIME_ZONE` for a merchant without one). */
  time_zone?: string | undefined;
  /** The platform operator's own account (the seed, `bos operator add-user`); never a seller. */
  platform_operator?: boolean | undefined;
}

/** Onboards a seller onto the platform. Handles are unique and never reused. */
export async function createMerchant(db: AnyDb, input: NewMerchant, actor = 'platform'): Promise<Merchant> {
  if (!isCurrency(input.default_currency)) throw problems.unprocessable('unknown_currency', `${input.default_currency} is not an ISO 4217 currency`);
  const time_zone = canonicalTimeZone(input.time_zone ?? 'UTC');
  if (time_zone === undefined) throw problems.unprocessable('unknown_time_zone', `${input.time_zone ?? ''} is not an IANA time zone`);
  return inTransaction(db, async (trx) => {
    const t = tablesOf<MerchantTables>(trx);
    const existing = await t.selectFrom('merchant').select('id').where('handle', '=', input.handle).executeTakeFirst();
    if (existing !== undefined) throw problems.conflict('handle_taken', `The handle ${input.handle} is taken`);
    const merchant = await t
      .insertInto('merchant')
      .values({ id: newId('mer'), ...input, time_zone })
      .returningAll()
      .executeTakeFirstOrThrow();
    await publish(trx, merchantCreated, merchant.id, { merchant_id: merchant.id, handle: merchant.handle, kind: merchant.kind });
    await recordAudit(trx, { merchant_id: merchant.id, actor, action: 'merchant.create', target: merchant.id, details: { handle: merchant.handle } });
    return merchant;
  });
}

export async function findMerchantByHandle(db: AnyDb, handle: string): Promise<Merchant | undefined> {
  return tablesOf<MerchantTables>(db).selectFrom('merchant').selectAll().where('handle', '=', handle).executeTakeFirst();
}

export async function getMerchant(db: AnyDb, merchant_id: string): Promise<Merchant | undefined> {
  return tablesOf<MerchantTables>(db).selectFrom('merchant').selectAll().where('id', '=', merchant_id).executeTakeFirst();
}

/** The merchants of these IDs (at most a page's worth), by ID. */
export async function merchantsByIds(db: AnyDb, ids: readonly string[]): Promise<Map<string, Merchant>> {
  if (ids.length === 0) return new Map();
  const rows = await tablesOf<MerchantTables>(db).selectFrom('merchant').selectAll().where('id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((m) => [m.id, m]));
}

export async function listMerchants(db: AnyDb): Promise<Merchant[]> {
  return tablesOf<MerchantTables>(db).selectFrom('merchant').selectAll().orderBy('id').execute();
}

/** Changes the merchant's time zone (canonical IANA name); its figures count days there from now on. */
export async function setMerchantTimeZone(db: AnyDb, merchant_id: string, time_zone: string, actor: string): Promise<Merchant | undefined> {
  const zone = canonicalTimeZone(time_zone);
  if (zone === undefined) throw problems.unprocessable('unknown_time_zone', `${time_zone} is not an IANA time zone`);
  return inTransaction(db, async (trx) => {
    const before = await tablesOf<MerchantTables>(trx).selectFrom('merchant').select('time_zone').where('id', '=', merchant_id).forUpdate().executeTakeFirst();
    if (before === undefined) return undefined;
    const merchant = await tablesOf<MerchantTables>(trx).updateTable('merchant').set({ time_zone: zone }).where('id', '=', merchant_id).returningAll().executeTakeFirstOrThrow();
    if (before.time_zone !== zone) await recordAudit(trx, { merchant_id, actor, action: 'merchant.update', target: merchant_id, details: { time_zone: { from: before.time_zone, to: zone } } });
    return merchant;
  });
}

/** The merchant's time zone; UTC for a merchant not found (a caller that checked it exists never sees that). */
export async function merchantTimeZone(db: AnyDb, merchant_id: string): Promise<string> {
  const row = await tablesOf<MerchantTables>(db).selectFrom('merchant').select('time_zone').where('id', '=', merchant_id).executeTakeFirst();
  return row?.time_zone ?? 'UTC';
}
