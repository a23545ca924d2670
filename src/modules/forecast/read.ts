/**
 * What other modules read of the current forecast (owner: forecast-module helper). The stub
 * answers nothing until the module is built; the signatures are the contract.
 */
import type { AnyDb } from '../../kernel/db.js';

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
  /** Set when a baseline answered because the series was too short: why. */
  fallback: string | null;
}

export function currentForecasts(_db: AnyDb, _merchant_id: string, _filter: { variant_ids?: readonly string[]; location_ids?: readonly string[] } = {}): Promise<CurrentForecast[]> {
  return Promise.resolve([]);
}

/** Daily units sold of one variant at one location over the last `days` days (history the run used), with the days it was out of stock. */
export function salesHistory(_db: AnyDb, _merchant_id: string, _filter: { variant_ids?: readonly string[]; location_ids?: readonly string[]; days: number }): Promise<{ variant_id: string; location_id: string; day: string; units: number; censored: boolean }[]> {
  return Promise.resolve([]);
}
