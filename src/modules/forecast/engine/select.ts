/**
 * Classification (ADI / CV²), rolling-origin backtest and the automatic choice. `chooseForecast`
 * never throws: a series too short to compare models gets a baseline with `fallback` saying so.
 */
import { origins_max, planBacktest, runBacktest, slice, type Measure } from './backtest.js';
import { empiricalInterval } from './intermittent.js';
import { models } from './models.js';
import { observedDemand, periodsLabel, zeroForecast } from './observed.js';
import type { Choice, ChooseOptions, DemandClass, Forecast, Model, ModelName, Series } from './types.js';

/** Syntetos, Boylan & Croston's cut-offs. */
const adi_cutoff = 1.32;
const cv2_cutoff = 0.49;

/** Default candidates per class, simplest first (a tie goes to the simpler model). */
export const smoothCandidates: readonly ModelName[] = ['naive', 'seasonal_naive', 'ses', 'holt', 'holt_winters', 'ets_auto'];
export const intermittentCandidates: readonly ModelName[] = ['croston', 'sba', 'tsb', 'mean', 'naive'];

/**
 * Syntetos-Boylan-Croston classification on the observed periods (censored ones excluded).
 * ADI = observed periods / periods with demand (the average interval between demands);
 * CV² = squared coefficient of variation of the non-zero demand sizes (0 with fewer than two).
 * ADI < 1.32: smooth (CV² < 0.49) or erratic; else intermittent (CV² < 0.49) or lumpy. A series
 * without any demand is intermittent with ADI = its observed length.
 */
export function classify(series: Series): { class: DemandClass; adi: number; cv2: number } {
  const x = observedDemand(series);
  let demands = 0;
  let sum = 0;
  let sumSquares = 0;
  for (const v of x) {
    if (v <= 0) continue;
    demands++;
    sum += v;
    sumSquares += v * v;
  }
  if (demands === 0) return { class: 'intermittent', adi: x.length, cv2: 0 };
  const adi = x.length / demands;
  const mean = sum / demands;
  const variance = Math.max(0, sumSquares / demands - mean * mean);
  const cv2 = demands > 1 ? variance / (mean * mean) : 0;
  const intermittent = adi >= adi_cutoff;
  const variable = cv2 >= cv2_cutoff;
  const cls: DemandClass = intermittent ? (variable ? 'lumpy' : 'intermittent') : variable ? 'erratic' : 'smooth';
  return { class: cls, adi, cv2 };
}

/**
 * The average of two forecasts: means, bounds and sigmas averaged (the sigma an upper bound of the
 * average's). The average of the backtest's best two is a candidate too, taken when its backtest
 * error is lower than the best alone's. On the Walmart weekly sales (45 stores, the last 13 weeks
 * held out) it cut the automatic choice's MASE from 0.628 to 0.595 (seasonal naive: 0.824);
 * combining every series' best two scored 0.586, requiring a 2% gain 0.606.
 */
function average(a: Forecast, b: Forecast): Forecast {
  const h = a.mean.length;
  const mean = new Float64Array(h);
  const lower = new Float64Array(h);
  const upper = new Float64Array(h);
  for (let t = 0; t < h; t++) {
    mean[t] = (a.mean[t]! + b.mean[t]!) / 2;
    lower[t] = Math.min(mean[t]!, (a.lower[t]! + b.lower[t]!) / 2);
    upper[t] = Math.max(mean[t]!, (a.upper[t]! + b.upper[t]!) / 2);
  }
  return { model: a.model, combined_with: b.model, mean, lower, upper, level: a.level, sigma: (a.sigma + b.sigma) / 2 };
}

/** A forecast the rest of the system can use: h periods, finite and non-negative. */
function usable(f: Forecast, h: number): boolean {
  if (f.mean.length !== h || f.lower.length !== h || f.upper.length !== h || !Number.isFinite(f.sigma)) return false;
  for (let t = 0; t < h; t++) if (!(f.mean[t]! >= 0 && f.lower[t]! >= 0 && f.upper[t]! >= 0 && Number.isFinite(f.upper[t]!))) return false;
  return true;
}

function attempt(model: Model, series: Series, h: number, level: number): Forecast | null {
  try {
    const f = model.forecast(series, h, level);
    return usable(f, h) ? f : null;
  } catch {
    return null;
  }
}

