/**
 * Exponential smoothing (owner: engine-ets helper): SES, Holt (damped), Holt-Winters (additive or
 * multiplicative seasonality), an automatic ETS choosing by AICc; known events.
 *
 * The models are the additive-error innovations state-space forms of Hyndman et al. (2008):
 *   ŷ = (l + φb) + s  or  (l + φb)·s,  e = y - ŷ,
 *   l' = l + φb + αe (÷s),  b' = φb + βe (÷s),  s' = s + γe (÷(l + φb)),
 * fitted by minimising the sum of squared one-step errors (the Gaussian likelihood up to
 * constants), compared by AICc = n·log(SSE/n) + 2k + 2k(k+1)/(n-k-1), k counting smoothing
 * parameters, initial states (the m-1 free seasonal ones included) and sigma, as forecast::ets
 * does. Smoothing parameters are found by bounded Nelder-Mead with a fixed budget; initial states
 * come from a classical decomposition of the whole history (the seasonal indices) and a linear
 * fit on the first seasonally adjusted periods (level, trend).
 *
 * Missing periods (censored or NaN) skip the update: the state moves on with its own one-step
 * forecast as the value, and they contribute no residual.
 *
 * One more seasonal family: the seasonal indices held fixed at their decomposition values (γ = 0,
 * "decomposition + (damped) ETS on the seasonally adjusted series"), which averages the season
 * over every year of history instead of chasing the last one; `etsAuto` and `holtWinters` weigh
 * it by AICc like the others.
 */
import { baselineFallback } from './baselines.js';
import { assemble, horizonOf, levelOf, observed, seasonOf } from './common.js';
import { nelderMead } from './optimize.js';
import type { Forecast, Model, ModelName, Series } from './types.js';

const TREND_N = 0;
const TREND_AD = 2;
const SEASON_N = 0;
const SEASON_A = 1;
const SEASON_M = 2;

/** One model of the family: trend (0 none, 1 additive (not offered: damped only), 2 damped), season (N, A, M), and whether γ is held at 0. */
export interface Spec {
  trend: number;
  season: number;
  fixedSeason: boolean;
}

/** A fitted model: parameters, final states, fit statistics. */
export interface Fit {
  spec: Spec;
  m: number;
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
  /** Final level and trend (after the last period). */
  l: number;
  b: number;
  /** Seasonal states: s[j] applies to the period t with t mod m == j. */
  s: Float64Array;
  sse: number;
  nObs: number;
  k: number;
  aicc: number;
  sigma: number;
}

// Final states of the last `run`, read by the caller (no allocation per evaluation).
let lastL = 0;
let lastB = 0;

/**
 * The recursion over y; returns the sum of squared one-step errors (Infinity when a multiplicative
 * model leaves the positive domain). `s` is the working seasonal state, initialised from `s0`.
 * When `fitted` is given it receives the one-step forecasts. The final level and trend are left
 * in `lastL`, `lastB`.
 *
 * The recursion is latency-bound; the updates are expanded so that each state's dependency chain
 * is one multiply and one add a step (JavaScript does not reassociate floating point):
 *   l' = (1-α)l + ((1-α)φ·b + α·a),  b' = φ(1-β)·b + (β·a - β·l),  a the seasonally adjusted y;
 * and each season kind has its own small loop (one function with all three ran 3× slower).
 */
function run(
  y: Float64Array,
  season: number,
  m: number,
  alpha: number,
  beta: number,
  gamma: number,
  phi: number,
  l0: number,
  b0: number,
  s0: Float64Array,
  s: Float64Array,
  fitted: Float64Array | null,
): number {
  etsStats.runs++;
  if (season === SEASON_N) return runN(y, alpha, beta, phi, l0, b0, fitted);
  s.set(s0);
  if (season === SEASON_A) return runA(y, m, alpha, beta, gamma, phi, l0, b0, s, fitted);
  return runM(y, m, alpha, beta, gamma, phi, l0, b0, s, fitted);
}

