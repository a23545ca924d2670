import { sql, type RawBuilder } from 'kysely';
import type { AnyDb } from '../../../kernel/db.js';

/**
 * Funnels over the data bank: consumers (merged profiles count as one) who did each step in
 * order within a window of the merchant's days. A step counts only after the moment the
 * consumer did the previous one (the earliest such time, which is the most lenient order), so a
 * purchase before the first view does not complete a view → buy funnel. Step names match event
 * names without regard to case. Consumers who denied analytics consent are left out, as in every
 * figure of the data bank.
 *
 * Who is counted can be narrowed to an audience's members (profile IDs from the audiences port)
 * or to consumers reached through a channel (a `reach_send` sent or delivered through it before
 * the window ended).
 */
export const funnel_steps_max = 8;

export interface FunnelRequest {
  merchant_id: string;
  steps: readonly string[];
  from: string;
  to: string;
  time_zone: string;
  /** Only these profiles (an audience's members); merged profiles are matched by what they merged into. */
  profile_ids?: readonly string[];
  channel?: string;
}

export interface FunnelStep {
  step: string;
  consumers: number;
  /** Of those who did the previous step (the first step: 1). */
  conversion_from_previous: number | null;
  /** Of those who did the first step. */
  conversion_from_first: number | null;
}

export async function funnel(db: AnyDb, r: FunnelRequest): Promise<FunnelStep[]> {
  if (r.steps.length === 0 || r.steps.length > funnel_steps_max) throw new RangeError(`a funnel has 1 to ${funnel_steps_max} steps`);
  const start = sql`(${r.from}::date::timestamp at time zone ${r.time_zone})`;
  const end = sql`((${r.to}::date + 1)::timestamp at time zone ${r.time_zone})`;
  const filters: RawBuilder<unknown>[] = [];
  if (r.profile_ids !== undefined) {
    filters.push(sql`(coalesce(p.merged_into, p.id) = any(${r.profile_ids}::text[]) or p.id = any(${r.profile_ids}::text[])
      or coalesce(p.merged_into, p.id) in (select coalesce(q.merged_into, q.id) from cdp_profile q where q.merchant_id = ${r.merchant_id} and q.id = any(${r.profile_ids}::text[])))`);
  }
  if (r.channel !== undefined) {
    filters.push(sql`coalesce(p.merged_into, p.id) in (
      select coalesce(q.merged_into, q.id) from reach_send s join cdp_profile q on q.merchant_id = s.merchant_id and q.id = s.profile_id
       where s.merchant_id = ${r.merchant_id} and s.channel = ${r.channel} and s.status in ('sent', 'delivered') and coalesce(s.sent_at, s.created_at) < ${end})`);
  }
  const where = filters.length === 0 ? sql`true` : sql.join(filters, sql` and `);
  // One CTE per step: each consumer's earliest time of that step at or after their previous step's.
  const ctes: RawBuilder<unknown>[] = [
    sql`ev as (
      select coalesce(p.merged_into, e.profile_id) as root, lower(e.event) as event, e.occurred_at
        from cdp_event e join cdp_profile p on p.merchant_id = e.merchant_id and p.id = e.profile_id
       where e.merchant_id = ${r.merchant_id} and e.occurred_at >= ${start} and e.occurred_at < ${end}
         and lower(e.event) = any(${r.steps.map((s) => s.toLowerCase())}::text[]) and ${where}
         and not exists (select 1 from cdp_consent c where c.merchant_id = e.merchant_id and c.profile_id = coalesce(p.merged_into, e.profile_id) and c.purpose = 'analytics' and not c.granted))`,
  ];
  r.steps.forEach((step, i) => {
    const name = sql.raw(`s${i}`);
    ctes.push(
      i === 0
        ? sql`${name} as (select root, min(occurred_at) as at from ev where event = ${step.toLowerCase()} group by root)`
        : sql`${name} as (select ev.root, min(ev.occurred_at) as at from ev join ${sql.raw(`s${i - 1}`)} prev on prev.root = ev.root and ev.occurred_at > prev.at where ev.event = ${step.toLowerCase()} group by ev.root)`,
    );
  });
  const counts = sql.join(
    r.steps.map((_, i) => sql`(select count(*)::int from ${sql.raw(`s${i}`)})`),
    sql`, `,
  );
  const row = (await sql<{ counts: number[] }>`with ${sql.join(ctes, sql`, `)} select array[${counts}] as counts`.execute(db)).rows[0]!;
  return r.steps.map((step, i) => {
    const n = row.counts[i]!;
    const previous = i === 0 ? n : row.counts[i - 1]!;
    const first = row.counts[0]!;
    return {
      step,
      consumers: n,
      conversion_from_previous: previous === 0 ? null : n / previous,
      conversion_from_first: first === 0 ? null : n / first,
    };
  });
}
