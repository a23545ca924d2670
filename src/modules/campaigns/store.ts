import { sql } from 'kysely';
import { inTransaction, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { Problem, problems, type FieldError } from '../../kernel/problem.js';
import { getPromotion } from '../promotions/index.js';
import { journey_days_max, journeyProblems, longestWaitMs, referencesOf, type Entry, type Step } from './journey.js';
import type { CampaignPorts } from './ports.js';

export const campaignStatuses = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];
export const phases = ['acquire', 'seed', 'recall', 'convert'] as const;
export type Phase = (typeof phases)[number];

export interface Campaign {
  merchant_id: string;
  id: string;
  name: string;
  kind: 'journey' | 'sampling';
  status: CampaignStatus;
  entry: Entry;
  steps: Step[];
  control_share: number;
  season_id: string | null;
  phase: Phase | null;
  starts_at: Date | null;
  ends_at: Date | null;
  conversion_days: number;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  enrolled_at: Date | null;
  entry_cursor: Date | null;
  completed_at: Date | null;
}

export interface Season {
  merchant_id: string;
  id: string;
  name: string;
  starts_on: string;
  ends_on: string;
  created_at: Date;
}

export interface CampaignInput {
  name: string;
  entry: Entry;
  steps: Step[];
  control_share: number;
  season_id?: string | null | undefined;
  phase?: Phase | null | undefined;
  starts_at?: string | null | undefined;
  ends_at?: string | null | undefined;
  conversion_days?: number | undefined;
}

const fromRow = (r: Record<string, unknown>): Campaign => ({ ...(r as unknown as Campaign), control_share: Number(r.control_share) });

const dateText = sql`to_char(starts_on, 'YYYY-MM-DD') as starts_on, to_char(ends_on, 'YYYY-MM-DD') as ends_on`;

/** Everything wrong with a campaign's definition, as field errors; empty when it may be saved. */
export async function campaignProblems(db: AnyDb, ports: CampaignPorts, merchant_id: string, input: CampaignInput, now: Date): Promise<FieldError[]> {
  const errors: FieldError[] = journeyProblems(input.steps).map((p) => ({ ...p, location: 'body' as const }));
  const at = (field: string, message: string) => errors.push({ field, location: 'body', message });
  const starts = input.starts_at == null ? undefined : new Date(input.starts_at);
  const ends = input.ends_at == null ? undefined : new Date(input.ends_at);
  if (starts !== undefined && starts < now) at('starts_at', 'is in the past');
  if (ends !== undefined && ends <= now) at('ends_at', 'is in the past');
  if (starts !== undefined && ends !== undefined && ends <= starts) at('ends_at', 'must be after starts_at');
  if (input.entry.kind === 'date') {
    const entryAt = new Date(input.entry.at);
    if (entryAt < now) at('entry.at', 'is in the past');
    if (ends !== undefined && entryAt >= ends) at('entry.at', 'must be before ends_at');
  }
  if (errors.length === 0 && longestWaitMs(input.steps) > journey_days_max * 86_400_000) at('steps', `the waits add up to more than ${journey_days_max} days`);
  if ((input.phase == null) !== (input.season_id == null)) at(input.phase == null ? 'phase' : 'season_id', 'a campaign placed on a season has a phase, and a phase needs a season');
  if (input.season_id != null && (await getSeason(db, merchant_id, input.season_id)) === undefined) at('season_id', 'is not a season of this merchant');
  const refs = referencesOf(input.entry, input.steps);
  for (const id of refs.audience_ids) if (!(await ports.audienceExists(merchant_id, id))) at('entry.audience_id', `${id} is not an audience of this merchant`);
  for (const [i, s] of input.steps.entries()) {
    if (s.kind !== 'coupon') continue;
    const p = await getPromotion(db, merchant_id, s.promotion_id);
    if (p === undefined) at(`steps.${i}.promotion_id`, `${s.promotion_id} is not a promotion of this merchant`);
    else if (p.kind !== 'coupon') at(`steps.${i}.promotion_id`, 'is an automatic promotion; a coupon step gives coupon promotions');
  }
  return errors;
}

export async function createCampaign(db: AnyDb, ports: CampaignPorts, merchant_id: string, input: CampaignInput, now = new Date()): Promise<Campaign> {
  const errors = await campaignProblems(db, ports, merchant_id, input, now);
  if (errors.length > 0) throw problems.validation(errors);
  const row = await sql<Record<string, unknown>>`insert into campaign (merchant_id, id, name, entry, steps, control_share, season_id, phase, starts_at, ends_at, conversion_days)
    values (${merchant_id}, ${newId('cmp')}, ${input.name}, ${JSON.stringify(input.entry)}, ${JSON.stringify(input.steps)}, ${input.control_share}, ${input.season_id ?? null}, ${input.phase ?? null},
      ${input.starts_at ?? null}, ${input.ends_at ?? null}, ${input.conversion_days ?? 7})
    returning *`.execute(db);
  return fromRow(row.rows[0]!);
}

