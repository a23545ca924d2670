import { sql } from 'kysely';
import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { soldStatuses } from '../orders/index.js';

/**
 * The sales history the forecasts learn from (docs/FORECAST.md "Sales history"): units sold per
 * variant, location and local day (the merchant's time zone).
 *
 * - Paid orders of the orders module, on the order's location and the day it was placed; an
 *   in-store sale is an order of its store, so it counts there. A refunded order sold nothing.
 *   They are rolled up into `forecast_order_day` at the start of each run (`refreshOrderRollup`):
 *   the weeks before the previous refresh are counted again (refunds and late payments change
 *   them), the rest is kept.
 * - Imported history (`forecast_history_day`): a day imported stands for the whole day at that
 *   location (the POS's count) and replaces what the orders say for it.
 * - Censoring: a day on which the variant ended out of stock at the location (available, on hand
 *   less reserved, replayed from the stock movements, at most 0 at the end of the day) and sold
 *   nothing, or imported with `in_stock: false`, has unknown demand, not zero. Days before a
 *   series' first stock movement are not censored by stock (nothing is known of it then).
 */

/** Days recounted before the previous refresh's end. */
export const recount_days = 35;
/** The most history a run reads: two years of days. */
export const history_days_max = 730;

const countedStatuses = soldStatuses.filter((s) => s !== 'refunded');

/** Refreshes the brand's order rollup; returns the days it recounted from. */
export async function refreshOrderRollup(db: AnyDb, merchant_id: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    await sql`insert into forecast_rollup (merchant_id, refreshed_at, orders_until) values (${merchant_id}, now(), '1970-01-01T00:00:00Z') on conflict (merchant_id) do nothing`.execute(trx);
    const state = await sql<{ from_day: string; tz: string }>`
      select to_char(((r.orders_until at time zone m.time_zone)::date - ${recount_days}::int), 'YYYY-MM-DD') as from_day, m.time_zone as tz
      from forecast_rollup r join merchant m on m.id = r.merchant_id
      where r.merchant_id = ${merchant_id} for update of r`.execute(trx);
    const row = state.rows[0];
    if (row === undefined) throw new Error(`no merchant ${merchant_id}`);
    await sql`delete from forecast_order_day where merchant_id = ${merchant_id} and day >= ${row.from_day}::date`.execute(trx);
    await sql`
      insert into forecast_order_day (merchant_id, variant_id, location_id, day, units)
      select o.merchant_id, l.variant_id, o.location_id, (o.created_at at time zone ${row.tz})::date, sum(l.quantity)::int
      from sales_order o
      join order_line l on l.merchant_id = o.merchant_id and l.order_id = o.id
      where o.merchant_id = ${merchant_id}
        and o.status in (${sql.join(countedStatuses)})
        and o.created_at >= (${row.from_day}::date::timestamp at time zone ${row.tz})
      group by 1, 2, 3, 4`.execute(trx);
    await sql`update forecast_rollup set refreshed_at = now(), orders_until = now() where merchant_id = ${merchant_id}`.execute(trx);
  });
}

export interface HistoryFilter {
  variant_ids?: readonly string[] | undefined;
  location_ids?: readonly string[] | undefined;
}

/** One series' daily history, from its first day with a sale or an import to the day before `today`. */
export interface SeriesHistory {
  variant_id: string;
  location_id: string;
  /** ISO date of units[0]. */
  first_day: string;
  units: Float64Array;
  /** 1 where the day is censored (its units are then unknown; `units` holds what was sold, 0). */
  censored: Uint8Array;
}

export interface History {
  /** The merchant's today (local): the first day a forecast is for. */
  today: string;
  time_zone: string;
  country: string;
  series: SeriesHistory[];
}

const dayMs = 86_400_000;
export const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * dayMs).toISOString().slice(0, 10);
export const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / dayMs);

function filters(filter: HistoryFilter) {
  return sql`${filter.variant_ids === undefined ? sql`` : sql`and variant_id = any(${filter.variant_ids}::text[])`}
    ${filter.location_ids === undefined ? sql`` : sql`and location_id = any(${filter.location_ids}::text[])`}`;
}

