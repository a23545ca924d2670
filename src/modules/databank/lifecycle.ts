import { sql, type RawBuilder } from 'kysely';
import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { merchantTimeZone } from '../merchants/index.js';
import { eventNamesFor, platform_source } from './signals.js';
import { storedIdentifier } from './identifiers.js';

/**
 * A-I-P-L per brand and consumer, recorded per day. A profile's stage on a day is the highest
 * that holds at the end of that day, from its events (merged profiles count as one):
 * Loyal (two purchases within the purchase window, or a positive review or share), Purchased (a
 * purchase within the window), Interested (engagement within the interest window), Aware
 * (exposure within the awareness window). Profiles whose analytics consent is denied are left out.
 */
export interface LifecycleWindows {
  purchase_days: number;
  interest_days: number;
  aware_days: number;
}

export const defaultWindows: LifecycleWindows = { purchase_days: 365, interest_days: 30, aware_days: 30 };
export const stages = ['aware', 'interested', 'purchased', 'loyal'] as const;
export type Stage = (typeof stages)[number];

/**
 * Records every consumer's stage at the end of `day`, replacing an earlier record. The day ends
 * at midnight in the merchant's time zone (`time_zone`, else the merchant's own).
 */
export async function snapshotStages(db: AnyDb, merchant_id: string, day: string, windows: LifecycleWindows = defaultWindows, time_zone?: string): Promise<Record<Stage, number>> {
  const zone = time_zone ?? (await merchantTimeZone(db, merchant_id));
  // Replacing a day's record is atomic, and two recordings of one day (the hourly timer and an
  // API call, or two processes) take turns instead of colliding.
  await inTransaction(db, async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('openbos.stages'), hashtext(${`${merchant_id}|${day}`}))`.execute(trx);
    await sql`delete from cdp_stage_daily where merchant_id = ${merchant_id} and day = ${day}::date`.execute(trx);
    await recordDay(trx, merchant_id, day, windows, zone);
  });
  return stageCounts(db, merchant_id, day);
}

async function recordDay(db: AnyDb, merchant_id: string, day: string, windows: LifecycleWindows, time_zone: string): Promise<void> {
  await sql`
    insert into cdp_stage_daily (merchant_id, day, profile_id, stage)
    select ${merchant_id}, ${day}::date, root, stage from (${stagesAtSql(merchant_id, dayEnd(day, time_zone), windows)}) s`.execute(db);
}

/** The last instant of a day where the merchant is. */
const dayEnd = (day: string, time_zone: string) => sql`(((${day}::date + 1)::timestamp at time zone ${time_zone}) - interval '1 microsecond')`;

/** Every consumer's stage at the instant `end` (rows `root`, `stage`), from their events up to then. */
function stagesAtSql(merchant_id: string, end: RawBuilder<unknown>, windows: LifecycleWindows): RawBuilder<unknown> {
  // The platform's `Order Completed` finishes a purchase its `Order Paid` already counted.
  const purchase = sql`(lower(e.event) = any(${eventNamesFor('purchase')}::text[]) and not (lower(e.event) = 'order completed' and e.context->>'source' is not distinct from ${platform_source}))`;
  return sql`
    select root, stage from (
      select coalesce(p.merged_into, e.profile_id) as root,
        case
          when count(*) filter (where ${purchase} and e.occurred_at > ${end} - make_interval(days => ${windows.purchase_days})) >= 2
            or bool_or((lower(e.event) = 'product shared' or (lower(e.event) = 'product reviewed' and coalesce(e.properties->>'rating', '') ~ '^[0-9.]+$' and (e.properties->>'rating')::numeric >= 4))
                       and e.occurred_at > ${end} - make_interval(days => ${windows.purchase_days})) then 'loyal'
          when bool_or(${purchase} and e.occurred_at > ${end} - make_interval(days => ${windows.purchase_days})) then 'purchased'
          when bool_or(lower(e.event) = any(${eventNamesFor('interested')}::text[]) and e.occurred_at > ${end} - make_interval(days => ${windows.interest_days})) then 'interested'
          when bool_or((e.type in ('page', 'screen') or lower(e.event) = any(${eventNamesFor('aware')}::text[])) and e.occurred_at > ${end} - make_interval(days => ${windows.aware_days})) then 'aware'
        end as stage
      from cdp_event e
      join cdp_profile p on p.merchant_id = e.merchant_id and p.id = e.profile_id
      where e.merchant_id = ${merchant_id} and e.occurred_at <= ${end}
        and not exists (select 1 from cdp_consent c where c.merchant_id = e.merchant_id and c.profile_id = coalesce(p.merged_into, e.profile_id) and c.purpose = 'analytics' and not c.granted)
      group by 1
    ) s where stage is not null`;
}

/**
 * Windows that reach over the whole history: a consumer's stage is the highest they ever reached
 * (bought twice, ever: loyal), however long ago, as an imported history of years needs.
 */
export const wholeHistory: LifecycleWindows = { purchase_days: 365_000, interest_days: 365_000, aware_days: 365_000 };

const countsOf = (rows: readonly { stage: Stage; n: number }[]): Record<Stage, number> => {
  const counts = { aware: 0, interested: 0, purchased: 0, loyal: 0 };
  for (const r of rows) counts[r.stage] = r.n;
  return counts;
};

/** Consumers per stage now, worked out from the events and recording nothing. */
export async function stagesNow(db: AnyDb, merchant_id: string, windows: LifecycleWindows): Promise<Record<Stage, number>> {
  const rows = await sql<{ stage: Stage; n: number }>`select stage, count(*)::int as n from (${stagesAtSql(merchant_id, sql`now()`, windows)}) s group by stage`.execute(db);
  return countsOf(rows.rows);
}

/**
 * How consumers moved between the end of day `from` and the end of day `to` (the merchant's
 * days), worked out from the events (days need not be recorded, so an imported past has its
 * flow too); `none` means in no stage then. Same-stage rows say who stayed.
 */
export async function stageFlowBetween(db: AnyDb, merchant_id: string, from: string, to: string, time_zone: string, windows: LifecycleWindows = defaultWindows): Promise<{ from: FlowStage; to: FlowStage; consumers: number }[]> {
  const rows = await sql<{ from_stage: FlowStage; to_stage: FlowStage; n: number }>`
    select coalesce(a.stage, 'none') as from_stage, coalesce(b.stage, 'none') as to_stage, count(*)::int as n
    from (${stagesAtSql(merchant_id, dayEnd(from, time_zone), windows)}) a
    full outer join (${stagesAtSql(merchant_id, dayEnd(to, time_zone), windows)}) b using (root)
    group by 1, 2 order by 1, 2`.execute(db);
  return rows.rows.map((r) => ({ from: r.from_stage, to: r.to_stage, consumers: r.n }));
}

export async function stageCounts(db: AnyDb, merchant_id: string, day: string): Promise<Record<Stage, number>> {
  const rows = await sql<{ stage: Stage; n: number }>`select stage, count(*)::int as n from cdp_stage_daily where merchant_id = ${merchant_id} and day = ${day}::date group by stage`.execute(db);
  return countsOf(rows.rows);
}

export type FlowStage = Stage | 'none';

/** How consumers moved between two recorded days; `none` means not in any stage that day. */
export async function stageFlow(db: AnyDb, merchant_id: string, from: string, to: string): Promise<{ from: FlowStage; to: FlowStage; consumers: number }[]> {
  const rows = await sql<{ from_stage: FlowStage; to_stage: FlowStage; n: number }>`
    select coalesce(a.stage, 'none') as from_stage, coalesce(b.stage, 'none') as to_stage, count(*)::int as n
    from (select profile_id, stage from cdp_stage_daily where merchant_id = ${merchant_id} and day = ${from}::date) a
    full outer join (select profile_id, stage from cdp_stage_daily where merchant_id = ${merchant_id} and day = ${to}::date) b using (profile_id)
    group by 1, 2 order by 1, 2`.execute(db);
  return rows.rows.map((r) => ({ from: r.from_stage, to: r.to_stage, consumers: r.n }));
}

/** A consumer's stage on the latest recorded day, or null when never recorded (or no stage). */
export async function latestStage(db: AnyDb, merchant_id: string, profile_id: string): Promise<{ stage: Stage; day: string } | null> {
  const rows = await sql<{ stage: Stage; day: string }>`select stage, to_char(day, 'YYYY-MM-DD') as day from cdp_stage_daily where merchant_id = ${merchant_id} and profile_id = ${profile_id} order by day desc limit 1`.execute(db);
  return rows.rows[0] ?? null;
}

/**
 * A consumer's lifecycle stage in the brand's data bank (latest recorded day; the highest when
 * their profiles differ), or undefined when none is recorded: the recommendations' new-consumer
 * answer uses it for a consumer the data bank knows but who has no product interactions yet.
 */
export async function stageOfProfiles(db: AnyDb, merchant_id: string, profile_ids: readonly string[]): Promise<Stage | undefined> {
  if (profile_ids.length === 0) return undefined;
  const rows = await sql<{ stage: Stage }>`
    select stage from cdp_stage_daily where merchant_id = ${merchant_id} and profile_id = any(${[...profile_ids]}::text[])
     order by day desc, array_position(array['loyal', 'purchased', 'interested', 'aware'], stage) limit 1`.execute(db);
  return rows.rows[0]?.stage;
}

/**
 * The lifecycle stage of the consumer with this email in each merchant's data bank (latest
 * recorded day): the promotions' stage conditions ask it at checkout. Merchants where the email
 * is unknown, or has no stage, are absent.
 */
export async function stagesOfEmail(db: AnyDb, merchant_ids: readonly string[], email: string): Promise<Map<string, Stage>> {
  const id = storedIdentifier('email', email);
  if (id === undefined || merchant_ids.length === 0) return new Map();
  const rows = await sql<{ merchant_id: string; stage: Stage }>`
    select i.merchant_id, s.stage from cdp_identity i
    cross join lateral (select stage from cdp_stage_daily d where d.merchant_id = i.merchant_id and d.profile_id = i.profile_id order by day desc limit 1) s
    where i.merchant_id = any(${merchant_ids}::text[]) and i.type = 'email' and i.value = ${id.value}`.execute(db);
  return new Map(rows.rows.map((r) => [r.merchant_id, r.stage]));
}
