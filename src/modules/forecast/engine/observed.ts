/**
 * Helpers shared by the intermittent models, the classification and the selector: a series'
 * observed demand (censored and unknown periods left out), empirical quantiles and the zero
 * forecast given when nothing was observed.
 */
import type { Forecast, ModelName, Series } from './types.js';

/** Whether period i is known demand: not censored and a finite number. */
export function isObserved(series: Series, i: number): boolean {
  const v = series.y[i]!;
  return Number.isFinite(v) && !(series.censored !== undefined && series.censored[i] === 1);
}

/**
 * The observed demand, oldest first, with censored and unknown periods left out and negative
 * figures (net returns) counted as no demand. The intermittent models and the classification skip
 * censored periods entirely: a day out of stock neither counts as a day without demand nor
 * lengthens the interval between two demands.
 */
export function observedDemand(series: Series): Float64Array {
  const out = new Float64Array(series.y.length);
  let n = 0;
  for (let i = 0; i < series.y.length; i++) {
    if (!isObserved(series, i)) continue;
    const v = series.y[i]!;
    out[n++] = v > 0 ? v : 0;
  }
  return out.subarray(0, n);
}

/** The series' demand with censored periods as NaN, what the accuracy measures skip. */
export function maskedDemand(series: Series): Float64Array {
  const out = new Float64Array(series.y.length);
  for (let i = 0; i < out.length; i++) out[i] = isObserved(series, i) ? series.y[i]! : Number.NaN;
  return out;
}

/** Quantile (linear interpolation between order statistics, Hyndman & Fan type 7) of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = (n - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

/** A forecast of zero demand with a zero-width interval, for a series with nothing to learn from. */
export function zeroForecast(model: ModelName, h: number, level: number, fallback: string): Forecast {
  return { model, mean: new Float64Array(h), lower: new Float64Array(h), upper: new Float64Array(h), level, sigma: 0, fallback };
}

/** "12 days", "60 weeks", "5 periods": a count of periods in the series' own unit. */
export function periodsLabel(n: number, season: number): string {
  const unit = season === 7 ? 'day' : season === 52 ? 'week' : 'period';
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
