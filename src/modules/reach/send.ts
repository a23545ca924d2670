import { sql } from 'kysely';
import { reachLinks } from './links.js';
import type { Logger } from 'pino';
import type { Config } from '../../kernel/config.js';
import { inTransaction, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { reachChannels, type ReachChannel } from '../audiences/index.js';
import { contactPointsOf, contactSealer, ingestEvents, type ContactKind, type IncomingEvent } from '../databank/index.js';
import { merchantTimeZone } from '../merchants/index.js';
import { channelRegistry, type ChannelRegistry, type Delivery, type DeliveryResult, type ReachLinks } from './channels/index.js';
import type { SendOutcome, SendRequest, SuppressReason } from './contract.js';
import { reachSettings, type ReachSettings } from './settings.js';

/**
 * The send pipeline. Consumers go in batches; each batch is one transaction that locks the
 * consumers' frequency rows (reach_frequency, FOR UPDATE, in profile order, so two campaigns
 * sending to the same people take turns and never deadlock) and the profiles (FOR KEY SHARE,
 * so an erasure waits), then checks, for each consumer, at that moment: erased, consent for
 * the purpose and the channel, a contact point, de-duplication against other campaigns, the
 * frequency caps (counted from the reach_send rows of the window, those still sending included)
 * and quiet hours in the consumer's time zone. It writes one reach_send row per consumer,
 * `sending` or `suppressed` with its reason, keyed `${dedupe_key}:${profile_id}`, and commits.
 * Only then do the channels deliver, and a second transaction marks each `sent` or `failed`
 * and records `Message Delivered` / `Message Suppressed` on the consumer's timeline.
 *
 * At most once: a key already written is answered from its row (`repeated`), and a row a killed
 * process left `sending` is marked `failed` (`interrupted`) after a lease, never sent again.
 */
export const send_batch_size = 500;
/** How long a send may stay `sending` before it counts as interrupted (its process died). */
export const sending_lease_ms = 10 * 60_000;

export interface SendContext {
  config: Config;
  /** Unsubscribe and tracking links; the tracking routes' own (links.ts) by default. */
  links?: ReachLinks | undefined;
  /** The channels; the platform's by default (tests may pass their own). */
  channels?: ChannelRegistry | undefined;
  batch_size?: number | undefined;
  logger?: Logger | undefined;
}

/** What a marketing send was checked against, kept on its row for the invariant. */
export interface AppliedCaps {
  channel: number | null;
  across: number | null;
  window_days: number;
}

interface Target {
  /** The profile the send goes to: the requested one, or the profile it was merged into. */
  profile_id: string;
  tz: string | null;
  name: string | null;
  store_location_id: string | null;
}

interface Row {
  id: string;
  profile_id: string;
  dedupe_key: string;
  status: 'sending' | 'sent' | 'delivered' | 'failed' | 'suppressed';
  reason: string | null;
}

const suppressReasonSet: ReadonlySet<string> = new Set<SuppressReason>(['no_consent', 'capped', 'quiet_hours', 'erased', 'no_contact', 'duplicate', 'control']);

function outcomeOf(requested: string, row: Row, repeated: boolean): SendOutcome {
  const status = row.status === 'delivered' ? 'sent' : row.status;
  const reason = row.reason !== null && suppressReasonSet.has(row.reason) ? (row.reason as SuppressReason) : null;
  return { profile_id: requested, send_id: row.id, status, reason, repeated };
}

/** Validates a request before anything is written: a bad one is a 400 problem. */
function validate(request: SendRequest): void {
  const errors: { field: string; location: 'body'; message: string }[] = [];
  if (!(reachChannels as readonly string[]).includes(request.channel)) errors.push({ field: 'channel', location: 'body', message: `must be one of ${reachChannels.join(', ')}` });
  if (request.dedupe_key.length === 0 || request.dedupe_key.length > 200) errors.push({ field: 'dedupe_key', location: 'body', message: 'must be 1 to 200 characters' });
  if (request.message.subject.length > 500) errors.push({ field: 'message.subject', location: 'body', message: 'must be at most 500 characters' });
  if (request.message.text.length > 20_000) errors.push({ field: 'message.text', location: 'body', message: 'must be at most 20000 characters' });
  if (errors.length > 0) throw problems.validation(errors);
}

/** Sends one message to many consumers through the checks; one outcome per requested profile, in order. */
export async function sendMessages(db: AnyDb, ctx: SendContext, request: SendRequest): Promise<SendOutcome[]> {
  validate(request);
  const settings = await reachSettings(db, ctx.config, request.merchant_id);
  const merchant_tz = await merchantTimeZone(db, request.merchant_id);
  const size = ctx.batch_size ?? send_batch_size;
  const unique = [...new Set(request.profile_ids)];
  const byRequested = new Map<string, SendOutcome>();
  // Pipelined: while one batch is being delivered, the next is checked and committed (other
  // consumers: a request names each once). At most one batch is in delivery at a time.
  let delivering: Promise<Map<string, SendOutcome>> | undefined;
  const collect = (outcomes: Map<string, SendOutcome>) => outcomes.forEach((o, requested) => byRequested.set(requested, o));
  try {
    for (let i = 0; i < unique.length; i += size) {
      const checked = await checkBatch(db, ctx, request, settings, merchant_tz, unique.slice(i, i + size));
      if (delivering !== undefined) collect(await delivering);
      delivering = deliverBatch(db, ctx, request, settings, checked);
    }
    if (delivering !== undefined) collect(await delivering);
  } finally {
    // A failed check leaves the batch in delivery to finish (its rows are committed `sending`).
    await delivering?.catch(() => undefined);
  }
  return request.profile_ids.map((id) => byRequested.get(id)!);
}

interface Written {
  requested: string;
  key: string;
  id: string;
  profile_id: string;
  reason: SuppressReason | null;
  target: Target | undefined;
  address: { address: string; kind: ContactKind | 'location' } | undefined;
}

interface Checked {
  /** Outcomes known at check time: repeats of sends already written. */
  outcomes: Map<string, SendOutcome>;
  written: Written[];
}

/** The batch's transaction: locks, checks, and one reach_send row per consumer, committed. */
async function checkBatch(db: AnyDb, ctx: SendContext, request: SendRequest, settings: ReachSettings, merchant_tz: string, requested: readonly string[]): Promise<Checked> {
  const m = request.merchant_id;
  const channel = (ctx.channels ?? channelRegistry)[request.channel];
  const outcomes = new Map<string, SendOutcome>();
  const marketing = request.purpose === 'marketing';

  const written = await inTransaction(db, async (trx) => {
    // Who each requested profile is now: itself, or the profile it was merged into; gone when erased.
    const found = await sql<{ id: string; target: string }>`
      select p.id, coalesce(p.merged_into, p.id) as target from cdp_profile p where p.merchant_id = ${m} and p.id = any(${requested}::text[])`.execute(trx);
    const targetOf = new Map(found.rows.map((r) => [r.id, r.target]));
    const targetIds = [...new Set(targetOf.values())].sort();
    // The turn of these consumers: their frequency rows, locked in one fixed order.
    if (targetIds.length > 0) {
      await sql`insert into reach_frequency (merchant_id, profile_id) select ${m}, unnest(${targetIds}::text[])
        on conflict (merchant_id, profile_id) do update set last_send_at = reach_frequency.last_send_at`.execute(trx);
    }
    const keyOf = (profile_id: string) => `${request.dedupe_key}:${profile_id}`;
    // Erased consumers have no profile: their send is keyed on the requested ID.
    const keys = requested.map((id) => keyOf(targetOf.get(id) ?? id));
    const existing = await sql<Row>`select id, profile_id, dedupe_key, status, reason from reach_send where merchant_id = ${m} and dedupe_key = any(${keys}::text[])`.execute(trx);
    const existingByKey = new Map(existing.rows.map((r) => [r.dedupe_key, r]));

    const profiles = await sql<Target & { id: string }>`
      select id, id as profile_id, traits->>'timezone' as tz, coalesce(traits->>'first_name', traits->>'name') as name, traits->>'store_location_id' as store_location_id
      from cdp_profile where merchant_id = ${m} and id = any(${targetIds}::text[]) order by id for key share`.execute(trx);
    const live = new Map(profiles.rows.map((p) => [p.id, p]));
    const ids = [...live.keys()];

    const consented = new Set<string>();
    const refusedChannel = new Set<string>();
    const counts = new Map<string, { channel: number; total: number }>();
    const duplicates = new Set<string>();
    if (marketing && ids.length > 0) {
      const consent = await sql<{ profile_id: string }>`
        select profile_id from cdp_consent where merchant_id = ${m} and profile_id = any(${ids}::text[]) and purpose = 'marketing' and granted order by profile_id for share`.execute(trx);
      consent.rows.forEach((r) => consented.add(r.profile_id));
      const refusals = await sql<{ profile_id: string }>`
        select profile_id from cdp_channel_consent where merchant_id = ${m} and profile_id = any(${ids}::text[]) and channel = ${request.channel} and not granted order by profile_id for share`.execute(trx);
      refusals.rows.forEach((r) => refusedChannel.add(r.profile_id));
      const sent = await sql<{ profile_id: string; channel: ReachChannel; n: number }>`
        select profile_id, channel, count(*)::int as n from reach_send
        where merchant_id = ${m} and profile_id = any(${ids}::text[]) and purpose = 'marketing' and status in ('sending', 'sent', 'delivered')
          and created_at > now() - make_interval(days => ${settings.cap_window_days})
        group by profile_id, channel`.execute(trx);
      for (const r of sent.rows) {
        const c = counts.get(r.profile_id) ?? { channel: 0, total: 0 };
        c.total += r.n;
        if (r.channel === request.channel) c.channel += r.n;
        counts.set(r.profile_id, c);
      }
      if (request.campaign_id !== null && settings.dedupe_window_hours > 0) {
        const other = await sql<{ profile_id: string }>`
          select distinct profile_id from reach_send
          where merchant_id = ${m} and profile_id = any(${ids}::text[]) and campaign_id is not null and campaign_id <> ${request.campaign_id}
            and status in ('sending', 'sent', 'delivered') and created_at > now() - make_interval(hours => ${settings.dedupe_window_hours})`.execute(trx);
        other.rows.forEach((r) => duplicates.add(r.profile_id));
      }
    }

    // Addresses: the newest contact point of the channel's kinds, in order of preference.
    const addresses = new Map<string, { address: string; kind: ContactKind | 'location' }>();
    for (const kind of channel.address) {
      const missing = ids.filter((id) => !addresses.has(id));
      if (missing.length === 0) break;
      if (kind === 'location') {
        for (const id of missing) {
          const location = request.message.location_id ?? live.get(id)!.store_location_id;
          if (location !== null && location !== undefined) addresses.set(id, { address: location, kind });
        }
        continue;
      }
      const points = await contactPointsOf(trx, contactSealer(ctx.config), m, missing, kind);
      for (const [id, address] of points) addresses.set(id, { address, kind });
    }

    const caps: AppliedCaps = { channel: settings.cap_per_channel[request.channel] ?? null, across: settings.cap_across_channels, window_days: settings.cap_window_days };
    const quiet = marketing && channel.interrupts ? settings.quiet_hours : null;
    const now = new Date();
    const reasonFor = (id: string): SuppressReason | null => {
      const p = live.get(id);
      if (p === undefined) return 'erased';
      if (marketing && (!consented.has(id) || refusedChannel.has(id))) return 'no_consent';
      if (channel.address.length > 0 && !addresses.has(id)) return 'no_contact';
      if (duplicates.has(id)) return 'duplicate';
      const c = counts.get(id);
      if (marketing && c !== undefined && ((caps.channel !== null && c.channel >= caps.channel) || (caps.across !== null && c.total >= caps.across))) return 'capped';
      if (quiet !== null && inQuietHours(now, p.tz, merchant_tz, quiet)) return 'quiet_hours';
      return null;
    };

    // One row per consumer not already written: sending, or suppressed with its reason.
    const fresh: { requested: string; key: string; id: string; profile_id: string; reason: SuppressReason | null }[] = [];
    const planned = new Map<string, (typeof fresh)[number]>();
    requested.forEach((req, i) => {
      const key = keys[i]!;
      const row = existingByKey.get(key);
      if (row !== undefined) return outcomes.set(req, outcomeOf(req, row, true));
      const already = planned.get(key);
      if (already !== undefined) return outcomes.set(req, { profile_id: req, send_id: already.id, status: already.reason === null ? 'sending' : 'suppressed', reason: already.reason, repeated: false });
      const profile_id = targetOf.get(req) ?? req;
      const entry = { requested: req, key, id: newId('rsend'), profile_id, reason: reasonFor(profile_id) };
      planned.set(key, entry);
      fresh.push(entry);
    });
    if (fresh.length > 0) {
      const body = JSON.stringify({ text: request.message.text, url: request.message.url ?? null, location_id: request.message.location_id ?? null });
      await sql`insert into reach_send (merchant_id, id, profile_id, channel, purpose, campaign_id, step_id, dedupe_key, status, reason, subject, body, caps, created_at)
        select ${m}, id, profile_id, ${request.channel}, ${request.purpose}, ${request.campaign_id}, ${request.step_id}, key,
          case when reason is null then 'sending' else 'suppressed' end, reason, ${request.message.subject}, ${body}::jsonb,
          ${marketing ? JSON.stringify(caps) : null}::jsonb, clock_timestamp()
        from unnest(${fresh.map((f) => f.id)}::text[], ${fresh.map((f) => f.profile_id)}::text[], ${fresh.map((f) => f.key)}::text[], ${fresh.map((f) => f.reason)}::text[]) as x(id, profile_id, key, reason)`.execute(trx);
      const going = fresh.filter((f) => f.reason === null).map((f) => f.profile_id);
      if (going.length > 0) await sql`update reach_frequency set last_send_at = now() where merchant_id = ${m} and profile_id = any(${going}::text[])`.execute(trx);
    }
    return fresh.map((f) => ({ ...f, target: live.get(f.profile_id), address: addresses.get(f.profile_id) }));
  });
  return { outcomes, written };
}

/** Delivery, after the commit: what was written `sending` goes out once; then its status and the timeline events. */
async function deliverBatch(db: AnyDb, ctx: SendContext, request: SendRequest, settings: ReachSettings, { outcomes, written }: Checked): Promise<Map<string, SendOutcome>> {
  const m = request.merchant_id;
  const channel = (ctx.channels ?? channelRegistry)[request.channel];
  const sending = written.filter((w) => w.reason === null);
  const deliveries: Delivery[] = sending.map((w) => ({
    send_id: w.id,
    profile_id: w.profile_id,
    channel: request.channel,
    address: w.address?.address ?? null,
    address_kind: w.address?.kind ?? null,
    subject: fill(request.message.subject, request.channel === 'screen' ? null : (w.target?.name ?? null)),
    text: fill(request.message.text, request.channel === 'screen' ? null : (w.target?.name ?? null)),
    url: request.message.url ?? null,
    campaign_id: request.campaign_id,
    step_id: request.step_id,
  }));
  let results: DeliveryResult[] = [];
  if (deliveries.length > 0) {
    try {
      results = await channel.deliver({ db, config: ctx.config, merchant_id: m, settings, links: ctx.links ?? reachLinks(ctx.config) }, deliveries);
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      results = deliveries.map(() => ({ ok: false, error: message }));
    }
  }
  const resultOf = new Map(deliveries.map((d, i) => [d.send_id, results[i]!]));

  await inTransaction(db, async (trx) => {
    if (deliveries.length > 0) {
      const ok = deliveries.map((d) => resultOf.get(d.send_id)!.ok);
      await sql`update reach_send s set status = case when x.ok then 'sent' else 'failed' end, reason = null, sent_at = case when x.ok then now() end,
          provider_id = x.provider_id, error = x.error
        from unnest(${deliveries.map((d) => d.send_id)}::text[], ${ok}::boolean[], ${deliveries.map((d) => { const r = resultOf.get(d.send_id)!; return r.ok ? r.provider_id : null; })}::text[],
          ${deliveries.map((d) => { const r = resultOf.get(d.send_id)!; return r.ok ? null : r.error; })}::text[]) as x(id, ok, provider_id, error)
        where s.merchant_id = ${m} and s.id = x.id and (s.status = 'sending' or s.reason = 'interrupted')`.execute(trx);
    }
    await recordOnTimelines(trx, request, written.flatMap((w): TimelineItem[] => {
      if (w.target === undefined) return [];
      if (w.reason !== null) return [{ send_id: w.id, profile_id: w.profile_id, name: 'Message Suppressed', reason: w.reason }];
      return resultOf.get(w.id)?.ok === true ? [{ send_id: w.id, profile_id: w.profile_id, name: 'Message Delivered', reason: null }] : [];
    }));
  });

  for (const w of written) {
    const r = resultOf.get(w.id);
    const status = w.reason !== null ? 'suppressed' : r?.ok === true ? 'sent' : 'failed';
    outcomes.set(w.requested, { profile_id: w.requested, send_id: w.id, status, reason: w.reason, repeated: false });
  }
  // Two requested profiles merged into one share that one's send.
  for (const [req, o] of outcomes) if (o.status === 'sending' && !o.repeated) outcomes.set(req, { ...o, status: [...outcomes.values()].find((x) => x.send_id === o.send_id && x.status !== 'sending')?.status ?? 'failed' });
  return outcomes;
}

/** `{{name}}` filled in, or, without a name, the greeting left without it ("Hi {{name}}," → "Hi,"). */
export function fill(text: string, name: string | null): string {
  if (name !== null && name.trim() !== '') return text.replaceAll('{{name}}', name.trim());
  return text.replace(/\s*\{\{name\}\}/g, '');
}

const formats = new Map<string, Intl.DateTimeFormat>();

function localMinutes(at: Date, tz: string): number | undefined {
  let f = formats.get(tz);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    } catch {
      return undefined;
    }
    formats.set(tz, f);
  }
  const parts = f.formatToParts(at);
  return Number(parts.find((p) => p.type === 'hour')!.value) * 60 + Number(parts.find((p) => p.type === 'minute')!.value);
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** True when `at` falls in the quiet hours in the consumer's time zone (else the merchant's); `from`–`to` may span midnight. */
export function inQuietHours(at: Date, consumer_tz: string | null, merchant_tz: string, quiet: { from: string; to: string }): boolean {
  const local = (consumer_tz === null ? undefined : localMinutes(at, consumer_tz)) ?? localMinutes(at, merchant_tz) ?? localMinutes(at, 'UTC')!;
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  if (from === to) return false;
  return from < to ? local >= from && local < to : local >= from || local < to;
}

