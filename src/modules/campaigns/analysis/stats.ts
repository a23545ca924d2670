/**
 * The interval arithmetic behind the campaign and geo-lift reports, pure and deterministic:
 * - Wilson's score interval for one proportion, and Newcombe's hybrid score interval for the
 *   difference of two independent proportions (Newcombe 1998, method 10), for conversion lift;
 * - Katz's log interval for a ratio of two proportions, for relative lift;
 * - Welch's interval for the difference of two means (unequal variances, Welch–Satterthwaite
 *   degrees of freedom, Student's t quantile computed exactly), for sales per consumer and the
 *   day-level difference in differences.
 */

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

/** The two-sided 95% normal quantile, as Newcombe used it. */
export const z95 = 1.959963984540054;

/** Wilson's score interval for x successes out of n (no continuity correction). */
export function wilson(x: number, n: number, z = z95): Interval {
  if (!Number.isInteger(x) || !Number.isInteger(n) || n <= 0 || x < 0 || x > n) throw new RangeError(`wilson needs 0 <= x <= n, n > 0 (x=${x}, n=${n})`);
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At the ends the bounds are exactly 0 and 1 (rounding would leave 1e-17).
  return { estimate: p, low: x === 0 ? 0 : centre - half, high: x === n ? 1 : centre + half };
}

/**
 * Newcombe's hybrid score interval for p1 − p2 (x1/n1 − x2/n2): each proportion's Wilson
 * interval, combined as a square-and-add. Good coverage with small counts and zeros, unlike the
 * Wald interval.
 */
export function newcombeDifference(x1: number, n1: number, x2: number, n2: number, z = z95): Interval {
  const a = wilson(x1, n1, z);
  const b = wilson(x2, n2, z);
  const d = a.estimate - b.estimate;
  return {
    estimate: d,
    low: d - Math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2),
    high: d + Math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2),
  };
}

/**
 * Relative lift p1/p2 − 1 with Katz's log interval for the ratio; null when either arm has no
 * successes (the ratio or its log interval is undefined).
 */
export function relativeLift(x1: number, n1: number, x2: number, n2: number, z = z95): Interval | null {
  if (x1 === 0 || x2 === 0 || n1 === 0 || n2 === 0) return null;
  const ratio = x1 / n1 / (x2 / n2);
  const se = Math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2);
  return { estimate: ratio - 1, low: ratio * Math.exp(-z * se) - 1, high: ratio * Math.exp(z * se) - 1 };
}

export interface Sample {
  n: number;
  mean: number;
  /** The unbiased sample variance (n − 1); 0 for one value. */
  variance: number;
}

export function describe(values: readonly number[]): Sample {
  const n = values.length;
  if (n === 0) return { n: 0, mean: 0, variance: 0 };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = n < 2 ? 0 : values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { n, mean, variance };
}

/** Welch's interval for mean(a) − mean(b); df is null when neither sample varies (the interval is the point). */
export function welchDifference(a: Sample, b: Sample, level = 0.95): Interval & { df: number | null; se: number } {
  if (a.n < 2 || b.n < 2) throw new RangeError('Welch’s interval needs at least two values in each sample');
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const estimate = a.mean - b.mean;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { estimate, low: estimate, high: estimate, df: null, se: 0 };
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = studentTQuantile(1 - (1 - level) / 2, df);
  return { estimate, low: estimate - t * se, high: estimate + t * se, df, se };
}

/** log Γ(x), Lanczos (g = 7, n = 9), accurate to ~1e-15 for x > 0. */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = c[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T <= t) for Student's t with df degrees of freedom (df may be fractional, as Welch's is). */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t (p > 0.5), by bisection on the exact distribution function. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0.5 && p < 1) || !(df > 0)) throw new RangeError('studentTQuantile needs 0.5 < p < 1 and df > 0');
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
