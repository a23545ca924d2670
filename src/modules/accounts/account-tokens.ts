import { sql } from 'kysely';
import { tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { Problem, problems } from '../../kernel/problem.js';
import { hashToken, newToken } from '../../kernel/tokens.js';
import { originAllowed } from '../../kernel/http/cors.js';
import type { ConsumerAccountTokenTable, ConsumerTables } from './consumers.js';

/**
 * Single-use links for consumers, sent by email: each is a random token, of which only the
 * SHA-256 is stored, valid once and until it expires.
 */
export type TokenPurpose = ConsumerAccountTokenTable['purpose'];
export const token_ttl_s: Record<TokenPurpose, number> = { password_reset: 3_600, email_verification: 48 * 3_600 };
const prefixes: Record<TokenPurpose, string> = { password_reset: 'cpr_', email_verification: 'cev_' };
/** Used and expired links are kept this long, then deleted. */
export const account_token_retention_s = 7 * 24 * 3_600;

export async function issueAccountToken(trx: AnyTrx, input: { consumer_id: string; purpose: TokenPurpose; email: string; merchant_id: string | null }): Promise<string> {
  const token = newToken(prefixes[input.purpose], 32);
  await tablesOf<ConsumerTables>(trx)
    .insertInto('consumer_account_token')
    .values({ id: newId('cat'), ...input, token_hash: hashToken(token), expires_at: new Date(Date.now() + token_ttl_s[input.purpose] * 1_000), used_at: null })
    .execute();
  return token;
}

export const invalidAccountToken = () => new Problem(400, 'account_token_invalid', 'This link does not work', 'It is unknown, expired or already used; ask for a new one');

/**
 * Uses up a token: one UPDATE that only an unused, unexpired token of this purpose passes, so
 * of two concurrent uses one wins. A password reset also ends every other open reset link of
 * the account (a verification link of another store stays: it brings that store's orders).
 * Throws `account_token_invalid` otherwise.
 */
export async function useAccountToken(trx: AnyTrx, purpose: TokenPurpose, token: string): Promise<{ consumer_id: string; email: string; merchant_id: string | null }> {
  if (!token.startsWith(prefixes[purpose]) || !/^[a-z]{3}_[A-Za-z0-9_-]{40,64}$/.test(token)) throw invalidAccountToken();
  const t = tablesOf<ConsumerTables>(trx);
  const used = await t
    .updateTable('consumer_account_token')
    .set({ used_at: sql`now()` })
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['consumer_id', 'email', 'merchant_id'])
    .executeTakeFirst();
  if (used === undefined) throw invalidAccountToken();
  if (purpose === 'password_reset') await t.updateTable('consumer_account_token').set({ used_at: sql`now()` }).where('consumer_id', '=', used.consumer_id).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
  return used;
}

/** Deletes links used or expired more than `account_token_retention_s` ago; returns how many. */
export async function pruneAccountTokens(db: AnyDb): Promise<number> {
  const result = await sql`delete from consumer_account_token where coalesce(used_at, expires_at) < now() - make_interval(secs => ${account_token_retention_s})`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * The storefront page a link opens, with the token appended. It must be on an origin the
 * storefront's key allows: otherwise anyone could have the platform email a consumer a link to
 * a page of their choosing that collects the token. Without one, the email carries the token as
 * a code to paste.
 */
export function checkLinkUrl(link_url: string | undefined, allowed_origins: readonly string[] | undefined, field: string): string | undefined {
  if (link_url === undefined) return undefined;
  let origin: string;
  try {
    origin = new URL(link_url).origin;
  } catch {
    throw problems.validation([{ field, location: 'body', message: 'is not a URL' }]);
  }
  if (!originAllowed(allowed_origins ?? [], origin)) throw problems.validation([{ field, location: 'body', message: 'must be on an origin this publishable key allows' }]);
  return link_url;
}

export function linkWithToken(link_url: string, token: string): string {
  const url = new URL(link_url);
  url.searchParams.set('token', token);
  return url.toString();
}

