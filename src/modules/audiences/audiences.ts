import type { AudienceTables } from './tables.js';
import { sql } from 'kysely';
import type { RoaringBitmap32 } from 'roaring';
import { tablesOf, inTransaction, type AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { Problem } from '../../kernel/problem.js';
import { validateRule } from './evaluate.js';
import { audienceRefs, type Rule } from './rules.js';

/** A brand's saved audience: a named rule, with its size recorded over time. */
export interface Audience {
  merchant_id: string;
  id: string;
  name: string;
  description: string | null;
  rule: Rule;
  track_membership: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface NewAudience {
  name: string;
  description?: string | undefined;
  rule: Rule;
  track_membership?: boolean | undefined;
}

export type AudienceChanges = Partial<NewAudience>;

export const audiences_per_merchant_max = 1_000;

export async function getAudience(db: AnyDb, merchant_id: string, audience_id: string): Promise<Audience | undefined> {
  return (await tablesOf<AudienceTables>(db).selectFrom('audience').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', audience_id).executeTakeFirst());
}

export async function listAudiences(db: AnyDb, merchant_id: string, page: { after_id?: string | undefined; limit: number }): Promise<Audience[]> {
  let query = tablesOf<AudienceTables>(db).selectFrom('audience').selectAll().where('merchant_id', '=', merchant_id);
  if (page.after_id !== undefined) query = query.where('id', '>', page.after_id);
  return (await query.orderBy('id').limit(page.limit).execute());
}

/** Every saved audience of every brand (the maintenance task's round). */
export async function allAudiences(db: AnyDb): Promise<Audience[]> {
  return (await tablesOf<AudienceTables>(db).selectFrom('audience').selectAll().orderBy('merchant_id').orderBy('id').execute());
}

export async function createAudience(db: AnyDb, merchant_id: string, input: NewAudience): Promise<Audience> {
  const id = newId('aud');
  await validateRule(db, merchant_id, input.rule, { self_id: id });
  return inTransaction(db, async (trx) => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from audience where merchant_id = ${merchant_id}`.execute(trx);
    if ((rows[0]?.n ?? 0) >= audiences_per_merchant_max) throw new Problem(422, 'too_many_audiences', 'Too many audiences', `a brand keeps at most ${audiences_per_merchant_max} saved audiences`);
    return (await tablesOf<AudienceTables>(trx).insertInto('audience')
      .values({ merchant_id, id, name: input.name, description: input.description ?? null, rule: JSON.stringify(input.rule), track_membership: input.track_membership ?? false })
      .returningAll()
      .executeTakeFirstOrThrow());
  });
}

export async function updateAudience(db: AnyDb, merchant_id: string, audience_id: string, changes: AudienceChanges): Promise<Audience | undefined> {
  if ((await getAudience(db, merchant_id, audience_id)) === undefined) return undefined;
  if (changes.rule !== undefined) await validateRule(db, merchant_id, changes.rule, { self_id: audience_id });
  const values: Record<string, unknown> = { updated_at: new Date() };
  if (changes.name !== undefined) values.name = changes.name;
  if (changes.description !== undefined) values.description = changes.description;
  if (changes.rule !== undefined) values.rule = JSON.stringify(changes.rule);
  if (changes.track_membership !== undefined) values.track_membership = changes.track_membership;
  return inTransaction(db, async (trx) => {
    const row = (await tablesOf<AudienceTables>(trx).updateTable('audience').set(values).where('merchant_id', '=', merchant_id).where('id', '=', audience_id).returningAll().executeTakeFirst());
    // Membership tracking switched off: forget the last members, so switching it on again starts
    // from the members then instead of announcing every change in between.
    if (row !== undefined && changes.track_membership === false) await tablesOf<AudienceTables>(trx).deleteFrom('audience_membership').where('merchant_id', '=', merchant_id).where('audience_id', '=', audience_id).execute();
    return row;
  });
}

/** The brand's audiences whose rules name this one. */
export async function audiencesReferring(db: AnyDb, merchant_id: string, audience_id: string): Promise<string[]> {
  const rows = (await tablesOf<AudienceTables>(db).selectFrom('audience').select(['id', 'rule']).where('merchant_id', '=', merchant_id).where('id', '<>', audience_id).execute()) as { id: string; rule: Rule }[];
  return rows.filter((r) => audienceRefs(r.rule).includes(audience_id)).map((r) => r.id);
}

/** Deletes an audience, with its history, membership and syncs; refused while another audience's rule names it. */
export async function deleteAudience(db: AnyDb, merchant_id: string, audience_id: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const row = await tablesOf<AudienceTables>(trx).selectFrom('audience').select('id').where('merchant_id', '=', merchant_id).where('id', '=', audience_id).forUpdate().executeTakeFirst();
    if (row === undefined) return false;
    const referring = await audiencesReferring(trx, merchant_id, audience_id);
    if (referring.length > 0) throw new Problem(409, 'audience_in_use', 'Conflict', `the rules of audience(s) ${referring.join(', ')} refer to this audience; change them first`);
    await tablesOf<AudienceTables>(trx).deleteFrom('audience').where('merchant_id', '=', merchant_id).where('id', '=', audience_id).execute();
    return true;
  });
}

export interface SizePoint {
  at: Date;
  size: number;
  path: string;
  took_ms: number;
}

/** An audience's recorded sizes, oldest first (the latest `limit`). */
export async function audienceSizes(db: AnyDb, merchant_id: string, audience_id: string, limit = 500): Promise<SizePoint[]> {
  const rows = (await tablesOf<AudienceTables>(db).selectFrom('audience_size')
    .select(['at', 'size', 'path', 'took_ms'])
    .where('merchant_id', '=', merchant_id)
    .where('audience_id', '=', audience_id)
    .orderBy('at', 'desc')
    .limit(limit)
    .execute()) as SizePoint[];
  return rows.reverse();
}

export interface Member {
  num: number;
  profile_id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
}

/** Up to `limit` numbers of a bitmap greater than `after`, in order. */
export function numsAfter(members: RoaringBitmap32, after: number, limit: number): number[] {
  // rank: how many members are at most `after`, the offset of the first one past it.
  return [...members.rangeUint32Array(after <= 0 ? 0 : members.rank(after), limit)];
}

/** Members of a bitmap among these consumer numbers, in number order, with their name and masked contact points. */
export async function membersAmong(db: AnyDb, merchant_id: string, nums: readonly number[]): Promise<Member[]> {
  if (nums.length === 0) return [];
  const { rows } = await sql<Member>`
    select p.num, p.id as profile_id,
      coalesce(p.traits ->> 'name', nullif(trim(concat_ws(' ', p.traits ->> 'first_name', p.traits ->> 'last_name')), '')) as name,
      (select c.masked from cdp_contact_point c where c.merchant_id = p.merchant_id and c.profile_id = p.id and c.kind = 'email' order by c.updated_at desc limit 1) as email,
      (select c.masked from cdp_contact_point c where c.merchant_id = p.merchant_id and c.profile_id = p.id and c.kind = 'phone' order by c.updated_at desc limit 1) as phone
    from cdp_profile p where p.merchant_id = ${merchant_id} and p.num = any(${nums}::integer[]) order by p.num`.execute(db);
  return rows.map((r) => ({ ...r, name: typeof r.name === 'string' ? r.name : null }));
}

const csvCell = (value: string | number | null): string => {
  if (value === null) return '';
  const text = String(value);
  // A cell a spreadsheet would run as a formula is quoted with a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export const export_header = ['profile_id', 'consumer_number', 'name', 'email', 'phone'];

/** The members as CSV, streamed a page at a time: a header row, then one row per member (masked contact points). */
export function membersCsv(db: AnyDb, merchant_id: string, members: RoaringBitmap32, page = 1_000): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after = 0;
  let headerSent = false;
  return new ReadableStream({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(`${export_header.join(',')}\r\n`));
        return;
      }
      const nums = numsAfter(members, after, page);
      if (nums.length === 0) return controller.close();
      after = nums.at(-1)!;
      const rows = await membersAmong(db, merchant_id, nums);
      controller.enqueue(encoder.encode(rows.map((m) => `${[m.profile_id, m.num, m.name, m.email, m.phone].map(csvCell).join(',')}\r\n`).join('')));
    },
  });
}
