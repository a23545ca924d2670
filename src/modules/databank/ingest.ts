import { sql } from 'kysely';
import type { AnyTrx } from '../../kernel/db.js';
import type { LockTurn } from '../../kernel/group-commit.js';
import { newId } from '../../kernel/ids.js';
import { identifierKey, identifierPriority, identifiers_per_profile_max, users_per_device_max, type Identifier, type IdentifierType } from './identifiers.js';
import { orderValueMinor, signalOf } from './signals.js';
import type { CachedProfile, GraphCache, GraphChanges } from './graph-cache.js';

/**
 * Ingestion and identity resolution, one transaction per batch of events (group commit): a
 * handful of queries load every identity, profile and suppression the batch touches; events are
 * resolved in memory in arrival order; everything is written back with one statement per table.
 *
 * Resolution is deterministic. An event's identifiers find the profiles that hold them; the
 * profile of the highest-priority identifier (user ID first) gets the event, and the others merge
 * into it unless the merge would give one profile more identifiers of a type than allowed (two
 * user IDs never merge) or rests on a device shared by too many users. Every merge is recorded
 * with the identities it moved, so it can be undone.
 */
export type Purpose = 'analytics' | 'personalisation' | 'marketing';
export type EventType = 'track' | 'identify' | 'page' | 'screen' | 'group' | 'alias';

export interface IncomingEvent {
  merchant_id: string;
  message_id: string;
  type: EventType;
  event: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  traits: Record<string, unknown>;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  occurred_at: Date;
  received_at: Date;
  identifiers: Identifier[];
  consent?: Partial<Record<Purpose, boolean>>;
}

export type IngestOutcome = 'stored' | 'duplicate' | 'suppressed';

/** A profile as a batch works on it: the stored row, and whether the batch created it. */
interface Profile extends CachedProfile {
  isNew: boolean;
}

const tuple = (ids: Identifier[]) => [ids.map((i) => i.type), ids.map((i) => i.value)] as const;
const maxDate = (a: Date | null, b: Date) => (a === null || b > a ? b : a);

export class Batch {
  readonly profiles = new Map<string, Profile>();
  /** identifier key -> profile id */
  readonly owner = new Map<string, string>();
  /** profile id -> its identifiers */
  readonly held = new Map<string, Identifier[]>();
  readonly identityWrites = new Map<string, { type: IdentifierType; value: string; profile_id: string }>();
  readonly merges: { id: string; from: string; into: string; reason: string; identities: Identifier[] }[] = [];
  readonly events: { e: IncomingEvent; id: string; profile_id: string }[] = [];
  readonly consents = new Map<string, { profile_id: string; purpose: Purpose; granted: boolean }>();
  readonly deviceUsers = new Map<string, Set<string>>();
  readonly newDeviceUsers: { device_id: string; user_id: string }[] = [];
  readonly touched = new Set<string>();
  /** Profiles whose traits objects this batch has copied (or created) and may change. */
  private readonly traitsOwned = new Set<string>();

  constructor(readonly merchant_id: string) {}

  /** Makes the profile's traits this batch's own before it changes them. */
  ownTraits(p: Profile): void {
    if (this.traitsOwned.has(p.id)) return;
    this.traitsOwned.add(p.id);
    if (p.isNew) return;
    p.traits = { ...p.traits };
    p.traits_updated = { ...p.traits_updated };
  }

  attach(profile_id: string, identifier: Identifier, key = identifierKey(identifier)): void {
    // `owner` and `held` always agree, so the owner tells whether the list holds it already.
    const previous = this.owner.get(key);
    this.owner.set(key, profile_id);
    const list = this.held.get(profile_id);
    if (list === undefined) this.held.set(profile_id, [identifier]);
    else if (previous !== profile_id) list.push(identifier);
    this.identityWrites.set(key, { ...identifier, profile_id });
  }

  countOf(profile_id: string, type: IdentifierType): number {
    return (this.held.get(profile_id) ?? []).filter((i) => i.type === type).length;
  }

  canMerge(a: string, b: string): boolean {
    const union = [...(this.held.get(a) ?? []), ...(this.held.get(b) ?? [])];
    return identifierPriority.every((type) => new Set(union.filter((i) => i.type === type).map((i) => i.value)).size <= identifiers_per_profile_max[type]);
  }

