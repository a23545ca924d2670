import { sql } from 'kysely';
import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { hashPassword, password_length_min, unknownAccountHash, verifyPassword } from '../../kernel/passwords.js';
import { hashToken, newToken } from '../../kernel/tokens.js';
import { problems } from '../../kernel/problem.js';
import { registerConsumer, type Consumer, type ConsumerTables } from './consumers.js';
import { sendVerificationLink } from './email-verification.js';
import type { Config } from '../../kernel/config.js';

/**
 * Consumers sign in to any storefront on the platform with email and password. A session is a
 * random token (`cst_...`, only its SHA-256 is stored) that the storefront sends in the
 * `X-Consumer-Token` header next to its publishable key; it lasts `session_ttl_s` and ends at
 * sign-out.
 */
export const session_ttl_s = 30 * 24 * 3_600;
const token_pattern = /^cst_[A-Za-z0-9_-]{40,64}$/;


export interface ConsumerSession {
  token: string;
  expires_at: Date;
  consumer: Consumer;
}

async function openSession(db: AnyDb, consumer: Consumer): Promise<ConsumerSession> {
  const token = newToken('cst_', 32);
  const expires_at = new Date(Date.now() + session_ttl_s * 1_000);
  await tablesOf<ConsumerTables>(db).insertInto('consumer_session').values({ id: newId('css'), consumer_id: consumer.id, token_hash: hashToken(token), expires_at }).execute();
  return { token, expires_at, consumer };
}

export function checkPassword(password: string): void {
  if (password.length < password_length_min) throw problems.validation([{ field: 'password', location: 'body', message: `must be at least ${password_length_min} characters` }]);
}

/**
 * Creates an account, signs it in and emails a link to verify the address (`verification`: the
 * storefront it signs up at, and the page the link opens). An email with an account already is
 * 409 `email_taken`.
 */
export async function signUpConsumer(db: AnyDb, input: { email: string; name: string; password: string; phone?: string | undefined }, verification: { config: Config; merchant_id: string; link_url: string | undefined }): Promise<ConsumerSession> {
  checkPassword(input.password);
  const password_hash = await hashPassword(input.password);
  return inTransaction(db, async (trx) => {
    const consumer = await registerConsumer(trx, input);
    await tablesOf<ConsumerTables>(trx).updateTable('consumer').set({ password_hash }).where('id', '=', consumer.id).execute();
    await sendVerificationLink(trx, verification.config, { consumer, merchant_id: verification.merchant_id, link_url: verification.link_url });
    return openSession(trx, consumer);
  });
}

/** Gives an account a password (or a new one); its sessions stay open. */
export async function setConsumerPassword(db: AnyDb, consumer_id: string, password: string): Promise<void> {
  checkPassword(password);
  await tablesOf<ConsumerTables>(db).updateTable('consumer').set({ password_hash: await hashPassword(password) }).where('id', '=', consumer_id).execute();
}

/** Changes the password of a signed-in consumer who knows the current one; other sessions end. */
export async function changeConsumerPassword(db: AnyDb, consumer_id: string, current: string, next: string, keepToken: string): Promise<boolean> {
  checkPassword(next);
  const row = await tablesOf<ConsumerTables>(db).selectFrom('consumer').select('password_hash').where('id', '=', consumer_id).executeTakeFirst();
  if (row?.password_hash === null || row === undefined || !(await verifyPassword(current, row.password_hash))) return false;
  const password_hash = await hashPassword(next);
  await inTransaction(db, async (trx) => {
    await tablesOf<ConsumerTables>(trx).updateTable('consumer').set({ password_hash }).where('id', '=', consumer_id).execute();
    await tablesOf<ConsumerTables>(trx).updateTable('consumer_session').set({ ended_at: sql`now()` }).where('consumer_id', '=', consumer_id).where('ended_at', 'is', null).where('token_hash', '<>', hashToken(keepToken)).execute();
  });
  return true;
}

/** Opens a session, or undefined when the email or password is wrong (equally slow either way). */
export async function signInConsumer(db: AnyDb, email: string, password: string): Promise<ConsumerSession | undefined> {
  const row = await tablesOf<ConsumerTables>(db).selectFrom('consumer').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
  const ok = await verifyPassword(password, row?.password_hash ?? (await unknownAccountHash));
  if (row === undefined || row.password_hash === null || !ok) return undefined;
  const { password_hash: _h, ...consumer } = row;
  return openSession(db, consumer);
}

/** The signed-in consumer, or undefined when the token is unknown, expired or signed out. */
export async function consumerOfToken(db: AnyDb, token: string | undefined): Promise<Consumer | undefined> {
  if (token === undefined || !token_pattern.test(token)) return undefined;
  const row = await sql<Consumer>`select c.id, c.email, c.name, c.phone, c.email_verified_at, c.created_at from consumer_session s join consumer c on c.id = s.consumer_id
    where s.token_hash = ${hashToken(token)} and s.expires_at > now() and s.ended_at is null`.execute(db);
  return row.rows[0];
}

/** Deletes sessions that expired or ended more than a day ago; returns how many. */
export async function pruneConsumerSessions(db: AnyDb): Promise<number> {
  const result = await sql`delete from consumer_session where expires_at < now() - interval '1 day' or ended_at < now() - interval '1 day'`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** Ends the session the token opened; ending it twice is harmless. */
export async function signOutConsumer(db: AnyDb, token: string): Promise<void> {
  await tablesOf<ConsumerTables>(db).updateTable('consumer_session').set({ ended_at: sql`now()` }).where('token_hash', '=', hashToken(token)).where('ended_at', 'is', null).execute();
}
