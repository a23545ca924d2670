import { newId } from '../../../kernel/ids.js';
import { identifierKey, identifierPriority, identifiers_per_profile_max, type IdentifierType } from '../identifiers.js';
import { applyEvent } from './apply-event.js';
import { Batch, newProfile, type Profile } from './batch.js';
import type { IncomingEvent, IngestOutcome } from './incoming-event.js';
import type { Loaded } from './load-graph.js';
import { mergeProfiles } from './merge-profiles.js';

/**
 * Identity resolution. Resolution is deterministic. An event's identifiers find the profiles that
 * hold them; the profile of the highest-priority identifier (user ID first) gets the event, and
 * the others merge into it unless the merge would give one profile more identifiers of a type
 * than allowed (two user IDs never merge) or rests on a device shared by too many users.
 */
export interface Resolved {
  batch: Batch;
  outcomes: IngestOutcome[];
}

/**
 * Builds a fresh in-memory graph from what was loaded and resolves the events in arrival order.
 * Events whose message ID is in `stored` (or earlier in the batch) are duplicates; those carrying
 * an erased consumer's identifier are suppressed; neither is stored.
 */
export function resolveEvents(merchant_id: string, loaded: Loaded, events: readonly IncomingEvent[], stored: ReadonlySet<string>): Resolved {
  const batch = graphOf(merchant_id, loaded);
  const outcomes = new Array<IngestOutcome>(events.length);
  const seen = new Set<string>();
  events.forEach((e, i) => {
    if (stored.has(e.message_id) || seen.has(e.message_id)) outcomes[i] = 'duplicate';
    else if (loaded.suppressedKeys.size > 0 && e.identifiers.some((id) => loaded.suppressedKeys.has(identifierKey(id)))) outcomes[i] = 'suppressed';
    else {
      seen.add(e.message_id);
      resolveEvent(batch, e);
      outcomes[i] = 'stored';
    }
  });
  return { batch, outcomes };
}

function graphOf(merchant_id: string, loaded: Loaded): Batch {
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
  return batch;
}

const priorityOf = Object.fromEntries(identifierPriority.map((type, i) => [type, i])) as Record<IdentifierType, number>;

function resolveEvent(batch: Batch, e: IncomingEvent): void {
  const userId = e.identifiers.find((i) => i.type === 'user_id')?.value;
  if (userId !== undefined) recordDeviceUsers(batch, e, userId);
  // A shared device neither finds nor merges anyone.
  const usable = e.identifiers.filter((i) => i.type !== 'device_id' || !batch.sharedDevice(i.value));
  const ordered = usable.length > 1 ? usable.sort((a, b) => priorityOf[a.type] - priorityOf[b.type]) : usable;
  const keys = ordered.map(identifierKey);
  const owners: string[] = [];
  for (const key of keys) {
    const owner = batch.owner.get(key);
    if (owner !== undefined && !owners.includes(owner)) owners.push(owner);
  }
  const profile = primaryProfile(batch, owners, userId, e.occurred_at);
  // The event's own new identifiers (its user ID first) join the profile before any merge is
  // weighed, so a merge that would bring in another user's identity is refused.
  ordered.forEach((identifier, i) => {
    if (batch.owner.get(keys[i]!) !== undefined) return;
    if (batch.countOf(profile.id, identifier.type) >= identifiers_per_profile_max[identifier.type]) return;
    batch.attach(profile.id, identifier, keys[i]);
  });
  for (const other of owners.filter((o) => o !== profile.id)) {
    if (!batch.canMerge(profile.id, other)) continue;
    mergeProfiles(batch, batch.profiles.get(other)!, profile, `shared ${ordered.find((i) => batch.owner.get(identifierKey(i)) === other)?.type ?? 'identifier'}`);
  }
  applyEvent(batch, profile, e);
  batch.events.push({ e, id: newId('cev'), profile_id: profile.id });
}

function recordDeviceUsers(batch: Batch, e: IncomingEvent, userId: string): void {
  for (const device of e.identifiers) {
    if (device.type !== 'device_id') continue;
    const users = batch.deviceUsers.get(device.value) ?? new Set<string>();
    if (!users.has(userId)) {
      users.add(userId);
      batch.deviceUsers.set(device.value, users);
      batch.newDeviceUsers.push({ device_id: device.value, user_id: userId });
    }
  }
}

/**
 * The user ID decides: its owner, or a profile without a user ID that can take it, or a new
 * profile. A profile that already belongs to another user never takes this event. Without a user
 * ID, the owner of the highest-priority identifier, or a new profile.
 */
function primaryProfile(batch: Batch, owners: readonly string[], userId: string | undefined, at: Date): Profile {
  let primary: string | undefined = owners[0];
  if (userId !== undefined) {
    const userKey = identifierKey({ type: 'user_id', value: userId });
    primary = batch.owner.get(userKey) ?? owners.find((p) => batch.countOf(p, 'user_id') === 0);
  }
  if (primary !== undefined) return batch.profiles.get(primary)!;
  const profile = newProfile(at);
  batch.profiles.set(profile.id, profile);
  return profile;
}
