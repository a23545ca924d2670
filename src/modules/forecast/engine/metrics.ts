/**
 * Forecast accuracy: MASE (scaled by the in-sample seasonal naive error), RMSSE (its squared-error
 * sibling, the M5 competition's measure, which the selector uses for intermittent demand because an
 * absolute error rewards forecasting zero) and sMAPE. Periods whose actual demand is unknown (NaN:
 * censored) are left out.
 */

/**
 * In-sample mean absolute error of the seasonal naive forecast with season `season` on `train`
 * (the MASE's denominator). With fewer than season + 1 observations the season is 1 (naive). When
 * that error is zero (a constant history) the scale is the history's mean absolute level, and 1
 * when that is zero too, so that MASE stays finite.
 */
export function maseScale(train: ArrayLike<number>, season: number): number {
  return scale(train, season, 1);
}

/** In-sample root mean squared error of the seasonal naive forecast (RMSSE's denominator), with the same fallbacks. */
export function rmsseScale(train: ArrayLike<number>, season: number): number {
  return scale(train, season, 2);
}

function scale(train: ArrayLike<number>, season: number, power: 1 | 2): number {
  const m = season >= 1 && train.length >= season + 1 ? Math.floor(season) : 1;
  let sum = 0;
  let n = 0;
  for (let t = m; t < train.length; t++) {
    const d = Math.abs(train[t]! - train[t - m]!);
    if (Number.isNaN(d)) continue;
    sum += power === 1 ? d : d * d;
    n++;
  }
  if (n > 0 && sum > 0) return power === 1 ? sum / n : Math.sqrt(sum / n);
  let level = 0;
  let k = 0;
  for (let t = 0; t < train.length; t++) {
    if (Number.isNaN(train[t]!)) continue;
    level += Math.abs(train[t]!);
    k++;
  }
  return k > 0 && level > 0 ? level / k : 1;
}

/** Mean absolute error over the periods whose actual is known; NaN when there is none. */
export function meanAbsoluteError(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  const len = Math.min(actual.length, forecast.length);
  for (let i = 0; i < len; i++) {
    const a = actual[i]!;
    if (Number.isNaN(a)) continue;
    sum += Math.abs(a - forecast[i]!);
    n++;
  }
  return n > 0 ? sum / n : Number.NaN;
}

/** Root mean squared error over the periods whose actual is known; NaN when there is none. */
export function rootMeanSquaredError(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  const len = Math.min(actual.length, forecast.length);
  for (let i = 0; i < len; i++) {
    const a = actual[i]!;
    if (Number.isNaN(a)) continue;
    sum += (a - forecast[i]!) * (a - forecast[i]!);
    n++;
  }
  return n > 0 ? Math.sqrt(sum / n) : Number.NaN;
}

/** Mean absolute scaled error (Hyndman & Koehler): the forecast's MAE over the in-sample seasonal naive MAE on `train`. */
export function mase(actual: ArrayLike<number>, forecast: ArrayLike<number>, train: ArrayLike<number>, season: number): number {
  return meanAbsoluteError(actual, forecast) / maseScale(train, season);
}

/** Root mean squared scaled error (M5): the forecast's RMSE over the in-sample seasonal naive RMSE on `train`. */
export function rmsse(actual: ArrayLike<number>, forecast: ArrayLike<number>, train: ArrayLike<number>, season: number): number {
  return rootMeanSquaredError(actual, forecast) / rmsseScale(train, season);
}

/** Symmetric MAPE in percent: mean of 200 |a - f| / (|a| + |f|), a period where both are zero counting 0. */
export function smape(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  const len = Math.min(actual.length, forecast.length);
  for (let i = 0; i < len; i++) {
    const a = actual[i]!;
    if (Number.isNaN(a)) continue;
    const f = forecast[i]!;
    const denominator = Math.abs(a) + Math.abs(f);
    sum += denominator === 0 ? 0 : (200 * Math.abs(a - f)) / denominator;
    n++;
  }
  return n > 0 ? sum / n : Number.NaN;
}
