import { orderValueMinor, signalOf } from '../signals.js';
import { maxDate, type Batch, type Profile } from './batch.js';
import type { ConsentChannel, IncomingEvent, Purpose } from './incoming-event.js';
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
  if (e.channel_consent !== undefined) {
    for (const [channel, granted] of Object.entries(e.channel_consent)) {
      if (typeof granted === 'boolean') batch.channelConsents.set(`${p.id}:${channel}`, { profile_id: p.id, channel: channel as ConsentChannel, granted });
    }
  }
  collectContacts(batch, p, e);
}

/**
 * The addresses the event gives (traits `email` and `phone`, a device's push token), kept for
 * ingestion to seal as contact points once the batch is resolved.
 */
function collectContacts(batch: Batch, p: Profile, e: IncomingEvent): void {
  const email = e.traits.email;
  const phone = e.traits.phone;
  if (typeof email !== 'string' && typeof phone !== 'string' && e.device_token === undefined) return;
  const source = e.context.source === 'openbos' ? 'platform' : e.type === 'identify' ? 'identify' : 'event';
  if (typeof email === 'string') batch.contacts.push({ profile_id: p.id, kind: 'email', value: email, source });
  if (typeof phone === 'string') batch.contacts.push({ profile_id: p.id, kind: 'phone', value: phone, source });
  if (e.device_token !== undefined) batch.contacts.push({ profile_id: p.id, kind: 'push_token', value: e.device_token, source });
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
