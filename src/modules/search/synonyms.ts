import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { normaliseQuery } from './query.js';

export const synonym_groups_max = 500;
export const synonym_terms_max = 20;
export const synonym_term_length_max = 50;

export interface SynonymGroup {
  id: string;
  terms: string[];
  created_at: Date;
}

/** Terms as stored and matched: normalised (NFKC, lower case, single spaces), each once, in order. */
export function normaliseTerms(terms: readonly string[]): string[] {
  return [...new Set(terms.map((t) => normaliseQuery(t)).filter((t) => t !== ''))];
}

export async function createSynonymGroup(db: AnyDb, merchant_id: string, terms: readonly string[]): Promise<SynonymGroup> {
  const clean = normaliseTerms(terms);
  if (clean.length < 2) throw problems.validation([{ field: 'terms', location: 'body', message: 'needs at least 2 different terms' }]);
  const id = newId('syn');
  // The count and the insert in one statement: concurrent additions cannot both pass the limit by much.
  const rows = await sql<SynonymGroup>`
    insert into search_synonym_group (merchant_id, id, terms)
    select ${merchant_id}, ${id}, ${clean}::text[]
     where (select count(*) from search_synonym_group where merchant_id = ${merchant_id}) < ${synonym_groups_max}
    returning id, terms, created_at`.execute(db);
  const row = rows.rows[0];
  if (row === undefined) throw problems.unprocessable('synonym_groups_full', `A brand has at most ${synonym_groups_max} synonym groups; delete one first`);
  return row;
}

export async function listSynonymGroups(db: AnyDb, merchant_id: string, page: { after_id?: string | undefined; limit: number }): Promise<SynonymGroup[]> {
  const rows = await sql<SynonymGroup>`
    select id, terms, created_at from search_synonym_group where merchant_id = ${merchant_id} ${page.after_id === undefined ? sql`` : sql`and id > ${page.after_id}`}
     order by id limit ${page.limit}`.execute(db);
  return rows.rows;
}

export async function deleteSynonymGroup(db: AnyDb, merchant_id: string, id: string): Promise<boolean> {
  const res = await sql`delete from search_synonym_group where merchant_id = ${merchant_id} and id = ${id}`.execute(db);
  return Number(res.numAffectedRows ?? 0n) > 0;
}

/** Every group of the brand, for a query (bounded by `synonym_groups_max`). */
export async function synonymsOf(db: AnyDb, merchant_id: string): Promise<string[][]> {
  const rows = await sql<{ terms: string[] }>`select terms from search_synonym_group where merchant_id = ${merchant_id} order by id`.execute(db);
  return rows.rows.map((r) => r.terms);
}