function runN(y: Float64Array, alpha: number, beta: number, phi: number, l0: number, b0: number, fitted: Float64Array | null): number {
  const n = y.length;
  const ca = 1 - alpha;
  const cb = ca * phi;
  const cc = phi * (1 - beta);
  let l = l0;
  let b = b0;
  let sse = 0;
  for (let t = 0; t < n; t++) {
    const yt = y[t]!;
    if (fitted !== null) fitted[t] = l + phi * b;
    if (yt === yt) {
      const e = yt - (l + phi * b);
      sse += e * e;
      const nl = ca * l + (cb * b + alpha * yt);
      b = cc * b + (beta * yt - beta * l);
      l = nl;
    } else {
      l = l + phi * b;
      b = phi * b;
    }
  }
  lastL = l;
  lastB = b;
  return sse;
}

function runA(y: Float64Array, m: number, alpha: number, beta: number, gamma: number, phi: number, l0: number, b0: number, s: Float64Array, fitted: Float64Array | null): number {
  const n = y.length;
  const ca = 1 - alpha;
  const cb = ca * phi;
  const cc = phi * (1 - beta);
  const g1 = 1 - gamma;
  let l = l0;
  let b = b0;
  let sse = 0;
  let j = 0;
  for (let t = 0; t < n; t++) {
    const yt = y[t]!;
    const sj = s[j]!;
    const base = l + phi * b;
    if (fitted !== null) fitted[t] = base + sj;
    if (yt === yt) {
      const adj = yt - sj;
      const e = adj - base;
      sse += e * e;
      s[j] = g1 * sj + gamma * (yt - base);
      const nl = ca * l + (cb * b + alpha * adj);
      b = cc * b + (beta * adj - beta * l);
      l = nl;
    } else {
      l = base;
      b = phi * b;
    }
    if (++j === m) j = 0;
  }
  lastL = l;
  lastB = b;
  return sse;
}

function runM(y: Float64Array, m: number, alpha: number, beta: number, gamma: number, phi: number, l0: number, b0: number, s: Float64Array, fitted: Float64Array | null): number {
  const n = y.length;
  const ca = 1 - alpha;
  const cb = ca * phi;
  const cc = phi * (1 - beta);
  const g1 = 1 - gamma;
  let l = l0;
  let b = b0;
  let sse = 0;
  let j = 0;
  for (let t = 0; t < n; t++) {
    const yt = y[t]!;
    const sj = s[j]!;
    const base = l + phi * b;
    if (!(base > 0 && sj > 0)) return Infinity;
    if (fitted !== null) fitted[t] = base * sj;
    if (yt === yt) {
      const e = yt - base * sj;
      sse += e * e;
      const adj = yt / sj;
      s[j] = g1 * sj + (gamma * yt) / base;
      const nl = ca * l + (cb * b + alpha * adj);
      b = cc * b + (beta * adj - beta * l);
      l = nl;
    } else {
      l = base;
      b = phi * b;
    }
    if (++j === m) j = 0;
  }
  lastL = l;
  lastB = b;
  return sse;
}

/** y with missing periods filled by linear interpolation (ends by the nearest observed value); for initialisation only. */
function fillGaps(y: Float64Array): Float64Array {
  const n = y.length;
  const out = new Float64Array(n);
  let prev = -1;
  for (let t = 0; t < n; t++) {
    const v = y[t]!;
    if (v !== v) continue;
    out[t] = v;
    if (prev < 0) for (let k = 0; k < t; k++) out[k] = v;
    else if (t - prev > 1) {
      const a = y[prev]!;
      for (let k = prev + 1; k < t; k++) out[k] = a + ((v - a) * (k - prev)) / (t - prev);
    }
    prev = t;
  }
  if (prev < 0) return out;
  for (let k = prev + 1; k < n; k++) out[k] = y[prev]!;
  return out;
}

/**
 * Seasonal indices by classical decomposition over the whole (gap-filled) history: a centred
 * moving average of length m (2×m for even m) as the trend (a linear extension over the ends
 * forecast Walmart's weekly sales worse), the mean ratio (or difference) to it per position, normalised to mean 1 (or 0). Needs n >= 2m. s[j] is the index of t mod m == j.
 */
