import { newId } from '../../../kernel/ids.js';
import { maxDate, type Batch, type Profile } from './batch.js';

/**
 * Merges `from` into `into`: the identities move, the counters add up, the earlier first-seen and
 * the later timestamps hold, the two latest purchases stay, and each trait takes the newer value.
 * The merge is recorded with the identities it moved, so it can be undone.
 */
export function mergeProfiles(batch: Batch, from: Profile, into: Profile, reason: string): void {
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
