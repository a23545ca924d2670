/**
 * Helpers shared by the baselines and exponential smoothing (owner: engine-ets helper): the
 * observed series (censored periods and NaN as missing), a forecast's assembly from point
 * forecasts and per-period standard deviations (never negative), and the baseline fallback chain.
 */
import { normalQuantile } from './policy.js';
import type { Forecast, ModelName, Series } from './types.js';

/** The series' demand with censored periods as NaN (a copy), and how many periods are observed. */
export function observed(series: Series): { y: Float64Array; count: number } {
  const n = series.y.length;
  const y = new Float64Array(n);
  const censored = series.censored;
  let count = 0;
  for (let t = 0; t < n; t++) {
    const v = series.y[t]!;
    if (!Number.isFinite(v) || (censored !== undefined && censored[t] === 1)) y[t] = NaN;
    else {
      y[t] = v;
      count++;
    }
  }
  return { y, count };
}

/** The season as a usable period length (an integer >= 1). */
export function seasonOf(series: Series): number {
  const m = Math.floor(series.season);
  return Number.isFinite(m) && m >= 1 ? m : 1;
}

/** A valid interval level (0.8 when the one asked is not strictly between 0 and 1). */
export function levelOf(level: number): number {
  return Number.isFinite(level) && level > 0 && level < 1 ? level : 0.8;
}

export function horizonOf(h: number): number {
  return Number.isFinite(h) && h > 0 ? Math.floor(h) : 0;
}

/**
 * Builds a forecast from point forecasts and the forecast error's standard deviation per period:
 * a normal interval at `level`; means and bounds are clamped at zero (demand is never negative).
 */
export function assemble(model: ModelName, mean: Float64Array, sd: Float64Array, level: number, sigma: number, fallback?: string): Forecast {
  const z = normalQuantile(0.5 + level / 2);
  const h = mean.length;
  const lower = new Float64Array(h);
  const upper = new Float64Array(h);
  for (let i = 0; i < h; i++) {
    let mu = mean[i]!;
    if (!Number.isFinite(mu) || mu < 0) mu = Number.isFinite(mu) ? 0 : 0;
    mean[i] = mu;
    const s = Number.isFinite(sd[i]!) && sd[i]! > 0 ? sd[i]! : 0;
    lower[i] = Math.max(0, mu - z * s);
    upper[i] = Math.max(mu, mu + z * s);
  }
  const out: Forecast = { model, mean, lower, upper, level, sigma: Number.isFinite(sigma) && sigma > 0 ? sigma : 0 };
  if (fallback !== undefined) out.fallback = fallback;
  return out;
}

/** Last observed value's index, or -1. */
export function lastObserved(y: Float64Array): number {
  for (let t = y.length - 1; t >= 0; t--) if (y[t] === y[t]) return t;
  return -1;
}
