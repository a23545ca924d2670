import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';

/**
 * Consumer accounts looked up for other modules' work: the contacts behind consumer IDs (a
 * brand's data bank files a coupon under the consumer's email), and the accounts that gave a
 * phone number (a coupon won at a store's screen by phone lands in that account's wallet).
 */
export interface AccountContact {
  email: string;
  phone: string | null;
  /** The name on the account (a store's till shows whose consumer code it accepted). */
  name?: string;
}

export async function accountsByIds(db: AnyDb, ids: readonly string[]): Promise<Map<string, AccountContact>> {
  if (ids.length === 0) return new Map();
  const rows = await sql<{ id: string; email: string; phone: string | null; name: string }>`select id, email, phone, name from consumer where id = any(${[...new Set(ids)]}::text[])`.execute(db);
  return new Map(rows.rows.map((r) => [r.id, { email: r.email, phone: r.phone, name: r.name }]));
}

/**
 * The accounts whose phone is this one, compared as digits with a leading + (the way a person
 * types it varies: spaces, dashes, brackets). Phones on accounts are not verified, so a caller
 * must treat more than one match as nobody's.
 */
export async function accountsByPhone(db: AnyDb, phone: string, max: number): Promise<string[]> {
  const rows = await sql<{ id: string }>`select id from consumer where phone is not null and regexp_replace(phone, '[^0-9+]', '', 'g') = regexp_replace(${phone}::text, '[^0-9+]', '', 'g') order by id limit ${max}`.execute(db);
  return rows.rows.map((r) => r.id);
}

/** The accounts of these emails (compared lower-cased), by email. */
export async function accountsByEmails(db: AnyDb, emails: readonly string[]): Promise<Map<string, { id: string; email: string }>> {
  const wanted = [...new Set(emails.map((e) => e.trim().toLowerCase()))];
  if (wanted.length === 0) return new Map();
  const rows = await sql<{ id: string; email: string }>`select id, email from consumer where email = any(${wanted}::text[])`.execute(db);
  return new Map(rows.rows.map((r) => [r.email, r]));
}
