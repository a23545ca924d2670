import { sql } from 'kysely';
import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { recordAudit } from '../merchants/index.js';
import type { CachedProfile } from './ingestion/graph-cache.js';
import type { Sealer } from '../../kernel/sealed.js';
import { channelConsent, setChannelConsent } from './channel-consent.js';
import { clearContactPoints } from './contact-points.js';
import type { ConsentChannel, Purpose } from './ingestion/incoming-event.js';
import { lockIdentityGraph } from './ingestion/lock-graph.js';
import { consumerErased } from './events.js';
import { suppressed } from './identifiers.js';

/**
 * A brand's view of its consumers: profiles (with everyone merged into them), identities,
 * traits, facts, consent and the timeline; and the consumer's rights: export and erasure.
 */
export type ProfileRow = Pick<CachedProfile, 'id' | 'traits' | 'merged_into' | 'first_seen_at' | 'last_seen_at' | 'events_count' | 'orders_count' | 'amount_spent_minor' | 'last_purchase_at'>;

export async function getProfile(db: AnyDb, merchant_id: string, profile_id: string): Promise<ProfileRow | undefined> {
  const rows = await sql<ProfileRow>`select id, traits, merged_into, first_seen_at, last_seen_at, events_count, orders_count, amount_spent_minor, last_purchase_at
    from cdp_profile where merchant_id = ${merchant_id} and id = ${profile_id}`.execute(db);
  return rows.rows[0];
}

/** The profile and every profile merged into it: one person. */
export async function memberProfiles(db: AnyDb, merchant_id: string, profile_id: string): Promise<string[]> {
  const rows = await sql<{ id: string }>`select id from cdp_profile where merchant_id = ${merchant_id} and (id = ${profile_id} or merged_into = ${profile_id})`.execute(db);
  return rows.rows.map((r) => r.id);
}

export async function identitiesOf(db: AnyDb, merchant_id: string, profile_id: string) {
  const rows = await sql<{ type: string; value: string; first_seen_at: Date }>`select type, value, first_seen_at from cdp_identity where merchant_id = ${merchant_id} and profile_id = ${profile_id} order by type, value`.execute(db);
  return rows.rows;
}

export async function consentOf(db: AnyDb, merchant_id: string, profile_id: string): Promise<Record<Purpose, boolean | null>> {
  const rows = await sql<{ purpose: Purpose; granted: boolean }>`select purpose, granted from cdp_consent where merchant_id = ${merchant_id} and profile_id = ${profile_id}`.execute(db);
  const out: Record<Purpose, boolean | null> = { analytics: null, personalisation: null, marketing: null };
  for (const r of rows.rows) out[r.purpose] = r.granted;
  return out;
}

/** Records consent per purpose: true (given), false (refused), or null (not given: the record is removed). */
export async function setConsent(db: AnyDb, merchant_id: string, profile_id: string, input: Partial<Record<Purpose, boolean | null>> & { channels?: Partial<Record<ConsentChannel, boolean | null>> | undefined }, actor: string): Promise<void> {
  const { channels, ...consent } = input;
  await inTransaction(db, async (trx) => {
    // Per channel (an unsubscribe from email refuses email only): see channel-consent.ts.
    if (channels !== undefined) await setChannelConsent(trx, merchant_id, profile_id, channels, 'api');
    for (const [purpose, granted] of Object.entries(consent)) {
      if (granted === undefined) continue;
      if (granted === null) {
        await sql`delete from cdp_consent where merchant_id = ${merchant_id} and profile_id = ${profile_id} and purpose = ${purpose}`.execute(trx);
        continue;
      }
      await sql`insert into cdp_consent (merchant_id, profile_id, purpose, granted, source) values (${merchant_id}, ${profile_id}, ${purpose}, ${granted}, 'api')
        on conflict (merchant_id, profile_id, purpose) do update set granted = excluded.granted, source = 'api', updated_at = now()`.execute(trx);
    }
    await recordAudit(trx, { merchant_id, actor, action: 'consumer.consent', target: profile_id, details: input });
  });
}

