import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { isCurrency } from '../../kernel/money.js';
import { problems } from '../../kernel/problem.js';
import { recordAudit } from './audit.js';
import { merchantCreated } from './events.js';
import type { MerchantKind, MerchantTable, MerchantTables } from './tables.js';

export type Merchant = Omit<MerchantTable, 'created_at' | 'console_two_factor_required'> & { created_at: Date; console_two_factor_required: boolean };

export interface NewMerchant {
  handle: string;
  name: string;
  kind: MerchantKind;
  default_currency: string;
  country: string;
}

/** Onboards a seller onto the platform. Handles are unique and never reused. */
export async function createMerchant(db: AnyDb, input: NewMerchant, actor = 'platform'): Promise<Merchant> {
  if (!isCurrency(input.default_currency)) throw problems.unprocessable('unknown_currency', `${input.default_currency} is not an ISO 4217 currency`);
  return inTransaction(db, async (trx) => {
    const t = tablesOf<MerchantTables>(trx);
    const existing = await t.selectFrom('merchant').select('id').where('handle', '=', input.handle).executeTakeFirst();
    if (existing !== undefined) throw problems.conflict('handle_taken', `The handle ${input.handle} is taken`);
    const merchant = await t
      .insertInto('merchant')
      .values({ id: newId('mer'), ...input })
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

export async function listMerchants(db: AnyDb): Promise<Merchant[]> {
  return tablesOf<MerchantTables>(db).selectFrom('merchant').selectAll().orderBy('id').execute();
}
