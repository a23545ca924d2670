import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { recordAudit } from './audit.js';
import type { ConsoleRole, ConsoleUserTable, MerchantTables } from './tables.js';

/**
 * People who sign in to the merchant console. Passwords are hashed with scrypt (Node's
 * built-in implementation) with a per-user salt, stored as `scrypt$N$r$p$salt$hash`.
 */
export type ConsoleUser = Omit<ConsoleUserTable, 'password_hash' | 'created_at'> & { created_at: Date };

const scryptParams = { N: 16_384, r: 8, p: 1 } as const;
const key_length = 32;
const password_length_min = 10;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFKC'), salt, key_length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, scryptParams);
  return ['scrypt', scryptParams.N, scryptParams.r, scryptParams.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export interface NewConsoleUser {
  merchant_id: string;
  email: string;
  name: string;
  role: ConsoleRole;
  password: string;
}

export async function createConsoleUser(db: AnyDb, input: NewConsoleUser, actor: string): Promise<ConsoleUser> {
  if (input.password.length < password_length_min) {
    throw problems.validation([{ field: 'password', location: 'body', message: `must be at least ${password_length_min} characters` }]);
  }
  const password_hash = await hashPassword(input.password);
  const email = input.email.trim().toLowerCase();
  return inTransaction(db, async (trx) => {
    const t = tablesOf<MerchantTables>(trx);
    const taken = await t.selectFrom('console_user').select('id').where('merchant_id', '=', input.merchant_id).where('email', '=', email).executeTakeFirst();
    if (taken !== undefined) throw problems.conflict('email_taken', `A console user with the email ${email} exists`);
    const row = await t
      .insertInto('console_user')
      .values({ merchant_id: input.merchant_id, id: newId('usr'), email, name: input.name, role: input.role, password_hash, disabled_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { merchant_id: input.merchant_id, actor, action: 'console_user.create', target: row.id, details: { email, role: input.role } });
    const { password_hash: _hash, ...user } = row;
    return user;
  });
}

/** Checks a sign-in; the same answer and similar time whether the email or the password is wrong. */
export async function verifyConsoleUser(db: AnyDb, merchant_id: string, email: string, password: string): Promise<ConsoleUser | undefined> {
  const row = await tablesOf<MerchantTables>(db)
    .selectFrom('console_user')
    .selectAll()
    .where('merchant_id', '=', merchant_id)
    .where('email', '=', email.trim().toLowerCase())
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  const ok = await verifyPassword(password, row?.password_hash ?? (await dummyHash));
  if (row === undefined || !ok) return undefined;
  const { password_hash: _hash, ...user } = row;
  return user;
}

const dummyHash = hashPassword(randomBytes(12).toString('hex'));