export async function getCampaign(db: AnyDb | AnyTrx, merchant_id: string, id: string, lock = false): Promise<Campaign | undefined> {
  const row = lock
    ? await sql<Record<string, unknown>>`select * from campaign where merchant_id = ${merchant_id} and id = ${id} for update`.execute(db)
    : await sql<Record<string, unknown>>`select * from campaign where merchant_id = ${merchant_id} and id = ${id}`.execute(db);
  return row.rows[0] === undefined ? undefined : fromRow(row.rows[0]);
}

export async function listCampaigns(db: AnyDb, merchant_id: string, options: { status?: CampaignStatus | undefined; season_id?: string | undefined; after_id?: string | undefined; limit: number }): Promise<Campaign[]> {
  const rows = await sql<Record<string, unknown>>`select * from campaign where merchant_id = ${merchant_id}
    and (${options.status ?? null}::text is null or status = ${options.status ?? null})
    and (${options.season_id ?? null}::text is null or season_id = ${options.season_id ?? null})
    and (${options.after_id ?? null}::text is null or id < ${options.after_id ?? null})
    order by id desc limit ${options.limit}`.execute(db);
  return rows.rows.map(fromRow);
}

/** Changes a campaign; its journey (entry, steps, control share) only while it is a draft. */
export async function updateCampaign(db: AnyDb, ports: CampaignPorts, merchant_id: string, id: string, changes: Partial<CampaignInput>, now = new Date()): Promise<Campaign | undefined> {
  return inTransaction(db, async (trx) => {
    const current = await getCampaign(trx, merchant_id, id, true);
    if (current === undefined) return undefined;
    const journeyChange = ['entry', 'steps', 'control_share', 'starts_at'].filter((k) => k in changes);
    if (current.status !== 'draft' && journeyChange.length > 0) throw problems.conflict('campaign_not_draft', `the campaign is ${current.status}; its ${journeyChange.join(', ')} can change only while it is a draft`);
    if (current.status === 'completed' || current.status === 'cancelled') throw problems.conflict('campaign_finished', `the campaign is ${current.status}`);
    const merged: CampaignInput = {
      name: changes.name ?? current.name,
      entry: changes.entry ?? current.entry,
      steps: changes.steps ?? current.steps,
      control_share: changes.control_share ?? current.control_share,
      season_id: 'season_id' in changes ? changes.season_id : current.season_id,
      phase: 'phase' in changes ? changes.phase : current.phase,
      starts_at: 'starts_at' in changes ? changes.starts_at : current.starts_at?.toISOString(),
      ends_at: 'ends_at' in changes ? changes.ends_at : current.ends_at?.toISOString(),
      conversion_days: changes.conversion_days ?? current.conversion_days,
    };
    // A time already in the past that the caller did not send is not theirs to fix.
    const checked: CampaignInput = { ...merged, ...('starts_at' in changes ? {} : { starts_at: undefined }), ...('ends_at' in changes ? {} : { ends_at: undefined }) };
    if (!('entry' in changes) && merged.entry.kind === 'date') checked.entry = { ...merged.entry, at: new Date(Math.max(now.getTime(), new Date(merged.entry.at).getTime())).toISOString() };
    const errors = await campaignProblems(trx, ports, merchant_id, checked, now);
    if (errors.length > 0) throw problems.validation(errors);
    const row = await sql<Record<string, unknown>>`update campaign set name = ${merged.name}, entry = ${JSON.stringify(merged.entry)}, steps = ${JSON.stringify(merged.steps)},
      control_share = ${merged.control_share}, season_id = ${merged.season_id ?? null}, phase = ${merged.phase ?? null}, starts_at = ${merged.starts_at ?? null},
      ends_at = ${merged.ends_at ?? null}, conversion_days = ${merged.conversion_days ?? 7}, updated_at = now()
      where merchant_id = ${merchant_id} and id = ${id} returning *`.execute(trx);
    return fromRow(row.rows[0]!);
  });
}

/** Deletes a draft campaign (nothing was sent); a started one is cancelled instead. */
export async function deleteCampaign(db: AnyDb, merchant_id: string, id: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const current = await getCampaign(trx, merchant_id, id, true);
    if (current === undefined) return false;
    if (current.status !== 'draft') throw problems.conflict('campaign_not_draft', `the campaign is ${current.status}; cancel it instead`);
    await sql`delete from campaign where merchant_id = ${merchant_id} and id = ${id}`.execute(trx);
    return true;
  });
}

/** The key prefix of a campaign's tick jobs (one job per tick, named by its time). */
export const tickKeyPrefix = (merchant_id: string, id: string) => `campaigns.tick:${merchant_id}:${id}:`;

/**
 * Cancels a campaign's waiting ticks. A tick running now (its job row locked) is skipped rather
 * than waited for: it reads the campaign's status, finds it no longer running and stops.
 */
export async function cancelTicks(trx: AnyTrx, merchant_id: string, id: string): Promise<void> {
  await sql`update bos_job set state = 'cancelled', finished_at = now() where id in (
      select id from bos_job where kind = 'campaigns.tick' and state in ('scheduled', 'paused') and key like ${`${tickKeyPrefix(merchant_id, id)}%`} for update skip locked)`.execute(trx);
}

