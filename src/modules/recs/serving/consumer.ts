import { sql } from 'kysely';
import type { AnyDb } from '../../../kernel/db.js';
import { profilesOfEmail, storedIdentifier } from '../../databank/index.js';
import { interaction_events, purchase_events, type MerchantState } from './state.js';

/**
 * Who asks, in the brand's data bank: a signed-in consumer (their email), an anonymous visitor
 * (the Segment `anonymousId` of the storefront's analytics), or a profile named by a server.
 * What they did is read at answer time from their events (one indexed query), so what they
 * viewed a second ago and what they bought are exact.
 */
export interface ConsumerHistory {
  /** The profile and those merged into it; the first is the live one. */
  profile_ids: string[];
  /** Products interacted with, most recent first (distinct), with when (ms). */
  recent: { product_id: string; at_ms: number; event: string }[];
  bought: Set<string>;
}

/** Interactions read per answer; older purchases beyond them are not seen (docs/RECS.md). */
export const history_events_max = 500;

/** The live profile and those merged into it, from seed IDs (none: an unknown consumer). */
async function expandProfiles(db: AnyDb, merchant_id: string, seeds: readonly string[]): Promise<string[]> {
  if (seeds.length === 0) return [];
  const rows = await sql<{ id: string; merged_into: string | null }>`
    with live as (
      select coalesce(p.merged_into, p.id) as id from cdp_profile p where p.merchant_id = ${merchant_id} and p.id = any(${[...seeds]}::text[])
    )
    select p.id, p.merged_into from cdp_profile p
     where p.merchant_id = ${merchant_id} and (p.id in (select id from live) or p.merged_into in (select id from live))`.execute(db);
  return rows.rows.sort((a, b) => (a.merged_into === null ? -1 : 0) - (b.merged_into === null ? -1 : 0)).map((r) => r.id);
}

export async function profilesOfAnonymousId(db: AnyDb, merchant_id: string, anonymous_id: string): Promise<string[]> {
  const identifier = storedIdentifier('anonymous_id', anonymous_id);
  if (identifier === undefined) return [];
  const rows = await sql<{ profile_id: string }>`
    select profile_id from cdp_identity where merchant_id = ${merchant_id} and type = 'anonymous_id' and value = ${identifier.value}`.execute(db);
  return rows.rows.map((r) => r.profile_id);
}

export interface ConsumerKeys {
  email?: string | undefined;
  anonymous_id?: string | undefined;
  profile_id?: string | undefined;
}

/** The consumer's profiles (empty when the data bank does not know them). */
export async function resolveConsumer(db: AnyDb, merchant_id: string, keys: ConsumerKeys): Promise<string[]> {
  const seeds: string[] = [];
  if (keys.profile_id !== undefined) seeds.push(keys.profile_id);
  if (keys.email !== undefined) seeds.push(...(await profilesOfEmail(db, merchant_id, keys.email)));
  if (keys.anonymous_id !== undefined && seeds.length === 0) seeds.push(...(await profilesOfAnonymousId(db, merchant_id, keys.anonymous_id)));
  return expandProfiles(db, merchant_id, seeds);
}

/** What these profiles did, most recent first. */
export async function historyOf(db: AnyDb, state: MerchantState, profile_ids: readonly string[]): Promise<ConsumerHistory> {
  const history: ConsumerHistory = { profile_ids: [...profile_ids], recent: [], bought: new Set() };
  if (profile_ids.length === 0) return history;
  const rows = await sql<{ event: string; product_id: string | null; variant_ids: string[] | null; at_ms: number }>`
    select e.event, e.properties->>'product_id' as product_id,
      case when jsonb_typeof(e.properties->'products') = 'array' then (select array_agg(x->>'variant_id') from jsonb_array_elements(e.properties->'products') x where x->>'variant_id' is not null) end as variant_ids,
      (extract(epoch from e.occurred_at) * 1000)::float8 as at_ms
      from cdp_event e
     where e.merchant_id = ${state.merchant_id} and e.profile_id = any(${[...profile_ids]}::text[]) and e.type = 'track' and e.event = any(${interaction_events}::text[])
     order by e.occurred_at desc limit ${history_events_max}`.execute(db);
  const seen = new Set<string>();
  for (const r of rows.rows) {
    const products = r.product_id !== null ? [r.product_id] : state.productsOfVariants(r.variant_ids ?? []);
    for (const product_id of products) {
      if (purchase_events.includes(r.event)) history.bought.add(product_id);
      if (seen.has(product_id)) continue;
      seen.add(product_id);
      history.recent.push({ product_id, at_ms: r.at_ms, event: r.event });
    }
  }
  return history;
}

/** Profiles whose trained lists a brand's state keeps (least recently used dropped beyond). */
export const user_lists_max = 50_000;

/**
 * The consumer's "for you" list of the current training (items, score, because). Each profile's
 * list is read once per training and then kept in the state (a current training's lists never
 * change: `rec_user_list` rows are written before `rec_current` points at them and deleted only
 * once another training is current), so a known consumer's answer reads none of them again.
 */
export async function userList(db: AnyDb, state: MerchantState, profile_ids: readonly string[]): Promise<[string, number, string | null][]> {
  if (state.training_id === null || profile_ids.length === 0) return [];
  const training_id = state.training_id;
  const missing = profile_ids.filter((p) => !state.userLists.has(p));
  if (missing.length > 0) {
    const rows = await sql<{ profile_id: string; items: [string, number, string | null][] }>`
      select profile_id, items from rec_user_list where merchant_id = ${state.merchant_id} and training_id = ${training_id} and profile_id = any(${missing}::text[])`.execute(db);
    const found = new Map(rows.rows.map((r) => [r.profile_id, r.items.map(([p, s, b]) => [String(p), Number(s), b === null ? null : String(b)] as [string, number, string | null])]));
    // A list read for a training no longer current is not kept (`loadLists` emptied the map meanwhile).
    if (state.training_id === training_id)
      for (const p of missing) {
        if (state.userLists.size >= user_lists_max) state.userLists.delete(state.userLists.keys().next().value!);
        state.userLists.set(p, found.get(p) ?? []);
      }
    return profile_ids.flatMap((p) => found.get(p) ?? state.userLists.get(p) ?? []);
  }
  return profile_ids.flatMap((p) => {
    const list = state.userLists.get(p)!;
    // Least recently used last: a hit moves the profile to the end.
    state.userLists.delete(p);
    state.userLists.set(p, list);
    return list;
  });
}
