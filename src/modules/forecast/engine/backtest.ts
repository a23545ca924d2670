/**
 * Rolling-origin backtest: each candidate is fitted on the history up to an origin and forecasts
 * the h periods after it; scored by MASE (or RMSSE, for intermittent demand), averaged over the
 * origins. The last origin leaves exactly
 * h periods to forecast; the earlier ones are spaced h apart, or 1 apart when spacing them h apart
 * would leave too little history for a candidate that the whole series could fit.
 *
 * Every fit sees at most the last `fitWindow(season)` periods before its origin (26 weeks of days,
 * three seasons of weeks), and so does the winner's refit at the series' end: the models are tried
 * as they will forecast, fitting cost (which grows with the length) stays bounded, and which model
 * suits a series shows in its recent history.
 */
import { maseScale, meanAbsoluteError, rmsseScale, rootMeanSquaredError } from './metrics.js';
import { isObserved, maskedDemand } from './observed.js';
import type { Model, ModelName, Series } from './types.js';

/** Most origins a backtest may use (each costs a refit of every candidate). */
export const origins_max = 12;
/** Fewest observed periods before the first origin for a backtest to mean anything. */
export const backtest_train_min = 10;
/** Fewest periods a fit sees when the history is longer. */
const fit_window_min = 182;

/** How many periods before an origin (or the series' end) a fit sees: at least 182, and three seasons. */
export function fitWindow(season: number): number {
  return Math.max(fit_window_min, 3 * Math.floor(season));
}

export interface BacktestPlan {
  /** Training lengths (origins), oldest first. */
  ends: number[];
  /** Periods before an origin that its fit sees (`fitWindow`). */
  window: number;
  /** The candidates every origin can fit. */
  candidates: Model[];
}

/** Periods [start, end) of `series` (events kept for the h periods after them). */
export function slice(series: Series, start: number, end: number, h: number): Series {
  return {
    y: series.y.subarray(start, end),
    censored: series.censored?.subarray(start, end),
    season: series.season,
    events: series.events?.subarray(start, end + h),
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
  const window = fitWindow(series.season);
  const whole = candidates.filter((m) => fits(m, series.season, Math.min(n, window), observedBefore[n]! - observedBefore[Math.max(0, n - window)]!));
  if (whole.length < 2) return null;
  for (const step of h > 1 ? [h, 1] : [1]) {
    const ends = Array.from({ length: origins }, (_, j) => n - h - (origins - 1 - j) * step);
    const first = ends[0]!;
    if (first < 1) continue;
    const start = Math.max(0, first - window);
    const observed = observedBefore[first]! - observedBefore[start]!;
    if (observed < backtest_train_min) continue;
    const usable = whole.filter((m) => fits(m, series.season, first - start, observed));
    if (step > 1 && usable.length < whole.length) continue;
    if (usable.length >= 2) return { ends, window, candidates: usable };
  }
  return null;
}

/** MASE, or RMSSE: for intermittent demand an absolute error favours a forecast of zero (the median), useless for stock. */
export type Measure = 'mase' | 'rmsse';

export interface BacktestResult {
  /** Mean scaled error per candidate that forecast every origin usably. */
  scores: Partial<Record<ModelName, number>>;
  /** The two best candidates (best first) and the mean scaled error of their average; null with fewer than two. */
  pair: { first: ModelName; second: ModelName; score: number } | null;
}

function scaledError(measure: Measure, actual: Float64Array, mean: ArrayLike<number>, scale: number): number {
  return (measure === 'mase' ? meanAbsoluteError(actual, mean) : rootMeanSquaredError(actual, mean)) / scale;
}

/**
 * Mean scaled error of each candidate over the plan's origins (the origin's whole history up to it
 * scales the error), and of the average of the best two. A candidate that throws or forecasts
 * something unusable is left out; an origin whose h periods are all censored does not count.
 */
export function runBacktest(series: Series, plan: BacktestPlan, h: number, level: number, measure: Measure): BacktestResult {
  const y = maskedDemand(series);
  const k = plan.candidates.length;
  const origins = plan.ends.map((end) => ({
    actual: y.subarray(end, end + h),
    scale: measure === 'mase' ? maseScale(y.subarray(0, end), series.season) : rmsseScale(y.subarray(0, end), series.season),
    train: slice(series, Math.max(0, end - plan.window), end, h),
    known: y.subarray(end, end + h).some((v) => !Number.isNaN(v)),
  }));
  const means: (Float64Array | null)[][] = origins.map(() => new Array<Float64Array | null>(k).fill(null));
  const totals = plan.candidates.map((model, c) => {
    let sum = 0;
    let count = 0;
    for (let o = 0; o < origins.length; o++) {
      const { actual, scale, train, known } = origins[o]!;
      if (!known) continue;
      let mean: Float64Array;
      try {
        mean = model.forecast(train, h, level).mean;
      } catch {
        return Number.NaN;
      }
      const error = scaledError(measure, actual, mean, scale);
      if (mean.length !== h || !(error < Number.POSITIVE_INFINITY)) return Number.NaN;
      means[o]![c] = mean;
      sum += error;
      count++;
    }
    return count > 0 ? sum / count : Number.NaN;
  });
  const scores: Partial<Record<ModelName, number>> = {};
  const ranked: number[] = [];
  plan.candidates.forEach((model, c) => {
    if (Number.isNaN(totals[c]!)) return;
    scores[model.name] = totals[c]!;
    ranked.push(c);
  });
  // Stable: on ties the simpler candidate, listed first, stays ahead.
  ranked.sort((a, b) => totals[a]! - totals[b]!);
  if (ranked.length < 2) return { scores, pair: null };
  const [a, b] = [ranked[0]!, ranked[1]!];
  let sum = 0;
  let count = 0;
  const average = new Float64Array(h);
  for (let o = 0; o < origins.length; o++) {
    const fa = means[o]![a];
    const fb = means[o]![b];
    if (!fa || !fb) continue;
    for (let t = 0; t < h; t++) average[t] = (fa[t]! + fb[t]!) / 2;
    sum += scaledError(measure, origins[o]!.actual, average, origins[o]!.scale);
    count++;
  }
  const pair = count > 0 ? { first: plan.candidates[a]!.name, second: plan.candidates[b]!.name, score: sum / count } : null;
  return { scores, pair };
}
