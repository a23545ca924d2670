import { sql, type RawBuilder } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import type { Preferences } from './preferences.js';
import { knownWords, trigramNeighbours, wordsSounding } from './vocabulary.js';
import { editDistance, editsAllowed, isHan, latinWords, normalise, runs, segmentQuery, stopWords, syllables } from './text.js';

/** A word to match: Latin (stemmed by 'english', or exactly as pinyin) or Chinese. */
type Token = { latin: string } | { zh: string };
/** Tokens that must all match. */
type Alt = Token[];
/** One place of the query: its own words, or a correction, or a synonym. */
interface Clause {
  text: string;
  exact: Alt;
  alts: Alt[];
  corrected?: string;
}

export const query_length_max = 100;
const clauses_max = 12;

/** Price facet boundaries in major units; buckets with no product are left out. */
const price_bounds_major = [0, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000];

function tokensOf(text: string): Alt {
  const out: Alt = [];
  for (const run of runs(text)) {
    if (run.han) out.push(...segmentQuery(run.text).map((zh) => ({ zh })));
    else out.push(...latinWords(run.text).map((latin) => ({ latin })));
  }
  return out;
}

/** The query split into clauses: each Latin word, each run of Chinese characters. */
function clausesOf(q: string): Clause[] {
  const clauses: Clause[] = [];
  for (const run of runs(q)) {
    if (run.han) clauses.push({ text: run.text, exact: segmentQuery(run.text).map((zh) => ({ zh })), alts: [] });
    else {
      const words = latinWords(run.text);
      const meaningful = words.filter((w) => !stopWords.has(w));
      for (const w of meaningful.length === 0 ? words : meaningful) clauses.push({ text: w, exact: [{ latin: w }], alts: [] });
    }
  }
  return clauses.slice(0, clauses_max);
}

/**
 * Typo correction against the brand's vocabulary. A Latin word the catalogue does not use (neither
 * the word nor its stem) becomes the nearest word within 1 edit (4 to 7 letters) or 2 (8 and
 * more), by trigram candidates and edit distance; the pinyin of Chinese words is in the same
 * vocabulary, so `longjng` finds 龙井 through `longjing`. A run of Chinese characters that does
 * not segment into the catalogue's words is read as pinyin and re-segmented into words the
 * catalogue has with the same sounds (西湖龙景 → xi hu long jing → 西湖 龙井).
 */
async function correct(db: AnyDb, merchant_id: string, clauses: Clause[]): Promise<void> {
  const latin = clauses.filter((c) => c.exact.length === 1 && 'latin' in c.exact[0]!).map((c) => c.text);
  const zhWords = clauses.flatMap((c) => c.exact.flatMap((t) => ('zh' in t ? [t.zh] : [])));
  const known = latin.length + zhWords.length > 0 ? await knownWords(db, merchant_id, [...latin, ...zhWords]) : new Set<string>();

  const unknownLatin = latin.filter((w) => !known.has(w) && editsAllowed(w) > 0 && !/^\d+$/.test(w));
  if (unknownLatin.length > 0) {
    const neighbours = await trigramNeighbours(db, merchant_id, unknownLatin);
    for (const clause of clauses) {
      if (!unknownLatin.includes(clause.text)) continue;
      let best: { term: string; d: number } | undefined;
      for (const term of neighbours.get(clause.text) ?? []) {
        const d = editDistance(clause.text, term, editsAllowed(clause.text));
        if (d <= editsAllowed(clause.text) && (best === undefined || d < best.d)) best = { term, d };
      }
      if (best !== undefined) {
        clause.corrected = best.term;
        clause.alts.push([{ latin: best.term }]);
      }
    }
  }

  for (const clause of clauses) {
    if (!isHan(clause.text)) continue;
    const words = clause.exact.map((t) => ('zh' in t ? t.zh : ''));
    if (words.every((w) => [...w].length >= 2 && known.has(w))) continue;
    const chars = [...clause.text];
    const sy = syllables(clause.text);
    if (sy.length !== chars.length || chars.length < 2 || chars.length > 30) continue;
    const candidates = new Set<string>();
    for (let i = 0; i < sy.length; i++) for (let j = i + 2; j <= Math.min(sy.length, i + 8); j++) candidates.add(sy.slice(i, j).join(''));
    const rows = await wordsSounding(db, merchant_id, clause.text, [...candidates]);
    const byPinyin = new Map<string, string[]>();
    for (const r of rows) byPinyin.set(r.term, [...(byPinyin.get(r.term) ?? []), r.word]);
    const out: string[] = [];
    for (let i = 0; i < sy.length; ) {
      let taken = false;
      for (let j = Math.min(sy.length, i + 8); j >= i + 2; j--) {
        const words = byPinyin.get(sy.slice(i, j).join('')) ?? [];
        const original = chars.slice(i, j).join('');
        // The characters typed win when they are a word too; otherwise the one with most characters in common.
        const word = words.includes(original) ? original : words.sort((a, b) => common(b, original) - common(a, original) || a.localeCompare(b))[0];
        if (word !== undefined && [...word].length === j - i) {
          out.push(word);
          i = j;
          taken = true;
          break;
        }
      }
      if (!taken) {
        out.push(chars[i]!);
        i++;
      }
    }
    const corrected = out.join('');
    if (corrected !== clause.text) {
      clause.corrected = corrected;
      clause.alts.push(out.map((zh) => ({ zh })));
    }
  }
}

