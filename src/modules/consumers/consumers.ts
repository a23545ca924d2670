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

export interface ConsumerTables {
  consumer: ConsumerTable;
  consumer_session: ConsumerSessionTable;
}

export type Consumer = Omit<ConsumerTable, 'created_at' | 'password_hash'> & { created_at: Date };

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
];

export const consumerRegistered = defineEvent('consumer.registered', z.object({ consumer_id: z.string() }));

export async function registerConsumer(db: AnyDb, input: { email: string; name: string; phone?: string }): Promise<Consumer> {
  const email = input.email.trim().toLowerCase();
  return inTransaction(db, async (trx) => {
    const t = tablesOf<ConsumerTables>(trx);
    const taken = await t.selectFrom('consumer').select('id').where('email', '=', email).executeTakeFirst();
    if (taken !== undefined) throw problems.conflict('email_taken', 'An account with this email exists');
    const row = await t
      .insertInto('consumer')
      .values({ id: newId('cus'), email, name: input.name, phone: input.phone ?? null })
      .returning(['id', 'email', 'name', 'phone', 'created_at'])
      .executeTakeFirstOrThrow();
    await publish(trx, consumerRegistered, null, { consumer_id: row.id });
    return row;
  });
}

export async function findConsumerByEmail(db: AnyDb, email: string): Promise<Consumer | undefined> {
  return tablesOf<ConsumerTables>(db).selectFrom('consumer').select(['id', 'email', 'name', 'phone', 'created_at']).where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
}

export const demoConsumers = [
  { email: 'li.wei@example.com', name: 'Li Wei', phone: '+8613800000001' },
  { email: 'zhang.min@example.com', name: 'Zhang Min', phone: '+8613800000002' },
  { email: 'chen.jing@example.com', name: 'Chen Jing' },
  { email: 'ana.silva@example.com', name: 'Ana Silva' },
  { email: 'tom.becker@example.com', name: 'Tom Becker', phone: '+4915100000003' },
];
