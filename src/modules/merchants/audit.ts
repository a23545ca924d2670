import { tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import type { AuditEventTable, MerchantTables } from './tables.js';

/** Privileged actions (keys, users, erasures) leave an audit trail the merchant can read. */
export interface AuditEntry {
  merchant_id: string;
  actor: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

export type AuditEvent = Omit<AuditEventTable, 'occurred_at'> & { occurred_at: Date };

export async function recordAudit(trx: AnyTrx, entry: AuditEntry): Promise<void> {
  await tablesOf<MerchantTables>(trx)
    .insertInto('audit_event')
    .values({ id: newId('aud'), ...entry, details: JSON.stringify(entry.details ?? {}) })
    .execute();
}

export async function listAuditEvents(db: AnyDb, merchant_id: string, after_id: string | undefined, limit: number): Promise<AuditEvent[]> {
  let query = tablesOf<MerchantTables>(db).selectFrom('audit_event').selectAll().where('merchant_id', '=', merchant_id);
  if (after_id !== undefined) query = query.where('id', '<', after_id);
  return query.orderBy('id', 'desc').limit(limit).execute();
}
