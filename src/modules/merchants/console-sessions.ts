import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import type { Caller } from '../../kernel/http/context.js';
import type { ScopeCatalogue } from '../../kernel/http/scopes.js';
import { hashToken, newToken } from '../../kernel/tokens.js';
import { newId } from '../../kernel/ids.js';
import { recordAudit } from './audit.js';
import { verifyConsoleUser, type ConsoleUser } from './console-users.js';
import { findMerchantByHandle, type Merchant } from './merchants.js';
import { scopesOfRole } from './roles.js';
import { issueChallenge, type IssuedChallenge } from './sign-in-challenges.js';
import { twoFactorEnabled } from './two-factor.js';
import type { MerchantTables } from './tables.js';

/**
 * A console session is what a person gets by signing in with email and password: a random
 * token (`cs_...`) that the browser keeps in an HttpOnly cookie. Only its SHA-256 is stored.
 * A session ends when it expires, when the person signs out, or when the user is disabled.
 */
const token_bytes = 32;
const session_token_pattern = /^cs_[A-Za-z0-9_-]{40,64}$/;

export interface SignedIn {
  token: string;
  csrf_token: string;
  session_id: string;
  expires_at: Date;
  user: ConsoleUser;
  merchant: Merchant;
}

/** What a right password leads to: a session, or first a second factor (to enter, or to set up). */
export type SignInStep = { kind: 'session'; session: SignedIn } | { kind: 'second_factor'; challenge: IssuedChallenge };

/**
 * Checks the credentials; undefined when the merchant, email or password is wrong. A user with a
 * second factor gets a challenge to answer with a code; so does a user without one at a merchant
 * that requires it, who must set one up before getting a session. Everyone else gets a session.
 */
export async function signIn(db: AnyDb, input: { merchant: string; email: string; password: string }, ttl_s: number): Promise<SignInStep | undefined> {
  const merchant = await findMerchantByHandle(db, input.merchant.trim().toLowerCase());
  // Verify even for an unknown merchant, so the answer takes as long either way.
  const user = await verifyConsoleUser(db, merchant?.id ?? 'mer_none', input.email, input.password);
  if (merchant === undefined || user === undefined) return undefined;
  if (await twoFactorEnabled(db, merchant.id, user.id)) return { kind: 'second_factor', challenge: await issueChallenge(db, merchant.id, user.id, 'verify') };
  if (merchant.console_two_factor_required) return { kind: 'second_factor', challenge: await issueChallenge(db, merchant.id, user.id, 'enrol') };
  return { kind: 'session', session: await openSession(db, merchant, user, ttl_s, null) };
}

/** Opens a session for a person whose credentials were checked; `second_factor` says how, for the audit trail. */
export async function openSession(db: AnyDb, merchant: Merchant, user: ConsoleUser, ttl_s: number, second_factor: 'totp' | 'recovery_code' | null): Promise<SignedIn> {
  const token = newToken('cs_', token_bytes);
  const session_id = newId('ses');
  const expires_at = new Date(Date.now() + ttl_s * 1_000);
  await inTransaction(db, async (trx) => {
    await tablesOf<MerchantTables>(trx)
      .insertInto('console_session')
      .values({ merchant_id: merchant.id, id: session_id, user_id: user.id, token_hash: hashToken(token), expires_at, revoked_at: null })
      .execute();
    await recordAudit(trx, { merchant_id: merchant.id, actor: `user:${user.id}`, action: 'console_session.sign_in', target: session_id, ...(second_factor === null ? {} : { details: { second_factor } }) });
  });
  return { token, csrf_token: csrfTokenFor(token), session_id, expires_at, user, merchant };
}

/** Ends a session; ending it twice is harmless. */
export async function signOut(db: AnyDb, merchant_id: string, session_id: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const row = await tablesOf<MerchantTables>(trx)
      .updateTable('console_session')
      .set({ revoked_at: new Date() })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', session_id)
      .where('revoked_at', 'is', null)
      .returning(['token_hash', 'user_id'])
      .executeTakeFirst();
    if (row === undefined) return;
    forget(row.token_hash);
    await recordAudit(trx, { merchant_id, actor: `user:${row.user_id}`, action: 'console_session.sign_out', target: session_id });
  });
}