function seasonalIndices(x: Float64Array, m: number, multiplicative: boolean): Float64Array {
  const n = x.length;
  if (n < 2 * m) return shortSeasonalIndices(x, m, multiplicative);
  const trend = new Float64Array(n);
  const half = Math.floor(m / 2);
  const even = m % 2 === 0;
  // The window holds x[t-half .. t-half+m-1].
  let window = 0;
  for (let k = 0; k < m; k++) window += x[k]!;
  for (let t = half; t + half < n; t++) {
    if (even) {
      const next = window - x[t - half]! + x[t + half]!;
      trend[t] = (window + next) / (2 * m);
      window = next;
    } else {
      trend[t] = window / m;
      if (t + half + 1 < n) window += x[t + half + 1]! - x[t - half]!;
    }
  }
  const first = half;
  const last = n - 1 - half;
  const sums = new Float64Array(m);
  const counts = new Float64Array(m);
  for (let t = first, j = first % m; t <= last; t++) {
    const tr = trend[t]!;
    if (multiplicative) {
      if (tr > 0) {
        sums[j]! += x[t]! / tr;
        counts[j]!++;
      }
    } else {
      sums[j]! += x[t]! - tr;
      counts[j]!++;
    }
    if (++j === m) j = 0;
  }
  return normaliseIndices(sums, counts, m, multiplicative);
}

/**
 * Seasonal indices from fewer than two seasons (at least one): the ratio (or difference) to a
 * straight line fitted over the whole history, averaged per position — a seasonal naive forecast
 * with its level adjusted, once the smoothing runs over it.
 */
function shortSeasonalIndices(x: Float64Array, m: number, multiplicative: boolean): Float64Array {
  const n = x.length;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let t = 0; t < n; t++) {
    sx += t;
    sy += x[t]!;
    sxx += t * t;
    sxy += t * x[t]!;
  }
  const den = n * sxx - sx * sx;
  const slope = den !== 0 ? (n * sxy - sx * sy) / den : 0;
  const intercept = (sy - slope * sx) / n;
  const sums = new Float64Array(m);
  const counts = new Float64Array(m);
  for (let t = 0, j = 0; t < n; t++) {
    const tr = intercept + slope * t;
    if (!multiplicative) {
      sums[j]! += x[t]! - tr;
      counts[j]!++;
    } else if (tr > 0) {
      sums[j]! += x[t]! / tr;
      counts[j]!++;
    }
    if (++j === m) j = 0;
  }
  return normaliseIndices(sums, counts, m, multiplicative);
}

function normaliseIndices(sums: Float64Array, counts: Float64Array, m: number, multiplicative: boolean): Float64Array {
  const s = new Float64Array(m);
  let total = 0;
  for (let j = 0; j < m; j++) {
    s[j] = counts[j]! > 0 ? sums[j]! / counts[j]! : multiplicative ? 1 : 0;
    total += s[j]!;
  }
  const avg = total / m;
  for (let j = 0; j < m; j++) {
    if (multiplicative) s[j] = avg > 0 ? Math.max(s[j]! / avg, 1e-3) : 1;
    else s[j] = s[j]! - avg;
  }
  return s;
}

/** Initial level and trend: a linear fit over the first periods of the (seasonally adjusted) gap-filled series. */
function initialLevelTrend(x: Float64Array, s: Float64Array | null, m: number, multiplicative: boolean, trend: boolean): { l0: number; b0: number } {
  const n = x.length;
  const len = Math.min(n, Math.max(10, s !== null ? 2 * m : 10));
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let t = 0; t < len; t++) {
    let v = x[t]!;
    if (s !== null) v = multiplicative ? v / s[t % m]! : v - s[t % m]!;
    sx += t;
    sy += v;
    sxx += t * t;
    sxy += t * v;
  }
  const den = len * sxx - sx * sx;
  if (!trend || len < 3 || den === 0) {
    // Level: the mean of the first few periods.
    const k = Math.min(len, s !== null ? m : 5);
    let sum = 0;
    for (let t = 0; t < k; t++) sum += s !== null ? (multiplicative ? x[t]! / s[t % m]! : x[t]! - s[t % m]!) : x[t]!;
    return { l0: k > 0 ? sum / k : 0, b0: 0 };
  }
  const slope = (len * sxy - sx * sy) / den;
  const intercept = (sy - slope * sx) / len;
  // The state before period 0: one step back from the fitted value at t = 0.
  return { l0: intercept - slope, b0: slope };
}

