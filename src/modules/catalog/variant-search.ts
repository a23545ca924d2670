import { sql } from 'kysely';
import { tablesOf, type AnyDb } from '../../kernel/db.js';
import type { CatalogTables } from './tables.js';

/** The most variants one search answers: a merchant's whole range, not a marketplace's. */
export const variant_search_max = 20_000;

/** `%` and `_` typed by a person are letters, not LIKE wildcards. */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The IDs of the merchant's variants that match, in ID order (at most `variant_search_max`):
 * `q` matches a SKU or barcode by its start, or the product's title in any of its languages
 * anywhere (Chinese titles have no word boundaries for a full-text search to find), or its
 * words; `category_id` keeps the products of that category.
 */
export async function searchVariantIds(db: AnyDb, merchant_id: string, filter: { q?: string | undefined; category_id?: string | undefined }): Promise<string[]> {
  let query = tablesOf<CatalogTables>(db)
    .selectFrom('variant as v')
    .innerJoin('product as p', (j) => j.onRef('p.merchant_id', '=', 'v.merchant_id').onRef('p.id', '=', 'v.product_id'))
    .select('v.id')
    .where('v.merchant_id', '=', merchant_id);
  if (filter.category_id !== undefined) query = query.where('p.category_id', '=', filter.category_id);
  const q = filter.q?.trim() ?? '';
  if (q !== '') {
    const starts = `${likeEscaped(q)}%`;
    const contains = `%${likeEscaped(q)}%`;
    query = query.where(
      sql<boolean>`(v.sku ilike ${starts} or v.barcode like ${starts} or p.title ilike ${contains} or p.title_i18n::text ilike ${contains} or p.search @@ websearch_to_tsquery('simple', ${q}))`,
    );
  }
  const rows = await query.orderBy('v.id').limit(variant_search_max).execute();
  return rows.map((r) => r.id);
}
