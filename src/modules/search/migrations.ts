import { sqlMigration, type Migration } from '../../kernel/migrations.js';

/** Owner: the search helper. Migration names start `20261206T1620_` to `20261206T1629_`, then `20261207T0110_` to `20261207T0119_`. */
export const migrations: Migration[] = [
  sqlMigration(
    '20261206T1620_create_search',
    `-- Trigram similarity finds the vocabulary word nearest a mistyped one (pg_trgm ships with
     -- PostgreSQL, the embedded server's binaries included, and is a trusted extension).
     create extension if not exists pg_trgm;
     -- One search document per product, kept by the catalog's events (see docs/SEARCH.md). The
     -- text is analysed in Node (jieba segments Chinese, pinyin of each Chinese word) and stored
     -- as a tsvector: Latin words through the 'english' configuration (stemmed), Chinese words,
     -- their characters and their pinyin through 'simple'. Weights: A title, B attributes,
     -- C description, D single Chinese characters. Stock is not stored: it is read at query time.
     create table search_document (
       merchant_id text not null,
       product_id text not null,
       status text not null,
       category_id text,
       title text not null,
       title_i18n jsonb not null default '{}',
       image_url text,
       currency text,
       price_min bigint,
       price_max bigint,
       attributes jsonb not null default '{}',
       variant_ids text[] not null default '{}',
       doc tsvector not null,
       product_updated_at timestamptz not null,
       indexed_at timestamptz not null default now(),
       primary key (merchant_id, product_id)
     );
     create index search_document_doc on search_document using gin (doc);
     create index search_document_category on search_document (merchant_id, category_id);
     -- The brand's vocabulary, for typo correction: Latin words (word = their english stem) and
     -- the pinyin of Chinese words (word = the Chinese word). Grows with the catalogue's words only.
     create table search_term (
       merchant_id text not null,
       kind text not null check (kind in ('latin', 'pinyin')),
       term text not null,
       word text not null,
       primary key (merchant_id, kind, term, word)
     );
     create index search_term_word on search_term (merchant_id, kind, word);
     create index search_term_trgm on search_term using gin (term gin_trgm_ops);
     -- Synonym groups per brand, applied at query time: a query word in a group matches any of it.
     create table search_synonym_group (
       merchant_id text not null,
       id text not null,
       terms text[] not null check (cardinality(terms) between 2 and 20),
       created_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );
     -- Searches per normalised query and day (no consumer identity): the top queries, and those
     -- that found nothing (demand signals). Bounded: a query is at most 100 characters, at most
     -- 10,000 distinct queries per brand and day, and days older than 400 are pruned.
     create table search_query_day (
       merchant_id text not null,
       day date not null,
       query text not null check (length(query) between 1 and 100),
       searches integer not null default 0,
       zero_results integer not null default 0,
       last_at timestamptz not null default now(),
       primary key (merchant_id, day, query)
     );
     create index search_query_day_zero on search_query_day (merchant_id, day desc, query) where zero_results > 0;`,
  ),
  sqlMigration(
    '20261207T0110_search_trigram_candidates',
    `-- Trigram neighbours of mistyped words, in one statement: the function carries its looser
     -- similarity threshold (0.2; pg_trgm's default is 0.3) as its own setting, so a search no
     -- longer opens a transaction to set it. \`%\` uses the trigram index with that threshold.
     create function search_trigram_candidates(p_merchant_id text, p_words text[])
       returns table (w text, term text)
       language sql stable
       set pg_trgm.similarity_threshold = 0.2
     as $fn$
       select q.w, t.term
         from unnest(p_words) with ordinality as q(w, i)
         cross join lateral (
           select s.term, similarity(s.term, q.w) as sim from search_term s
            where s.merchant_id = p_merchant_id and s.kind <> 'pinyin_name' and s.term % q.w
            order by similarity(s.term, q.w) desc, s.term limit 10) t
        order by q.i, t.sim desc, t.term
     $fn$;`,
  ),
  sqlMigration(
    '20261207T0150_search_term_pinyin_name',
    `-- The pinyin of names only jieba's HMM finds (单丛, 猴魁): they correct Chinese homophone typos, never a Latin word.
     alter table search_term drop constraint search_term_kind_check;
     alter table search_term add constraint search_term_kind_check check (kind in ('latin', 'pinyin', 'pinyin_name'));`,
  ),
];
