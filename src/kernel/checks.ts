import { sql } from 'kysely';
import type { Config } from './config.js';
import type { AnyDb } from './db.js';
import type { InvariantCheck } from './module.js';

/**
 * Tables that belong to the platform rather than to one merchant. Every other table must carry
 * `merchant_id` in its primary key: it is the tenancy boundary and the future Citus
 * distribution key.
 */
export const platformTables = new Set(['merchant', 'consumer', 'consumer_session', 'consumer_account_token', 'mail_message', 'cart', 'cart_item', 'ledger_account', 'ledger_transfer', 'provider_event', 'test_provider_charge', 'test_provider_webhook', 'bos_outbox_event', 'bos_idempotency_key', 'bos_rate_limit', 'bos_seed', 'bos_job', 'bos_migration', 'bos_migration_lock']);
// Issue 18: a consumer's standing payment authorisations serve every merchant (payments module).
platformTables.add('payment_authorisation');
// Issue 18: the consumer code is one per consumer across every brand (membership module).
platformTables.add('consumer_code_key').add('consumer_code_use');

export const kernelChecks: readonly InvariantCheck[] = [
  {
    name: 'kernel.merchant_keys',
    description: 'every merchant-owned table has merchant_id in its primary key',
    async run(db: AnyDb) {
      const result = await sql<{ table_name: string; has_merchant: boolean }>`
        select t.table_name,
               exists (
                 select 1 from information_schema.table_constraints tc
                 join information_schema.key_column_usage k
                   on k.constraint_name = tc.constraint_name and k.table_schema = tc.table_schema
                 where tc.table_schema = t.table_schema and tc.table_name = t.table_name
                   and tc.constraint_type = 'PRIMARY KEY' and k.column_name = 'merchant_id'
               ) as has_merchant
        from information_schema.tables t
        where t.table_schema = current_schema() and t.table_type = 'BASE TABLE'`.execute(db);
      return result.rows
        .filter((r) => !platformTables.has(r.table_name) && !r.has_merchant)
        .map((r) => `table ${r.table_name} has no merchant_id in its primary key`);
    },
  },
  {
    name: 'kernel.outbox_dead_letters',
    description: 'no domain event is parked as a dead letter',
    async run(db: AnyDb) {
      const result = await sql<{ id: string; type: string; last_error: string | null }>`
        select id, type, last_error from bos_outbox_event where status = 'dead' order by id limit 50`.execute(db);
      return result.rows.map((r) => `event ${r.id} (${r.type}) is a dead letter: ${r.last_error ?? 'no error recorded'}`);
    },
  },
];

export interface CheckReport {
  name: string;
  description: string;
  violations: string[];
}

/** `config` is what the platform runs with; a check that depends on a setting reads it there (defaults when absent). */
export async function runChecks(db: AnyDb, checks: readonly InvariantCheck[], config?: Config): Promise<CheckReport[]> {
  const reports: CheckReport[] = [];
  for (const check of checks) {
    try {
      reports.push({ name: check.name, description: check.description, violations: await check.run(db, config) });
    } catch (error) {
      reports.push({ name: check.name, description: check.description, violations: [`the check itself failed: ${error instanceof Error ? error.message : String(error)}`] });
    }
  }
  return reports;
}