const EMPTY = new Float64Array(0);

/** Counts of the recursion's runs (for benchmarks: evaluations per fit). */
export const etsStats = { runs: 0 };

export interface Prepared {
  y: Float64Array;
  count: number;
  m: number;
  filled: Float64Array;
  positive: boolean;
  /** Seasonal indices by decomposition, computed on demand. */
  additive: Float64Array | null;
  multiplicative: Float64Array | null;
}

export function prepare(y: Float64Array, count: number, m: number): Prepared {
  const filled = fillGaps(y);
  let positive = count > 0;
  for (let t = 0; t < y.length && positive; t++) if (y[t]! <= 0) positive = false;
  return { y, count, m, filled, positive, additive: null, multiplicative: null };
}

function indicesFor(p: Prepared, multiplicative: boolean): Float64Array {
  if (multiplicative) return (p.multiplicative ??= seasonalIndices(p.filled, p.m, true));
  return (p.additive ??= seasonalIndices(p.filled, p.m, false));
}

/** Longest season for which candidates are compared by AICc (beyond it by AIC; see `fitSpec`). */
const MAX_CORRECTED_SEASON = 24;

/** Fits one spec; null when the series cannot support it. */
export function fitSpec(p: Prepared, spec: Spec): Fit | null {
  const { y, count } = p;
  const seasonal = spec.season !== SEASON_N;
  const m = seasonal ? p.m : 1;
  if (seasonal && (m < 2 || count < seasonalMin(m))) return null;
  if (spec.season === SEASON_M && !p.positive) return null;
  const mult = spec.season === SEASON_M;
  const s0 = seasonal ? indicesFor(p, mult) : EMPTY;
  const init = initialLevelTrend(p.filled, seasonal ? s0 : null, m, mult, spec.trend !== TREND_N);
  const l0 = init.l0;
  const b0 = spec.trend === TREND_N ? 0 : init.b0;
  const work = seasonal ? new Float64Array(m) : EMPTY;
  const hasBeta = spec.trend !== TREND_N;
  const hasGamma = seasonal && !spec.fixedSeason;
  const hasPhi = spec.trend === TREND_AD;
  const d = 1 + (hasBeta ? 1 : 0) + (hasGamma ? 1 : 0) + (hasPhi ? 1 : 0);
  const season = spec.season;
  const iBeta = 1;
  const iGamma = hasBeta ? 2 : 1;
  const iPhi = d - 1;
  let alpha = 0;
  let beta = 0;
  let gamma = 0;
  let phi = 1;
  const decode = (x: Float64Array): void => {
    alpha = 1e-4 + 0.9997 * x[0]!;
    beta = hasBeta ? alpha * (1e-4 + 0.9998 * x[iBeta]!) : 0;
    gamma = hasGamma ? (1 - alpha) * (1e-4 + 0.9998 * x[iGamma]!) : 0;
    phi = hasPhi ? 0.8 + 0.18 * x[iPhi]! : 1;
  };
  const objective = (x: Float64Array): number => {
    decode(x);
    return run(y, season, m, alpha, beta, gamma, phi, l0, b0, s0, work, null);
  };
  const x = new Float64Array(d);
  if (hasBeta) x[iBeta] = 0.1;
  if (hasGamma) x[iGamma] = 0.05;
  if (hasPhi) x[iPhi] = 0.8;
  // Coarse grid on alpha, then Nelder-Mead from the best.
  let bestA = 0.2;
  let bestF = Infinity;
  for (const a of [0.02, 0.1, 0.3, 0.6, 0.9]) {
    x[0] = a;
    const v = objective(x);
    if (v < bestF) {
      bestF = v;
      bestA = a;
    }
  }
  x[0] = bestA;
  const budget = d === 1 ? 24 : d === 2 ? 50 : d === 3 ? 80 : 110;
  nelderMead(objective, x, 0.1, budget, 1e-4);
  decode(x);
  const s = seasonal ? new Float64Array(m) : EMPTY;
  const sse = run(y, season, m, alpha, beta, gamma, phi, l0, b0, s0, s, null);
  if (!Number.isFinite(sse)) return null;
  const nObs = count;
  const k = d + 1 + (hasBeta ? 1 : 0) + (seasonal ? m - 1 : 0) + 1;
  let scale = 0;
  for (let t = 0; t < y.length; t++) if (y[t] === y[t]) scale += y[t]! * y[t]!;
  const floor = 1e-12 * (scale / Math.max(1, nObs) + 1e-12);
  // AICc as forecast::ets; for seasons longer than 24 (which forecast::ets does not fit) plain AIC
  // for every candidate of the series: the small-sample correction with 51 seasonal states on two
  // or three years of weekly data rules out every seasonal model even where the season is plain
  // (Walmart's weekly store sales, 13 weeks ahead from 78 to 130 weeks of history: MASE 0.80-1.33
  // with the correction, 0.55-0.97 without, seasonal naive 0.82-1.14).
  const correction = p.m <= MAX_CORRECTED_SEASON ? (2 * k * (k + 1)) / (nObs - k - 1) : 0;
  const aicc = nObs - k - 1 > 0 ? nObs * Math.log(Math.max(sse / nObs, floor)) + 2 * k + correction : Infinity;
  const dof = Math.max(1, nObs - d - (hasBeta ? 2 : 1));
  const sigma = Math.sqrt(sse / dof);
  return { spec, m, alpha, beta, gamma, phi, l: lastL, b: lastB, s, sse, nObs, k, aicc, sigma };
}

