import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { bottomUp, type DemandClass, type Forecast } from './engine/index.js';
import { addDays, loadHistory } from './history.js';
import type { ForecastRun } from './runs.js';

/**
 * What the API shows of the current run: series with their next week, one series' history and
 * forecast by day or week, and the coherent summary from store to region to chain. A sum over
 * days or series takes the engine's `bottomUp`: means add up exactly, intervals from the parts'
 * spreads as independent errors.
 */
export const series_page_max = 100;
export const history_days_default = 140;

export interface Band {
  mean: number;
  lower: number;
  upper: number;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const band = (f: Forecast, t = 0): Band => ({ mean: r3(f.mean[t]!), lower: r3(f.lower[t]!), upper: r3(f.upper[t]!) });

/** A one-period forecast from stored daily bands (for bottomUp). */
function periodForecast(b: Band, level: number): Forecast {
  return { model: 'mean', mean: Float64Array.of(b.mean), lower: Float64Array.of(b.lower), upper: Float64Array.of(b.upper), level, sigma: 0 };
}

/** The sum of consecutive days' bands, with the interval of the sum. */
export function sumOfDays(days: readonly Band[], level: number): Forecast {
  if (days.length === 0) return periodForecast({ mean: 0, lower: 0, upper: 0 }, level);
  return bottomUp(days.map((d) => periodForecast(d, level)));
}

interface ValueRow {
  variant_id: string;
  location_id: string;
  mean: number[];
  lower: number[];
  upper: number[];
}

const bandsOf = (r: ValueRow, from: number, to: number): Band[] => {
  const out: Band[] = [];
  for (let t = from; t < Math.min(to, r.mean.length); t++) out.push({ mean: Number(r.mean[t]), lower: Number(r.lower[t]), upper: Number(r.upper[t]) });
  return out;
};

export interface SeriesListItem {
  variant_id: string;
  sku: string;
  title: string;
  location_id: string;
  location_name: string;
  class: DemandClass;
  model: string;
  /** The second model when the forecast is the average of two (`model` the first), else null. */
  combined_with: string | null;
  fallback: string | null;
  next_7_days: Band;
}

/** The current run's series after `after` ([location_id, variant_id]), `limit` of them. */
export async function listSeries(db: AnyDb, run: ForecastRun, filter: { location_id?: string | undefined; variant_id?: string | undefined; class?: DemandClass | undefined; after?: string[] | undefined; limit: number }): Promise<SeriesListItem[]> {
  const rows = await sql<ValueRow & { sku: string | null; title: string | null; location_name: string | null; class: DemandClass; model: string; combined_with: string | null; fallback: string | null }>`
    select s.variant_id, s.location_id, s.class, s.model, s.combined_with, s.fallback, v.sku, coalesce(p.title || case when v.title <> '' and v.title <> p.title then ' – ' || v.title else '' end, v.title) as title, l.name as location_name,
           (select array_agg(x.mean order by x.day) from forecast_value x where x.merchant_id = s.merchant_id and x.run_id = s.run_id and x.variant_id = s.variant_id and x.location_id = s.location_id and x.day < ${run.start_date}::date + 7) as mean,
           (select array_agg(x.lower order by x.day) from forecast_value x where x.merchant_id = s.merchant_id and x.run_id = s.run_id and x.variant_id = s.variant_id and x.location_id = s.location_id and x.day < ${run.start_date}::date + 7) as lower,
           (select array_agg(x.upper order by x.day) from forecast_value x where x.merchant_id = s.merchant_id and x.run_id = s.run_id and x.variant_id = s.variant_id and x.location_id = s.location_id and x.day < ${run.start_date}::date + 7) as upper
    from forecast_series s
    left join variant v on v.merchant_id = s.merchant_id and v.id = s.variant_id
    left join product p on p.merchant_id = v.merchant_id and p.id = v.product_id
    left join location l on l.merchant_id = s.merchant_id and l.id = s.location_id
    where s.merchant_id = ${run.merchant_id} and s.run_id = ${run.id}
      ${filter.location_id === undefined ? sql`` : sql`and s.location_id = ${filter.location_id}`}
      ${filter.variant_id === undefined ? sql`` : sql`and s.variant_id = ${filter.variant_id}`}
      ${filter.class === undefined ? sql`` : sql`and s.class = ${filter.class}`}
      ${filter.after === undefined ? sql`` : sql`and (s.location_id, s.variant_id) > (${filter.after[0]!}, ${filter.after[1]!})`}
    order by s.location_id, s.variant_id limit ${filter.limit}`.execute(db);
  return rows.rows.map((r) => ({
    variant_id: r.variant_id,
    sku: r.sku ?? '',
    title: r.title ?? '',
    location_id: r.location_id,
    location_name: r.location_name ?? '',
    class: r.class,
    model: r.model,
    combined_with: r.combined_with,
    fallback: r.fallback,
    next_7_days: band(sumOfDays(bandsOf({ ...r, mean: r.mean ?? [], lower: r.lower ?? [], upper: r.upper ?? [] }, 0, 7), run.level)),
  }));
}

export interface SeriesDetail {
  variant_id: string;
  location_id: string;
  class: DemandClass;
  model: string;
  combined_with: string | null;
  fallback: string | null;
  level: number;
  sigma: number;
  adi: number;
  cv2: number;
  backtest: Record<string, number>;
  granularity: 'day' | 'week';
  history: { date: string; units: number; censored: boolean }[];
  forecast: ({ date: string } & Band)[];
}

/** One series of the current run: its history (the last `history_days`) and its forecast, by day or by week (7-day sums from the run's first day backwards and forwards). */
export async function seriesDetail(db: AnyDb, run: ForecastRun, variant_id: string, location_id: string, granularity: 'day' | 'week', history_days: number): Promise<SeriesDetail | undefined> {
  const found = await sql<{ class: DemandClass; model: string; combined_with: string | null; fallback: string | null; sigma: number; adi: number; cv2: number; backtest: Record<string, number> }>`
    select class, model, combined_with, fallback, sigma, adi, cv2, backtest from forecast_series where merchant_id = ${run.merchant_id} and run_id = ${run.id} and variant_id = ${variant_id} and location_id = ${location_id}`.execute(db);
  const s = found.rows[0];
  if (s === undefined || run.start_date === null) return undefined;
  const values = await sql<{ mean: number; lower: number; upper: number }>`
    select mean, lower, upper from forecast_value where merchant_id = ${run.merchant_id} and run_id = ${run.id} and variant_id = ${variant_id} and location_id = ${location_id} order by day`.execute(db);
  const days = values.rows.map((v) => ({ mean: Number(v.mean), lower: Number(v.lower), upper: Number(v.upper) }));
  const loaded = await loadHistory(db, run.merchant_id, { variant_ids: [variant_id], location_ids: [location_id], days: history_days });
  const h = loaded.series[0];
  const history = h === undefined ? [] : Array.from(h.units, (units, i) => ({ date: addDays(h.first_day, i), units, censored: h.censored[i] === 1 }));
  const start = run.start_date;
  const detail = { variant_id, location_id, class: s.class, model: s.model, combined_with: s.combined_with, fallback: s.fallback, level: run.level, sigma: r3(Number(s.sigma)), adi: r3(Number(s.adi)), cv2: r3(Number(s.cv2)), backtest: s.backtest, granularity };
  if (granularity === 'day') return { ...detail, history, forecast: days.map((d, t) => ({ date: addDays(start, t), ...band(periodForecast(d, run.level)) })) };
  const weeks: SeriesDetail['forecast'] = [];
  for (let t = 0; t + 7 <= days.length; t += 7) weeks.push({ date: addDays(start, t), ...band(sumOfDays(days.slice(t, t + 7), run.level)) });
  // History weeks end the day before the forecast starts; a week partly before the series' first day is left out.
  const weekly: SeriesDetail['history'] = [];
  for (let end = history.length; end - 7 >= 0; end -= 7) {
    const part = history.slice(end - 7, end);
    weekly.unshift({ date: part[0]!.date, units: part.reduce((a, d) => a + d.units, 0), censored: part.some((d) => d.censored) });
  }
  return { ...detail, history: weekly, forecast: weeks };
}

export interface Summary {
  period: { start: string; end: string };
  level: number;
  stores: ({ location_id: string; name: string; code: string; kind: string; region: string } & Band)[];
  regions: ({ region: string } & Band)[];
  chain: Band;
}

/** The next period's demand (a day, or the 7 days from the run's first day), per location, region (the location's address region) and chain, coherent bottom-up. */
export async function summary(db: AnyDb, run: ForecastRun, granularity: 'day' | 'week', variant_id: string | undefined): Promise<Summary> {
  const days = granularity === 'day' ? 1 : 7;
  const start = run.start_date!;
  const rows = await sql<ValueRow & { name: string | null; code: string | null; kind: string | null; region: string | null }>`
    select v.variant_id, v.location_id, l.name, l.code, l.kind, coalesce(nullif(l.address->>'region', ''), nullif(l.address->>'city', ''), l.address->>'country') as region,
           array_agg(v.mean order by v.day) as mean, array_agg(v.lower order by v.day) as lower, array_agg(v.upper order by v.day) as upper
    from forecast_value v
    left join location l on l.merchant_id = v.merchant_id and l.id = v.location_id
    where v.merchant_id = ${run.merchant_id} and v.run_id = ${run.id} and v.day < ${start}::date + ${days}::int
      ${variant_id === undefined ? sql`` : sql`and v.variant_id = ${variant_id}`}
    group by v.variant_id, v.location_id, l.name, l.code, l.kind, l.address
    order by v.location_id, v.variant_id`.execute(db);
  const byLocation = new Map<string, { name: string; code: string; kind: string; region: string; parts: Forecast[] }>();
  for (const r of rows.rows) {
    let loc = byLocation.get(r.location_id);
    if (loc === undefined) byLocation.set(r.location_id, (loc = { name: r.name ?? '', code: r.code ?? '', kind: r.kind ?? '', region: r.region ?? 'Unknown', parts: [] }));
    loc.parts.push(sumOfDays(bandsOf(r, 0, days), run.level));
  }
  const stores: Summary['stores'] = [];
  const byRegion = new Map<string, Forecast[]>();
  for (const [location_id, loc] of byLocation) {
    const total = bottomUp(loc.parts);
    stores.push({ location_id, name: loc.name, code: loc.code, kind: loc.kind, region: loc.region, ...band(total) });
    byRegion.set(loc.region, [...(byRegion.get(loc.region) ?? []), total]);
  }
  const regionTotals = [...byRegion].map(([region, parts]) => ({ region, total: bottomUp(parts) }));
  const chain = regionTotals.length === 0 ? { mean: 0, lower: 0, upper: 0 } : band(bottomUp(regionTotals.map((r) => r.total)));
  return { period: { start, end: addDays(start, days - 1) }, level: run.level, stores, regions: regionTotals.map((r) => ({ region: r.region, ...band(r.total) })), chain };
}