  sharedDevice(device_id: string): boolean {
    return (this.deviceUsers.get(device_id)?.size ?? 0) > users_per_device_max;
  }
}

function newProfile(at: Date): Profile {
  return { id: newId('prf'), traits: {}, traits_updated: {}, merged_into: null, first_seen_at: at, last_seen_at: at, events_count: 0n, orders_count: 0, amount_spent_minor: 0n, last_purchase_at: null, previous_purchase_at: null, last_interest_at: null, last_aware_at: null, last_loyal_signal_at: null, isNew: true };
}

/** How the group committer runs a batch with its process's copy of the graphs. */
export interface CachedIngest {
  cache: GraphCache;
  /** Batches lock in the order they were formed. */
  turn: LockTurn;
  /** Settles once the batch formed before this one has committed and updated the cache, or failed. */
  previous: Promise<void>;
  /** Filled with what to apply to the cache once this batch has committed. */
  changes: GraphChanges[];
  /** Brands whose lock this transaction already holds, with the version it took. */
  locked?: ReadonlyMap<string, number>;
  /** Called for a batch of one brand once it is resolved under the lock, before it writes. */
  resolved?: (merchant_id: string, version: number, batch: Batch) => void;
}

export async function ingestEvents(trx: AnyTrx, events: readonly IncomingEvent[], cached?: CachedIngest): Promise<IngestOutcome[]> {
  const outcomes = new Array<IngestOutcome>(events.length);
  const byMerchant = new Map<string, number[]>();
  events.forEach((e, i) => byMerchant.set(e.merchant_id, [...(byMerchant.get(e.merchant_id) ?? []), i]));
  const merchants = [...byMerchant].sort(([a], [b]) => (a < b ? -1 : 1));
  // Every brand's lock first, in a global order, before any work: two batches never deadlock, and
  // a batch that holds its locks knows that every batch before it has committed or will not.
  await cached?.turn.wait;
  const versions = new Map<string, number>();
  for (const [merchant_id] of merchants) versions.set(merchant_id, cached?.locked?.get(merchant_id) ?? (await lockIdentityGraph(trx, merchant_id)));
  cached?.turn.done();
  await cached?.previous;
  for (const [merchant_id, indexes] of merchants) {
    const version = versions.get(merchant_id)!;
    // The cache's copy, if it is current; `current` drops it otherwise.
    const view = cached !== undefined && cached.cache.current(merchant_id, version) !== undefined ? liveView(cached.cache, merchant_id) : undefined;
    const beforeWrite = merchants.length === 1 && cached?.resolved !== undefined ? (b: Batch) => cached.resolved!(merchant_id, version, b) : undefined;
    const { outcomes: results, batch } = await ingestForMerchant(trx, merchant_id, indexes.map((i) => events[i]!), view, beforeWrite);
    indexes.forEach((index, k) => (outcomes[index] = results[k]!));
    cached?.changes.push({ merchant_id, version, owner: batch.owner, held: batch.held, profiles: batch.profiles });
  }
  return outcomes;
}

export function identifiersOf(events: readonly IncomingEvent[]): Identifier[] {
  return [...new Map(events.flatMap((e) => e.identifiers).map((i) => [identifierKey(i), i])).values()];
}

/** What a batch reads from the identity graph before it resolves anything. */
export interface Loaded {
  suppressedKeys: Set<string>;
  identities: { type: IdentifierType; value: string; profile_id: string }[];
  profiles: Omit<Profile, 'isNew'>[];
  devicePairs: { device_id: string; user_id: string }[];
}

/**
 * Takes the brand's identity-graph lock and returns the graph's new version. Every writer of
 * profiles and identities calls it: the row lock serialises them (across processes too), and the
 * version tells each process whether its cached copy of the graph is still current.
 */
export async function lockIdentityGraph(trx: AnyTrx, merchant_id: string): Promise<number> {
  const row = await sql<{ version: string }>`insert into cdp_graph_version (merchant_id, version) values (${merchant_id}, 1)
    on conflict (merchant_id) do update set version = cdp_graph_version.version + 1 returning version`.execute(trx);
  return Number(row.rows[0]!.version);
}