export interface EnrolmentCounts {
  enrolled: number;
  treatment: number;
  control: number;
  active: number;
  done: number;
  exited: number;
}

export async function enrolmentCounts(db: AnyDb, merchant_id: string, id: string): Promise<EnrolmentCounts> {
  const row = await sql<EnrolmentCounts>`select count(*)::int as enrolled, count(*) filter (where arm = 'treatment')::int as treatment, count(*) filter (where arm = 'control')::int as control,
      count(*) filter (where status = 'active')::int as active, count(*) filter (where status = 'done')::int as done, count(*) filter (where status = 'exited')::int as exited
    from campaign_enrolment where merchant_id = ${merchant_id} and campaign_id = ${id}`.execute(db);
  return row.rows[0]!;
}

export interface Enrolment {
  profile_id: string;
  arm: 'treatment' | 'control';
  step_index: number;
  status: 'active' | 'done' | 'exited';
  next_at: Date | null;
  entered_at: Date;
  step_entered_at: Date;
  updated_at: Date;
}

export async function listEnrolments(db: AnyDb, merchant_id: string, id: string, options: { after?: string | undefined; limit: number; arm?: 'treatment' | 'control' | undefined; status?: Enrolment['status'] | undefined }): Promise<Enrolment[]> {
  const rows = await sql<Enrolment>`select profile_id, arm, step_index, status, next_at, entered_at, step_entered_at, updated_at from campaign_enrolment
    where merchant_id = ${merchant_id} and campaign_id = ${id}
      and (${options.after ?? null}::text is null or profile_id > ${options.after ?? null})
      and (${options.arm ?? null}::text is null or arm = ${options.arm ?? null})
      and (${options.status ?? null}::text is null or status = ${options.status ?? null})
    order by profile_id limit ${options.limit}`.execute(db);
  return rows.rows;
}

// Seasons

export interface SeasonInput {
  name: string;
  starts_on: string;
  ends_on: string;
}

function seasonProblems(input: SeasonInput): FieldError[] {
  return input.ends_on < input.starts_on ? [{ field: 'ends_on', location: 'body', message: 'must not be before starts_on' }] : [];
}

export async function createSeason(db: AnyDb, merchant_id: string, input: SeasonInput): Promise<Season> {
  const errors = seasonProblems(input);
  if (errors.length > 0) throw problems.validation(errors);
  const row = await sql<Season>`insert into campaign_season (merchant_id, id, name, starts_on, ends_on) values (${merchant_id}, ${newId('season')}, ${input.name}, ${input.starts_on}, ${input.ends_on})
    returning merchant_id, id, name, ${dateText}, created_at`.execute(db);
  return row.rows[0]!;
}

export async function getSeason(db: AnyDb | AnyTrx, merchant_id: string, id: string): Promise<Season | undefined> {
  const row = await sql<Season>`select merchant_id, id, name, ${dateText}, created_at from campaign_season where merchant_id = ${merchant_id} and id = ${id}`.execute(db);
  return row.rows[0];
}

export async function listSeasons(db: AnyDb, merchant_id: string, options: { after_id?: string | undefined; limit: number }): Promise<Season[]> {
  const rows = await sql<Season>`select merchant_id, id, name, ${dateText}, created_at from campaign_season where merchant_id = ${merchant_id}
    and (${options.after_id ?? null}::text is null or id < ${options.after_id ?? null}) order by id desc limit ${options.limit}`.execute(db);
  return rows.rows;
}

export async function updateSeason(db: AnyDb, merchant_id: string, id: string, changes: Partial<SeasonInput>): Promise<Season | undefined> {
  const current = await getSeason(db, merchant_id, id);
  if (current === undefined) return undefined;
  const merged = { name: changes.name ?? current.name, starts_on: changes.starts_on ?? current.starts_on, ends_on: changes.ends_on ?? current.ends_on };
  const errors = seasonProblems(merged);
  if (errors.length > 0) throw problems.validation(errors);
  const row = await sql<Season>`update campaign_season set name = ${merged.name}, starts_on = ${merged.starts_on}, ends_on = ${merged.ends_on} where merchant_id = ${merchant_id} and id = ${id}
    returning merchant_id, id, name, ${dateText}, created_at`.execute(db);
  return row.rows[0];
}

export async function deleteSeason(db: AnyDb, merchant_id: string, id: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const used = await sql<{ n: number }>`select count(*)::int as n from campaign where merchant_id = ${merchant_id} and season_id = ${id}`.execute(trx);
    if (used.rows[0]!.n > 0) throw new Problem(409, 'season_has_campaigns', 'Conflict', `${used.rows[0]!.n} campaign(s) are placed on this season; move or delete them first`);
    const deleted = await sql`delete from campaign_season where merchant_id = ${merchant_id} and id = ${id}`.execute(trx);
    return Number(deleted.numAffectedRows ?? 0) > 0;
  });
}
