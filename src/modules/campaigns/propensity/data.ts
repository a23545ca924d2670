import { sql } from 'kysely';
import type { AnyDb } from '../../../kernel/db.js';
import type { BehaviourEvent, BehaviourKind } from './features.js';

/**
 * Consumers' behaviour from the brand's data bank, as the propensity features read it. Event
 * names follow the Segment e-commerce spec, as the data bank stores them: product views, carts,
 * wishlists, purchases (`Order Paid` of the platform's orders, `Order Completed` of an analytics
 * SDK or an import) and coupons issued. A platform order names its variants, which the catalog
 * turns into products and categories. Zero-amount orders (free samples) are not purchases.
 */
const kindOf: Record<string, BehaviourKind> = {
  'product viewed': 'view',
  'product clicked': 'view',
  'product added': 'cart',
  'product added to wishlist': 'fav',
  'order completed': 'buy',
  'order paid': 'buy',
  'coupon claimed': 'coupon',
  'coupon received': 'coupon',
  'coupon won': 'coupon',
};
const names = Object.keys(kindOf);

/** Events older than this do not count: a model of this season, not of years ago. */
export const history_days_max = 365;

interface Row {
  profile_id: string;
  name: string;
  at: Date;
  product_id: string | null;
  category_id: string | null;
}

/**
 * The behaviour of the given profiles of a brand in [since, until), by profile. One statement:
 * single-product events take their product from `product_id` (its category from the event or
 * the catalog); platform orders expand into one purchase per line, the variant's product and
 * category from the catalog.
 */
export async function behaviourOf(db: AnyDb, merchant_id: string, profile_ids: readonly string[], since: Date, until: Date): Promise<Map<string, BehaviourEvent[]>> {
  const histories = new Map<string, BehaviourEvent[]>();
  for (const id of profile_ids) histories.set(id, []);
  if (profile_ids.length === 0) return histories;
  const rows = await sql<Row>`
    with e as (
      select e.profile_id, lower(e.event) as name, e.occurred_at as at, e.properties, e.context
      from cdp_event e
      where e.merchant_id = ${merchant_id} and e.type = 'track' and e.profile_id = any(${profile_ids}::text[])
        and lower(e.event) = any(${names}::text[]) and e.occurred_at >= ${since} and e.occurred_at < ${until}
        -- the platform records the finished purchase again as Order Completed: one purchase
        and not (e.context->>'source' = 'openbos' and lower(e.event) = 'order completed')
        and not (lower(e.event) in ('order paid', 'order completed') and e.properties->>'amount_minor' = '0')
    )
    select e.profile_id, e.name, e.at, coalesce(e.properties->>'product_id', v.product_id) as product_id,
           coalesce(e.properties->>'category_id', p.category_id) as category_id
    from e
    left join lateral jsonb_array_elements(case when jsonb_typeof(e.properties->'products') = 'array' and e.properties->>'product_id' is null then e.properties->'products' else '[null]'::jsonb end) line on true
    left join variant v on v.merchant_id = ${merchant_id} and v.id = line->>'variant_id'
    left join product p on p.merchant_id = ${merchant_id} and p.id = coalesce(e.properties->>'product_id', v.product_id)`.execute(db);
  for (const r of rows.rows) {
    const kind = kindOf[r.name];
    if (kind === undefined) continue;
    histories.get(r.profile_id)?.push({ at: new Date(r.at).getTime(), kind, product_id: r.product_id, category_id: r.category_id });
  }
  return histories;
}

/**
 * The brand's consumers to learn from: every live (unmerged) profile seen before `until`, up to
 * `limit`, a stable pseudo-random sample by a hash of the ID when there are more.
 */
export async function trainingProfiles(db: AnyDb, merchant_id: string, until: Date, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    select id from cdp_profile
    where merchant_id = ${merchant_id} and merged_into is null and first_seen_at < ${until}
    order by md5(id) limit ${limit}`.execute(db);
  return rows.rows.map((r) => r.id);
}
