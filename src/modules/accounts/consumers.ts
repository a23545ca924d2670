import type { Generated } from 'kysely';
import { z } from 'zod';
import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { defineEvent } from '../../kernel/events/event.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { sqlMigration } from '../../kernel/migrations.js';
import { problems } from '../../kernel/problem.js';

/**
 * Consumers' platform accounts: the buyer who signs in to any storefront on the platform. A
 * merchant never reads this table; what a brand knows of a consumer lives in its own data bank
 * and arrives only through that brand's own touchpoints.
 */
export interface ConsumerTable {
  id: string;
  email: string;
  name: string;
  phone: string | null;
  /** Null for an account that cannot sign in (made by the platform, not by the consumer). */
  password_hash: Generated<string | null>;
  /** When the consumer proved the email is theirs by opening a verification link; null until then. */
  email_verified_at: Generated<Date | null>;
  created_at: Generated<Date>;
}

export interface ConsumerSessionTable {
  id: string;
  consumer_id: string;
  token_hash: string;
  expires_at: Date;
  ended_at: Generated<Date | null>;
  created_at: Generated<Date>;
}

/**
 * A single-use link sent by email: a password reset or an email verification. Only the token's
 * SHA-256 is stored. `email` is the address it went to; `merchant_id` the storefront it was
 * asked from (a verification links that store's guest orders).
 */
export interface ConsumerAccountTokenTable {
  id: string;
  consumer_id: string;
  purpose: 'password_reset' | 'email_verification';
  token_hash: string;
  email: string;
  merchant_id: string | null;
  created_at: Generated<Date>;
  expires_at: Date;
  used_at: Date | null;
}

export interface ConsumerTables {
  consumer: ConsumerTable;
  consumer_session: ConsumerSessionTable;
  consumer_account_token: ConsumerAccountTokenTable;
}

export type Consumer = Omit<ConsumerTable, 'created_at' | 'password_hash' | 'email_verified_at'> & { created_at: Date; email_verified_at: Date | null };

export const migrations = [
  sqlMigration(
    '20261122T1430_create_consumer',
    `create table consumer (
       id text primary key,
       email text not null unique check (email = lower(email) and position('@' in email) > 1),
       name text not null,
       phone text,
       created_at timestamptz not null default now()
     );`,
  ),
  sqlMigration(
    '20261130T1100_consumer_sign_in',
    `alter table consumer add column password_hash text;
     create table consumer_session (
       id text primary key,
       consumer_id text not null references consumer (id) on delete cascade,
       token_hash text not null unique,
       expires_at timestamptz not null,
       ended_at timestamptz,
       created_at timestamptz not null default now()
     );
     create index consumer_session_consumer on consumer_session (consumer_id);`,
  ),
  sqlMigration(
    '20261205T1900_consumer_account_token',
    `alter table consumer add column email_verified_at timestamptz;
     create table consumer_account_token (
       id text primary key,
       consumer_id text not null references consumer (id) on delete cascade,
       purpose text not null check (purpose in ('password_reset', 'email_verification')),
       token_hash text not null unique,
       email text not null,
       merchant_id text,
       created_at timestamptz not null default now(),
       expires_at timestamptz not null,
       used_at timestamptz
     );
     create index consumer_account_token_consumer on consumer_account_token (consumer_id, purpose) where used_at is null;
     create index consumer_account_token_expiry on consumer_account_token (expires_at);`,
  ),
  sqlMigration(
    '20261206T1601_consumer_phone_digits',
    // accountsByPhone (lookup.ts) finds an account by its phone's digits: a coupon won at a screen by phone.
    `create index consumer_phone_digits on consumer (regexp_replace(phone, '[^0-9+]', '', 'g')) where phone is not null;`,
  ),
];

export const consumerRegistered = defineEvent('consumer.registered', z.object({ consumer_id: z.string() }));
/** The consumer proved the email is theirs; published under the storefront the link was asked from. */
export const consumerEmailVerified = defineEvent('consumer.email_verified', z.object({ consumer_id: z.string(), email: z.string() }));
/** The consumer set a new password with an emailed link; every session of theirs ended. */
export const consumerPasswordReset = defineEvent('consumer.password_reset', z.object({ consumer_id: z.string() }));

export async function registerConsumer(db: AnyDb, input: { email: string; name: string; phone?: string }): Promise<Consumer> {
  const email = input.email.trim().toLowerCase();
  return inTransaction(db, async (trx) => {
    const t = tablesOf<ConsumerTables>(trx);
    const taken = await t.selectFrom('consumer').select('id').where('email', '=', email).executeTakeFirst();
    if (taken !== undefined) throw problems.conflict('email_taken', 'An account with this email exists');
    const row = await t
      .insertInto('consumer')
      .values({ id: newId('cus'), email, name: input.name, phone: input.phone ?? null })
      .returning(['id', 'email', 'name', 'phone', 'email_verified_at', 'created_at'])
      .executeTakeFirstOrThrow();
    await publish(trx, consumerRegistered, null, { consumer_id: row.id });
    return row;
  });
}

export async function findConsumerByEmail(db: AnyDb, email: string): Promise<Consumer | undefined> {
  return tablesOf<ConsumerTables>(db).selectFrom('consumer').select(['id', 'email', 'name', 'phone', 'email_verified_at', 'created_at']).where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
}

export const demoConsumers = [
  { email: 'li.wei@example.com', name: 'Li Wei', phone: '+8613800000001' },
  { email: 'zhang.min@example.com', name: 'Zhang Min', phone: '+8613800000002' },
  { email: 'chen.jing@example.com', name: 'Chen Jing' },
  { email: 'ana.silva@example.com', name: 'Ana Silva' },
  { email: 'tom.becker@example.com', name: 'Tom Becker', phone: '+4915100000003' },
];

/**
 * The name and phone on the accounts of these emails (lower-cased), for the data bank of a brand
 * the person bought from: a buyer who orders from a shop gives it who they are, as a signed-in
 * checkout does. Nothing is read for an email without an account.
 */
export async function accountContacts(db: AnyDb, emails: readonly string[]): Promise<Map<string, { name: string; phone: string | null }>> {
  const wanted = [...new Set(emails.map((e) => e.trim().toLowerCase()))];
  if (wanted.length === 0) return new Map();
  const rows = await tablesOf<ConsumerTables>(db).selectFrom('consumer').select(['email', 'name', 'phone']).where('email', 'in', wanted).execute();
  return new Map(rows.map((r) => [r.email, { name: r.name, phone: r.phone }]));
}
