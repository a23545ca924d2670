import { sql } from 'kysely';
import type { AnyTrx } from '../../../kernel/db.js';
import { identifierKey, suppressed, type Identifier, type IdentifierType } from '../identifiers.js';
import type { Profile } from './batch.js';
import type { CachedProfile } from './graph-cache.js';
import type { IncomingEvent } from './incoming-event.js';

/**
 * A known part of a brand's identity graph: the process's cached copy, or what a batch in flight
 * will leave behind. It knows every identity of each profile it knows, and every user of each
 * device.
 */
export interface GraphView {
  owner(key: string): string | undefined;
  held(profile_id: string): readonly Identifier[] | undefined;
  profile(profile_id: string): CachedProfile | undefined;
  users(device_id: string): ReadonlySet<string> | undefined;
}

/** What a batch reads from the identity graph before it resolves anything. */
export interface Loaded {
  suppressedKeys: Set<string>;
  identities: { type: IdentifierType; value: string; profile_id: string }[];
  profiles: Omit<Profile, 'isNew'>[];
  devicePairs: { device_id: string; user_id: string }[];
}

/**
 * Loads the part of the brand's graph that the events touch: from the view what it knows, and
 * from the database, in three statements at most, the rest.
 */
export async function loadGraph(trx: AnyTrx, merchant_id: string, events: readonly IncomingEvent[], view: GraphView | undefined): Promise<Loaded> {
  const allIds = [...new Map(events.flatMap((e) => e.identifiers).map((i) => [identifierKey(i), i])).values()];
  const devicePairs = await loadDeviceUsers(trx, merchant_id, allIds, view);
  // Identifiers the view knows need no query: it holds every identity of each of their profiles,
  // and none of them can be suppressed (an erasure would have changed the version).
  const cachedProfiles = new Set<string>();
  const missing: Identifier[] = [];
  for (const identifier of allIds) {
    const owner = view?.owner(identifierKey(identifier));
    if (owner === undefined || view!.profile(owner) === undefined) missing.push(identifier);
    else cachedProfiles.add(owner);
  }
  const fromCache: Loaded = { suppressedKeys: new Set(), identities: [], profiles: [], devicePairs };
  for (const profile_id of cachedProfiles) {
    fromCache.profiles.push(view!.profile(profile_id)!);
    for (const i of view!.held(profile_id) ?? []) fromCache.identities.push({ type: i.type, value: i.value, profile_id });
  }
  if (missing.length === 0) return fromCache;
  const fromDb = await loadFromDb(trx, merchant_id, missing, cachedProfiles);
  return { suppressedKeys: fromDb.suppressedKeys, identities: [...fromCache.identities, ...fromDb.identities], profiles: [...fromCache.profiles, ...fromDb.profiles], devicePairs };
}

/** The users already seen with each of the batch's devices. */
async function loadDeviceUsers(trx: AnyTrx, merchant_id: string, allIds: readonly Identifier[], view: GraphView | undefined): Promise<Loaded['devicePairs']> {
  const devicePairs: Loaded['devicePairs'] = [];
  const unknownDevices: string[] = [];
  for (const identifier of allIds) {
    if (identifier.type !== 'device_id') continue;
    const users = view?.users(identifier.value);
    if (users === undefined) unknownDevices.push(identifier.value);
    else for (const user_id of users) devicePairs.push({ device_id: identifier.value, user_id });
  }
  if (unknownDevices.length > 0) {
    devicePairs.push(...(await sql<{ device_id: string; user_id: string }>`select device_id, user_id from cdp_device_user where merchant_id = ${merchant_id} and device_id = any(${unknownDevices}::text[])`.execute(trx)).rows);
  }
  return devicePairs;
}

async function loadFromDb(trx: AnyTrx, merchant_id: string, ids: Identifier[], skip: ReadonlySet<string>): Promise<Omit<Loaded, 'devicePairs'>> {
  // Every identity of every profile that holds one of these identifiers (the per-type limits
  // need them all), and those of the identifiers that belong to erased consumers: one round trip.
  const found = await sql<{ suppressed: boolean; type: IdentifierType; value: string; profile_id: string | null }>`
    with wanted as materialized (select * from unnest(${ids.map((i) => i.type)}::text[], ${ids.map((i) => i.value)}::text[]) as w(type, value))
    select false as suppressed, i.type, i.value, i.profile_id from cdp_identity i
      where i.merchant_id = ${merchant_id} and i.profile_id in (
        select k.profile_id from cdp_identity k join wanted w on k.type = w.type and k.value = w.value where k.merchant_id = ${merchant_id})
    union all
    select true, w.type, w.value, null from cdp_suppression s join wanted w on s.type = w.type and s.value = ${suppressed(sql.ref('w.value'))} where s.merchant_id = ${merchant_id}`.execute(trx);
  const suppressedKeys = new Set<string>();
  const identities: Loaded['identities'] = [];
  for (const r of found.rows) {
    if (r.suppressed) suppressedKeys.add(`${r.type}:${r.value}`);
    else if (!skip.has(r.profile_id!)) identities.push({ type: r.type, value: r.value, profile_id: r.profile_id! });
  }
  const profileIds = [...new Set(identities.map((r) => r.profile_id))];
  // No row locks: the identity-graph lock serialises every writer of these profiles.
  const profiles =
    profileIds.length === 0
      ? []
      : (
          await sql<Omit<Profile, 'isNew'>>`select id, traits, traits_updated, merged_into, first_seen_at, last_seen_at, events_count, orders_count, amount_spent_minor,
              last_purchase_at, previous_purchase_at, last_interest_at, last_aware_at, last_loyal_signal_at
            from cdp_profile where merchant_id = ${merchant_id} and id = any(${profileIds}::text[])`.execute(trx)
        ).rows;
  return { suppressedKeys, identities, profiles };
}
