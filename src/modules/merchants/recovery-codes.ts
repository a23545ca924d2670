import { randomInt } from 'node:crypto';
import { tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { hashToken } from '../../kernel/tokens.js';
import type { MerchantTables } from './tables.js';

/**
 * Recovery codes: the way in when the phone is lost. Ten per user, shown once, each usable once.
 * Each has 50 random bits (ten characters of a 32-letter alphabet without look-alikes), which the
 * sign-in throttle makes impossible to guess, so a fast SHA-256 is enough at rest.
 */
export const recovery_codes_count = 10;
const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
const code_length = 10;

function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < code_length; i++) code += alphabet[randomInt(alphabet.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** People type codes with or without the dash, in any case. */
function hashRecoveryCode(code: string): string {
  return hashToken(`recovery:${code.trim().toLowerCase().replace(/[^a-z0-9]/g, '')}`);
}

/** Replaces a user's codes with ten new ones and returns them, the only time they are seen. */
export async function replaceRecoveryCodes(trx: AnyTrx, merchant_id: string, user_id: string): Promise<string[]> {
  const t = tablesOf<MerchantTables>(trx);
  await t.deleteFrom('console_recovery_code').where('merchant_id', '=', merchant_id).where('user_id', '=', user_id).execute();
  const codes = Array.from({ length: recovery_codes_count }, newRecoveryCode);
  await t
    .insertInto('console_recovery_code')
    .values(codes.map((code) => ({ merchant_id, user_id, code_hash: hashRecoveryCode(code), used_at: null })))
    .execute();
  return codes;
}

/** Uses a code: true once, for an unused code of this user; one statement, so two uses cannot both win. */
export async function useRecoveryCode(db: AnyDb, merchant_id: string, user_id: string, code: string): Promise<boolean> {
  const row = await tablesOf<MerchantTables>(db)
    .updateTable('console_recovery_code')
    .set({ used_at: new Date() })
    .where('merchant_id', '=', merchant_id)
    .where('user_id', '=', user_id)
    .where('code_hash', '=', hashRecoveryCode(code))
    .where('used_at', 'is', null)
    .returning('code_hash')
    .executeTakeFirst();
  return row !== undefined;
}

export async function unusedRecoveryCodes(db: AnyDb, merchant_id: string, user_id: string): Promise<number> {
  const row = await tablesOf<MerchantTables>(db)
    .selectFrom('console_recovery_code')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('merchant_id', '=', merchant_id)
    .where('user_id', '=', user_id)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function deleteRecoveryCodes(trx: AnyTrx, merchant_id: string, user_id: string): Promise<void> {
  await tablesOf<MerchantTables>(trx).deleteFrom('console_recovery_code').where('merchant_id', '=', merchant_id).where('user_id', '=', user_id).execute();
}