/** The merchant's local today, time zone and country. */
export async function merchantDay(db: AnyDb, merchant_id: string): Promise<{ today: string; time_zone: string; country: string }> {
  const r = await sql<{ today: string; time_zone: string; country: string }>`
    select to_char((now() at time zone time_zone)::date, 'YYYY-MM-DD') as today, time_zone, country from merchant where id = ${merchant_id}`.execute(db);
  const row = r.rows[0];
  if (row === undefined) throw new Error(`no merchant ${merchant_id}`);
  return row;
}

/**
 * The brand's daily series over the last `days` days before its today (at most
 * `history_days_max`), one per variant and location with a sale or an import in that window,
 * with censored days marked. Reads the rollup as it stands (runs refresh it first).
 */
export async function loadHistory(db: AnyDb, merchant_id: string, filter: HistoryFilter & { days?: number } = {}): Promise<History> {
  const { today, time_zone, country } = await merchantDay(db, merchant_id);
  const days = Math.max(1, Math.min(history_days_max, Math.floor(filter.days ?? history_days_max)));
  const start = addDays(today, -days);
  const sales = await sql<{ variant_id: string; location_id: string; offs: number[]; units: number[]; in_stock: boolean[] }>`
    with s as (
      select variant_id, location_id, day, units, true as in_stock, 0 as src from forecast_order_day
      where merchant_id = ${merchant_id} and day >= ${start}::date and day < ${today}::date ${filters(filter)}
      union all
      select variant_id, location_id, day, units, in_stock, 1 from forecast_history_day
      where merchant_id = ${merchant_id} and day >= ${start}::date and day < ${today}::date ${filters(filter)}
    ), d as (
      select distinct on (variant_id, location_id, day) variant_id, location_id, day, units, in_stock from s
      order by variant_id, location_id, day, src desc
    )
    select variant_id, location_id, array_agg(day - ${start}::date order by day) as offs, array_agg(units order by day) as units, array_agg(in_stock order by day) as in_stock
    from d group by 1, 2 order by 1, 2`.execute(db);
  if (sales.rows.length === 0) return { today, time_zone, country, series: [] };
  // Available stock at the end of each day with a movement, cumulated over all time.
  const stock = await sql<{ variant_id: string; location_id: string; offs: number[]; available: string[] }>`
    with m as (
      select variant_id, location_id, (created_at at time zone ${time_zone})::date as day, sum(on_hand_delta - reserved_delta) as delta
      from stock_movement where merchant_id = ${merchant_id} and created_at < (${today}::date::timestamp at time zone ${time_zone}) ${filters(filter)}
      group by 1, 2, 3
    )
    select variant_id, location_id, array_agg(day - ${start}::date order by day) as offs, array_agg(available order by day)::text[] as available
    from (select variant_id, location_id, day, sum(delta) over (partition by variant_id, location_id order by day) as available from m) c
    group by 1, 2`.execute(db);
  const stockOf = new Map(stock.rows.map((r) => [`${r.variant_id}\u0000${r.location_id}`, r]));
  const series = sales.rows.map((r) => {
    const first = r.offs[0]!;
    const n = days - first;
    const units = new Float64Array(n);
    const censored = new Uint8Array(n);
    for (let i = 0; i < r.offs.length; i++) {
      units[r.offs[i]! - first] = r.units[i]!;
      if (!r.in_stock[i]) censored[r.offs[i]! - first] = 1;
    }
    const moves = stockOf.get(`${r.variant_id}\u0000${r.location_id}`);
    if (moves !== undefined) censorStockouts(moves.offs, moves.available.map(Number), first, units, censored);
    return { variant_id: r.variant_id, location_id: r.location_id, first_day: addDays(start, first), units, censored };
  });
  return { today, time_zone, country, series };
}

/** Marks the days that ended with nothing available and sold nothing (offsets from the window's start; `first` is units[0]'s). */
function censorStockouts(offs: readonly number[], available: readonly number[], first: number, units: Float64Array, censored: Uint8Array): void {
  let k = 0;
  let known = false;
  let level = 0;
  for (let i = 0; i < units.length; i++) {
    const day = first + i;
    while (k < offs.length && offs[k]! <= day) {
      level = available[k]!;
      known = true;
      k++;
    }
    if (known && level <= 0 && units[i] === 0) censored[i] = 1;
  }
}
