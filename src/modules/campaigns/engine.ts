import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import { inTransaction, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { defineJob, onJob, scheduleJob, type JobHandler } from '../../kernel/jobs.js';
import type { ModuleContext } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { issueCoupons } from '../promotions/index.js';
import { waitMs, type AudienceSource, type Step } from './journey.js';
import { campaignPorts, type CampaignPorts } from './ports.js';
import { cancelTicks, getCampaign, tickKeyPrefix, type Campaign } from './store.js';

/**
 * The journey engine. Each running campaign has a durable "tick" job (kernel/jobs.ts); a tick
 * enrols (the audience at the start, new events since the last tick), then walks the due
 * enrolments (`next_at <= now`, active) forward in batches, each batch in its own transaction
 * with its rows locked FOR UPDATE SKIP LOCKED, and schedules the next tick.
 *
 * A send step goes through the reach port with the key `campaign:<id>:step:<index>`, before the
 * batch's enrolments advance, in the same transaction that holds them: a crash between sending and
 * advancing rolls the advance back, and the retry asks reach again, which finds the sends already
 * made (idempotent per key and consumer), sends nothing and lets the enrolments advance. A coupon
 * step issues in the batch's own transaction, so a coupon and the advance past it commit together.
 */
export const campaignTick = defineJob('campaigns.tick', z.object({ merchant_id: z.string(), campaign_id: z.string() }));

export const batch_size = 1_000;
/** How long one tick works before it hands over to the next (so a job's transaction stays short). */
export const tick_budget_ms = 20_000;
/** How often an event-entry campaign reads the data bank's new events. */
export const event_scan_ms = 60_000;
const coupon_chunk = 500;

/** The arm a consumer falls in: a hash of the campaign and the profile, the same on every run. */
export function armOf(campaign_id: string, profile_id: string, control_share: number): 'treatment' | 'control' {
  const h = createHash('md5').update(`${campaign_id}:${profile_id}`).digest().readUInt32BE(0);
  return h / 4_294_967_296 < control_share ? 'control' : 'treatment';
}
/** The same hash in SQL (md5's first 32 bits), so enrolling 100,000 consumers is one statement. */
const armSql = (campaign_id: string, control_share: number, profile: ReturnType<typeof sql>) =>
  sql`case when (('x' || substr(md5(${campaign_id} || ':' || ${profile}), 1, 8))::bit(32)::bigint / 4294967296.0) < ${control_share} then 'control' else 'treatment' end`;

async function scheduleTick(trx: AnyTrx, c: Pick<Campaign, 'merchant_id' | 'id'>, at: Date, after_key?: string): Promise<void> {
  // One job per tick, named by its second: a tick already planned for that second is the same one
  // (but never the tick now running, whose row is still 'scheduled' until it commits).
  let second = Math.floor(at.getTime() / 1000);
  if (after_key !== undefined && `${tickKeyPrefix(c.merchant_id, c.id)}${second}` <= after_key) second = Number(after_key.slice(after_key.lastIndexOf(':') + 1)) + 1;
  await scheduleJob(trx, campaignTick, { merchant_id: c.merchant_id, campaign_id: c.id }, { key: `${tickKeyPrefix(c.merchant_id, c.id)}${second}`, run_at: new Date(second * 1000) });
}

// Lifecycle: draft → scheduled | running → paused ⇄ running → completed | cancelled.

export async function startCampaign(db: AnyDb, merchant_id: string, id: string, now = new Date()): Promise<Campaign | undefined> {
  return inTransaction(db, async (trx) => {
    const c = await getCampaign(trx, merchant_id, id, true);
    if (c === undefined) return undefined;
    if (c.status !== 'draft') throw problems.conflict('campaign_not_draft', `the campaign is ${c.status}; only a draft starts`);
    if (c.starts_at !== null && c.starts_at < now) throw problems.unprocessable('campaign_start_passed', `the campaign was to start at ${c.starts_at.toISOString()}; change starts_at first`);
    if (c.ends_at !== null && c.ends_at <= now) throw problems.unprocessable('campaign_end_passed', `the campaign ended at ${c.ends_at.toISOString()}`);
    const at = c.starts_at ?? now;
    const status = at > now ? 'scheduled' : 'running';
    await sql`update campaign set status = ${status}, started_at = ${status === 'running' ? now : null}, entry_cursor = ${at}, updated_at = now() where merchant_id = ${merchant_id} and id = ${id}`.execute(trx);
    await scheduleTick(trx, c, at);
    return getCampaign(trx, merchant_id, id);
  });
}

export async function pauseCampaign(db: AnyDb, merchant_id: string, id: string): Promise<Campaign | undefined> {
  return inTransaction(db, async (trx) => {
    const c = await getCampaign(trx, merchant_id, id, true);
    if (c === undefined) return undefined;
    if (c.status !== 'running' && c.status !== 'scheduled') throw problems.conflict('campaign_not_running', `the campaign is ${c.status}; only a running or scheduled one pauses`);
    await sql`update campaign set status = 'paused', updated_at = now() where merchant_id = ${merchant_id} and id = ${id}`.execute(trx);
    await cancelTicks(trx, merchant_id, id);
    return getCampaign(trx, merchant_id, id);
  });
}

/** Resumes a paused campaign: consumers whose step fell due while it was paused move on at once. */
export async function resumeCampaign(db: AnyDb, merchant_id: string, id: string, now = new Date()): Promise<Campaign | undefined> {
  return inTransaction(db, async (trx) => {
    const c = await getCampaign(trx, merchant_id, id, true);
    if (c === undefined) return undefined;
    if (c.status !== 'paused') throw problems.conflict('campaign_not_paused', `the campaign is ${c.status}; only a paused one resumes`);
    const status = c.starts_at !== null && c.starts_at > now ? 'scheduled' : 'running';
    await sql`update campaign set status = ${status}, started_at = coalesce(started_at, ${status === 'running' ? now : null}), updated_at = now() where merchant_id = ${merchant_id} and id = ${id}`.execute(trx);
    await scheduleTick(trx, c, status === 'scheduled' ? c.starts_at! : now);
    return getCampaign(trx, merchant_id, id);
  });
}

/** Cancels a campaign: no one enrols any more, and every consumer still in the journey leaves it. */
export async function cancelCampaign(db: AnyDb, merchant_id: string, id: string): Promise<Campaign | undefined> {
  return inTransaction(db, async (trx) => {
    const c = await getCampaign(trx, merchant_id, id, true);
    if (c === undefined) return undefined;
    if (c.status === 'completed' || c.status === 'cancelled') throw problems.conflict('campaign_finished', `the campaign is already ${c.status}`);
    await sql`update campaign set status = 'cancelled', completed_at = now(), updated_at = now() where merchant_id = ${merchant_id} and id = ${id}`.execute(trx);
    await sql`update campaign_enrolment set status = 'exited', next_at = null, updated_at = now() where merchant_id = ${merchant_id} and campaign_id = ${id} and status = 'active'`.execute(trx);
    await cancelTicks(trx, merchant_id, id);
    return getCampaign(trx, merchant_id, id);
  });
}

// Enrolment

/** Enrols profiles (each once per campaign), each in its arm; returns how many were new. */
export async function enrol(trx: AnyDb, c: Pick<Campaign, 'merchant_id' | 'id' | 'control_share'>, profile_ids: readonly string[], now: Date): Promise<number> {
  let added = 0;
  for (let i = 0; i < profile_ids.length; i += 10_000) {
    const chunk = profile_ids.slice(i, i + 10_000);
    const res = await sql`insert into campaign_enrolment (merchant_id, campaign_id, profile_id, arm, step_index, status, next_at, entered_at, step_entered_at, updated_at)
      select ${c.merchant_id}, ${c.id}, p, ${armSql(c.id, c.control_share, sql`p`)}, 0, 'active', ${now}, ${now}, ${now}, ${now}
      from unnest(${chunk}::text[]) as p
      on conflict do nothing`.execute(trx);
    added += Number(res.numAffectedRows ?? 0);
  }
  return added;
}

/** Enrols the consumers who entered a saved audience in the running campaigns that wait for it. */
export async function enrolEntered(db: AnyDb, merchant_id: string, audience_id: string, profile_ids: readonly string[], now = new Date()): Promise<number> {
  return inTransaction(db, async (trx) => {
    const campaigns = await sql<Campaign>`select * from campaign where merchant_id = ${merchant_id} and status = 'running'
      and entry->>'kind' = 'audience_entered' and entry->>'audience_id' = ${audience_id} and (ends_at is null or ends_at > ${now})`.execute(trx);
    let added = 0;
    for (const c of campaigns.rows) {
      const n = await enrol(trx, { ...c, control_share: Number(c.control_share) }, profile_ids, now);
      if (n > 0) await scheduleTick(trx, c, now);
      added += n;
    }
    return added;
  });
}

async function enrolAtStart(db: AnyDb, ports: CampaignPorts, c: Campaign, now: Date): Promise<void> {
  const e = c.entry;
  if (e.kind !== 'audience' && e.kind !== 'date') return;
  if (c.enrolled_at !== null || (e.kind === 'date' && new Date(e.at) > now)) return;
  const source: AudienceSource = e.audience_id !== undefined ? { audience_id: e.audience_id } : { rule: e.rule! };
  const members = await ports.audienceMembers(c.merchant_id, source);
  await inTransaction(db, async (trx) => {
    const locked = await getCampaign(trx, c.merchant_id, c.id, true);
    if (locked?.enrolled_at !== null) return;
    await enrol(trx, c, members ?? [], now);
    await sql`update campaign set enrolled_at = ${now} where merchant_id = ${c.merchant_id} and id = ${c.id}`.execute(trx);
  });
}

/** An event-entry campaign: the consumers who did the event since the last scan enrol. */
async function enrolFromEvents(db: AnyDb, c: Campaign, now: Date): Promise<void> {
  if (c.entry.kind !== 'event') return;
  const event = c.entry.event;
  const from = c.entry_cursor ?? c.started_at ?? now;
  if (c.ends_at !== null && from >= c.ends_at) return;
  await inTransaction(db, async (trx) => {
    const found = await sql<{ profile_id: string; received_at: Date }>`select distinct on (coalesce(p.merged_into, e.profile_id)) coalesce(p.merged_into, e.profile_id) as profile_id, e.received_at
      from cdp_event e join cdp_profile p on p.merchant_id = e.merchant_id and p.id = e.profile_id
      where e.merchant_id = ${c.merchant_id} and e.event = ${event} and e.received_at >= ${from} and e.received_at <= ${now}
        and (${c.ends_at}::timestamptz is null or e.occurred_at < ${c.ends_at})`.execute(trx);
    await enrol(trx, c, found.rows.map((r) => r.profile_id), now);
    await sql`update campaign set entry_cursor = ${now} where merchant_id = ${c.merchant_id} and id = ${c.id}`.execute(trx);
  });
}

// Walking the journey

interface Due {
  profile_id: string;
  arm: 'treatment' | 'control';
  step_index: number;
  entered_at: Date;
  step_entered_at: Date;
}

interface Move {
  profile_id: string;
  to: number;
  next_at: Date | null;
  status: 'active' | 'done' | 'exited';
}

/** Walks one batch of due enrolments one step; returns how many it moved (0: none due). */
export async function walkBatch(db: AnyDb, ports: CampaignPorts, c: Campaign, now: Date): Promise<number> {
  return inTransaction(db, async (trx) => {
    // Shared with other batches, exclusive with pause and cancel: a paused campaign sends nothing more.
    const status = await sql<{ status: string }>`select status from campaign where merchant_id = ${c.merchant_id} and id = ${c.id} for share`.execute(trx);
    if (status.rows[0]?.status !== 'running') return 0;
    const due = (
      await sql<Due>`select profile_id, arm, step_index, entered_at, step_entered_at from campaign_enrolment
        where merchant_id = ${c.merchant_id} and campaign_id = ${c.id} and status = 'active' and next_at <= ${now}
        order by next_at limit ${batch_size} for update skip locked`.execute(trx)
    ).rows;
    if (due.length === 0) return 0;
    const byStep = new Map<number, Due[]>();
    for (const d of due) byStep.set(d.step_index, [...(byStep.get(d.step_index) ?? []), d]);
    const moves: Move[] = [];
    for (const [index, group] of byStep) moves.push(...(await runStep(trx, ports, c, index, group, now)));
    const ends = moves.map((m) => (m.status === 'active' && m.to >= c.steps.length ? { ...m, status: 'done' as const, next_at: null } : m));
    await sql`update campaign_enrolment e set step_index = v.step, next_at = v.next_at, status = v.status, step_entered_at = ${now}, updated_at = ${now}
      from unnest(${ends.map((m) => m.profile_id)}::text[], ${ends.map((m) => m.to)}::int[], ${ends.map((m) => m.next_at)}::timestamptz[], ${ends.map((m) => m.status)}::text[]) as v(profile_id, step, next_at, status)
      where e.merchant_id = ${c.merchant_id} and e.campaign_id = ${c.id} and e.profile_id = v.profile_id`.execute(trx);
    return due.length;
  });
}

async function runStep(trx: AnyTrx, ports: CampaignPorts, c: Campaign, index: number, group: Due[], now: Date): Promise<Move[]> {
  const step: Step | undefined = c.steps[index];
  const next = (to: number, at: Date | null = now): Move[] => group.map((d) => ({ profile_id: d.profile_id, to, next_at: at, status: 'active' }));
  if (step === undefined) return group.map((d) => ({ profile_id: d.profile_id, to: index, next_at: null, status: 'done' }));
  const treated = group.filter((d) => d.arm === 'treatment').map((d) => d.profile_id);
  switch (step.kind) {
    case 'send':
      // Control consumers walk past a send with nothing sent: their arm is the record.
      if (treated.length > 0)
        await ports.send({ merchant_id: c.merchant_id, channel: step.channel, purpose: 'marketing', campaign_id: c.id, step_id: String(index), dedupe_key: `campaign:${c.id}:step:${index}`, profile_ids: treated, message: step.message });
      return next(index + 1);
    case 'wait':
      return next(index + 1, new Date(now.getTime() + waitMs(step)));
    case 'coupon':
      await giveCoupons(trx, c, index, step.promotion_id, treated, now);
      return next(index + 1);
    case 'exit':
      return group.map((d) => ({ profile_id: d.profile_id, to: index, next_at: null, status: 'exited' }));
    case 'branch': {
      const did = await didEvent(trx, c.merchant_id, group, step.if, now);
      return group.map((d) => ({ profile_id: d.profile_id, to: did.has(d.profile_id) ? step.then : step.else, next_at: now, status: 'active' }));
    }
  }
}

async function didEvent(trx: AnyTrx, merchant_id: string, group: Due[], cond: Extract<Step, { kind: 'branch' }>['if'], now: Date): Promise<Set<string>> {
  const since = group.map((d) => (cond.since === 'entry' ? d.entered_at : d.step_entered_at));
  const filters = cond.where.map((f) => {
    const prop = sql`e.properties->>${f.property}`;
    const values = Array.isArray(f.value) ? f.value.map(String) : [String(f.value)];
    switch (f.op) {
      case 'eq':
        return sql`${prop} = ${values[0]}`;
      case 'neq':
        return sql`${prop} is distinct from ${values[0]}`;
      case 'in':
        return sql`${prop} = any(${values}::text[])`;
      default: {
        const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[f.op];
        return sql`(e.properties->>${f.property})::numeric ${sql.raw(op)} ${Number(f.value)}`;
      }
    }
  });
  const where = filters.length === 0 ? sql`true` : sql.join(filters, sql` and `);
  const rows = await sql<{ profile_id: string }>`select v.profile_id from unnest(${group.map((d) => d.profile_id)}::text[], ${since}::timestamptz[]) as v(profile_id, since)
    where exists (select 1 from cdp_event e left join cdp_profile p on p.merchant_id = e.merchant_id and p.id = e.profile_id
      where e.merchant_id = ${merchant_id} and (e.profile_id = v.profile_id or p.merged_into = v.profile_id) and e.event = ${cond.event}
        and e.occurred_at >= v.since and e.occurred_at <= ${now} and ${where})`.execute(trx);
  return new Set(rows.rows.map((r) => r.profile_id));
}

/**
 * Issues the step's coupon to the treated consumers who have an account (the data bank knows the
 * profile's email, and an account has that email); the others are recorded as skipped, with why.
 */
async function giveCoupons(trx: AnyTrx, c: Campaign, index: number, promotion_id: string, profile_ids: readonly string[], now: Date): Promise<void> {
  if (profile_ids.length === 0) return;
  const accounts = await accountsOfProfiles(trx, c.merchant_id, profile_ids);
  const record = async (rows: { profile_id: string; wallet_coupon_id: string | null; reason: string | null }[]) => {
    if (rows.length === 0) return;
    await sql`insert into campaign_coupon (merchant_id, campaign_id, profile_id, step_index, promotion_id, wallet_coupon_id, skipped_reason)
      select ${c.merchant_id}, ${c.id}, p, ${index}, ${promotion_id}, w, r from unnest(${rows.map((r) => r.profile_id)}::text[], ${rows.map((r) => r.wallet_coupon_id)}::text[], ${rows.map((r) => r.reason)}::text[]) as v(p, w, r)
      on conflict do nothing`.execute(trx);
  };
  await record(profile_ids.filter((p) => !accounts.has(p)).map((profile_id) => ({ profile_id, wallet_coupon_id: null, reason: 'no_account' })));
  const holders = [...accounts.entries()];
  for (let i = 0; i < holders.length; i += coupon_chunk) {
    const chunk = holders.slice(i, i + coupon_chunk);
    const outcome = await issueCoupons(trx, c.merchant_id, promotion_id, chunk.map(([, a]) => ({ consumer_id: a.consumer_id, email: a.email })), { source: 'pushed' }, now);
    if (outcome === undefined) {
      await record(chunk.map(([profile_id]) => ({ profile_id, wallet_coupon_id: null, reason: 'no_promotion' })));
      continue;
    }
    const byConsumer = new Map(outcome.issued.map((w) => [w.consumer_id, w.id]));
    const refused = new Map(outcome.refused.map((r) => [r.index, r.reason]));
    await record(chunk.map(([profile_id, a], k) => ({ profile_id, wallet_coupon_id: byConsumer.get(a.consumer_id) ?? null, reason: byConsumer.has(a.consumer_id) ? null : (refused.get(k) ?? 'refused') })));
  }
}

/** The consumer accounts of profiles: the account whose email's hash is one of the profile's email identities. */
async function accountsOfProfiles(trx: AnyTrx, merchant_id: string, profile_ids: readonly string[]): Promise<Map<string, { consumer_id: string; email: string }>> {
  const rows = await sql<{ profile_id: string; consumer_id: string; email: string }>`select distinct on (i.profile_id) i.profile_id, c.id as consumer_id, c.email
    from cdp_identity i join consumer c on encode(sha256(convert_to(lower(trim(c.email)), 'UTF8')), 'hex') = i.value
    where i.merchant_id = ${merchant_id} and i.type = 'email' and i.profile_id = any(${profile_ids}::text[])
    order by i.profile_id, c.id`.execute(trx);
  return new Map(rows.rows.map((r) => [r.profile_id, { consumer_id: r.consumer_id, email: r.email }]));
}

// The tick

/** One tick of a campaign: start it if its time came, enrol, walk what is due; returns when the next tick is due (undefined: none). */
export async function runCampaignTick(db: AnyDb, ports: CampaignPorts, merchant_id: string, campaign_id: string, now = new Date(), budget_ms = tick_budget_ms): Promise<Date | undefined> {
  const started = Date.now();
  let c = await getCampaign(db, merchant_id, campaign_id);
  if (c === undefined) return undefined;
  if (c.status === 'scheduled' && c.starts_at !== null && c.starts_at <= now) {
    await sql`update campaign set status = 'running', started_at = ${now}, updated_at = now() where merchant_id = ${merchant_id} and id = ${campaign_id} and status = 'scheduled'`.execute(db);
    c = (await getCampaign(db, merchant_id, campaign_id))!;
  }
  if (c.status === 'scheduled') return c.starts_at ?? undefined;
  if (c.status !== 'running') return undefined;
  await enrolAtStart(db, ports, c, now);
  await enrolFromEvents(db, c, now);
  c = (await getCampaign(db, merchant_id, campaign_id))!;
  let more = false;
  for (;;) {
    const moved = await walkBatch(db, ports, c, now);
    if (moved === 0) break;
    if (Date.now() - started > budget_ms) {
      more = true;
      break;
    }
  }
  if (more) return new Date(now.getTime() + 1);
  const next = await sql<{ at: Date | null; active: number }>`select min(next_at) as at, count(*)::int as active from campaign_enrolment
    where merchant_id = ${merchant_id} and campaign_id = ${campaign_id} and status = 'active'`.execute(db);
  const { at, active } = next.rows[0]!;
  const e = c.entry;
  const enrolling = (e.kind === 'event' || e.kind === 'audience_entered') && (c.ends_at === null || c.ends_at > now);
  const waitingForDate = e.kind === 'date' && c.enrolled_at === null;
  if (active === 0 && !enrolling && !waitingForDate) {
    await sql`update campaign set status = 'completed', completed_at = ${now}, updated_at = now() where merchant_id = ${merchant_id} and id = ${campaign_id} and status = 'running'`.execute(db);
    return undefined;
  }
  const candidates = [at, e.kind === 'event' && enrolling ? new Date(now.getTime() + event_scan_ms) : null, waitingForDate ? new Date(e.at) : null, enrolling && c.ends_at !== null ? c.ends_at : null].filter((d): d is Date => d !== null);
  // An audience_entered campaign with no one due waits for the event handler to wake it.
  return candidates.length === 0 ? undefined : new Date(Math.max(now.getTime(), Math.min(...candidates.map((d) => d.getTime()))));
}

export function campaignJobs(ctx: ModuleContext): readonly JobHandler[] {
  return [
    onJob(campaignTick, async (trx, { merchant_id, campaign_id }, key) => {
      const next = await runCampaignTick(ctx.db, campaignPorts(ctx.db), merchant_id, campaign_id);
      if (next !== undefined) await scheduleTick(trx, { merchant_id, id: campaign_id }, next, key);
    }),
  ];
}
