/**
 * Intermittent demand: Croston, SBA (Syntetos-Boylan approximation) and TSB (Teunter, Syntetos &
 * Babai). Censored periods are skipped (see `observedDemand`).
 *
 * - Croston: simple exponential smoothing of the non-zero demand sizes (z) and of the intervals
 *   between them (p), updated only in periods with demand; forecast z / p per period.
 * - SBA: Croston times 1 - alpha / 2, which removes Croston's upward bias.
 * - TSB: smooths the probability of demand (updated every period, towards 1 with demand and 0
 *   without) and the size (updated with demand); forecast probability x size, so the forecast
 *   decays towards zero while an item stops selling, where Croston's stays put.
 *
 * Smoothing constants come from a small grid, chosen by the in-sample one-step mean squared error;
 * `sigma` is that error's standard deviation. Prediction intervals are empirical: the quantiles of
 * the observed per-period demand over the recent window (the last max(90, 2 seasons) observed
 * periods), scaled so that their mean equals the forecast. Demand that is zero most days therefore
 * has a lower bound of 0 and an upper bound at the size of a typical sale; the upper bound is never
 * below the mean.
 */
import { observedDemand, periodsLabel, quantileSorted, zeroForecast } from './observed.js';
import type { Forecast, Model, ModelName, Series } from './types.js';

/** Smoothing constants tried for Croston and SBA (one constant for sizes and intervals). */
const croston_alphas = [0.05, 0.1, 0.15, 0.2, 0.3] as const;
/** TSB: size constants x probability constants. */
const tsb_alphas = [0.05, 0.1, 0.2, 0.3] as const;
const tsb_betas = [0.02, 0.05, 0.1, 0.2] as const;
/** Fewest observed periods for an intermittent model in the selector's backtest. */
const intermittent_length_min = 8;
/** Periods (at least) whose demand distribution gives the interval. */
const interval_window_min = 90;

/** The state after smoothing a series: the per-period forecast and the in-sample one-step errors. */
export interface IntermittentFit {
  /** Per-period forecast after the last observation. */
  forecast: number;
  /** Sum of squared one-step errors and how many there were (periods after the first demand). */
  sse: number;
  errors: number;
}

/** The index of the first period with demand, or -1. */
function firstDemand(x: ArrayLike<number>): number {
  for (let i = 0; i < x.length; i++) if (x[i]! > 0) return i;
  return -1;
}

/**
 * Croston's method with smoothing constant `alpha` and bias factor `bias` (1 for Croston,
 * 1 - alpha / 2 for SBA). Starts at the first demand: size = that demand, interval = its position
 * (1-based); the one-step errors are counted from the period after it.
 */
export function crostonFit(x: ArrayLike<number>, alpha: number, bias: number): IntermittentFit {
  const first = firstDemand(x);
  if (first < 0) return { forecast: 0, sse: 0, errors: 0 };
  let size = x[first]!;
  let interval = first + 1;
  let since = 1;
  let sse = 0;
  for (let t = first + 1; t < x.length; t++) {
    const e = x[t]! - (bias * size) / interval;
    sse += e * e;
    if (x[t]! > 0) {
      size += alpha * (x[t]! - size);
      interval += alpha * (since - interval);
      since = 1;
    } else {
      since++;
    }
  }
  return { forecast: (bias * size) / interval, sse, errors: x.length - first - 1 };
}

/**
 * TSB with size constant `alpha` and probability constant `beta`. Starts at the first demand:
 * size = that demand, probability = 1 / its position (1-based).
 */
export function tsbFit(x: ArrayLike<number>, alpha: number, beta: number): IntermittentFit {
  const first = firstDemand(x);
  if (first < 0) return { forecast: 0, sse: 0, errors: 0 };
  let size = x[first]!;
  let probability = 1 / (first + 1);
  let sse = 0;
  for (let t = first + 1; t < x.length; t++) {
    const e = x[t]! - probability * size;
    sse += e * e;
    if (x[t]! > 0) {
      probability += beta * (1 - probability);
      size += alpha * (x[t]! - size);
    } else {
      probability -= beta * probability;
    }
  }
  return { forecast: probability * size, sse, errors: x.length - first - 1 };
}

/** The fit with the least in-sample error among `fits` (the first on ties). */
function best(fits: IntermittentFit[]): IntermittentFit {
  let chosen = fits[0]!;
  for (const f of fits) if (f.sse < chosen.sse) chosen = f;
  return chosen;
}

/**
 * Empirical prediction interval for one period: quantiles of the recent observed demand scaled to
 * the forecast's mean. When the recent window has no demand (an item that stopped selling but whose
 * Croston forecast is still positive) the whole history's distribution is used.
 */
export function empiricalInterval(x: Float64Array, mean: number, level: number, season: number): { lower: number; upper: number } {
  if (mean <= 0) return { lower: 0, upper: 0 };
  const window = Math.min(x.length, Math.max(interval_window_min, 2 * season));
  let sample = x.subarray(x.length - window);
  let total = 0;
  for (const v of sample) total += v;
  if (total <= 0) {
    sample = x;
    for (const v of sample) total += v;
  }
  if (total <= 0) return { lower: 0, upper: mean };
  const sorted = Float64Array.from(sample).sort();
  const scale = mean / (total / sample.length);
  const lower = Math.max(0, quantileSorted(sorted, (1 - level) / 2) * scale);
  const upper = Math.max(mean, quantileSorted(sorted, (1 + level) / 2) * scale);
  return { lower: Math.min(lower, mean), upper };
}

/** A flat forecast with the empirical interval, or a zero forecast saying why. */
function intermittentForecast(name: ModelName, series: Series, h: number, level: number, fit: (x: Float64Array) => IntermittentFit): Forecast {
  const x = observedDemand(series);
  if (x.length === 0) return zeroForecast(name, h, level, 'no observed demand (every period censored or unknown): zero forecast');
  if (firstDemand(x) < 0) return zeroForecast(name, h, level, `no demand in ${periodsLabel(x.length, series.season)} observed: zero forecast`);
  const f = fit(x);
  const mean = Math.max(0, f.forecast);
  const { lower, upper } = empiricalInterval(x, mean, level, series.season);
  const sigma = f.errors > 0 ? Math.sqrt(f.sse / f.errors) : 0;
  return { model: name, mean: new Float64Array(h).fill(mean), lower: new Float64Array(h).fill(lower), upper: new Float64Array(h).fill(upper), level, sigma };
}

export const croston: Model = {
  name: 'croston',
  min_length: () => intermittent_length_min,
  forecast: (series, h, level) => intermittentForecast('croston', series, h, level, (x) => best(croston_alphas.map((a) => crostonFit(x, a, 1)))),
};

export const sba: Model = {
  name: 'sba',
  min_length: () => intermittent_length_min,
  forecast: (series, h, level) => intermittentForecast('sba', series, h, level, (x) => best(croston_alphas.map((a) => crostonFit(x, a, 1 - a / 2)))),
};

export const tsb: Model = {
  name: 'tsb',
  min_length: () => intermittent_length_min,
  forecast: (series, h, level) => intermittentForecast('tsb', series, h, level, (x) => best(tsb_alphas.flatMap((a) => tsb_betas.map((b) => tsbFit(x, a, b))))),
};
