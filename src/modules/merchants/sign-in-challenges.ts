import { tablesOf, type AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { hashToken, newToken } from '../../kernel/tokens.js';
import type { ConsoleSignInChallengeTable, MerchantTables } from './tables.js';

/**
 * The half-way point of a sign-in with a second factor: the password was right, and the server
 * hands out a challenge token (`sic_…`) instead of a session. It lives five minutes, is used
 * once, and only its SHA-256 is stored. It is kept in the database, not in the process, so the
 * code may reach any server process.
 */
export const challenge_ttl_s = 300;
const token_bytes = 32;

export type ChallengePurpose = ConsoleSignInChallengeTable['purpose'];

export interface IssuedChallenge {
  token: string;
  purpose: ChallengePurpose;
  expires_at: Date;
}

export interface LiveChallenge {
  id: string;
  merchant_id: string;
  user_id: string;
  purpose: ChallengePurpose;
}

export async function issueChallenge(db: AnyDb, merchant_id: string, user_id: string, purpose: ChallengePurpose): Promise<IssuedChallenge> {
  const token = newToken('sic_', token_bytes);
  const expires_at = new Date(Date.now() + challenge_ttl_s * 1_000);
  await tablesOf<MerchantTables>(db)
    .insertInto('console_sign_in_challenge')
    .values({ merchant_id, id: newId('sic'), user_id, token_hash: hashToken(token), purpose, expires_at, used_at: null })
    .execute();
  return { token, purpose, expires_at };
}

/** The challenge behind a token, if it is unused, unexpired and its user still enabled. */
export async function liveChallenge(db: AnyDb, token: string): Promise<LiveChallenge | undefined> {
  return tablesOf<MerchantTables>(db)
    .selectFrom('console_sign_in_challenge as c')
    .innerJoin('console_user as u', (j) => j.onRef('u.merchant_id', '=', 'c.merchant_id').onRef('u.id', '=', 'c.user_id'))
    .select(['c.id', 'c.merchant_id', 'c.user_id', 'c.purpose'])
    .where('c.token_hash', '=', hashToken(token))
    .where('c.used_at', 'is', null)
    .where('c.expires_at', '>', new Date())
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
}

/** Marks a challenge used; false when another request used it first. */
export async function useChallenge(db: AnyDb, challenge: LiveChallenge): Promise<boolean> {
  const row = await tablesOf<MerchantTables>(db)
    .updateTable('console_sign_in_challenge')
    .set({ used_at: new Date() })
    .where('merchant_id', '=', challenge.merchant_id)
    .where('id', '=', challenge.id)
    .where('used_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Deletes challenges that ended more than a day ago. */
export async function pruneChallenges(db: AnyDb): Promise<number> {
  const result = await tablesOf<MerchantTables>(db).deleteFrom('console_sign_in_challenge').where('expires_at', '<', new Date(Date.now() - 86_400_000)).executeTakeFirst();
  return Number(result.numDeletedRows);
}
