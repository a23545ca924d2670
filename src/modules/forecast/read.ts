/**
 * What other modules read of the current forecast and the sales history it learned from (the
 * contract replenishment and insight use; docs/FORECAST.md).
 */
import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { addDays, loadHistory } from './history.js';

/** One variant at one location, from the brand's latest succeeded run. */
export interface CurrentForecast {
  variant_id: string;
  location_id: string;
  run_id: string;
  /** The first forecast day (the merchant's today), ISO date. */
  start_date: string;
  /** Daily point forecasts, units, from start_date on (the run's horizon, 28 days by default). */
  mean: number[];
  lower: number[];
  upper: number[];
  /** Interval level of lower/upper (e.g. 0.8). */
  level: number;
  /** One-day forecast error's standard deviation: what safety stock is computed from. */
  sigma: number;
  class: 'smooth' | 'erratic' | 'intermittent' | 'lumpy';
  model: string;
  /** The second model when the forecast is the average of two (`model` the first), else null. */
  combined_with: string | null;
  /** Set when a baseline answered because the series was too short: why. */
  fallback: string | null;
}

/** The current run's forecasts, one per variant and location (filtered), in one statement. */
export async function currentForecasts(db: AnyDb, merchant_id: string, filter: { variant_ids?: readonly string[]; location_ids?: readonly string[] } = {}): Promise<CurrentForecast[]> {
  const rows = await sql<Omit<CurrentForecast, 'level'> & { level: number | string }>`
    select s.variant_id, s.location_id, s.run_id, to_char(r.start_date, 'YYYY-MM-DD') as start_date, r.level, s.sigma, s.class, s.model, s.combined_with, s.fallback,
           array_agg(v.mean order by v.day) as mean, array_agg(v.lower order by v.day) as lower, array_agg(v.upper order by v.day) as upper
    from forecast_current c
    join forecast_run r on r.merchant_id = c.merchant_id and r.id = c.run_id
    join forecast_series s on s.merchant_id = c.merchant_id and s.run_id = c.run_id
    join forecast_value v on v.merchant_id = s.merchant_id and v.run_id = s.run_id and v.variant_id = s.variant_id and v.location_id = s.location_id
    where c.merchant_id = ${merchant_id}
      ${filter.variant_ids === undefined ? sql`` : sql`and s.variant_id = any(${filter.variant_ids}::text[])`}
      ${filter.location_ids === undefined ? sql`` : sql`and s.location_id = any(${filter.location_ids}::text[])`}
    group by s.variant_id, s.location_id, s.run_id, r.start_date, r.level, s.sigma, s.class, s.model, s.combined_with, s.fallback
    order by s.variant_id, s.location_id`.execute(db);
  return rows.rows.map((r) => ({ ...r, level: Number(r.level), sigma: Number(r.sigma), mean: r.mean.map(Number), lower: r.lower.map(Number), upper: r.upper.map(Number) }));
}

/**
 * Daily units sold of each variant at each location over the last `days` days before the brand's
 * today (the orders as last rolled up by a run, and imported history), with the days it was out
 * of stock; only days from the series' first sale or import on.
 */
export async function salesHistory(db: AnyDb, merchant_id: string, filter: { variant_ids?: readonly string[]; location_ids?: readonly string[]; days: number }): Promise<{ variant_id: string; location_id: string; day: string; units: number; censored: boolean }[]> {
  const history = await loadHistory(db, merchant_id, filter);
  return history.series.flatMap((s) => Array.from(s.units, (units, i) => ({ variant_id: s.variant_id, location_id: s.location_id, day: addDays(s.first_day, i), units, censored: s.censored[i] === 1 })));
}
