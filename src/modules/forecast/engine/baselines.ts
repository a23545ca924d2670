/**
 * Baselines (owner: engine-ets helper): naive, seasonal naive, mean. Censored periods (and NaN)
 * are missing: the naive forecasts look back to the last observed value, residuals skip them.
 * Intervals: naive sigma·sqrt(h) (random walk), seasonal naive sigma·sqrt(⌊(h-1)/m⌋+1), mean
 * sigma·sqrt(1 + 1/n); sigma is the one-step (or one-season) residual root mean square.
 */
import { assemble, horizonOf, lastObserved, levelOf, observed, seasonOf } from './common.js';
import type { Forecast, Model, ModelName, Series } from './types.js';

function naiveCore(y: Float64Array, h: number, level: number, model: ModelName, fallback?: string): Forecast {
  const last = lastObserved(y);
  const value = last >= 0 ? y[last]! : 0;
  let sum = 0;
  let count = 0;
  let prev = NaN;
  for (let t = 0; t < y.length; t++) {
    const v = y[t]!;
    if (v !== v) continue;
    if (prev === prev) {
      const e = v - prev;
      sum += e * e;
      count++;
    }
    prev = v;
  }
  const sigma = count > 0 ? Math.sqrt(sum / count) : 0;
  const mean = new Float64Array(h).fill(value);
  const sd = new Float64Array(h);
  for (let i = 0; i < h; i++) sd[i] = sigma * Math.sqrt(i + 1);
  return assemble(model, mean, sd, level, sigma, last < 0 ? (fallback ?? 'no observed demand: a zero forecast') : fallback);
}

function seasonalNaiveCore(y: Float64Array, m: number, h: number, level: number, fallback?: string): Forecast {
  const n = y.length;
  const last = lastObserved(y);
  const lastValue = last >= 0 ? y[last]! : 0;
  let sum = 0;
  let count = 0;
  for (let t = m; t < n; t++) {
    const v = y[t]!;
    if (v !== v) continue;
    let k = t - m;
    while (k >= 0 && y[k] !== y[k]) k -= m;
    if (k < 0) continue;
    const e = v - y[k]!;
    sum += e * e;
    count++;
  }
  const sigma = count > 0 ? Math.sqrt(sum / count) : 0;
  const mean = new Float64Array(h);
  const sd = new Float64Array(h);
  for (let i = 0; i < h; i++) {
    let k = n + i - m;
    while (k >= n) k -= m;
    while (k >= 0 && y[k] !== y[k]) k -= m;
    mean[i] = k >= 0 ? y[k]! : lastValue;
    sd[i] = sigma * Math.sqrt(Math.floor(i / m) + 1);
  }
  return assemble('seasonal_naive', mean, sd, level, sigma, last < 0 ? (fallback ?? 'no observed demand: a zero forecast') : fallback);
}

function meanCore(y: Float64Array, h: number, level: number, fallback?: string): Forecast {
  let sum = 0;
  let count = 0;
  for (let t = 0; t < y.length; t++) {
    const v = y[t]!;
    if (v === v) {
      sum += v;
      count++;
    }
  }
  const mu = count > 0 ? sum / count : 0;
  let ss = 0;
  for (let t = 0; t < y.length; t++) {
    const v = y[t]!;
    if (v === v) ss += (v - mu) * (v - mu);
  }
  const sigma = count > 1 ? Math.sqrt(ss / (count - 1)) : 0;
  const mean = new Float64Array(h).fill(mu);
  const sd = new Float64Array(h).fill(count > 0 ? sigma * Math.sqrt(1 + 1 / count) : 0);
  return assemble('mean', mean, sd, level, sigma, count === 0 ? (fallback ?? 'no observed demand: a zero forecast') : fallback);
}

/**
 * The fallback chain when a model cannot be fitted: seasonal naive with at least two observed
 * seasons, else naive with an observation, else the mean (zero without any observation).
 */
export function baselineFallback(y: Float64Array, count: number, m: number, h: number, level: number, reason: string): Forecast {
  if (m > 1 && count >= 2 * m) return seasonalNaiveCore(y, m, h, level, `${reason}; seasonal naive instead`);
  if (count >= 1) return naiveCore(y, h, level, 'naive', `${reason}; naive instead`);
  return meanCore(y, h, level, `${reason}; no observed demand: a zero forecast`);
}

export const naive: Model = {
  name: 'naive',
  min_length: () => 1,
  forecast(series: Series, h: number, level: number): Forecast {
    const { y } = observed(series);
    return naiveCore(y, horizonOf(h), levelOf(level), 'naive');
  },
};

export const seasonalNaive: Model = {
  name: 'seasonal_naive',
  min_length: (season: number) => Math.max(1, Math.floor(season)),
  forecast(series: Series, h: number, level: number): Forecast {
    const { y, count } = observed(series);
    const m = seasonOf(series);
    const hh = horizonOf(h);
    const lv = levelOf(level);
    if (m <= 1) return naiveCore(y, hh, lv, 'naive', 'season 1: seasonal naive is naive');
    if (count < m) return baselineFallback(y, count, m, hh, lv, `seasonal naive needs ${m} observed periods, the series has ${count}`);
    return seasonalNaiveCore(y, m, hh, lv);
  },
};

export const meanModel: Model = {
  name: 'mean',
  min_length: () => 1,
  forecast(series: Series, h: number, level: number): Forecast {
    const { y } = observed(series);
    return meanCore(y, horizonOf(h), levelOf(level));
  },
};
