/**
 * Generated daily sales histories for `npm run bench:forecast`: series i is the same on every run
 * and in every worker (seeded by i). A mix a store chain has: smooth demand with a weekly season
 * and a trend, erratic demand, intermittent and lumpy demand (slow movers), a fifth of all series
 * with stock-out spells (censored days: sales 0, demand unknown).
 */
import type { Series } from '../src/modules/forecast/engine/index.js';
import { mulberry32 } from '../src/kernel/random.js';

export type GeneratedKind = 'smooth' | 'erratic' | 'intermittent' | 'lumpy';
export const generatedKinds: readonly GeneratedKind[] = ['smooth', 'erratic', 'intermittent', 'lumpy'];
export const history_days = 730;


/** Poisson by inversion (small means) or a rounded normal (large ones). */
function poisson(rand: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(rand)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rand();
  while (p > limit) {
    k++;
    p *= rand();
  }
  return k;
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** 40 % smooth, 20 % erratic, 25 % intermittent, 15 % lumpy. */
export function kindOf(i: number): GeneratedKind {
  const k = (Math.imul(i + 1, 2654435761) >>> 0) % 20;
  return k < 8 ? 'smooth' : k < 12 ? 'erratic' : k < 17 ? 'intermittent' : 'lumpy';
}

export function generateSeries(i: number, days = history_days): { series: Series; kind: GeneratedKind; censored_days: number } {
  const rand = mulberry32(i * 7919 + 17);
  const kind = kindOf(i);
  const y = new Float64Array(days);
  const weekly = Array.from({ length: 7 }, (_, d) => (d === 5 ? 1.35 : d === 6 ? 1.25 : d === 0 ? 0.8 : 0.9 + 0.1 * rand()));
  const level = kind === 'smooth' ? 5 + rand() * 120 : kind === 'erratic' ? 3 + rand() * 40 : 1 + rand() * 4;
  const trend = (rand() - 0.4) * 0.8 / days; // -32 % .. +48 % over two years
  const p = kind === 'intermittent' ? 0.08 + rand() * 0.3 : 0.04 + rand() * 0.2;
  for (let t = 0; t < days; t++) {
    const base = level * (1 + trend * t) * weekly[t % 7]! * (1 + 0.15 * Math.sin((2 * Math.PI * t) / 365.25));
    if (kind === 'smooth') y[t] = poisson(rand, base);
    else if (kind === 'erratic') y[t] = poisson(rand, base * Math.exp(0.9 * gaussian(rand) - 0.405));
    else if (rand() < p) y[t] = kind === 'intermittent' ? 1 + poisson(rand, level * 0.5) : 1 + Math.floor(level * 3 * Math.exp(1.2 * gaussian(rand)));
  }
  // A fifth of the series run out of stock now and then: spells of 2 to 10 days.
  const censored = new Uint8Array(days);
  let censored_days = 0;
  if (rand() < 0.2) {
    const spells = 1 + Math.floor(rand() * 6);
    for (let s = 0; s < spells; s++) {
      const start = Math.floor(rand() * (days - 10));
      const length = 2 + Math.floor(rand() * 9);
      for (let t = start; t < start + length; t++) {
        if (censored[t] === 0) censored_days++;
        censored[t] = 1;
        y[t] = 0;
      }
    }
  }
  return { series: { y, season: 7, censored: censored_days > 0 ? censored : undefined }, kind, censored_days };
}
