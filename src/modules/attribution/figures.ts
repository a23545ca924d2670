import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { localDay } from '../../kernel/time-zone.js';
import { merchantTimeZone } from '../merchants/index.js';
import { placements as recPlacements } from './token.js';

/**
 * The figures, read from the daily rollups (`attr_daily`, `attr_daily_sales`), kept on write: a
 * year is at most 366 × 6 rows of each per brand, so any range answers in a few milliseconds
 * however many answers and touches it covers.
 */
export const daily_days_max = 366;
export const placement_days_max = 90;
export const allPlacements = [...recPlacements, 'search'] as const;

export interface Figures {
  answers: number;
  items: number;
  views: number;
  clicks: number;
  carts: number;
  orders: number;
  sales_minor: number;
}

const zero = (): Figures => ({ answers: 0, items: 0, views: 0, clicks: 0, carts: 0, orders: 0, sales_minor: 0 });

function add(into: Figures, f: Partial<Record<keyof Figures, bigint | number>>): void {
  for (const k of Object.keys(f) as (keyof Figures)[]) into[k] += Number(f[k] ?? 0);
}

export interface DailyRow {
  day: string;
  recommendation: Figures;
  search: Figures;
  /** Recommendations' share of the two's clicks and of their sales; null when both are 0. */
  recommendation_share: { clicks: number | null; sales: number | null };
}

const share = (rec: number, search: number): number | null => (rec + search === 0 ? null : Math.round((rec / (rec + search)) * 10_000) / 10_000);

export function dayAfter(day: string, n = 1): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

interface RollupRow {
  day: string;
  placement: string;
  answers: bigint;
  items: bigint;
  views: bigint;
  clicks: bigint;
  carts: bigint;
}

async function rollups(db: AnyDb, merchant_id: string, from: string, to: string, currency: string): Promise<{ traffic: RollupRow[]; sales: { day: string; placement: string; orders: bigint; sales_minor: bigint }[] }> {
  const [traffic, sales] = await Promise.all([
    sql<RollupRow>`select day::text as day, placement, answers, items, views, clicks, carts from attr_daily
      where merchant_id = ${merchant_id} and day between ${from}::date and ${to}::date`.execute(db),
    sql<{ day: string; placement: string; orders: bigint; sales_minor: bigint }>`select day::text as day, placement, orders, sales_minor from attr_daily_sales
      where merchant_id = ${merchant_id} and currency = ${currency} and day between ${from}::date and ${to}::date`.execute(db),
  ]);
  return { traffic: traffic.rows, sales: sales.rows };
}

const sourceOf = (placement: string): 'recommendation' | 'search' => (placement === 'search' ? 'search' : 'recommendation');

/** Per day of the brand (its time zone), recommendations against search, every day of the range. */
export async function dailyFigures(db: AnyDb, merchant_id: string, range: { from: string; to: string; currency: string }): Promise<{ days: DailyRow[]; totals: Omit<DailyRow, 'day'> }> {
  const { traffic, sales } = await rollups(db, merchant_id, range.from, range.to, range.currency);
  const days = new Map<string, DailyRow>();
  for (let d = range.from; d <= range.to; d = dayAfter(d)) days.set(d, { day: d, recommendation: zero(), search: zero(), recommendation_share: { clicks: null, sales: null } });
  for (const r of traffic) add(days.get(r.day)![sourceOf(r.placement)], { answers: r.answers, items: r.items, views: r.views, clicks: r.clicks, carts: r.carts });
  for (const r of sales) add(days.get(r.day)![sourceOf(r.placement)], { orders: r.orders, sales_minor: r.sales_minor });
  const totals = { recommendation: zero(), search: zero(), recommendation_share: { clicks: null as number | null, sales: null as number | null } };
  for (const d of days.values()) {
    d.recommendation_share = { clicks: share(d.recommendation.clicks, d.search.clicks), sales: share(d.recommendation.sales_minor, d.search.sales_minor) };
    add(totals.recommendation, d.recommendation);
    add(totals.search, d.search);
  }
  totals.recommendation_share = { clicks: share(totals.recommendation.clicks, totals.search.clicks), sales: share(totals.recommendation.sales_minor, totals.search.sales_minor) };
  return { days: [...days.values()], totals };
}

export interface PlacementRow extends Figures {
  placement: (typeof allPlacements)[number];
  source: 'recommendation' | 'search';
  /** Clicks per answer served. */
  click_through: number | null;
}

/** Per placement (and search) over the brand's last `days` days, today included. */
export async function placementFigures(db: AnyDb, merchant_id: string, options: { days: number; currency: string; now?: Date }): Promise<{ from: string; to: string; time_zone: string; data: PlacementRow[] }> {
  const time_zone = await merchantTimeZone(db, merchant_id);
  const to = localDay(options.now ?? new Date(), time_zone);
  const from = dayAfter(to, -(options.days - 1));
  const { traffic, sales } = await rollups(db, merchant_id, from, to, options.currency);
  const rows = new Map<string, Figures>(allPlacements.map((p) => [p, zero()]));
  for (const r of traffic) {
    const f = rows.get(r.placement);
    if (f !== undefined) add(f, { answers: r.answers, items: r.items, views: r.views, clicks: r.clicks, carts: r.carts });
  }
  for (const r of sales) {
    const f = rows.get(r.placement);
    if (f !== undefined) add(f, { orders: r.orders, sales_minor: r.sales_minor });
  }
  return {
    from,
    to,
    time_zone,
    data: allPlacements.map((placement) => {
      const f = rows.get(placement)!;
      return { placement, source: sourceOf(placement), ...f, click_through: f.answers === 0 ? null : Math.round((f.clicks / f.answers) * 10_000) / 10_000 };
    }),
  };
}
