import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';

/** Products read at most per report; a brand with more is read in product ID order up to it (the report says so). */
export const products_max = 50_000;
/** Price-filtered searches read at most (distinct ranges). */
export const price_filters_max = 1_000;

/** What the report needs of one product: its values, its price and the units it can sell. */
export interface ProductFacts {
  id: string;
  title: string;
  status: string;
  attributes: Record<string, unknown>;
  /** Option values of its active variants (`{ colour: 'red', size: 'M' }` each). */
  options: Record<string, string>[];
  /** Lowest base price of its active variants in the brand's default currency, minor units; null without one. */
  price_minor: number | null;
  /** On hand − reserved, summed over its active variants and every location. */
  units: number;
}

/** Published, priced and with stock: a product a consumer can buy today. */
export const sellable = (p: ProductFacts): boolean => p.status === 'published' && p.price_minor !== null && p.units > 0;

/**
 * One statement: every product of the brand (up to `products_max`) with its active variants'
 * option values, lowest base price and available units. Cost: the brand's products, variants,
 * prices and stock levels, each read once through its merchant-first key.
 */
export async function productFacts(db: AnyDb, merchant_id: string, currency: string): Promise<ProductFacts[]> {
  const rows = await sql<{ id: string; title: string; status: string; attributes: Record<string, unknown>; options: Record<string, string>[]; price_minor: string | null; units: string }>`
    with v as (select id, product_id, option_values from variant where merchant_id = ${merchant_id} and status = 'active'),
    units as (select v.product_id, sum(greatest(s.on_hand - s.reserved, 0)) as units from v join stock_level s on s.merchant_id = ${merchant_id} and s.variant_id = v.id group by 1),
    prices as (select v.product_id, min(pr.amount_minor) as price_minor from v join price pr on pr.merchant_id = ${merchant_id} and pr.variant_id = v.id and pr.currency = ${currency} and pr.min_quantity = 1 group by 1),
    opts as (select product_id, jsonb_agg(option_values) as options from v where option_values <> '{}'::jsonb group by 1)
    select p.id, p.title, p.status, p.attributes, coalesce(opts.options, '[]'::jsonb) as options, prices.price_minor::text as price_minor, coalesce(units.units, 0)::text as units
      from product p
      left join units on units.product_id = p.id
      left join prices on prices.product_id = p.id
      left join opts on opts.product_id = p.id
     where p.merchant_id = ${merchant_id}
     order by p.id limit ${products_max}`.execute(db);
  return rows.rows.map((r) => ({ ...r, price_minor: r.price_minor === null ? null : Number(r.price_minor), units: Number(r.units) }));
}

/**
 * The currency bands are drawn in: the merchant's default currency when any base price is in it,
 * else the one most of its base prices are in (a brand that prices in CNY under a EUR default).
 */
export async function priceCurrency(db: AnyDb, merchant_id: string, default_currency: string): Promise<string> {
  const rows = await sql<{ currency: string }>`
    select currency from price where merchant_id = ${merchant_id} and min_quantity = 1
     group by currency order by (currency = ${default_currency}) desc, count(*) desc, currency limit 1`.execute(db);
  return rows.rows[0]?.currency ?? default_currency;
}

export interface ProductDemand {
  views: number;
  carts: number;
}

const view_events = ['product viewed', 'product clicked'];
const cart_events = ['product added'];

/**
 * Views and cart adds per product over the window, from the brand's data bank (the events the
 * recommendations read: `Product Viewed`/`Clicked`, `Product Added`, with `properties.product_id`).
 * Cost: one pass over the brand's events (the data bank's merchant-first key), grouped in PostgreSQL.
 */
export async function productDemand(db: AnyDb, merchant_id: string, since: Date): Promise<Map<string, ProductDemand>> {
  const rows = await sql<{ product_id: string; views: number; carts: number }>`
    select e.properties->>'product_id' as product_id,
           count(*) filter (where lower(e.event) = any(${view_events}::text[]))::int as views,
           count(*) filter (where lower(e.event) = any(${cart_events}::text[]))::int as carts
      from cdp_event e
     where e.merchant_id = ${merchant_id} and e.type = 'track' and e.occurred_at >= ${since}
       and lower(e.event) = any(${[...view_events, ...cart_events]}::text[])
       and e.properties->>'product_id' is not null
     group by 1`.execute(db);
  return new Map(rows.rows.map((r) => [r.product_id, { views: r.views, carts: r.carts }]));
}

export interface PriceFilter {
  min_minor: number | null;
  max_minor: number | null;
  searches: number;
}

/**
 * Searches with a price filter, as the storefront files them in the data bank: `Products Searched`
 * with `properties.price_min` and/or `price_max` (minor units of the default currency, the search
 * API's parameters). The search module's own log keeps queries, not filters.
 */
export async function priceFilters(db: AnyDb, merchant_id: string, since: Date): Promise<PriceFilter[]> {
  const rows = await sql<{ min_minor: string | null; max_minor: string | null; searches: number }>`
    select case when e.properties->>'price_min' ~ '^[0-9]{1,15}$' then e.properties->>'price_min' end as min_minor,
           case when e.properties->>'price_max' ~ '^[0-9]{1,15}$' then e.properties->>'price_max' end as max_minor,
           count(*)::int as searches
      from cdp_event e
     where e.merchant_id = ${merchant_id} and e.type = 'track' and e.occurred_at >= ${since}
       and lower(e.event) = 'products searched'
       and (e.properties->>'price_min' ~ '^[0-9]{1,15}$' or e.properties->>'price_max' ~ '^[0-9]{1,15}$')
     group by 1, 2 order by 3 desc limit ${price_filters_max}`.execute(db);
  return rows.rows.map((r) => ({ min_minor: r.min_minor === null ? null : Number(r.min_minor), max_minor: r.max_minor === null ? null : Number(r.max_minor), searches: r.searches }));
}
