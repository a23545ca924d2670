import { sql } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { AnyDb } from '../../kernel/db.js';

/**
 * What a search asks of the brand's vocabulary (`search_term`), kept per process: whether a word
 * is the catalogue's, the trigram neighbours of a word that is not, the vocabulary words sounding
 * like a run of Chinese characters. Searches repeat the same words all day, and the vocabulary
 * only changes when products are indexed.
 *
 * What is cached only decides the corrections offered besides the words typed (a query's own
 * words are always matched against the index as typed), so a stale entry can never hide a product:
 * at worst a correction is offered that is no longer needed, or a new word is not yet offered as
 * one. Indexing in this process drops the brand's entry as soon as it adds words; indexing in
 * another process is seen within `vocabulary_recheck_ms`.
 */
export const vocabulary_recheck_ms = 60_000;
/** Answers kept per brand and kind; beyond, that kind's answers are started afresh. */
const answers_max = 5_000;

interface Vocabulary {
  read_at: number;
  known: Map<string, boolean>;
  near: Map<string, string[]>;
  sounds: Map<string, { term: string; word: string }[]>;
}

const cache = new LRUCache<string, Vocabulary>({ max: 1_000 });

function vocabularyOf(merchant_id: string): Vocabulary {
  const cached = cache.get(merchant_id);
  if (cached !== undefined && Date.now() - cached.read_at < vocabulary_recheck_ms) return cached;
  const fresh: Vocabulary = { read_at: Date.now(), known: new Map(), near: new Map(), sounds: new Map() };
  cache.set(merchant_id, fresh);
  return fresh;
}

/** The brand's vocabulary changed (words indexed, or the vocabulary rebuilt): ask again. */
export function forgetVocabulary(merchant_id: string): void {
  cache.delete(merchant_id);
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= answers_max) map.clear();
  map.set(key, value);
}

/**
 * The words that are the brand's: a Latin word or its english stem, or a pinyin term, or a
 * Chinese word with a pinyin entry. One statement for the words not known yet.
 */
export async function knownWords(db: AnyDb, merchant_id: string, words: readonly string[]): Promise<Set<string>> {
  // Answers go into the entry the lookup started from: if the vocabulary changes meanwhile, the
  // entry is dropped and a late answer cannot make its way into the new one.
  const v = vocabularyOf(merchant_id);
  const ask = [...new Set(words.filter((w) => !v.known.has(w)))];
  if (ask.length > 0) {
    const rows = await sql<{ w: string }>`
      select q.w from unnest(${ask}::text[]) as q(w)
       where exists (select 1 from search_term t where t.merchant_id = ${merchant_id} and t.kind = 'latin' and t.term = q.w)
          or exists (select 1 from search_term t where t.merchant_id = ${merchant_id} and t.kind = 'latin' and t.word = coalesce((select lexeme from unnest(to_tsvector('english', q.w)) limit 1), q.w))
          or exists (select 1 from search_term t where t.merchant_id = ${merchant_id} and t.kind in ('pinyin', 'pinyin_name') and (t.term = q.w or t.word = q.w))`.execute(db);
    const found = new Set(rows.rows.map((r) => r.w));
    for (const w of ask) remember(v.known, w, found.has(w));
  }
  return new Set(words.filter((w) => v.known.get(w) === true));
}

/**
 * Up to 10 vocabulary terms per word by trigram similarity (threshold 0.2, looser than pg_trgm's
 * default 0.3: a transposition in a six-letter word, oolnog, shares few trigrams). One statement:
 * `search_trigram_candidates` carries the threshold as its own setting, so no transaction is
 * needed to set it.
 */
export async function trigramNeighbours(db: AnyDb, merchant_id: string, words: readonly string[]): Promise<Map<string, string[]>> {
  const v = vocabularyOf(merchant_id);
  const ask = [...new Set(words.filter((w) => !v.near.has(w)))];
  if (ask.length > 0) {
    const rows = await sql<{ w: string; term: string }>`select w, term from search_trigram_candidates(${merchant_id}, ${ask}::text[])`.execute(db);
    const byWord = new Map<string, string[]>(ask.map((w) => [w, []]));
    for (const r of rows.rows) byWord.get(r.w)?.push(r.term);
    for (const [w, terms] of byWord) remember(v.near, w, terms);
  }
  return new Map(words.map((w) => [w, v.near.get(w) ?? []]));
}

/** Vocabulary words (Chinese) whose pinyin is one of these, for re-segmenting a run of characters. */
export async function wordsSounding(db: AnyDb, merchant_id: string, key: string, pinyin: readonly string[]): Promise<{ term: string; word: string }[]> {
  const v = vocabularyOf(merchant_id);
  const cached = v.sounds.get(key);
  if (cached !== undefined) return cached;
  const rows = await sql<{ term: string; word: string }>`
    select term, word from search_term where merchant_id = ${merchant_id} and kind in ('pinyin', 'pinyin_name') and term = any(${[...pinyin]}::text[])`.execute(db);
  remember(v.sounds, key, rows.rows);
  return rows.rows;
}