/**
 * Point forecasts and standard deviations h periods ahead. Variance: the analytic one of the
 * linear additive models, σ²(1 + Σ_{j<h} c_j²), c_j = α + βφ_j + γ[j ≡ 0 mod m] (Hyndman et al.
 * 2008, class 1; φ_j = φ + … + φ^j). For multiplicative seasonality the same coefficients serve
 * as an approximation (the additive error enters the level divided by the season and comes back
 * multiplied by it).
 */
export function project(fit: Fit, n: number, h: number): { mean: Float64Array; sd: Float64Array } {
  const mean = new Float64Array(h);
  const sd = new Float64Array(h);
  const { spec, m, alpha, beta, gamma, phi, l, b, s } = fit;
  const seasonal = spec.season !== SEASON_N;
  let phiSum = 0;
  let phiPow = 1;
  let varSum = 0;
  for (let i = 1; i <= h; i++) {
    phiPow *= phi;
    phiSum += phiPow;
    const base = l + phiSum * b;
    let v = base;
    if (seasonal) {
      const sj = s[(n + i - 1) % m]!;
      v = spec.season === SEASON_M ? base * sj : base + sj;
    }
    mean[i - 1] = v;
    sd[i - 1] = fit.sigma * Math.sqrt(1 + varSum);
    // c_i for the next step's variance.
    const c = alpha + beta * phiSum + (seasonal && i % m === 0 ? gamma : 0);
    varSum += c * c;
  }
  return { mean, sd };
}

function modelNameOf(spec: Spec): ModelName {
  if (spec.season !== SEASON_N) return 'holt_winters';
  return spec.trend === TREND_N ? 'ses' : 'holt';
}

