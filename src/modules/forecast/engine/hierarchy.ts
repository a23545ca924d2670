/**
 * Coherent hierarchies: store forecasts add up to region and chain (bottom-up). The sum's mean is
 * the sum of the parts' means, period by period, so a region equals the sum of its stores exactly.
 * Its uncertainty assumes independent errors: each part's per-period spread is read from its
 * interval (width / 2z, z the normal quantile at the parts' level), the sum's spread is the square
 * root of the sum of squares, and the sum's bounds are mean -/+ z x spread, never below zero. A
 * region's interval is therefore narrower than the sum of its stores' intervals (diversification).
 * The one-step sigma adds up the same way: sqrt(sum of sigma^2).
 */
import { normalQuantile } from './policy.js';
import type { Forecast, ModelName } from './types.js';

/** The parts' most common model (the sum has no model of its own; the first on ties). */
function commonModel(parts: readonly Forecast[]): ModelName {
  const counts = new Map<ModelName, number>();
  let chosen = parts[0]!.model;
  for (const p of parts) {
    const c = (counts.get(p.model) ?? 0) + 1;
    counts.set(p.model, c);
    if (c > (counts.get(chosen) ?? 0)) chosen = p.model;
  }
  return chosen;
}

/**
 * The sum of `parts` (at least one; all of the same horizon and level, which a caller mixing them
 * got wrong: a RangeError). `model` is the parts' most common model; `fallback` says how many parts
 * fell back to a baseline, when any did.
 */
export function bottomUp(parts: readonly Forecast[]): Forecast {
  if (parts.length === 0) throw new RangeError('bottomUp needs at least one part');
  const h = parts[0]!.mean.length;
  const level = parts[0]!.level;
  for (const p of parts) {
    if (p.mean.length !== h || p.lower.length !== h || p.upper.length !== h) throw new RangeError(`bottomUp: parts of different horizons (${h} and ${p.mean.length})`);
    if (p.level !== level) throw new RangeError(`bottomUp: parts at different levels (${level} and ${p.level})`);
  }
  const z = normalQuantile((1 + level) / 2);
  const mean = new Float64Array(h);
  const variance = new Float64Array(h);
  let sigma2 = 0;
  let fallbacks = 0;
  for (const p of parts) {
    for (let t = 0; t < h; t++) {
      mean[t] = mean[t]! + p.mean[t]!;
      const spread = (p.upper[t]! - p.lower[t]!) / (2 * z);
      variance[t] = variance[t]! + spread * spread;
    }
    sigma2 += p.sigma * p.sigma;
    if (p.fallback !== undefined) fallbacks++;
  }
  const lower = new Float64Array(h);
  const upper = new Float64Array(h);
  for (let t = 0; t < h; t++) {
    const half = z * Math.sqrt(variance[t]!);
    lower[t] = Math.max(0, mean[t]! - half);
    upper[t] = mean[t]! + half;
  }
  const fallback = fallbacks > 0 ? `${fallbacks} of ${parts.length} parts fell back to a baseline` : undefined;
  return { model: commonModel(parts), mean, lower, upper, level, sigma: Math.sqrt(sigma2), fallback };
}