/** `Message Delivered` and `Message Suppressed` on the consumers' timelines, found by one of their identifiers. */
interface TimelineItem {
  send_id: string;
  profile_id: string;
  name: 'Message Delivered' | 'Message Suppressed';
  reason: SuppressReason | null;
}

async function recordOnTimelines(trx: AnyTrx, request: SendRequest, items: readonly TimelineItem[]): Promise<void> {
  if (items.length === 0) return;
  const identities = await sql<{ profile_id: string; type: string; value: string }>`
    select distinct on (profile_id) profile_id, type, value from cdp_identity where merchant_id = ${request.merchant_id} and profile_id = any(${items.map((i) => i.profile_id)}::text[])
    order by profile_id, case type when 'user_id' then 0 when 'email' then 1 when 'phone' then 2 when 'member_code' then 3 when 'external_id' then 4 else 5 end, value`.execute(trx);
  const identityOf = new Map(identities.rows.map((r) => [r.profile_id, r]));
  const now = new Date();
  const events: IncomingEvent[] = items.flatMap((i) => {
    const identity = identityOf.get(i.profile_id);
    if (identity === undefined) return [];
    return [
      {
        merchant_id: request.merchant_id,
        message_id: `reach.${i.name === 'Message Delivered' ? 'delivered' : 'suppressed'}:${i.send_id}`,
        type: 'track' as const,
        event: i.name,
        user_id: null,
        anonymous_id: null,
        traits: {},
        properties: { campaign_id: request.campaign_id, step_id: request.step_id, channel: request.channel, send_id: i.send_id, purpose: request.purpose, ...(i.reason === null ? {} : { reason: i.reason }) },
        context: { source: 'openbos' },
        occurred_at: now,
        received_at: now,
        identifiers: [{ type: identity.type, value: identity.value } as IncomingEvent['identifiers'][number]],
      },
    ];
  });
  if (events.length > 0) await ingestEvents(trx, events);
}

/** Marks sends a killed process left `sending` for longer than the lease as failed (`interrupted`); they are never resent. */
export async function markInterruptedSends(db: AnyDb, lease_ms: number = sending_lease_ms): Promise<number> {
  const result = await sql`update reach_send set status = 'failed', reason = 'interrupted', error = 'the process sending it stopped before recording whether it went; not resent'
    where status = 'sending' and created_at < now() - make_interval(secs => ${lease_ms / 1_000})`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
