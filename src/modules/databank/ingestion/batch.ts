import { newId } from '../../../kernel/ids.js';
import { identifierKey, identifierPriority, identifiers_per_profile_max, users_per_device_max, type Identifier, type IdentifierType } from '../identifiers.js';
import type { CachedProfile } from './graph-cache.js';
import type { ContactKind } from '../contact-points.js';
import type { ConsentChannel, IncomingEvent, Purpose } from './incoming-event.js';

/** A profile as a batch works on it: the stored row, and whether the batch created it. */
export interface Profile extends CachedProfile {
  isNew: boolean;
}

/** The later of two times, where the first may be unknown. */
export const maxDate = (a: Date | null, b: Date) => (a === null || b > a ? b : a);

export function newProfile(at: Date): Profile {
  return { id: newId('prf'), traits: {}, traits_updated: {}, merged_into: null, first_seen_at: at, last_seen_at: at, events_count: 0n, orders_count: 0, amount_spent_minor: 0n, last_purchase_at: null, previous_purchase_at: null, last_interest_at: null, last_aware_at: null, last_loyal_signal_at: null, isNew: true };
}

/**
 * One brand's identity graph as a batch of events resolves it in memory: what it loaded, what it
 * changed, and everything it will write back.
 */
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
  readonly channelConsents = new Map<string, { profile_id: string; channel: ConsentChannel; granted: boolean }>();
  /** Contact points the events carried, in clear until ingestion seals them (never stored so). */
  readonly contacts: { profile_id: string; kind: ContactKind; value: string; source: string }[] = [];
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
