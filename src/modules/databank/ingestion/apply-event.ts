import { orderValueMinor, signalOf } from '../signals.js';
import { maxDate, type Batch, type Profile } from './batch.js';
import type { IncomingEvent, Purpose } from './incoming-event.js';
import { maskedContactTraits, maskedTraits } from '../contact.js';

/**
 * Email and phone are identifiers, kept only hashed, never as traits; what is kept for display is
 * their mask (`contact.ts`), which only ingestion writes.
 */
const reservedTraits = new Set<string>(['email', 'phone', maskedTraits.email, maskedTraits.phone]);

/** The event's mark on its profile: counters, newest traits, lifecycle signals, purchases, consent. */
export function applyEvent(batch: Batch, p: Profile, e: IncomingEvent): void {
  batch.touched.add(p.id);
  p.events_count += 1n;
  if (e.occurred_at < p.first_seen_at) p.first_seen_at = e.occurred_at;
  p.last_seen_at = maxDate(p.last_seen_at, e.occurred_at);
  applyTraits(batch, p, e);
  const signal = signalOf(e.type, e.event, e.properties, e.context);
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

/** Traits: the newest value wins. */
function applyTraits(batch: Batch, p: Profile, e: IncomingEvent): void {
  let stamp: string | undefined;
  const set = (k: string, v: unknown) => {
    stamp ??= e.occurred_at.toISOString();
    if ((p.traits_updated[k] ?? '') <= stamp) {
      batch.ownTraits(p);
      p.traits[k] = v;
      p.traits_updated[k] = stamp;
    }
  };
  let contact = false;
  for (const k in e.traits) {
    const v = e.traits[k];
    if (reservedTraits.has(k)) contact = true;
    else if (v !== undefined) set(k, v);
  }
  if (contact) for (const [k, v] of Object.entries(maskedContactTraits(e.traits))) set(k, v);
}
