import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';

/**
 * A page of a merchant's products as a recommender or a search index holds them in memory: the
 * product's status, titles, category, attributes, first image, creation and change times, and
 * its variants with their status and base prices (minimum quantity 1). One query per page,
 * instead of `listProducts`' several per product.
 */
export interface ProductFacts {
  id: string;
  title: string;
  title_i18n: Record<string, string>;
  status: 'draft' | 'published' | 'archived';
  category_id: string | null;
  attributes: Record<string, string | number | boolean>;
  image: string | null;
  created_at: Date;
  updated_at: Date;
  variants: { id: string; status: 'active' | 'archived'; prices: { currency: string; amount_minor: bigint }[] }[];
}

export const product_facts_page_max = 2_000;

/** Products ordered by ID after `after_id`; `changed_since`: only those created or changed since. */
export async function productFacts(db: AnyDb, merchant_id: string, options: { after_id?: string | undefined; changed_since?: Date | undefined; limit: number }): Promise<ProductFacts[]> {
  const limit = Math.min(options.limit, product_facts_page_max);
  const rows = await sql<Omit<ProductFacts, 'variants'> & { variants: { id: string; status: 'active' | 'archived'; prices: { currency: string; amount_minor: string }[] }[] | null }>`
    select p.id, p.title, p.title_i18n, p.status, p.category_id, p.attributes, p.images->>0 as image, p.created_at, p.updated_at,
      (select jsonb_agg(jsonb_build_object('id', v.id, 'status', v.status, 'prices',
          (select coalesce(jsonb_agg(jsonb_build_object('currency', pr.currency, 'amount_minor', pr.amount_minor::text)), '[]'::jsonb)
             from price pr where pr.merchant_id = v.merchant_id and pr.variant_id = v.id and pr.min_quantity = 1)) order by v.id)
         from variant v where v.merchant_id = p.merchant_id and v.product_id = p.id) as variants
      from product p
     where p.merchant_id = ${merchant_id}
       and p.id > ${options.after_id ?? ''}
       and (${options.changed_since ?? null}::timestamptz is null or p.updated_at >= ${options.changed_since ?? null}::timestamptz or p.created_at >= ${options.changed_since ?? null}::timestamptz)
     order by p.id
     limit ${limit}`.execute(db);
  return rows.rows.map((r) => ({
    ...r,
    variants: (r.variants ?? []).map((v) => ({ id: v.id, status: v.status, prices: v.prices.map((p) => ({ currency: p.currency, amount_minor: BigInt(p.amount_minor) })) })),
  }));
}