/** The flat mean of the observed demand with its empirical interval: the last resort, built here so that it cannot fail. */
function flatMean(series: Series, h: number, level: number, fallback: string): Forecast {
  const x = observedDemand(series);
  let sum = 0;
  for (const v of x) sum += v;
  const mean = x.length > 0 ? sum / x.length : 0;
  let squares = 0;
  for (const v of x) squares += (v - mean) * (v - mean);
  const { lower, upper } = empiricalInterval(x, mean, level, series.season);
  const sigma = x.length > 1 ? Math.sqrt(squares / (x.length - 1)) : 0;
  return { model: 'mean', mean: new Float64Array(h).fill(mean), lower: new Float64Array(h).fill(lower), upper: new Float64Array(h).fill(upper), level, sigma, fallback };
}

/**
 * The baseline for a series that cannot be compared: the mean for intermittent demand, else the
 * seasonal naive forecast when a whole season was observed, else the naive one.
 */
function baseline(series: Series, cls: DemandClass, h: number, level: number, reason: string): Forecast {
  const observed = observedDemand(series).length;
  const history = periodsLabel(series.y.length, series.season);
  if (observed === 0) return zeroForecast('mean', h, level, `${history} of history, none observed: zero forecast`);
  const [model, label] =
    cls === 'intermittent' || cls === 'lumpy' ? [models.mean, 'mean']
    : series.season > 1 && series.y.length >= series.season ? [models.seasonal_naive, 'seasonal naive']
    : [models.naive, 'naive'];
  const fallback = `${history} of history: ${reason}, ${label}`;
  const f = attempt(model, series, h, level);
  return f ? { ...f, fallback } : flatMean(series, h, level, `${history} of history: ${reason}, mean`);
}

function sanitize(options: ChooseOptions): { h: number; level: number; origins: number } {
  const h = Number.isFinite(options.h) && options.h >= 1 ? Math.floor(options.h) : 1;
  const level = options.level !== undefined && options.level > 0 && options.level < 1 ? options.level : 0.8;
  const origins = options.origins !== undefined && options.origins >= 1 ? Math.min(origins_max, Math.floor(options.origins)) : 3;
  return { h, level, origins };
}

/**
 * Classifies the series, backtests the class's candidates (or `options.candidates`) over rolling
 * origins, chooses the lowest mean scaled error (MASE; RMSSE for intermittent and lumpy demand; the
 * simpler model on ties) and refits it at the series' end on the same window of latest history its
 * backtest fits saw (`fitWindow`: the whole series when shorter); when the average of the best two
 * scored lower than the best, the forecast is that average of both refits. Never throws.
 */
export function chooseForecast(series: Series, options: ChooseOptions): Choice {
  const { h, level, origins } = sanitize(options);
  const { class: cls, adi, cv2 } = classify(series);
  const names = options.candidates ?? (cls === 'smooth' || cls === 'erratic' ? smoothCandidates : intermittentCandidates);
  const measure: Measure = cls === 'smooth' || cls === 'erratic' ? 'mase' : 'rmsse';
  const plan = planBacktest(series, names.map((n) => models[n]), h, origins);
  if (!plan) return { class: cls, adi, cv2, forecast: baseline(series, cls, h, level, 'too short to compare models'), backtest: {}, measure, origins: 0 };
  const { scores: backtest, pair } = runBacktest(series, plan, h, level, measure);
  const base = { class: cls, adi, cv2, backtest, measure, origins: plan.ends.length };
  const latest = slice(series, Math.max(0, series.y.length - plan.window), series.y.length, h);
  if (pair && pair.score < backtest[pair.first]!) {
    const first = attempt(models[pair.first], latest, h, level);
    const second = attempt(models[pair.second], latest, h, level);
    if (first && second) return { ...base, forecast: average(first, second) };
  }
  const ranked = plan.candidates.filter((m) => backtest[m.name] !== undefined).sort((a, b) => backtest[a.name]! - backtest[b.name]!);
  for (const model of ranked) {
    const forecast = attempt(model, latest, h, level);
    if (forecast) return { ...base, forecast };
  }
  return { class: cls, adi, cv2, forecast: baseline(series, cls, h, level, 'no candidate model could be fitted'), backtest, measure, origins: 0 };
}