/**
 * One brand's identity graph is resolved by one transaction at a time (the caller holds its
 * lock): two batches that both meet a new person would otherwise each create a profile for them.
 */
async function ingestForMerchant(trx: AnyTrx, merchant_id: string, events: IncomingEvent[], view: GraphView | undefined, beforeWrite?: (batch: Batch) => void): Promise<{ outcomes: IngestOutcome[]; batch: Batch }> {
  const loaded = await load(trx, merchant_id, identifiersOf(events), view);

  // Duplicates (a retried messageId) are rare, so the batch is resolved as if there were none and
  // the event insert tells which ones were already stored; only then is the batch resolved again
  // without them, after rolling the insert back.
  let outcomes = new Array<IngestOutcome>(events.length);
  let batch = resolveAll(merchant_id, loaded, events, new Set(), outcomes);
  await sql`savepoint ingest_events`.execute(trx);
  const inserted = await insertEvents(trx, batch);
  if (inserted.size < batch.events.length) {
    await sql`rollback to savepoint ingest_events`.execute(trx);
    const stored = new Set(batch.events.filter((x) => !inserted.has(x.e.message_id)).map((x) => x.e.message_id));
    outcomes = new Array<IngestOutcome>(events.length);
    batch = resolveAll(merchant_id, loaded, events, stored, outcomes);
    await insertEvents(trx, batch);
  }
  beforeWrite?.(batch);
  await write(trx, batch);
  return { outcomes, batch };
}

/**
 * A known part of a brand's identity graph: the cached copy, or what a batch in flight will
 * leave behind. It knows every identity of each profile it knows, and every user of each device.
 */
export interface GraphView {
  owner(key: string): string | undefined;
  held(profile_id: string): readonly Identifier[] | undefined;
  profile(profile_id: string): CachedProfile | undefined;
  users(device_id: string): ReadonlySet<string> | undefined;
}

/** The cache's copy of a brand's graph as it is at each lookup, whatever it becomes. */
export function liveView(cache: GraphCache, merchant_id: string): GraphView {
  return {
    owner: (k) => cache.peek(merchant_id)?.owner.get(k),
    held: (p) => cache.peek(merchant_id)?.held.get(p),
    profile: (p) => cache.peek(merchant_id)?.profiles.get(p),
    users: () => undefined,
  };
}

/** What a batch leaves behind, seen over what it was resolved on. */
export function viewAfter(batch: Batch, under: GraphView | undefined): GraphView {
  return {
    owner: (k) => batch.owner.get(k) ?? under?.owner(k),
    held: (p) => batch.held.get(p) ?? under?.held(p),
    profile: (p) => batch.profiles.get(p) ?? under?.profile(p),
    users: (d) => batch.deviceUsers.get(d) ?? under?.users(d),
  };
}