export interface ProfileSearch {
  /** Stored identifiers the text could be: its email or phone hash, or the raw value as a user, member or external ID. */
  identities: { type: string; value: string }[];
  /** Matched against the profile ID and, in part and ignoring case, against the name and email traits. */
  text: string;
}

export async function listProfiles(db: AnyDb, merchant_id: string, filter: { email_hash?: string | undefined; user_id?: string | undefined; search?: ProfileSearch | undefined; after?: string | undefined; limit: number }) {
  const search = filter.search;
  const searchClause =
    search === undefined
      ? sql`true`
      : sql`(p.id = ${search.text}
          or p.traits->>'name' ilike ${likePattern(search.text)}
          or p.traits->>'first_name' ilike ${likePattern(search.text)}
          or p.traits->>'last_name' ilike ${likePattern(search.text)}
          or p.traits->>'email' ilike ${likePattern(search.text)}
          ${search.identities.length === 0 ? sql`` : sql`or exists (select 1 from cdp_identity i where i.merchant_id = p.merchant_id and i.profile_id = p.id and (i.type, i.value) in (${sql.join(search.identities.map((i) => sql`(${i.type}, ${i.value})`))}))`})`;
  const rows = await sql<ProfileRow>`select p.id, p.traits, p.merged_into, p.first_seen_at, p.last_seen_at, p.events_count, p.orders_count, p.amount_spent_minor, p.last_purchase_at
    from cdp_profile p where p.merchant_id = ${merchant_id} and p.merged_into is null
      and (${filter.after ?? null}::text is null or p.id > ${filter.after ?? null})
      and (${filter.email_hash ?? null}::text is null or exists (select 1 from cdp_identity i where i.merchant_id = p.merchant_id and i.profile_id = p.id and i.type = 'email' and i.value = ${filter.email_hash ?? null}))
      and (${filter.user_id ?? null}::text is null or exists (select 1 from cdp_identity i where i.merchant_id = p.merchant_id and i.profile_id = p.id and i.type = 'user_id' and i.value = ${filter.user_id ?? null}))
      and ${searchClause}
    order by p.id limit ${filter.limit}`.execute(db);
  return rows.rows;
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/** Where a timeline page ends: the last event's time and ID. */
export interface TimelineCursor {
  occurred_at: Date;
  id: string;
}

/**
 * Newest first by when each event happened. The page after a cursor continues from its event's
 * time and ID, since events arrive out of time order (a client's clock, a backfill) and their
 * IDs follow arrival.
 */
export async function timeline(db: AnyDb, merchant_id: string, profile_id: string, before: TimelineCursor | undefined, limit: number) {
  const members = await memberProfiles(db, merchant_id, profile_id);
  const rows = await sql<{ id: string; type: string; event: string | null; properties: unknown; occurred_at: Date }>`
    select id, type, event, properties, occurred_at from cdp_event
    where merchant_id = ${merchant_id} and profile_id = any(${members}::text[])
      and (${before?.id ?? null}::text is null or (occurred_at, id) < (${before?.occurred_at.toISOString() ?? null}::timestamptz, ${before?.id ?? null}::text))
    order by occurred_at desc, id desc limit ${limit}`.execute(db);
  return rows.rows;
}

/**
 * How many of the person's purchases came without an amount (imported history without a price:
 * `amount_known: false`), so a total spent of zero is not read as orders that cost nothing.
 */
export async function ordersWithoutAmount(db: AnyDb, merchant_id: string, profile_id: string): Promise<number> {
  const members = await memberProfiles(db, merchant_id, profile_id);
  const rows = await sql<{ n: number }>`select count(*)::int as n from cdp_event
    where merchant_id = ${merchant_id} and profile_id = any(${members}::text[]) and properties->>'amount_known' = 'false'`.execute(db);
  return rows.rows[0]?.n ?? 0;
}

/**
 * Everything held on one consumer, as JSON (data-subject access request), their contact points in
 * clear: the one place they leave the data bank opened other than to send a message.
 */
export async function exportConsumer(db: AnyDb, merchant_id: string, profile_id: string, contacts: Sealer) {
  const profile = await getProfile(db, merchant_id, profile_id);
  if (profile === undefined) return undefined;
  const members = await memberProfiles(db, merchant_id, profile_id);
  const identities = await sql`select type, value, profile_id, first_seen_at from cdp_identity where merchant_id = ${merchant_id} and profile_id = any(${members}::text[])`.execute(db);
  const events = await sql`select message_id, type, event, user_id, anonymous_id, properties, context, occurred_at, received_at from cdp_event where merchant_id = ${merchant_id} and profile_id = any(${members}::text[]) order by occurred_at`.execute(db);
  const merges = await sql`select id, from_profile_id, into_profile_id, reason, merged_at, undone_at from cdp_merge where merchant_id = ${merchant_id} and (into_profile_id = any(${members}::text[]) or from_profile_id = any(${members}::text[]))`.execute(db);
  const stages = await sql`select day, stage from cdp_stage_daily where merchant_id = ${merchant_id} and profile_id = ${profile_id} order by day`.execute(db);
  const channels = (await channelConsent(db, merchant_id, [profile_id])).get(profile_id) ?? {};
  const contact_points = await clearContactPoints(db, contacts, merchant_id, members);
  return { exported_at: new Date().toISOString(), profile, consent: { ...(await consentOf(db, merchant_id, profile_id)), channels }, contact_points, identities: identities.rows, events: events.rows, merges: merges.rows, lifecycle: stages.rows };
}

/**
 * Erases a consumer: profile, identities, events, consent (per purpose and per channel), contact
 * points and lifecycle records, for the profile
 * and everything merged into it. Its identifiers are kept only in the suppression list, and only
 * as the SHA-256 of the stored value (the raw user, anonymous and device IDs are not kept), so
 * events that still carry them are dropped, not stored again. `consumer.erased` carries the hashes
 * of the person's emails to the erase-consumer flow, which clears the brand's other records.
 */
export async function eraseConsumer(db: AnyDb, merchant_id: string, profile_id: string, actor: string): Promise<{ events: number; identities: number } | undefined> {
  return inTransaction(db, async (trx) => {
    await lockIdentityGraph(trx, merchant_id);
    const exists = await sql`select 1 from cdp_profile where merchant_id = ${merchant_id} and id = ${profile_id} and merged_into is null for update`.execute(trx);
    if (exists.rows.length === 0) return undefined;
    const members = await memberProfiles(trx, merchant_id, profile_id);
    const emails = await sql<{ value: string }>`select value from cdp_identity where merchant_id = ${merchant_id} and profile_id = any(${members}::text[]) and type = 'email'`.execute(trx);
    await sql`insert into cdp_suppression (merchant_id, type, value)
      select merchant_id, type, ${suppressed(sql.ref('value'))} from cdp_identity where merchant_id = ${merchant_id} and profile_id = any(${members}::text[]) on conflict do nothing`.execute(trx);
    const events = await sql`delete from cdp_event where merchant_id = ${merchant_id} and profile_id = any(${members}::text[])`.execute(trx);
    const identities = await sql`delete from cdp_identity where merchant_id = ${merchant_id} and profile_id = any(${members}::text[])`.execute(trx);
    await sql`delete from cdp_consent where merchant_id = ${merchant_id} and profile_id = any(${members}::text[])`.execute(trx);
    await sql`delete from cdp_channel_consent where merchant_id = ${merchant_id} and profile_id = any(${members}::text[])`.execute(trx);
    await sql`delete from cdp_contact_point where merchant_id = ${merchant_id} and profile_id = any(${members}::text[])`.execute(trx);
    await sql`delete from cdp_stage_daily where merchant_id = ${merchant_id} and profile_id = any(${members}::text[])`.execute(trx);
    await sql`delete from cdp_merge where merchant_id = ${merchant_id} and (from_profile_id = any(${members}::text[]) or into_profile_id = any(${members}::text[]))`.execute(trx);
    await sql`delete from cdp_profile where merchant_id = ${merchant_id} and id = any(${members}::text[])`.execute(trx);
    const result = { events: Number(events.numAffectedRows ?? 0n), identities: Number(identities.numAffectedRows ?? 0n) };
    await recordAudit(trx, { merchant_id, actor, action: 'consumer.erase', target: profile_id, details: { ...result, profiles: members.length } });
    // Email identities are stored as the SHA-256 of the normalised address already.
    await publish(trx, consumerErased, merchant_id, { profile_id, email_hashes: emails.rows.map((r) => r.value) });
    return result;
  });
}

/**
 * Undoes a merge: the identities it moved go back, and the merged profile lives again with the
 * profiles that had been merged into it. The counts it brought (events, orders, amount spent)
 * leave the profile that holds them now; dates and traits it brought stay there.
 */
export async function undoMerge(db: AnyDb, merchant_id: string, merge_id: string, actor: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    await lockIdentityGraph(trx, merchant_id);
    const found = await sql<{ from_profile_id: string; into_profile_id: string; identities: { type: string; value: string }[] }>`
      select from_profile_id, into_profile_id, identities from cdp_merge where merchant_id = ${merchant_id} and id = ${merge_id} and undone_at is null for update`.execute(trx);
    const merge = found.rows[0];
    if (merge === undefined) return false;
    const from = merge.from_profile_id;
    const ids = merge.identities;
    await sql`update cdp_identity set profile_id = ${from}
      where merchant_id = ${merchant_id} and (type, value) in (select * from unnest(${ids.map((i) => i.type)}::text[], ${ids.map((i) => i.value)}::text[]))`.execute(trx);
    // The merged profile's row still has the counts it had when it merged; later merges carried
    // them on to whichever profile it points to now.
    await sql`update cdp_profile r set events_count = r.events_count - f.events_count, orders_count = r.orders_count - f.orders_count,
        amount_spent_minor = r.amount_spent_minor - f.amount_spent_minor
      from cdp_profile f where f.merchant_id = ${merchant_id} and f.id = ${from} and r.merchant_id = ${merchant_id} and r.id = f.merged_into`.execute(trx);
    // Profiles merged into this one before (directly or down a chain of merges not undone) were
    // pointed at the survivor when this merge flattened the chain; they follow it back.
    await sql`with recursive merged_before(id) as (
        select from_profile_id from cdp_merge where merchant_id = ${merchant_id} and into_profile_id = ${from} and undone_at is null
        union
        select m.from_profile_id from cdp_merge m join merged_before b on m.into_profile_id = b.id where m.merchant_id = ${merchant_id} and m.undone_at is null
      )
      update cdp_profile p set merged_into = ${from}
      from merged_before b, cdp_profile f
      where p.merchant_id = ${merchant_id} and p.id = b.id and p.id <> ${from} and f.merchant_id = ${merchant_id} and f.id = ${from} and p.merged_into = f.merged_into`.execute(trx);
    await sql`update cdp_profile set merged_into = null where merchant_id = ${merchant_id} and id = ${from}`.execute(trx);
    await sql`update cdp_merge set undone_at = now() where merchant_id = ${merchant_id} and id = ${merge_id}`.execute(trx);
    await recordAudit(trx, { merchant_id, actor, action: 'consumer.unmerge', target: merge_id, details: { from: merge.from_profile_id, into: merge.into_profile_id } });
    return true;
  });
}
