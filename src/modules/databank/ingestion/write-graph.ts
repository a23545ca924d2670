import { sql } from 'kysely';
import type { AnyTrx } from '../../../kernel/db.js';
import type { Batch, Profile } from './batch.js';

/**
 * Writes what the batch resolved with one statement per table, each from `unnest` arrays. Rows
 * go in sorted, so two batches in flight always lock rows in the same order.
 */
export async function writeGraph(trx: AnyTrx, b: Batch): Promise<void> {
  await writeProfiles(trx, b);
  await writeIdentities(trx, b);
  await writeConsents(trx, b);
  await writeChannelConsents(trx, b);
  if (b.merges.length > 0) await writeMerges(trx, b);
  await writeDeviceUsers(trx, b);
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function profileColumns(profiles: Profile[]) {
  const col = <K extends keyof Profile>(k: K) => profiles.map((p) => p[k]);
  return sql`unnest(${col('id')}::text[], ${profiles.map((p) => JSON.stringify(p.traits))}::jsonb[], ${profiles.map((p) => JSON.stringify(p.traits_updated))}::jsonb[],
      ${col('merged_into')}::text[], ${profiles.map((p) => p.first_seen_at.toISOString())}::timestamptz[], ${profiles.map((p) => p.last_seen_at.toISOString())}::timestamptz[],
      ${profiles.map((p) => p.events_count.toString())}::bigint[], ${col('orders_count')}::int[], ${profiles.map((p) => p.amount_spent_minor.toString())}::bigint[],
      ${profiles.map((p) => iso(p.last_purchase_at))}::timestamptz[], ${profiles.map((p) => iso(p.previous_purchase_at))}::timestamptz[], ${profiles.map((p) => iso(p.last_interest_at))}::timestamptz[],
      ${profiles.map((p) => iso(p.last_aware_at))}::timestamptz[], ${profiles.map((p) => iso(p.last_loyal_signal_at))}::timestamptz[])
    as x(id, traits, traits_updated, merged_into, first_seen_at, last_seen_at, events_count, orders_count, amount_spent_minor,
      last_purchase_at, previous_purchase_at, last_interest_at, last_aware_at, last_loyal_signal_at)`;
}

/** New profiles inserted, existing ones updated in place (`cdp_profile` has fillfactor 70, so most updates are HOT). */
async function writeProfiles(trx: AnyTrx, b: Batch): Promise<void> {
  const touched = [...b.touched].map((id) => b.profiles.get(id)!);
  const created = touched.filter((p) => p.isNew);
  const changed = touched.filter((p) => !p.isNew);
  if (created.length > 0) {
    // Each new profile takes the brand's next consumer number (dense per brand, for the audience
    // bitmaps); the brand's graph lock this batch holds makes the counter's row ours.
    const counter = await sql<{ next_num: number }>`update cdp_graph_version set next_num = next_num + ${created.length} where merchant_id = ${b.merchant_id} returning next_num`.execute(trx);
    const last = counter.rows[0]?.next_num;
    if (last === undefined) throw new Error(`writeProfiles: the graph of ${b.merchant_id} is not locked`);
    await sql`insert into cdp_profile (merchant_id, id, traits, traits_updated, merged_into, first_seen_at, last_seen_at, events_count, orders_count, amount_spent_minor,
        last_purchase_at, previous_purchase_at, last_interest_at, last_aware_at, last_loyal_signal_at, num)
      select ${b.merchant_id}, x.*, ${last - created.length} + row_number() over () from ${profileColumns(created)}`.execute(trx);
  }
  if (changed.length > 0) {
    changed.sort((x, y) => (x.id < y.id ? -1 : 1));
    await sql`update cdp_profile p set traits = x.traits, traits_updated = x.traits_updated, merged_into = x.merged_into,
        first_seen_at = x.first_seen_at, last_seen_at = x.last_seen_at, events_count = x.events_count, orders_count = x.orders_count,
        amount_spent_minor = x.amount_spent_minor, last_purchase_at = x.last_purchase_at, previous_purchase_at = x.previous_purchase_at,
        last_interest_at = x.last_interest_at, last_aware_at = x.last_aware_at, last_loyal_signal_at = x.last_loyal_signal_at
      from ${profileColumns(changed)} where p.merchant_id = ${b.merchant_id} and p.id = x.id`.execute(trx);
  }
}

async function writeIdentities(trx: AnyTrx, b: Batch): Promise<void> {
  const identities = [...b.identityWrites.values()].sort((x, y) => (`${x.type}:${x.value}` < `${y.type}:${y.value}` ? -1 : 1));
  if (identities.length === 0) return;
  await sql`insert into cdp_identity (merchant_id, type, value, profile_id)
    select ${b.merchant_id}, * from unnest(${identities.map((i) => i.type)}::text[], ${identities.map((i) => i.value)}::text[], ${identities.map((i) => i.profile_id)}::text[])
    on conflict (merchant_id, type, value) do update set profile_id = excluded.profile_id`.execute(trx);
}

async function writeConsents(trx: AnyTrx, b: Batch): Promise<void> {
  const consents = [...b.consents.values()].sort((x, y) => (`${x.profile_id}:${x.purpose}` < `${y.profile_id}:${y.purpose}` ? -1 : 1));
  if (consents.length === 0) return;
  await sql`insert into cdp_consent (merchant_id, profile_id, purpose, granted, source)
    select ${b.merchant_id}, p, c, g, 'event' from unnest(${consents.map((c) => c.profile_id)}::text[], ${consents.map((c) => c.purpose)}::text[], ${consents.map((c) => c.granted)}::bool[]) as x(p, c, g)
    on conflict (merchant_id, profile_id, purpose) do update set granted = excluded.granted, source = 'event', updated_at = now()`.execute(trx);
}

async function writeChannelConsents(trx: AnyTrx, b: Batch): Promise<void> {
  if (b.channelConsents.size === 0) return;
  const consents = [...b.channelConsents.values()].sort((x, y) => (`${x.profile_id}:${x.channel}` < `${y.profile_id}:${y.channel}` ? -1 : 1));
  await sql`insert into cdp_channel_consent (merchant_id, profile_id, channel, granted, source)
    select ${b.merchant_id}, p, c, g, 'event' from unnest(${consents.map((c) => c.profile_id)}::text[], ${consents.map((c) => c.channel)}::text[], ${consents.map((c) => c.granted)}::bool[]) as x(p, c, g)
    on conflict (merchant_id, profile_id, channel) do update set granted = excluded.granted, source = 'event', updated_at = now()`.execute(trx);
}

async function writeMerges(trx: AnyTrx, b: Batch): Promise<void> {
  const m = b.merchant_id;
  // A merged profile's consent goes with it: per purpose, the newer decision of the two holds,
  // so a refusal given before signing in still holds after. One statement per merge, in order,
  // so a profile merged twice in one batch passes on what it received first.
  for (const x of b.merges) {
    await sql`insert into cdp_consent (merchant_id, profile_id, purpose, granted, source, updated_at)
      select merchant_id, ${x.into}, purpose, granted, 'merge', updated_at from cdp_consent where merchant_id = ${m} and profile_id = ${x.from}
      on conflict (merchant_id, profile_id, purpose) do update set granted = excluded.granted, source = 'merge', updated_at = excluded.updated_at
        where cdp_consent.updated_at < excluded.updated_at`.execute(trx);
    await sql`insert into cdp_channel_consent (merchant_id, profile_id, channel, granted, source, updated_at)
      select merchant_id, ${x.into}, channel, granted, 'merge', updated_at from cdp_channel_consent where merchant_id = ${m} and profile_id = ${x.from}
      on conflict (merchant_id, profile_id, channel) do update set granted = excluded.granted, source = 'merge', updated_at = excluded.updated_at
        where cdp_channel_consent.updated_at < excluded.updated_at`.execute(trx);
  }
  // Profiles merged earlier into a profile that is now merged follow it (no chains).
  await sql`update cdp_profile p set merged_into = m.into_id
    from unnest(${b.merges.map((x) => x.from)}::text[], ${b.merges.map((x) => x.into)}::text[]) as m(from_id, into_id)
    where p.merchant_id = ${m} and p.merged_into = m.from_id`.execute(trx);
  await sql`insert into cdp_merge (merchant_id, id, from_profile_id, into_profile_id, reason, identities)
    select ${m}, * from unnest(${b.merges.map((x) => x.id)}::text[], ${b.merges.map((x) => x.from)}::text[], ${b.merges.map((x) => x.into)}::text[],
      ${b.merges.map((x) => x.reason)}::text[], ${b.merges.map((x) => JSON.stringify(x.identities))}::jsonb[])`.execute(trx);
}

async function writeDeviceUsers(trx: AnyTrx, b: Batch): Promise<void> {
  if (b.newDeviceUsers.length === 0) return;
  const pairs = [...b.newDeviceUsers].sort((x, y) => (`${x.device_id}:${x.user_id}` < `${y.device_id}:${y.user_id}` ? -1 : 1));
  await sql`insert into cdp_device_user (merchant_id, device_id, user_id)
    select ${b.merchant_id}, * from unnest(${pairs.map((d) => d.device_id)}::text[], ${pairs.map((d) => d.user_id)}::text[]) on conflict do nothing`.execute(trx);
}
