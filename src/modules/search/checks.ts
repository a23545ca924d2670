import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';
import { synonym_term_length_max, synonym_terms_max } from './synonyms.js';

/** Products sampled per run by `search.documents_current`. */
const sample_max = 2_000;
/**
 * The index follows the catalog after the commit (the catalog's events, and the catch-up task every
 * minute), so a product changed less than this long ago may not be indexed yet: that is not a
 * broken invariant, one changed before it and still not indexed is.
 */
export const index_grace_min = 5;

export const checks: readonly InvariantCheck[] = [
  {
    name: 'search.documents_current',
    description: `every published product changed more than ${index_grace_min} minutes ago (a sample of the most recently changed) has a search document as recent as the product, published too`,
    async run(db) {
      const rows = await sql<{ line: string }>`
        with sample as (select merchant_id, id, updated_at from product where status = 'published' and updated_at < now() - make_interval(mins => ${index_grace_min}) order by updated_at desc limit ${sample_max})
        select 'published product ' || s.id || ' of ' || s.merchant_id ||
               case when d.product_id is null then ' has no search document'
                    when d.status <> 'published' then ' is ' || d.status || ' in the search index'
                    else ' has a search document older than the product' end as line
          from sample s left join search_document d on d.merchant_id = s.merchant_id and d.product_id = s.id
         where d.product_id is null or d.status <> 'published' or d.product_updated_at < date_trunc('milliseconds', s.updated_at)
         limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'search.documents_own_products',
    description: 'every search document is of a product of its own merchant',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'search document ' || d.product_id || ' of ' || d.merchant_id || ' names no product of that merchant' as line
          from search_document d where not exists (select 1 from product p where p.merchant_id = d.merchant_id and p.id = d.product_id)
         limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'search.synonyms_well_formed',
    description: `every synonym group has 2 to ${synonym_terms_max} different, normalised, non-empty terms`,
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'synonym group ' || id || ' of ' || merchant_id || ' is malformed: ' || array_to_string(terms, ' | ') as line
          from search_synonym_group g
         where cardinality(terms) not between 2 and ${synonym_terms_max}
            or (select count(distinct t) from unnest(terms) t) <> cardinality(terms)
            or exists (select 1 from unnest(terms) t where t = '' or t <> lower(btrim(t)) or length(t) > ${synonym_term_length_max * 2} or t ~ '\\s{2}')
         limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
];
