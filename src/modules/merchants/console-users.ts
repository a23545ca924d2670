import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { hashPassword, password_length_min, unknownAccountHash, verifyPassword } from '../../kernel/passwords.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { recordAudit } from './audit.js';
import { endSessionsOf } from './console-sessions.js';
import type { ConsoleRole, ConsoleUserTable, MerchantTables } from './tables.js';

/** People who sign in to the merchant console. Passwords are hashed (`kernel/passwords.ts`). */
export type ConsoleUser = Omit<ConsoleUserTable, 'password_hash' | 'created_at'> & { created_at: Date };

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
  const ok = await verifyPassword(password, row?.password_hash ?? (await unknownAccountHash));
  if (row === undefined || !ok) return undefined;
  const { password_hash: _hash, ...user } = row;
  return user;
}


const userColumns = ['merchant_id', 'id', 'email', 'name', 'role', 'created_at', 'disabled_at'] as const;

export async function listConsoleUsers(db: AnyDb, merchant_id: string): Promise<ConsoleUser[]> {
  return tablesOf<MerchantTables>(db).selectFrom('console_user').select(userColumns).where('merchant_id', '=', merchant_id).orderBy('created_at').orderBy('id').execute();
}

export async function getConsoleUser(db: AnyDb, merchant_id: string, user_id: string): Promise<ConsoleUser | undefined> {
  return tablesOf<MerchantTables>(db).selectFrom('console_user').select(userColumns).where('merchant_id', '=', merchant_id).where('id', '=', user_id).executeTakeFirst();
}

export interface ConsoleUserChange {
  name?: string | undefined;
  role?: ConsoleRole | undefined;
  disabled?: boolean | undefined;
  password?: string | undefined;
}

/**
 * Changes a user's name, role, password or access. A merchant always keeps at least one enabled
 * owner, so nobody can lock the business out of its own console. Taking a role away or
 * disabling a user ends the user's sessions at once.
 */
export async function updateConsoleUser(db: AnyDb, merchant_id: string, user_id: string, change: ConsoleUserChange, actor: string): Promise<ConsoleUser | undefined> {
  if (change.password !== undefined && change.password.length < password_length_min) {
    throw problems.validation([{ field: 'password', location: 'body', message: `must be at least ${password_length_min} characters` }]);
  }
  const password_hash = change.password === undefined ? undefined : await hashPassword(change.password);
  return inTransaction(db, async (trx) => {
    const t = tablesOf<MerchantTables>(trx);
    // Lock the merchant's owners so two concurrent demotions cannot both pass the check.
    const owners = await t.selectFrom('console_user').select(['id']).where('merchant_id', '=', merchant_id).where('role', '=', 'owner').where('disabled_at', 'is', null).forUpdate().execute();
    const before = await t.selectFrom('console_user').select(userColumns).where('merchant_id', '=', merchant_id).where('id', '=', user_id).forUpdate().executeTakeFirst();
    if (before === undefined) return undefined;
    if (actor === `user:${user_id}` && change.disabled === true) throw problems.conflict('cannot_disable_self', 'You cannot disable your own user');
    const losesOwner = before.role === 'owner' && before.disabled_at === null && ((change.role !== undefined && change.role !== 'owner') || change.disabled === true);
    if (losesOwner && owners.length <= 1) throw problems.conflict('last_owner', 'A merchant must keep at least one enabled owner');
    const disabled_at = change.disabled === undefined ? before.disabled_at : change.disabled ? (before.disabled_at ?? new Date()) : null;
    const after = await t
      .updateTable('console_user')
      .set({ name: change.name ?? before.name, role: change.role ?? before.role, disabled_at, ...(password_hash === undefined ? {} : { password_hash }) })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', user_id)
      .returning(userColumns)
      .executeTakeFirstOrThrow();
    const rightsChanged = after.role !== before.role || (after.disabled_at !== null && before.disabled_at === null) || password_hash !== undefined;
    if (rightsChanged) await endSessionsOf(trx, merchant_id, user_id);
    await recordAudit(trx, { merchant_id, actor, action: 'console_user.update', target: user_id, details: { role: after.role, disabled: after.disabled_at !== null, name_changed: after.name !== before.name, password_changed: password_hash !== undefined } });
    return after;
  });
}
