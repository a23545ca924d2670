import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import type { Consumer } from '../accounts/index.js';
import { storedIdentifier } from '../databank/index.js';

/** The consumer's recent interactions read for a search's tie-breaker: bounded, one indexed read. */
export const preference_events_max = 200;

export interface Preferences {
  product_ids: string[];
  category_ids: string[];
}

export const noPreferences: Preferences = { product_ids: [], category_ids: [] };

/**
 * What a consumer interacted with in the brand's data bank (its last 200 tracked events: views,
 * carts, purchases, each naming `properties.product_id` or `properties.products[].product_id`),
 * and the categories of those products. The profile is found by the signed-in account (its e-mail
 * identity, or its ID as `user_id`) or by the storefront's `anonymous_id`. Nothing found, nothing
 * preferred.
 */
export async function preferencesOf(db: AnyDb, merchant_id: string, who: { consumer?: Consumer | undefined; anonymous_id?: string | undefined }): Promise<Preferences & { profile_id?: string }> {
  const identities = [
    who.consumer === undefined ? undefined : storedIdentifier('email', who.consumer.email),
    who.consumer === undefined ? undefined : storedIdentifier('user_id', who.consumer.id),
    who.anonymous_id === undefined ? undefined : storedIdentifier('anonymous_id', who.anonymous_id),
  ].filter((i) => i !== undefined);
  if (identities.length === 0) return noPreferences;
  const rows = await sql<{ profile_id: string; product_ids: string[] | null; category_ids: string[] | null }>`
    with profile as (
      select coalesce(p.merged_into, i.profile_id) as profile_id
        from cdp_identity i left join cdp_profile p on p.merchant_id = i.merchant_id and p.id = i.profile_id
       where i.merchant_id = ${merchant_id}
         and (i.type, i.value) in (select * from unnest(${identities.map((i) => i.type)}::text[], ${identities.map((i) => i.value)}::text[]))
       limit 1
    ),
    recent as (
      select e.properties from cdp_event e, profile
       where e.merchant_id = ${merchant_id} and e.profile_id = profile.profile_id and e.type = 'track'
       order by e.occurred_at desc limit ${preference_events_max}
    ),
    products as (
      select distinct pid from (
        select properties->>'product_id' as pid from recent
        union all
        select x->>'product_id' from recent, jsonb_array_elements(case when jsonb_typeof(properties->'products') = 'array' then properties->'products' else '[]'::jsonb end) x
      ) a where pid is not null
    )
    select (select profile_id from profile) as profile_id,
           (select array_agg(pid) from products) as product_ids,
           (select array_agg(distinct d.category_id) from search_document d join products on d.product_id = products.pid
             where d.merchant_id = ${merchant_id} and d.category_id is not null) as category_ids`.execute(db);
  const r = rows.rows[0];
  if (r === undefined || r.profile_id === null) return noPreferences;
  return { profile_id: r.profile_id, product_ids: r.product_ids ?? [], category_ids: r.category_ids ?? [] };
}