const SPEC_SES: Spec = { trend: TREND_N, season: SEASON_N, fixedSeason: false };
const SPEC_HOLT_DAMPED: Spec = { trend: TREND_AD, season: SEASON_N, fixedSeason: false };
const SPEC_HW: Spec[] = [
  { trend: TREND_AD, season: SEASON_A, fixedSeason: false },
  { trend: TREND_AD, season: SEASON_M, fixedSeason: false },
  { trend: TREND_AD, season: SEASON_A, fixedSeason: true },
  { trend: TREND_AD, season: SEASON_M, fixedSeason: true },
];
const SPEC_SEASONAL_LEVEL: Spec[] = [
  { trend: TREND_N, season: SEASON_A, fixedSeason: false },
  { trend: TREND_N, season: SEASON_M, fixedSeason: false },
  { trend: TREND_N, season: SEASON_A, fixedSeason: true },
  { trend: TREND_N, season: SEASON_M, fixedSeason: true },
];

/**
 * The automatic choice's seasonal candidates: seasonal level models (γ free or held), damped
 * Holt-Winters additive (γ free or held) and multiplicative with held indices. Left out to save
 * time: the undamped trend (rarely chosen, wild at long horizons) and damped multiplicative with
 * γ free (the costliest fit, seldom better than its held-index twin on Walmart's weekly sales).
 */
const SPEC_AUTO_SEASONAL: Spec[] = [...SPEC_SEASONAL_LEVEL, SPEC_HW[0]!, SPEC_HW[2]!, SPEC_HW[3]!];

/** Fits the candidates and keeps the lowest AICc (the first finite one if all AICc are infinite). */
function bestOf(p: Prepared, specs: readonly Spec[]): Fit | null {
  let best: Fit | null = null;
  for (const spec of specs) {
    const fit = fitSpec(p, spec);
    if (fit === null) continue;
    if (best === null || fit.aicc < best.aicc || (!Number.isFinite(best.aicc) && fit.sse < best.sse && !Number.isFinite(fit.aicc))) best = fit;
  }
  return best;
}

/** Event ids present in the history (with an observed value), or null when none. */
function historyEvents(events: Uint8Array | undefined, y: Float64Array): boolean {
  if (events === undefined) return false;
  const n = Math.min(y.length, events.length);
  for (let t = 0; t < n; t++) if (events[t] !== 0 && y[t] === y[t]) return true;
  return false;
}

/** Prior weight (in occurrences) that shrinks an event's log effect toward 0 (effect 1). */
const EVENT_PRIOR = 0.5;

/**
 * Runs `fitter` with known events: a first fit with the event periods treated as missing gives the
 * fitted value without events; each event id's effect is the geometric mean ratio actual/fitted,
 * shrunk toward 1 (log effect × k/(k + 0.5) for k occurrences). The history is divided by the
 * effects, refitted, and the horizon's forecast multiplied by them.
 */
function withEvents(series: Series, y: Float64Array, count: number, m: number, h: number, choose: (p: Prepared) => Fit | null): { fit: Fit | null; effects: Float64Array | null } {
  const events = series.events;
  if (!historyEvents(events, y)) return { fit: choose(prepare(y, count, m)), effects: null };
  const n = y.length;
  const masked = new Float64Array(y);
  let maskedCount = count;
  const ev = (t: number): number => events![t] ?? 0;
  for (let t = 0; t < n; t++) {
    if (ev(t) !== 0 && masked[t] === masked[t]) {
      masked[t] = NaN;
      maskedCount--;
    }
  }
  const first = choose(prepare(masked, maskedCount, m));
  if (first === null) return { fit: choose(prepare(y, count, m)), effects: null };
  const fitted = new Float64Array(n);
  const prep = prepare(masked, maskedCount, m);
  const s0 = first.spec.season !== SEASON_N ? indicesFor(prep, first.spec.season === SEASON_M) : EMPTY;
  const init = initialLevelTrend(prep.filled, first.spec.season !== SEASON_N ? s0 : null, first.m, first.spec.season === SEASON_M, first.spec.trend !== TREND_N);
  run(masked, first.spec.season, first.m, first.alpha, first.beta, first.gamma, first.phi, init.l0, first.spec.trend === TREND_N ? 0 : init.b0, s0, new Float64Array(first.m), fitted);
  const logSum = new Float64Array(256);
  const occurrences = new Float64Array(256);
  for (let t = 0; t < n; t++) {
    const id = ev(t);
    if (id === 0) continue;
    const v = y[t]!;
    const f = fitted[t]!;
    if (v === v && v > 0 && f > 0) {
      logSum[id]! += Math.log(v / f);
      occurrences[id]!++;
    }
  }
  const effects = new Float64Array(256).fill(1);
  for (let id = 1; id < 256; id++) {
    if (occurrences[id]! > 0) effects[id] = Math.exp(logSum[id]! / (occurrences[id]! + EVENT_PRIOR));
  }
  const adjusted = new Float64Array(y);
  for (let t = 0; t < n; t++) if (ev(t) !== 0 && adjusted[t] === adjusted[t]) adjusted[t] = adjusted[t]! / effects[ev(t)]!;
  void h;
  return { fit: choose(prepare(adjusted, count, m)) ?? first, effects };
}