/** Ends every open session of a user, as when the user is disabled or changes role. */
export async function endSessionsOf(trx: AnyTrx, merchant_id: string, user_id: string): Promise<void> {
  const rows = await tablesOf<MerchantTables>(trx)
    .updateTable('console_session')
    .set({ revoked_at: new Date() })
    .where('merchant_id', '=', merchant_id)
    .where('user_id', '=', user_id)
    .where('revoked_at', 'is', null)
    .returning('token_hash')
    .execute();
  for (const row of rows) forget(row.token_hash);
}

export interface SessionInfo {
  session_id: string;
  expires_at: Date;
  user: ConsoleUser;
}

export async function getSession(db: AnyDb, merchant_id: string, session_id: string): Promise<SessionInfo | undefined> {
  const row = await tablesOf<MerchantTables>(db)
    .selectFrom('console_session as s')
    .innerJoin('console_user as u', (j) => j.onRef('u.merchant_id', '=', 's.merchant_id').onRef('u.id', '=', 's.user_id'))
    .select(['s.id as session_id', 's.expires_at', 'u.merchant_id', 'u.id', 'u.email', 'u.name', 'u.role', 'u.created_at', 'u.disabled_at'])
    .where('s.merchant_id', '=', merchant_id)
    .where('s.id', '=', session_id)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const { session_id: id, expires_at, ...user } = row;
  return { session_id: id, expires_at, user };
}

/**
 * The anti-forgery token of a session: derived from the session token, so nothing more is
 * stored, and unguessable without it.
 */
export function csrfTokenFor(token: string): string {
  return createHash('sha256').update(`csrf:${token}`).digest('base64url');
}

/** Sessions removed in this process are forgotten at once; other processes within `cache_ttl_ms`. */
const cache_ttl_ms = 5_000;
const cache_entries_max = 10_000;
const liveCaches = new Set<LRUCache<string, Caller | false>>();

function forget(token_hash: string): void {
  for (const cache of liveCaches) cache.delete(token_hash);
}

export function isSessionToken(token: string): boolean {
  return session_token_pattern.test(token);
}

export function sessionAuthenticator(db: AnyDb, scopes: ScopeCatalogue): (token: string) => Promise<Caller | undefined> {
  const cache = new LRUCache<string, Caller | false>({ max: cache_entries_max, ttl: cache_ttl_ms });
  liveCaches.add(cache);
  return async (token) => {
    if (!isSessionToken(token)) return undefined;
    const hash = hashToken(token);
    const cached = cache.get(hash);
    if (cached !== undefined) return cached === false ? undefined : cached;
    const row = await tablesOf<MerchantTables>(db)
      .selectFrom('console_session as s')
      .innerJoin('console_user as u', (j) => j.onRef('u.merchant_id', '=', 's.merchant_id').onRef('u.id', '=', 's.user_id'))
      .innerJoin('merchant as m', 'm.id', 's.merchant_id')
      .select(['s.merchant_id', 's.id', 's.user_id', 's.expires_at', 's.revoked_at', 'u.role', 'u.disabled_at', 'm.platform_operator'])
      .where('s.token_hash', '=', hash)
      .executeTakeFirst();
    const live = row !== undefined && row.revoked_at === null && row.disabled_at === null && row.expires_at.getTime() > Date.now();
    const caller: Caller | false = live ? { merchant_id: row.merchant_id, key_id: row.id, kind: 'console', scopes: new Set(scopesOfRole(row.role, scopes, row.platform_operator)), actor: `user:${row.user_id}` } : false;
    // An expiring session must not outlive its expiry in the cache.
    cache.set(hash, caller, live ? { ttl: Math.min(cache_ttl_ms, row.expires_at.getTime() - Date.now()) } : {});
    return caller === false ? undefined : caller;
  };
}

/** Deletes sessions that ended more than a day ago; they are of no further use. */
export async function pruneSessions(db: AnyDb): Promise<number> {
  const result = await tablesOf<MerchantTables>(db)
    .deleteFrom('console_session')
    .where((eb) => eb.or([eb('expires_at', '<', new Date(Date.now() - 86_400_000)), eb('revoked_at', '<', new Date(Date.now() - 86_400_000))]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