export async function load(trx: AnyTrx, merchant_id: string, allIds: Identifier[], view: GraphView | undefined): Promise<Loaded> {
  const devices = allIds.filter((i) => i.type === 'device_id').map((i) => i.value);
  const devicePairs: Loaded['devicePairs'] = [];
  const unknownDevices: string[] = [];
  for (const device_id of devices) {
    const users = view?.users(device_id);
    if (users === undefined) unknownDevices.push(device_id);
    else for (const user_id of users) devicePairs.push({ device_id, user_id });
  }
  if (unknownDevices.length > 0) {
    devicePairs.push(...(await sql<{ device_id: string; user_id: string }>`select device_id, user_id from cdp_device_user where merchant_id = ${merchant_id} and device_id = any(${unknownDevices}::text[])`.execute(trx)).rows);
  }
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

async function loadFromDb(trx: AnyTrx, merchant_id: string, ids: Identifier[], skip: ReadonlySet<string>): Promise<Omit<Loaded, 'devicePairs'>> {
  const [types, values] = tuple(ids);
  // Every identity of every profile that holds one of these identifiers (the per-type limits
  // need them all), and those of the identifiers that belong to erased consumers: one round trip.
  const found = await sql<{ suppressed: boolean; type: IdentifierType; value: string; profile_id: string | null }>`
    with wanted as materialized (select * from unnest(${types}::text[], ${values}::text[]) as w(type, value))
    select false as suppressed, i.type, i.value, i.profile_id from cdp_identity i
      where i.merchant_id = ${merchant_id} and i.profile_id in (
        select k.profile_id from cdp_identity k join wanted w on k.type = w.type and k.value = w.value where k.merchant_id = ${merchant_id})
    union all
    select true, s.type, s.value, null from cdp_suppression s join wanted w on s.type = w.type and s.value = w.value where s.merchant_id = ${merchant_id}`.execute(trx);
  const suppressedKeys = new Set<string>();
  const identities: Loaded['identities'] = [];
  for (const r of found.rows) {
    if (r.suppressed) suppressedKeys.add(`${r.type}:${r.value}`);
    else if (!skip.has(r.profile_id!)) identities.push({ type: r.type, value: r.value, profile_id: r.profile_id! });
  }
  const profileIds = [...new Set(identities.map((r) => r.profile_id))];
  // No row locks: the identity-graph lock above serialises every writer of these profiles.
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

/** Builds a fresh in-memory graph from what was loaded and resolves the events in arrival order. */
export function resolveAll(merchant_id: string, loaded: Loaded, events: IncomingEvent[], stored: Set<string>, outcomes: IngestOutcome[]): Batch {
  const batch = new Batch(merchant_id);
  // Shallow copies: the cached profiles stay as committed. Traits are copied on their first write
  // in this batch (`ownTraits`).
  for (const r of loaded.profiles) batch.profiles.set(r.id, { ...r, isNew: false });
  for (const r of loaded.identities) {
    batch.owner.set(`${r.type}:${r.value}`, r.profile_id);
    const list = batch.held.get(r.profile_id);
    if (list === undefined) batch.held.set(r.profile_id, [{ type: r.type, value: r.value }]);
    else list.push({ type: r.type, value: r.value });
  }
  for (const p of loaded.devicePairs) batch.deviceUsers.set(p.device_id, (batch.deviceUsers.get(p.device_id) ?? new Set()).add(p.user_id));
  const seen = new Set<string>();
  events.forEach((e, i) => {
    if (stored.has(e.message_id) || seen.has(e.message_id)) outcomes[i] = 'duplicate';
    else if (loaded.suppressedKeys.size > 0 && e.identifiers.some((id) => loaded.suppressedKeys.has(identifierKey(id)))) outcomes[i] = 'suppressed';
    else {
      seen.add(e.message_id);
      resolve(batch, e);
      outcomes[i] = 'stored';
    }
  });
  return batch;
}

/** Inserts the batch's events; returns the message IDs actually inserted (absent: already stored). */
export async function insertEvents(trx: AnyTrx, b: Batch): Promise<Set<string>> {
  if (b.events.length === 0) return new Set();
  // In message ID order, so that two transactions inserting the same retried events wait for each
  // other in one order and never deadlock over them.
  const ev = [...b.events].sort((x, y) => (x.e.message_id < y.e.message_id ? -1 : x.e.message_id > y.e.message_id ? 1 : 0));
  const result = await sql<{ message_id: string }>`insert into cdp_event (merchant_id, id, message_id, type, event, profile_id, user_id, anonymous_id, properties, context, occurred_at, received_at)
    select ${b.merchant_id}, * from unnest(${ev.map((x) => x.id)}::text[], ${ev.map((x) => x.e.message_id)}::text[], ${ev.map((x) => x.e.type)}::text[], ${ev.map((x) => x.e.event)}::text[],
      ${ev.map((x) => x.profile_id)}::text[], ${ev.map((x) => x.e.user_id)}::text[], ${ev.map((x) => x.e.anonymous_id)}::text[],
      ${ev.map((x) => JSON.stringify(x.e.properties))}::jsonb[], ${ev.map((x) => JSON.stringify(x.e.context))}::jsonb[],
      ${ev.map((x) => x.e.occurred_at.toISOString())}::timestamptz[], ${ev.map((x) => x.e.received_at.toISOString())}::timestamptz[])
    on conflict (merchant_id, message_id) do nothing
    returning message_id`.execute(trx);
  return new Set(result.rows.map((r) => r.message_id));
}

function resolve(batch: Batch, e: IncomingEvent): void {
  const userId = e.identifiers.find((i) => i.type === 'user_id')?.value;
  for (const device of e.identifiers.filter((i) => i.type === 'device_id')) {
    if (userId === undefined) continue;
    const users = batch.deviceUsers.get(device.value) ?? new Set<string>();
    if (!users.has(userId)) {
      users.add(userId);
      batch.deviceUsers.set(device.value, users);
      batch.newDeviceUsers.push({ device_id: device.value, user_id: userId });
    }
  }
  // A shared device neither finds nor merges anyone.
  const usable = e.identifiers.filter((i) => i.type !== 'device_id' || !batch.sharedDevice(i.value));
  const ordered = usable.length > 1 ? usable.sort((a, b) => priorityOf[a.type] - priorityOf[b.type]) : usable;
  const keys = ordered.map(identifierKey);
  const owners: string[] = [];
  for (const key of keys) {
    const owner = batch.owner.get(key);
    if (owner !== undefined && !owners.includes(owner)) owners.push(owner);
  }

  // The user ID decides: its owner, or a profile without a user ID that can take it, or a new
  // profile. A profile that already belongs to another user never takes this event.
  let primary: string | undefined = owners[0];
  if (userId !== undefined) {
    const userKey = identifierKey({ type: 'user_id', value: userId });
    primary = batch.owner.get(userKey) ?? owners.find((p) => batch.countOf(p, 'user_id') === 0);
  }
  let profile: Profile;
  if (primary === undefined) {
    profile = newProfile(e.occurred_at);
    batch.profiles.set(profile.id, profile);
  } else {
    profile = batch.profiles.get(primary)!;
  }
  // The event's own new identifiers (its user ID first) join the profile before any merge is
  // weighed, so a merge that would bring in another user's identity is refused.
  ordered.forEach((identifier, i) => {
    if (batch.owner.get(keys[i]!) !== undefined) return;
    if (batch.countOf(profile.id, identifier.type) >= identifiers_per_profile_max[identifier.type]) return;
    batch.attach(profile.id, identifier, keys[i]);
  });
  for (const other of owners.filter((o) => o !== profile.id)) {
    if (!batch.canMerge(profile.id, other)) continue;
    merge(batch, batch.profiles.get(other)!, profile, `shared ${ordered.find((i) => batch.owner.get(identifierKey(i)) === other)?.type ?? 'identifier'}`);
  }
  apply(batch, profile, e);
  batch.events.push({ e, id: newId('cev'), profile_id: profile.id });
}

function merge(batch: Batch, from: Profile, into: Profile, reason: string): void {
  const moved = batch.held.get(from.id) ?? [];
  for (const identifier of moved) batch.attach(into.id, identifier);
  batch.held.set(from.id, []);
  from.merged_into = into.id;
  into.first_seen_at = from.first_seen_at < into.first_seen_at ? from.first_seen_at : into.first_seen_at;
  into.last_seen_at = maxDate(into.last_seen_at, from.last_seen_at);
  into.events_count += from.events_count;
  into.orders_count += from.orders_count;
  into.amount_spent_minor += from.amount_spent_minor;
  for (const k of ['last_interest_at', 'last_aware_at', 'last_loyal_signal_at'] as const) if (from[k] !== null) into[k] = maxDate(into[k], from[k]);
  const purchases = [into.last_purchase_at, into.previous_purchase_at, from.last_purchase_at, from.previous_purchase_at].filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime());
  into.last_purchase_at = purchases[0] ?? null;
  into.previous_purchase_at = purchases[1] ?? null;
  for (const [k, v] of Object.entries(from.traits)) {
    if ((from.traits_updated[k] ?? '') > (into.traits_updated[k] ?? '')) {
      batch.ownTraits(into);
      into.traits[k] = v;
      into.traits_updated[k] = from.traits_updated[k]!;
    }
  }
  batch.touched.add(from.id);
  batch.touched.add(into.id);
  batch.merges.push({ id: newId('mrg'), from: from.id, into: into.id, reason, identities: moved });
}

const reservedTraits = new Set(['email', 'phone']);
const priorityOf = Object.fromEntries(identifierPriority.map((type, i) => [type, i])) as Record<IdentifierType, number>;

function apply(batch: Batch, p: Profile, e: IncomingEvent): void {
  batch.touched.add(p.id);
  p.events_count += 1n;
  if (e.occurred_at < p.first_seen_at) p.first_seen_at = e.occurred_at;
  p.last_seen_at = maxDate(p.last_seen_at, e.occurred_at);
  let stamp: string | undefined;
  for (const k in e.traits) {
    // Traits: the newest value wins. Email and phone are identifiers, kept only hashed.
    const v = e.traits[k];
    if (reservedTraits.has(k) || v === undefined) continue;
    stamp ??= e.occurred_at.toISOString();
    if ((p.traits_updated[k] ?? '') <= stamp) {
      batch.ownTraits(p);
      p.traits[k] = v;
      p.traits_updated[k] = stamp;
    }
  }
  const signal = signalOf(e.type, e.event, e.properties);
  if (signal === 'aware') p.last_aware_at = maxDate(p.last_aware_at, e.occurred_at);
  if (signal === 'interested') p.last_interest_at = maxDate(p.last_interest_at, e.occurred_at);
  if (signal === 'loyal') p.last_loyal_signal_at = maxDate(p.last_loyal_signal_at, e.occurred_at);
  if (signal === 'purchase') {
    p.orders_count += 1;
    p.amount_spent_minor += orderValueMinor(e.properties);
    if (p.last_purchase_at === null || e.occurred_at >= p.last_purchase_at) {
      p.previous_purchase_at = p.last_purchase_at;
      p.last_purchase_at = e.occurred_at;
    } else if (p.previous_purchase_at === null || e.occurred_at > p.previous_purchase_at) {
      p.previous_purchase_at = e.occurred_at;
    }
  }
  for (const [purpose, granted] of Object.entries(e.consent ?? {})) {
    if (typeof granted === 'boolean') batch.consents.set(`${p.id}:${purpose}`, { profile_id: p.id, purpose: purpose as Purpose, granted });
  }
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export async function write(trx: AnyTrx, b: Batch): Promise<void> {
  const m = b.merchant_id;
  const touched = [...b.touched].map((id) => b.profiles.get(id)!);
  const created = touched.filter((p) => p.isNew);
  const changed = touched.filter((p) => !p.isNew);
  const columns = (profiles: Profile[]) => {
    const col = <K extends keyof Profile>(k: K) => profiles.map((p) => p[k]);
    return sql`unnest(${col('id')}::text[], ${profiles.map((p) => JSON.stringify(p.traits))}::jsonb[], ${profiles.map((p) => JSON.stringify(p.traits_updated))}::jsonb[],
        ${col('merged_into')}::text[], ${profiles.map((p) => p.first_seen_at.toISOString())}::timestamptz[], ${profiles.map((p) => p.last_seen_at.toISOString())}::timestamptz[],
        ${profiles.map((p) => p.events_count.toString())}::bigint[], ${col('orders_count')}::int[], ${profiles.map((p) => p.amount_spent_minor.toString())}::bigint[],
        ${profiles.map((p) => iso(p.last_purchase_at))}::timestamptz[], ${profiles.map((p) => iso(p.previous_purchase_at))}::timestamptz[], ${profiles.map((p) => iso(p.last_interest_at))}::timestamptz[],
        ${profiles.map((p) => iso(p.last_aware_at))}::timestamptz[], ${profiles.map((p) => iso(p.last_loyal_signal_at))}::timestamptz[])
      as x(id, traits, traits_updated, merged_into, first_seen_at, last_seen_at, events_count, orders_count, amount_spent_minor,
        last_purchase_at, previous_purchase_at, last_interest_at, last_aware_at, last_loyal_signal_at)`;
  };
  if (created.length > 0) {
    await sql`insert into cdp_profile (merchant_id, id, traits, traits_updated, merged_into, first_seen_at, last_seen_at, events_count, orders_count, amount_spent_minor,
        last_purchase_at, previous_purchase_at, last_interest_at, last_aware_at, last_loyal_signal_at)
      select ${m}, x.* from ${columns(created)}`.execute(trx);
  }
  if (changed.length > 0) {
    // Sorted by id so that rows are always visited in the same order.
    changed.sort((x, y) => (x.id < y.id ? -1 : 1));
    await sql`update cdp_profile p set traits = x.traits, traits_updated = x.traits_updated, merged_into = x.merged_into,
        first_seen_at = x.first_seen_at, last_seen_at = x.last_seen_at, events_count = x.events_count, orders_count = x.orders_count,
        amount_spent_minor = x.amount_spent_minor, last_purchase_at = x.last_purchase_at, previous_purchase_at = x.previous_purchase_at,
        last_interest_at = x.last_interest_at, last_aware_at = x.last_aware_at, last_loyal_signal_at = x.last_loyal_signal_at
      from ${columns(changed)} where p.merchant_id = ${m} and p.id = x.id`.execute(trx);
  }
  // Sorted, like the profiles above, so two batches in flight always lock rows in the same order.
  const identities = [...b.identityWrites.values()].sort((x, y) => (`${x.type}:${x.value}` < `${y.type}:${y.value}` ? -1 : 1));
  if (identities.length > 0) {
    await sql`insert into cdp_identity (merchant_id, type, value, profile_id)
      select ${m}, * from unnest(${identities.map((i) => i.type)}::text[], ${identities.map((i) => i.value)}::text[], ${identities.map((i) => i.profile_id)}::text[])
      on conflict (merchant_id, type, value) do update set profile_id = excluded.profile_id`.execute(trx);
  }
  const consents = [...b.consents.values()].sort((x, y) => (`${x.profile_id}:${x.purpose}` < `${y.profile_id}:${y.purpose}` ? -1 : 1));
  if (consents.length > 0) {
    await sql`insert into cdp_consent (merchant_id, profile_id, purpose, granted, source)
      select ${m}, p, c, g, 'event' from unnest(${consents.map((c) => c.profile_id)}::text[], ${consents.map((c) => c.purpose)}::text[], ${consents.map((c) => c.granted)}::bool[]) as x(p, c, g)
      on conflict (merchant_id, profile_id, purpose) do update set granted = excluded.granted, source = 'event', updated_at = now()`.execute(trx);
  }
  if (b.merges.length > 0) {
    // A merged profile's consent goes with it: per purpose, the newer decision of the two holds,
    // so a refusal given before signing in still holds after. One statement per merge, in order,
    // so a profile merged twice in one batch passes on what it received first.
    for (const x of b.merges) {
      await sql`insert into cdp_consent (merchant_id, profile_id, purpose, granted, source, updated_at)
        select merchant_id, ${x.into}, purpose, granted, 'merge', updated_at from cdp_consent where merchant_id = ${m} and profile_id = ${x.from}
        on conflict (merchant_id, profile_id, purpose) do update set granted = excluded.granted, source = 'merge', updated_at = excluded.updated_at
          where cdp_consent.updated_at < excluded.updated_at`.execute(trx);
    }
    // Profiles merged earlier into a profile that is now merged follow it (no chains).
    await sql`update cdp_profile p set merged_into = m.into_id
      from unnest(${b.merges.map((x) => x.from)}::text[], ${b.merges.map((x) => x.into)}::text[]) as m(from_id, into_id)
      where p.merchant_id = ${m} and p.merged_into = m.from_id`.execute(trx);
    await sql`insert into cdp_merge (merchant_id, id, from_profile_id, into_profile_id, reason, identities)
      select ${m}, * from unnest(${b.merges.map((x) => x.id)}::text[], ${b.merges.map((x) => x.from)}::text[], ${b.merges.map((x) => x.into)}::text[],
        ${b.merges.map((x) => x.reason)}::text[], ${b.merges.map((x) => JSON.stringify(x.identities))}::jsonb[])`.execute(trx);
  }
  b.newDeviceUsers.sort((x, y) => (`${x.device_id}:${x.user_id}` < `${y.device_id}:${y.user_id}` ? -1 : 1));
  if (b.newDeviceUsers.length > 0) {
    await sql`insert into cdp_device_user (merchant_id, device_id, user_id)
      select ${m}, * from unnest(${b.newDeviceUsers.map((d) => d.device_id)}::text[], ${b.newDeviceUsers.map((d) => d.user_id)}::text[]) on conflict do nothing`.execute(trx);
  }
}
