/**
 * What the stock on hand will become (pure): the units of each lot sold first in, first out
 * against the daily forecast, the units that reach their last day unsold (waste), and the first
 * day demand goes unmet (stock-out). Dates are the merchant's calendar days, YYYY-MM-DD.
 */

/** Units of one arrival still on hand. `expires_on` is the last day they may be sold; null: it does not perish. */
export interface Lot {
  received_on: string;
  units: number;
  expires_on: string | null;
}

/** Stock-outs are counted over this many days ahead (a week: the default review period). */
export const stockout_window_days = 7;
/** Units count as "expiring" when their last day falls within this many days from today. */
export const expiring_window_days = 7;
/** Daily demand is the forecast's mean over this many days. */
export const demand_window_days = 7;
/** Demand below this (units) is no demand: floating-point residue of the forecast's sums. */
const epsilon = 1e-9;

export interface Projection {
  /** Mean forecast units per day over the next `demand_window_days`. */
  daily_demand: number;
  /** Days the sellable stock lasts, counting what expires before it sells; null when nothing is forecast to sell. */
  days_of_cover: number | null;
  /** First day the forecast is not met by the stock and what is on order (sold out or expired); null when met over the whole horizon. */
  stockout_date: string | null;
  /** Forecast units not met within `stockout_window_days`. */
  expected_stockout_units: number;
  /** Units on hand and not promised to orders whose last day falls within `expiring_window_days` (already past it included). */
  expiring_units: number;
  /** Units that reach their last day unsold within the forecast's horizon. */
  expected_waste_units: number;
  /** The waste by last day (expires_on → units), for markdowns. */
  waste_by_expiry: Map<string, number>;
  /** Days the projection covers (the forecast's horizon from today). */
  horizon_days: number;
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The forecast from `today` on: a run made on an earlier day loses its past days. */
export function forecastFrom(today: string, start_date: string, mean: readonly number[]): number[] {
  const offset = daysBetween(start_date, today);
  return offset >= 0 ? mean.slice(offset) : [...new Array<number>(-offset).fill(0), ...mean];
}

/** Sold first: reserved units, then the lot that expires first (the oldest, when shelf lives are equal); lots that do not perish last. */
function sellingOrder(lots: readonly Lot[]): Lot[] {
  return lots
    .filter((l) => l.units > 0)
    .map((l) => ({ ...l }))
    .sort((a, b) => (a.expires_on ?? '9999').localeCompare(b.expires_on ?? '9999') || a.received_on.localeCompare(b.received_on));
}

function take(lots: { units: number }[], wanted: number): number {
  let taken = 0;
  for (const lot of lots) {
    if (taken >= wanted - epsilon) break;
    const t = Math.min(lot.units, wanted - taken);
    lot.units -= t;
    taken += t;
  }
  return taken;
}

/**
 * Sells the forecast out of the lots day by day. Reserved units (promised to orders) leave first,
 * from the oldest lot. Lots whose last day has passed before today are waste today.
 */
export function projectStock(input: { today: string; lots: readonly Lot[]; reserved: number; forecast: readonly number[]; arriving?: readonly Lot[] }): Projection {
  const { today, forecast } = input;
  let lots = sellingOrder(input.lots);
  const arriving = input.arriving ?? [];
  take(lots, input.reserved);
  const waste_by_expiry = new Map<string, number>();
  const spoil = (lot: { units: number }, day: string) => {
    if (lot.units > epsilon) waste_by_expiry.set(day, (waste_by_expiry.get(day) ?? 0) + lot.units);
    lot.units = 0;
  };
  const last_expiring_day = addDays(today, expiring_window_days - 1);
  const expiring_units = lots.reduce((s, l) => s + (l.expires_on !== null && l.expires_on <= last_expiring_day ? l.units : 0), 0);
  for (const lot of lots) if (lot.expires_on !== null && lot.expires_on < today) spoil(lot, lot.expires_on);

  let stockout_date: string | null = null;
  let days_of_cover: number | null = null;
  let expected_stockout_units = 0;
  for (let t = 0; t < forecast.length; t++) {
    const day = addDays(today, t);
    // Units on order join the shelf the day they are expected, and sell in their turn.
    const landing = arriving.filter((a) => (t === 0 ? a.received_on <= day : a.received_on === day));
    if (landing.length > 0) lots = sellingOrder([...lots, ...landing]);
    const demand = Math.max(0, forecast[t] ?? 0);
    const taken = take(lots, demand);
    const unmet = demand - taken;
    if (unmet > epsilon) {
      if (stockout_date === null) {
        stockout_date = day;
        days_of_cover = t + taken / demand;
      }
      if (t < stockout_window_days) expected_stockout_units += unmet;
    }
    for (const lot of lots) if (lot.expires_on === day) spoil(lot, day);
  }
  const daily_demand = mean(forecast.slice(0, demand_window_days));
  if (days_of_cover === null) {
    // Never short within the horizon: what is left lasts at the forecast's average rate.
    const left = lots.reduce((s, l) => s + l.units, 0);
    const rate = mean(forecast);
    days_of_cover = rate > epsilon ? forecast.length + left / rate : null;
  }
  return {
    daily_demand,
    days_of_cover,
    stockout_date,
    expected_stockout_units,
    expiring_units,
    expected_waste_units: [...waste_by_expiry.values()].reduce((s, u) => s + u, 0),
    waste_by_expiry,
    horizon_days: forecast.length,
  };
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((s, x) => s + Math.max(0, x), 0) / xs.length;
}

/** Price elasticity of demand assumed for fresh food: 1 % off sells about 2.5 % more. */
export const markdown_elasticity = -2.5;
export const markdown_percent_min = 20;
export const markdown_percent_max = 50;

/**
 * The percent off that should sell the units the forecast leaves unsold before their last day:
 * the lift needed is unsold ÷ forecast demand until then; at a constant elasticity ε a price cut
 * p lifts demand by (1 − p)^ε − 1, so p = 1 − (1 + lift)^(1/ε); rounded up to 5 %, between 20 %
 * (less does not move shoppers to a nearly expired item) and 50 % (more sells at a loss better
 * taken as waste).
 */
export function markdownPercent(unsold_units: number, demand_until_expiry: number): number {
  const lift = demand_until_expiry > epsilon ? unsold_units / demand_until_expiry : Infinity;
  const p = lift === Infinity ? 1 : 1 - Math.pow(1 + lift, 1 / markdown_elasticity);
  return Math.min(markdown_percent_max, Math.max(markdown_percent_min, Math.ceil((p * 100 - 1e-9) / 5) * 5));
}
