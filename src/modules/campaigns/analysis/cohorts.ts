import { sql } from 'kysely';
import type { AnyDb } from '../../../kernel/db.js';
import { stageFlowBetween, stages, type FlowStage } from '../../databank/index.js';

/**
 * Retention by first-purchase month: each month's new buyers (consumers whose first purchase
 * ever, in the merchant's time zone, fell in that month; merged profiles count as one) and the
 * share of them who bought again in month +1, +2, … up to `months` later or the current month.
 * A purchase is a data bank `Order Paid` event, the platform's and any source's.
 */
export const cohort_months_max = 24;

export interface Cohort {
  /** YYYY-MM */
  month: string;
  new_buyers: number;
  /** retention[k - 1]: share who bought in month +k; null where that month has not begun. */
  retention: (number | null)[];
  /** buyers[k - 1]: how many bought in month +k. */
  buyers: (number | null)[];
}

export async function cohorts(db: AnyDb, r: { merchant_id: string; from: string; to: string; time_zone: string; months: number; now?: Date }): Promise<Cohort[]> {
  const now = r.now ?? new Date();
  const rows = await sql<{ month: string; offset: number; n: number }>`
    with buy as (
      select coalesce(p.merged_into, e.profile_id) as root, date_trunc('month', e.occurred_at at time zone ${r.time_zone})::date as month
        from cdp_event e join cdp_profile p on p.merchant_id = e.merchant_id and p.id = e.profile_id
       where e.merchant_id = ${r.merchant_id} and lower(e.event) = 'order paid'
         and not exists (select 1 from cdp_consent c where c.merchant_id = e.merchant_id and c.profile_id = coalesce(p.merged_into, e.profile_id) and c.purpose = 'analytics' and not c.granted)
    ),
    first as (select root, min(month) as month from buy group by root),
    cohort as (select * from first where month >= date_trunc('month', ${r.from}::date)::date and month <= ${r.to}::date)
    select to_char(c.month, 'YYYY-MM') as month,
           ((extract(year from b.month) - extract(year from c.month)) * 12 + extract(month from b.month) - extract(month from c.month))::int as offset,
           count(distinct c.root)::int as n
      from cohort c join buy b on b.root = c.root and b.month >= c.month
     group by 1, 2 order by 1, 2`.execute(db);
  const current = sql`date_trunc('month', ${now}::timestamptz at time zone ${r.time_zone})::date`;
  const nowMonth = (await sql<{ m: string }>`select to_char(${current}, 'YYYY-MM') as m`.execute(db)).rows[0]!.m;
  const byMonth = new Map<string, Map<number, number>>();
  for (const row of rows.rows) {
    const m = byMonth.get(row.month) ?? new Map<number, number>();
    m.set(row.offset, row.n);
    byMonth.set(row.month, m);
  }
  const monthsBetween = (a: string, b: string) => (Number(b.slice(0, 4)) - Number(a.slice(0, 4))) * 12 + Number(b.slice(5, 7)) - Number(a.slice(5, 7));
  return [...byMonth.entries()].map(([month, offsets]) => {
    const new_buyers = offsets.get(0) ?? 0;
    const elapsed = monthsBetween(month, nowMonth);
    const buyers = Array.from({ length: r.months }, (_, i) => (i + 1 > elapsed ? null : (offsets.get(i + 1) ?? 0)));
    return { month, new_buyers, buyers, retention: buyers.map((n) => (n === null || new_buyers === 0 ? null : n / new_buyers)) };
  });
}

export type FlowMatrix = { stages: FlowStage[]; counts: number[][]; total: number };

/** The A-I-P-L flow between the ends of two days as a matrix: counts[i][j] moved from stages[i] to stages[j]. */
export async function stageFlowMatrix(db: AnyDb, r: { merchant_id: string; from: string; to: string; time_zone: string }): Promise<FlowMatrix & { moves: { from: FlowStage; to: FlowStage; consumers: number }[] }> {
  const moves = await stageFlowBetween(db, r.merchant_id, r.from, r.to, r.time_zone);
  const order: FlowStage[] = ['none', ...stages];
  const counts = order.map(() => order.map(() => 0));
  for (const m of moves) counts[order.indexOf(m.from)]![order.indexOf(m.to)] = m.consumers;
  return { stages: order, counts, total: moves.reduce((s, m) => s + m.consumers, 0), moves };
}
