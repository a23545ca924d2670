import { sql } from 'kysely';
import { LRUCache } from 'lru-cache';
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
  forgetSynonyms(merchant_id);
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
  forgetSynonyms(merchant_id);
  return Number(res.numAffectedRows ?? 0n) > 0;
}

/**
 * A brand's groups are kept per process for `synonyms_recheck_ms`: every search needs them and
 * they change rarely. A change through this process is seen by its next search (the entry is
 * dropped after the change commits, and a read that started before the change is not cached);
 * one through another process within `synonyms_recheck_ms`.
 */
export const synonyms_recheck_ms = 5_000;
const cache = new LRUCache<string, { groups: string[][]; read_at: number }>({ max: 10_000 });
/** Changes per brand seen by this process, so a read overtaken by a change is not cached. */
const changes = new Map<string, number>();

function forgetSynonyms(merchant_id: string): void {
  cache.delete(merchant_id);
  changes.set(merchant_id, (changes.get(merchant_id) ?? 0) + 1);
}

/** Every group of the brand, for a query (bounded by `synonym_groups_max`). */
export async function synonymsOf(db: AnyDb, merchant_id: string): Promise<string[][]> {
  const cached = cache.get(merchant_id);
  if (cached !== undefined && Date.now() - cached.read_at < synonyms_recheck_ms) return cached.groups;
  const before = changes.get(merchant_id) ?? 0;
  const read_at = Date.now();
  const rows = await sql<{ terms: string[] }>`select terms from search_synonym_group where merchant_id = ${merchant_id} order by id`.execute(db);
  const groups = rows.rows.map((r) => r.terms);
  if ((changes.get(merchant_id) ?? 0) === before) cache.set(merchant_id, { groups, read_at });
  return groups;
}