const common = (a: string, b: string) => [...a].filter((c, i) => [...b][i] === c).length;

/** Synonym groups: a clause equal to a term of a group also matches the group's other terms. */
function applySynonyms(clauses: Clause[], groups: readonly string[][]): Alt[] {
  const whole: Alt[] = [];
  const q = clauses.map((c) => c.text).join(' ');
  for (const group of groups) {
    const terms = group.map((t) => normalise(t).trim());
    for (const clause of clauses) {
      if (terms.includes(clause.text) || (clause.corrected !== undefined && terms.includes(clause.corrected))) {
        for (const t of terms) if (t !== clause.text) clause.alts.push(tokensOf(t));
      }
    }
    if (clauses.length > 1 && terms.includes(q)) for (const t of terms) if (t !== q) whole.push(tokensOf(t));
  }
  return whole.filter((a) => a.length > 0);
}

function tokenQuery(t: Token): RawBuilder<unknown> {
  return 'latin' in t ? sql`(plainto_tsquery('english', ${t.latin}) || plainto_tsquery('simple', ${t.latin}))` : sql`plainto_tsquery('simple', ${t.zh})`;
}
const altQuery = (a: Alt) => sql`(${sql.join(a.map(tokenQuery), sql` && `)})`;

export interface SearchInput {
  merchant_id: string;
  q: string;
  category_id?: string | undefined;
  price_min?: number | undefined;
  price_max?: number | undefined;
  attributes: Record<string, string>;
  /** Variants available at the chosen stores; undefined when no location was asked for. */
  stock?: readonly string[] | undefined;
  in_stock: boolean;
  include_unpublished: boolean;
  preferences: Preferences;
  limit: number;
  after?: { score: string; pref: number; product_id: string } | undefined;
  synonyms: readonly string[][];
}

export interface SearchHit {
  product_id: string;
  title: string;
  title_i18n: Record<string, string>;
  image_url: string | null;
  currency: string | null;
  price_min: string | null;
  price_max: string | null;
  category_id: string | null;
  attributes: Record<string, string>;
  score: string;
  pref: number;
  in_stock_nearby: boolean | null;
  highlights: string[];
}

export interface SearchResult {
  query: string;
  corrected_query: string | null;
  total: number;
  hits: SearchHit[];
  has_more: boolean;
  facets: {
    category: { value: string; count: number }[];
    price: { from: number; to: number | null; count: number }[];
    attributes: Record<string, { value: string; count: number }[]>;
    in_stock_nearby: number | null;
  };
}

export const normaliseQuery = (q: string) => normalise(q).replace(/\s+/g, ' ').trim().slice(0, query_length_max);

