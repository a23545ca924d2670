/**
 * The lift of a treatment over its control: the difference of two conversion rates with its 95%
 * confidence interval by Newcombe's hybrid score method (Newcombe 1998, method 10), built from
 * each rate's Wilson score interval. Unlike the Wald interval it stays inside [-1, 1] and behaves
 * at rates near 0 or 1 and with small groups, which sampling campaigns have.
 */
export interface Lift {
  treatment_rate: number;
  control_rate: number;
  /** treatment_rate − control_rate, in absolute terms (0.05 is five percentage points). */
  difference: number;
  lower: number;
  upper: number;
  /** difference ÷ control_rate; null when the control converted nobody. */
  relative: number | null;
  /** Whether the interval excludes zero. */
  significant: boolean;
}

const z95 = 1.959963984540054;

/** The Wilson score interval of k successes in n. */
export function wilson(k: number, n: number, z = z95): { lower: number; upper: number } {
  if (n === 0) return { lower: 0, upper: 1 };
  const p = k / n;
  const denominator = 1 + (z * z) / n;
  const centre = p + (z * z) / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return { lower: Math.max(0, (centre - spread) / denominator), upper: Math.min(1, (centre + spread) / denominator) };
}

/** The difference of proportions k1/n1 − k2/n2 with Newcombe's hybrid score interval. */
export function liftInterval(k1: number, n1: number, k2: number, n2: number, z = z95): Lift {
  const p1 = n1 === 0 ? 0 : k1 / n1;
  const p2 = n2 === 0 ? 0 : k2 / n2;
  const a = wilson(k1, n1, z);
  const b = wilson(k2, n2, z);
  const d = p1 - p2;
  const lower = d - Math.sqrt((p1 - a.lower) ** 2 + (b.upper - p2) ** 2);
  const upper = d + Math.sqrt((a.upper - p1) ** 2 + (p2 - b.lower) ** 2);
  return {
    treatment_rate: p1,
    control_rate: p2,
    difference: d,
    lower,
    upper,
    relative: p2 === 0 ? null : d / p2,
    significant: n1 > 0 && n2 > 0 && (lower > 0 || upper < 0),
  };
}
