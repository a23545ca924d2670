import { sql } from 'kysely';
import type { AnyDb, AnyTrx } from '../../kernel/db.js';
import { identifierPriority, storedIdentifier, type Identifier, type IdentifierType } from './identifiers.js';
import type { ConsentChannel, IncomingEvent } from './ingestion/incoming-event.js';
import { ingestEvents } from './ingestion/ingest-events.js';

/**
 * Consent per channel (`cdp_channel_consent`): the purpose-wide consent (`cdp_consent`) still
 * governs; a refusal here narrows marketing to the other channels (an unsubscribe from an email
 * refuses email, not SMS). A grant here never widens a purpose that was refused or never given.
 */
export type ChannelConsent = Partial<Record<ConsentChannel, boolean>>;

/** The channel decisions of each profile (profiles without any are absent). */
export async function channelConsent(db: AnyDb, merchant_id: string, profile_ids: readonly string[]): Promise<Map<string, ChannelConsent>> {
  const out = new Map<string, ChannelConsent>();
  if (profile_ids.length === 0) return out;
  const rows = await sql<{ profile_id: string; channel: ConsentChannel; granted: boolean }>`
    select profile_id, channel, granted from cdp_channel_consent where merchant_id = ${merchant_id} and profile_id = any(${profile_ids}::text[])`.execute(db);
  for (const r of rows.rows) out.set(r.profile_id, { ...out.get(r.profile_id), [r.channel]: r.granted });
  return out;
}

/** Records channel decisions, in the caller's transaction: true (taken), false (refused), null (no decision: the row goes). */
export async function setChannelConsent(db: AnyDb, merchant_id: string, profile_id: string, channels: Partial<Record<ConsentChannel, boolean | null>>, source: string): Promise<void> {
  for (const [channel, granted] of Object.entries(channels).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (granted === undefined) continue;
    if (granted === null) {
      await sql`delete from cdp_channel_consent where merchant_id = ${merchant_id} and profile_id = ${profile_id} and channel = ${channel}`.execute(db);
      continue;
    }
    await sql`insert into cdp_channel_consent (merchant_id, profile_id, channel, granted, source) values (${merchant_id}, ${profile_id}, ${channel}, ${granted}, ${source})
      on conflict (merchant_id, profile_id, channel) do update set granted = excluded.granted, source = excluded.source, updated_at = now()`.execute(db);
  }
}

/** An event another module records on a consumer it knows by profile (a message opened, an unsubscribe). */
export interface ProfileEvent {
  merchant_id: string;
  profile_id: string;
  /** Idempotency: the same message ID is stored once. */
  message_id: string;
  event: string;
  properties: Record<string, unknown>;
  occurred_at: Date;
}

const priority = new Map<IdentifierType, number>(identifierPriority.map((t, i) => [t, i]));

/**
 * Records track events on the timelines of consumers known by profile ID, in the caller's
 * transaction: each event carries the profile's strongest identifier (of the profile it was
 * merged into, if it was), so it lands where the consumer is now. A profile that no longer
 * exists (erased) records nothing; returns how many were stored.
 */
export async function recordProfileEvents(db: AnyTrx, events: readonly ProfileEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const byMerchant = new Map<string, ProfileEvent[]>();
  for (const e of events) byMerchant.set(e.merchant_id, [...(byMerchant.get(e.merchant_id) ?? []), e]);
  const incoming: IncomingEvent[] = [];
  for (const [merchant_id, list] of byMerchant) {
    const rows = await sql<{ id: string; type: IdentifierType; value: string }>`
      select p.id, i.type, i.value from cdp_profile p join cdp_identity i on i.merchant_id = p.merchant_id and i.profile_id = coalesce(p.merged_into, p.id)
      where p.merchant_id = ${merchant_id} and p.id = any(${list.map((e) => e.profile_id)}::text[])`.execute(db);
    const best = new Map<string, Identifier>();
    for (const r of rows.rows) {
      const known = best.get(r.id);
      if (known === undefined || priority.get(r.type)! < priority.get(known.type)!) best.set(r.id, { type: r.type, value: r.value });
    }
    for (const e of list) {
      const identifier = best.get(e.profile_id);
      if (identifier === undefined) continue;
      incoming.push({ merchant_id, message_id: e.message_id, type: 'track', event: e.event, user_id: null, anonymous_id: null, traits: {}, properties: e.properties, context: { source: 'openbos' }, occurred_at: e.occurred_at, received_at: new Date(), identifiers: [identifier] });
    }
  }
  if (incoming.length === 0) return 0;
  const outcomes = await ingestEvents(db, incoming);
  return outcomes.filter((o) => o === 'stored').length;
}

/** The profile a consumer is now (the one a merged profile was merged into); undefined once erased. */
async function liveProfile(db: AnyDb, merchant_id: string, profile_id: string): Promise<string | undefined> {
  const rows = await sql<{ id: string }>`select coalesce(merged_into, id) as id from cdp_profile where merchant_id = ${merchant_id} and id = ${profile_id}`.execute(db);
  return rows.rows[0]?.id;
}

/**
 * An unsubscribe (a link in a message, a one-click request from the mail client): the consumer
 * refuses marketing by the channel, and `Unsubscribed` joins their timeline, in the caller's
 * transaction. False when the consumer no longer exists (erased): nothing is recorded.
 */
export async function unsubscribeConsumer(trx: AnyTrx, input: { merchant_id: string; profile_id: string; channel: ConsentChannel; message_id: string; properties: Record<string, unknown> }): Promise<boolean> {
  const profile_id = await liveProfile(trx, input.merchant_id, input.profile_id);
  if (profile_id === undefined) return false;
  await setChannelConsent(trx, input.merchant_id, profile_id, { [input.channel]: false }, 'unsubscribe');
  await recordProfileEvents(trx, [{ merchant_id: input.merchant_id, profile_id, message_id: input.message_id, event: 'Unsubscribed', properties: input.properties, occurred_at: new Date() }]);
  return true;
}

/** The live profiles that hold an email (as its identity), with the profiles merged into them. */
export async function profilesOfEmail(db: AnyDb, merchant_id: string, email: string): Promise<string[]> {
  const identifier = storedIdentifier('email', email);
  if (identifier === undefined) return [];
  const rows = await sql<{ id: string }>`
    select p.id from cdp_identity i join cdp_profile p on p.merchant_id = i.merchant_id and (p.id = i.profile_id or p.merged_into = i.profile_id)
    where i.merchant_id = ${merchant_id} and i.type = 'email' and i.value = ${identifier.value}`.execute(db);
  return rows.rows.map((r) => r.id);
}
