import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';

/**
 * Prices are computed here, on the server, from the catalog; nothing a client sends is taken
 * as a price. A quantity pays the tier with the largest `min_quantity` it reaches.
 */
export interface LineRequest {
  variant_id: string;
  quantity: number;
}

export type QuoteRefusal = 'variant_not_found' | 'variant_unpublished' | 'currency_not_priced' | 'below_minimum_order_quantity';

export type LineQuote =
  | {
      ok: true;
      merchant_id: string;
      variant_id: string;
      product_id: string;
      category_id: string | null;
      sku: string;
      title: string;
      /** The title by language tag, from the product's title_i18n, with the variant's name appended as in title. */
      title_i18n: Record<string, string>;
      quantity: number;
      unit_price_minor: bigint;
      currency: string;
    }
  | { ok: false; variant_id: string; refusal: QuoteRefusal; detail: string };

interface Row {
  merchant_id: string;
  variant_id: string;
  product_id: string;
  category_id: string | null;
  sku: string;
  title: string;
  title_i18n: Record<string, string>;
  status: string;
  variant_status: string;
  min_order_quantity: number;
  tiers: { min_quantity: number; amount_minor: string }[] | null;
}

/** Quotes many lines in one query (checkout batches call it once per batch). */
export async function quoteLines(db: AnyDb, lines: readonly LineRequest[], currency: string): Promise<LineQuote[]> {
  const ids = [...new Set(lines.map((l) => l.variant_id))];
  if (ids.length === 0) return [];
  const result = await sql<Row>`
    select v.merchant_id, v.id as variant_id, v.product_id, p.category_id, v.sku, p.title || case when v.title = p.title then '' else ' — ' || v.title end as title,
           (select coalesce(jsonb_object_agg(e.lang, e.text || case when v.title = p.title then '' else ' — ' || v.title end), '{}'::jsonb)
              from jsonb_each_text(p.title_i18n) as e(lang, text)) as title_i18n,
           p.status, v.status as variant_status, v.min_order_quantity,
           (select json_agg(json_build_object('min_quantity', pr.min_quantity, 'amount_minor', pr.amount_minor::text) order by pr.min_quantity)
              from price pr where pr.merchant_id = v.merchant_id and pr.variant_id = v.id and pr.currency = ${currency}) as tiers
    from variant v
    join product p on p.merchant_id = v.merchant_id and p.id = v.product_id
    where v.id = any(${ids}::text[])`.execute(db);
  const byId = new Map(result.rows.map((r) => [r.variant_id, r]));
  return lines.map((line) => quoteOne(byId.get(line.variant_id), line, currency));
}

function quoteOne(row: Row | undefined, line: LineRequest, currency: string): LineQuote {
  const refuse = (refusal: QuoteRefusal, detail: string): LineQuote => ({ ok: false, variant_id: line.variant_id, refusal, detail });
  if (row === undefined) return refuse('variant_not_found', `No variant ${line.variant_id}`);
  if (row.status !== 'published') return refuse('variant_unpublished', `${row.sku} is not for sale`);
  if (row.variant_status !== 'active') return refuse('variant_unpublished', `${row.sku} is no longer sold`);
  if (line.quantity < row.min_order_quantity) return refuse('below_minimum_order_quantity', `${row.sku} sells in quantities of at least ${row.min_order_quantity}`);
  const tiers = row.tiers ?? [];
  if (tiers.length === 0) return refuse('currency_not_priced', `${row.sku} has no price in ${currency}`);
  const tier = tiers.filter((t) => t.min_quantity <= line.quantity).at(-1);
  if (tier === undefined) return refuse('below_minimum_order_quantity', `${row.sku} is priced in ${currency} from quantity ${tiers[0]!.min_quantity}`);
  return {
    ok: true,
    merchant_id: row.merchant_id,
    variant_id: row.variant_id,
    product_id: row.product_id,
    category_id: row.category_id,
    sku: row.sku,
    title: row.title,
    title_i18n: row.title_i18n,
    quantity: line.quantity,
    unit_price_minor: BigInt(tier.amount_minor),
    currency,
  };
}
