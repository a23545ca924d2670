/**
 * Rolling-origin backtest: each candidate is fitted on the history up to an origin and forecasts
 * the h periods after it; scored by MASE, averaged over the origins. The last origin leaves exactly
 * h periods to forecast; the earlier ones are spaced h apart, or 1 apart when spacing them h apart
 * would leave too little history for a candidate that the whole series could fit.
 */
import { maseScale, meanAbsoluteError } from './metrics.js';
import { isObserved, maskedDemand } from './observed.js';
import type { Model, ModelName, Series } from './types.js';

/** Most origins a backtest may use (each costs a refit of every candidate). */
export const origins_max = 12;
/** Fewest observed periods before the first origin for a backtest to mean anything. */
export const backtest_train_min = 10;

export interface BacktestPlan {
  /** Training lengths (origins), oldest first. */
  ends: number[];
  /** The candidates every origin can fit. */
  candidates: Model[];
}

/** The first `length` periods of `series` (events kept for the h periods after them). */
export function head(series: Series, length: number, h: number): Series {
  return {
    y: series.y.subarray(0, length),
    censored: series.censored?.subarray(0, length),
    season: series.season,
    events: series.events?.subarray(0, length + h),
  };
}

/** Whether `model` can be fitted on the first `length` periods: its minimum observed length, and two seasons for the seasonal ones. */
function fits(model: Model, season: number, length: number, observed: number): boolean {
  if ((model.name === 'seasonal_naive' || model.name === 'holt_winters') && !(season > 1 && length >= 2 * season)) return false;
  return observed >= model.min_length(season);
}

/** Where the origins go and which candidates take part; null when the series is too short to compare at least two. */
export function planBacktest(series: Series, candidates: readonly Model[], h: number, origins: number): BacktestPlan | null {
  const n = series.y.length;
  const observedBefore = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) observedBefore[i + 1] = observedBefore[i]! + (isObserved(series, i) ? 1 : 0);
  const whole = candidates.filter((m) => fits(m, series.season, n, observedBefore[n]!));
  if (whole.length < 2) return null;
  for (const step of h > 1 ? [h, 1] : [1]) {
    const ends = Array.from({ length: origins }, (_, j) => n - h - (origins - 1 - j) * step);
    const first = ends[0]!;
    if (first < 1 || observedBefore[first]! < backtest_train_min) continue;
    const usable = whole.filter((m) => fits(m, series.season, first, observedBefore[first]!));
    if (step > 1 && usable.length < whole.length) continue;
    if (usable.length >= 2) return { ends, candidates: usable };
  }
  return null;
}

/**
 * Mean MASE of each candidate over the plan's origins (the origin's training history scales it).
 * A candidate that throws or forecasts something unusable is left out; an origin whose h periods
 * are all censored does not count.
 */
export function runBacktest(series: Series, plan: BacktestPlan, h: number, level: number): Partial<Record<ModelName, number>> {
  const y = maskedDemand(series);
  const sums = new Float64Array(plan.candidates.length);
  const counts = new Int32Array(plan.candidates.length);
  const broken = new Uint8Array(plan.candidates.length);
  for (const end of plan.ends) {
    const actual = y.subarray(end, end + h);
    const scale = maseScale(y.subarray(0, end), series.season);
    const train = head(series, end, h);
    plan.candidates.forEach((model, c) => {
      if (broken[c]) return;
      let mean: Float64Array;
      try {
        mean = model.forecast(train, h, level).mean;
      } catch {
        broken[c] = 1;
        return;
      }
      const error = meanAbsoluteError(actual, mean);
      if (Number.isNaN(error)) return;
      if (!Number.isFinite(error) || mean.length !== h) {
        broken[c] = 1;
        return;
      }
      sums[c] = sums[c]! + error / scale;
      counts[c] = counts[c]! + 1;
    });
  }
  const scores: Partial<Record<ModelName, number>> = {};
  plan.candidates.forEach((model, c) => {
    if (!broken[c] && counts[c]! > 0) scores[model.name] = sums[c]! / counts[c]!;
  });
  return scores;
}
