import { sql, type Selectable } from 'kysely';
import { tablesOf, type AnyDb } from '../../kernel/db.js';
import type { MailMessageTable, MailStatus, MailTables } from './tables.js';

export type MailMessage = Selectable<MailMessageTable>;

/** A merchant's mail, newest first, without bodies. */
export async function listMailMessages(db: AnyDb, merchant_id: string, filter: { status?: MailStatus | undefined; before_id?: string | undefined; limit: number }) {
  let query = tablesOf<MailTables>(db)
    .selectFrom('mail_message')
    .select(['id', 'merchant_id', 'kind', 'from_address', 'to_address', 'subject', 'sensitive', 'status', 'attempts', 'last_error', 'smtp_message_id', 'created_at', 'sent_at', 'body_erased_at'])
    .where('merchant_id', '=', merchant_id);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.before_id !== undefined) query = query.where('id', '<', filter.before_id);
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}

export async function getMailMessage(db: AnyDb, merchant_id: string, id: string): Promise<MailMessage | undefined> {
  return tablesOf<MailTables>(db).selectFrom('mail_message').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', id).executeTakeFirst();
}

/**
 * A secret link lives no longer than this in the outbox, sent or not: longer than any token it
 * carries is valid, so erasing it takes nothing from its reader.
 */
export const sensitive_body_ttl_s = 3 * 24 * 3_600;
const erase_batch_max = 1_000;

/** Erases the bodies of sensitive messages older than `sensitive_body_ttl_s`; returns how many. */
export async function eraseStaleSensitiveBodies(db: AnyDb): Promise<number> {
  const result = await sql`update mail_message set text_body = '(erased: it held a single-use link)', html_body = null, body_erased_at = now()
    where id in (select id from mail_message where sensitive and body_erased_at is null and status <> 'queued'
                 and created_at < now() - make_interval(secs => ${sensitive_body_ttl_s}) limit ${erase_batch_max})`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