export async function searchProducts(db: AnyDb, input: SearchInput): Promise<SearchResult> {
  const q = normaliseQuery(input.q);
  const clauses = clausesOf(q);
  if (clauses.length > 0) await correct(db, input.merchant_id, clauses);
  const whole = applySynonyms(clauses, input.synonyms);
  const usable = clauses.filter((c) => c.exact.length > 0);
  const corrected = usable.some((c) => c.corrected !== undefined) ? usable.map((c) => c.corrected ?? c.text).join(' ') : null;

  const full =
    usable.length === 0
      ? undefined
      : sql`(${sql.join(usable.map((c) => sql`(${sql.join([c.exact, ...c.alts].filter((a) => a.length > 0).map(altQuery), sql` || `)})`), sql` && `)}${whole.length === 0 ? sql`` : sql` || ${sql.join(whole.map(altQuery), sql` || `)}`})`;
  const exact = usable.length === 0 ? undefined : sql`(${sql.join(usable.map((c) => altQuery(c.exact)), sql` && `)})`;

  const conditions = [sql`d.merchant_id = ${input.merchant_id}`];
  conditions.push(input.include_unpublished ? sql`d.status <> 'archived'` : sql`d.status = 'published'`);
  if (full !== undefined) conditions.push(sql`d.doc @@ q.qf`);
  if (input.category_id !== undefined) conditions.push(sql`d.category_id = ${input.category_id}`);
  if (input.price_min !== undefined) conditions.push(sql`d.price_min >= ${input.price_min}`);
  if (input.price_max !== undefined) conditions.push(sql`d.price_min <= ${input.price_max}`);
  for (const [name, value] of Object.entries(input.attributes)) conditions.push(sql`d.attributes ->> ${name} = ${value}`);
  const stock = input.stock === undefined ? null : [...input.stock];
  if (input.in_stock && stock !== null) conditions.push(sql`d.variant_ids && ${stock}::text[]`);

  const matched = sql`
    q as (select ${full ?? sql`null::tsquery`} as qf, ${exact ?? sql`null::tsquery`} as qe),
    m as (
      select d.product_id, d.title, d.title_i18n, d.image_url, d.currency, d.price_min, d.price_max, d.category_id, d.attributes,
             ${stock === null ? sql`null::boolean` : sql`d.variant_ids && ${stock}::text[]`} as in_stock_nearby,
             ${full === undefined ? sql`0::numeric` : sql`round((ts_rank(d.doc, q.qf) + ts_rank(d.doc, q.qe))::numeric, 4)`} as score,
             case when d.product_id = any(${input.preferences.product_ids}::text[]) then 2 when d.category_id = any(${input.preferences.category_ids}::text[]) then 1 else 0 end as pref
        from search_document d, q
       where ${sql.join(conditions, sql` and `)}
    )`;

  const after = input.after;
  const bounds = price_bounds_major.map((b) => b * 100);
  // One statement: the matches (a CTE used twice is computed once), the page, and the facets.
  const facets = await sql<{ page: (Omit<SearchHit, 'highlights' | 'score'> & { score: number })[]; total: number; in_stock: number | null; category: { value: string; count: number }[] | null; price: { bucket: number; count: number }[] | null; attributes: { name: string; value: string; count: number }[] | null }>`
    with ${matched},
    page as (
      select * from m
       ${after === undefined ? sql`` : sql`where m.score < ${after.score}::numeric or (m.score = ${after.score}::numeric and (m.pref < ${after.pref} or (m.pref = ${after.pref} and m.product_id > ${after.product_id})))`}
       order by m.score desc, m.pref desc, m.product_id
       limit ${input.limit + 1}
    )
    select (select coalesce(jsonb_agg(to_jsonb(p) order by p.score desc, p.pref desc, p.product_id), '[]'::jsonb) from page p) as page,
           (select count(*)::int from m) as total,
           (select count(*) filter (where in_stock_nearby)::int from m where ${stock === null ? sql`false` : sql`true`}) as in_stock,
           (select jsonb_agg(jsonb_build_object('value', category_id, 'count', n) order by n desc, category_id) from (select category_id, count(*)::int as n from m where category_id is not null group by 1 order by 2 desc, 1 limit 50) c) as category,
           (select jsonb_agg(jsonb_build_object('bucket', b, 'count', n) order by b) from (select width_bucket(price_min, ${bounds}::bigint[]) as b, count(*)::int as n from m where price_min is not null group by 1) p) as price,
           (select jsonb_agg(jsonb_build_object('name', k, 'value', v, 'count', n) order by k, n desc, v) from (
              select k, v, n from (select k, v, n, row_number() over (partition by k order by n desc, v) as r
                from (select a.key as k, a.value as v, count(*)::int as n from m, jsonb_each_text(m.attributes) a group by 1, 2) x) y where r <= 20) z) as attributes`.execute(db);

  const f = facets.rows[0]!;
  const attributes: Record<string, { value: string; count: number }[]> = {};
  for (const a of f.attributes ?? []) (attributes[a.name] ??= []).push({ value: a.value, count: a.count });
  const words = [...new Set(usable.flatMap((c) => [c.text, ...(c.corrected === undefined ? [] : [c.corrected])]))];
  const hits = f.page.slice(0, input.limit).map((r) => {
    const text = normalise([r.title, ...Object.values(r.title_i18n)].join(' '));
    return { ...r, price_min: r.price_min === null ? null : String(r.price_min), price_max: r.price_max === null ? null : String(r.price_max), score: String(r.score), highlights: words.filter((w) => text.includes(w)) };
  });
  return {
    query: q,
    corrected_query: corrected,
    total: f.total,
    hits,
    has_more: f.page.length > input.limit,
    facets: {
      category: f.category ?? [],
      price: (f.price ?? []).map((p) => ({ from: bounds[p.bucket - 1] ?? 0, to: bounds[p.bucket] ?? null, count: p.count })),
      attributes,
      in_stock_nearby: stock === null ? null : (f.in_stock ?? 0),
    },
  };
}
