import { tablesOf, type AnyDb } from '../../kernel/db.js';
import type { CatalogTables } from './tables.js';

/** What delivery needs to know of variants, whoever sells them: the seller, the weight, whether it is for sale. */
export interface ShippingFacts {
  variant_id: string;
  merchant_id: string;
  /** Grams; null when the merchant has not said. */
  weight_g: number | null;
  for_sale: boolean;
}

export async function shippingFacts(db: AnyDb, variant_ids: readonly string[]): Promise<ShippingFacts[]> {
  if (variant_ids.length === 0) return [];
  const rows = await tablesOf<CatalogTables>(db)
    .selectFrom('variant as v')
    .innerJoin('product as p', (j) => j.onRef('p.merchant_id', '=', 'v.merchant_id').onRef('p.id', '=', 'v.product_id'))
    .select(['v.id', 'v.merchant_id', 'v.weight_g', 'v.status as variant_status', 'p.status'])
    .where('v.id', 'in', [...new Set(variant_ids)])
    .execute();
  return rows.map((r) => ({ variant_id: r.id, merchant_id: r.merchant_id, weight_g: r.weight_g, for_sale: r.status === 'published' && r.variant_status === 'active' }));
}
