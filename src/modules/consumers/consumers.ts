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
  created_at: Generated<Date>;
}

interface Tables {
  consumer: ConsumerTable;
}

export type Consumer = Omit<ConsumerTable, 'created_at'> & { created_at: Date };

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
];

export const consumerRegistered = defineEvent('consumer.registered', z.object({ consumer_id: z.string() }));

export async function registerConsumer(db: AnyDb, input: { email: string; name: string; phone?: string }): Promise<Consumer> {
  const email = input.email.trim().toLowerCase();
  return inTransaction(db, async (trx) => {
    const t = tablesOf<Tables>(trx);
    const taken = await t.selectFrom('consumer').select('id').where('email', '=', email).executeTakeFirst();
    if (taken !== undefined) throw problems.conflict('email_taken', 'An account with this email exists');
    const row = await t
      .insertInto('consumer')
      .values({ id: newId('cus'), email, name: input.name, phone: input.phone ?? null })
      .returningAll()
      .executeTakeFirstOrThrow();
    await publish(trx, consumerRegistered, null, { consumer_id: row.id });
    return row;
  });
}

export async function findConsumerByEmail(db: AnyDb, email: string): Promise<Consumer | undefined> {
  return tablesOf<Tables>(db).selectFrom('consumer').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
}

export const demoConsumers = [
  { email: 'li.wei@example.com', name: 'Li Wei', phone: '+8613800000001' },
  { email: 'zhang.min@example.com', name: 'Zhang Min', phone: '+8613800000002' },
  { email: 'chen.jing@example.com', name: 'Chen Jing' },
  { email: 'ana.silva@example.com', name: 'Ana Silva' },
  { email: 'tom.becker@example.com', name: 'Tom Becker', phone: '+4915100000003' },
];