function forecastWith(series: Series, h: number, level: number, asked: ModelName, minLength: number, choose: (p: Prepared) => Fit | null): Forecast {
  const { y, count } = observed(series);
  const m = seasonOf(series);
  const hh = horizonOf(h);
  const lv = levelOf(level);
  if (count < minLength) return baselineFallback(y, count, m, hh, lv, `${asked} needs ${minLength} observed periods, the series has ${count}`);
  const { fit, effects } = withEvents(series, y, count, m, hh, choose);
  if (fit === null) return baselineFallback(y, count, m, hh, lv, `${asked} could not be fitted`);
  const { mean, sd } = project(fit, y.length, hh);
  for (let i = 0; i < hh; i++) {
    if (!Number.isFinite(mean[i]!) || !Number.isFinite(sd[i]!)) return baselineFallback(y, count, m, hh, lv, `${asked} diverged`);
  }
  if (effects !== null && series.events !== undefined) {
    for (let i = 0; i < hh; i++) {
      const id = series.events[y.length + i] ?? 0;
      if (id !== 0) {
        mean[i] = mean[i]! * effects[id]!;
        sd[i] = sd[i]! * effects[id]!;
      }
    }
  }
  return assemble(asked === 'ets_auto' ? 'ets_auto' : modelNameOf(fit.spec), mean, sd, lv, fit.sigma);
}

/**
 * Fewest observed periods for a seasonal model: one season and a quarter of another (at least 6
 * more periods), so that the seasonal indices have every position once and a level to compare.
 */
function seasonalMin(m: number): number {
  return m + Math.max(6, Math.ceil(m / 4));
}

const SES_MIN = 3;
const HOLT_MIN = 6;

export const ses: Model = {
  name: 'ses',
  min_length: () => SES_MIN,
  forecast: (series, h, level) => forecastWith(series, h, level, 'ses', SES_MIN, (p) => fitSpec(p, SPEC_SES)),
};

export const holt: Model = {
  name: 'holt',
  min_length: () => HOLT_MIN,
  forecast: (series, h, level) => forecastWith(series, h, level, 'holt', HOLT_MIN, (p) => fitSpec(p, SPEC_HOLT_DAMPED)),
};

export const holtWinters: Model = {
  name: 'holt_winters',
  min_length: (season) => (season > 1 ? seasonalMin(Math.floor(season)) : HOLT_MIN),
  forecast(series, h, level) {
    const m = seasonOf(series);
    if (m <= 1) {
      const f = holt.forecast(series, h, level);
      return { ...f, fallback: f.fallback ?? 'season 1: no seasonality to fit; damped Holt instead' };
    }
    return forecastWith(series, h, level, 'holt_winters', seasonalMin(m), (p) => bestOf(p, SPEC_HW));
  },
};

export const etsAuto: Model = {
  name: 'ets_auto',
  min_length: () => SES_MIN,
  forecast(series, h, level) {
    return forecastWith(series, h, level, 'ets_auto', SES_MIN, (p) => {
      const specs: Spec[] = [SPEC_SES];
      if (p.count >= HOLT_MIN + 2) specs.push(SPEC_HOLT_DAMPED);
      if (p.m > 1 && p.count >= seasonalMin(p.m)) specs.push(...SPEC_AUTO_SEASONAL);
      return bestOf(p, specs);
    });
  },
};
