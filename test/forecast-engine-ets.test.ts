import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { etsAuto, holt, holtWinters, meanModel, naive, seasonalNaive, ses, type Forecast, type Model, type Series } from '../src/modules/forecast/engine/index.js';
import { mulberry32 } from '../src/kernel/random.js';

/** Seeded uniform numbers and standard normals by Box-Muller. */
function rng(seed: number): { u: () => number; n: () => number } {
  const u = mulberry32(seed);
  return { u, n: () => Math.sqrt(-2 * Math.log(u() + 1e-300)) * Math.cos(2 * Math.PI * u()) };
}

const mae = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
};

function expectSane(f: Forecast, h: number): void {
  expect(f.mean.length).toBe(h);
  for (let i = 0; i < h; i++) {
    expect(Number.isFinite(f.mean[i]!)).toBe(true);
    expect(f.mean[i]!).toBeGreaterThanOrEqual(0);
    expect(f.lower[i]!).toBeGreaterThanOrEqual(0);
    expect(f.lower[i]!).toBeLessThanOrEqual(f.mean[i]!);
    expect(f.upper[i]!).toBeGreaterThanOrEqual(f.mean[i]!);
  }
  expect(Number.isFinite(f.sigma)).toBe(true);
  expect(f.sigma).toBeGreaterThanOrEqual(0);
}

const ALL: Model[] = [naive, seasonalNaive, meanModel, ses, holt, holtWinters, etsAuto];

describe('forecast engine: baselines', () => {
  it('naive repeats the last observed value, seasonal naive the last season, mean the mean; censored periods are skipped', () => {
    const y = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(naive.forecast({ y, season: 1 }, 3, 0.8).mean)).toEqual([8, 8, 8]);
    expect(Array.from(seasonalNaive.forecast({ y, season: 4 }, 6, 0.8).mean)).toEqual([5, 6, 7, 8, 5, 6]);
    expect(meanModel.forecast({ y, season: 1 }, 2, 0.8).mean[0]).toBeCloseTo(4.5, 12);
    const censored = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(naive.forecast({ y, season: 1, censored }, 1, 0.8).mean[0]).toBe(7);
    // The censored 8 is unknown: seasonal naive looks one more season back for that position.
    expect(Array.from(seasonalNaive.forecast({ y, season: 4, censored }, 4, 0.8).mean)).toEqual([5, 6, 7, 4]);
  });

  it('naive intervals widen like a random walk (sigma·sqrt(h))', () => {
    const r = rng(7);
    const y = new Float64Array(400);
    let level = 100;
    for (let t = 0; t < y.length; t++) y[t] = level += r.n() * 3;
    const f = naive.forecast({ y, season: 1 }, 9, 0.8);
    const w1 = f.upper[0]! - f.mean[0]!;
    const w9 = f.upper[8]! - f.mean[8]!;
    expect(w9 / w1).toBeCloseTo(3, 6);
    expect(f.sigma).toBeGreaterThan(2.5);
    expect(f.sigma).toBeLessThan(3.5);
  });
});

describe('forecast engine: exponential smoothing', () => {
  it('Holt-Winters recovers a planted weekly season and trend (additive and multiplicative)', () => {
    const r = rng(1);
    const m = 7;
    const shape = [10, -4, -6, -2, 0, 8, -6];
    const n = 364;
    const h = 28;
    const truth = (t: number): number => 100 + 0.2 * t + shape[t % m]!;
    const y = new Float64Array(n);
    for (let t = 0; t < n; t++) y[t] = truth(t) + r.n() * 2;
    const expected = Float64Array.from({ length: h }, (_, i) => truth(n + i));
    const hw = holtWinters.forecast({ y, season: m }, h, 0.8);
    expect(hw.model).toBe('holt_winters');
    expect(hw.fallback).toBeUndefined();
    expect(mae(hw.mean, expected)).toBeLessThan(2.5);
    // Without the season the error is the season's size.
    expect(mae(ses.forecast({ y, season: m }, h, 0.8).mean, expected)).toBeGreaterThan(4);
    const auto = etsAuto.forecast({ y, season: m }, h, 0.8);
    expect(mae(auto.mean, expected)).toBeLessThan(2.5);

    const factors = [1.3, 0.8, 0.7, 0.9, 1.0, 1.5, 0.8];
    const truthM = (t: number): number => (50 + 0.3 * t) * factors[t % m]!;
    const yM = new Float64Array(n);
    for (let t = 0; t < n; t++) yM[t] = truthM(t) * (1 + r.n() * 0.02);
    const expectedM = Float64Array.from({ length: h }, (_, i) => truthM(n + i));
    const hwM = holtWinters.forecast({ y: yM, season: m }, h, 0.8);
    expect(mae(hwM.mean, expectedM) / 160).toBeLessThan(0.04);
  });

  it('a damped trend flattens: increments shrink and the long-run forecast stays below the straight line', () => {
    const r = rng(2);
    const n = 120;
    const y = new Float64Array(n);
    for (let t = 0; t < n; t++) y[t] = 20 + 1.5 * t + r.n() * 3;
    const f = holt.forecast({ y, season: 1 }, 100, 0.8);
    expect(f.model).toBe('holt');
    const first = f.mean[1]! - f.mean[0]!;
    const late = f.mean[99]! - f.mean[98]!;
    expect(first).toBeGreaterThan(0.5);
    expect(late).toBeLessThan(first * 0.5);
    const straight = 20 + 1.5 * (n + 99);
    expect(f.mean[99]!).toBeLessThan(straight - 30);
  });

  it('censored stock-out periods do not pull the level down', () => {
    const r = rng(3);
    const n = 200;
    const y = new Float64Array(n);
    const censored = new Uint8Array(n);
    for (let t = 0; t < n; t++) {
      y[t] = 50 + r.n() * 4;
      // Stock-outs: whole stretches at zero, more of them lately.
      if ((t % 20 >= 15 && t > 60) || t >= 190) {
        y[t] = 0;
        censored[t] = 1;
      }
    }
    for (const model of [ses, holt, etsAuto]) {
      const marked = model.forecast({ y, season: 1, censored }, 7, 0.8);
      expect(Math.abs(marked.mean[0]! - 50)).toBeLessThan(4);
      const asNaN = new Float64Array(y);
      for (let t = 0; t < n; t++) if (censored[t]) asNaN[t] = NaN;
      expect(model.forecast({ y: asNaN, season: 1 }, 7, 0.8).mean[0]).toBeCloseTo(marked.mean[0]!, 9);
      // Read as real zeros, they drag the forecast far down.
      expect(model.forecast({ y, season: 1 }, 7, 0.8).mean[0]!).toBeLessThan(35);
    }
  });

  it('prediction intervals cover about their level on held-out simulated data', () => {
    const r = rng(4);
    let inside = 0;
    let total = 0;
    for (let k = 0; k < 200; k++) {
      const n = 150;
      const h = 10;
      const y = new Float64Array(n + h);
      let level = 100;
      for (let t = 0; t < n + h; t++) {
        const e = r.n() * 5;
        y[t] = level + e;
        level += 0.3 * e;
      }
      const f = (k % 2 === 0 ? ses : etsAuto).forecast({ y: y.slice(0, n), season: 1 }, h, 0.8);
      for (let i = 0; i < h; i++) {
        total++;
        if (y[n + i]! >= f.lower[i]! && y[n + i]! <= f.upper[i]!) inside++;
      }
    }
    expect(total).toBe(2000);
    expect(inside / total).toBeGreaterThan(0.72);
    expect(inside / total).toBeLessThan(0.88);
  });

  it('Holt-Winters intervals cover about their level on a simulated seasonal local level', () => {
    const r = rng(8);
    const shape = [8, -3, -5, 0, 2, 6, -8];
    let inside = 0;
    let total = 0;
    for (let k = 0; k < 100; k++) {
      const n = 210;
      const h = 20;
      const y = new Float64Array(n + h);
      let level = 100;
      for (let t = 0; t < n + h; t++) {
        const e = r.n() * 4;
        y[t] = level + shape[t % 7]! + e;
        level += 0.1 + 0.2 * e;
      }
      const f = holtWinters.forecast({ y: y.slice(0, n), season: 7 }, h, 0.8);
      for (let i = 0; i < h; i++) {
        total++;
        if (y[n + i]! >= f.lower[i]! && y[n + i]! <= f.upper[i]!) inside++;
      }
    }
    expect(total).toBe(2000);
    expect(inside / total).toBeGreaterThan(0.72);
    expect(inside / total).toBeLessThan(0.88);
  });

  it('known events: a yearly holiday spike is forecast better with the events than without', () => {
    const r = rng(5);
    const n = 100;
    const h = 13;
    const events = new Uint8Array(n + h);
    const truth = new Float64Array(n + h);
    for (let t = 0; t < n + h; t++) {
      truth[t] = 200 + 20 * Math.sin((2 * Math.PI * t) / 52);
      if (t % 52 === 5) {
        events[t] = 1;
        truth[t] = truth[t]! * 3;
      }
    }
    const y = Float64Array.from(truth.subarray(0, n), (v) => v * (1 + 0.03 * r.n()));
    const expected = truth.subarray(n);
    for (const model of [ses, holt, etsAuto]) {
      const withEvents = model.forecast({ y, season: 52, events }, h, 0.8);
      const without = model.forecast({ y, season: 52 }, h, 0.8);
      expect(mae(withEvents.mean, expected)).toBeLessThan(0.75 * mae(without.mean, expected));
      // The holiday week (t = 109) is forecast well above the weeks around it.
      expect(withEvents.mean[9]!).toBeGreaterThan(1.6 * withEvents.mean[8]!);
    }
  });
});

describe('forecast engine: short, constant and degenerate series', () => {
  it('never throws: 3-point series fall back to a baseline and say why', () => {
    const y = Float64Array.from([4, 6, 5]);
    for (const model of ALL) {
      const f = model.forecast({ y, season: 7 }, 5, 0.8);
      expectSane(f, 5);
    }
    for (const model of [holt, holtWinters]) {
      const f = model.forecast({ y, season: 7 }, 5, 0.8);
      expect(f.fallback).toMatch(/needs \d+ observed periods/);
      expect(f.model).toBe('naive');
      expect(f.mean[0]).toBe(5);
    }
    // Seasonal models need a season and a quarter (at least 6 more periods).
    expect(holtWinters.min_length(7)).toBe(13);
    expect(holtWinters.min_length(52)).toBe(65);
    const short = Float64Array.from({ length: 12 }, (_, t) => 10 + (t % 7));
    const f = holtWinters.forecast({ y: short, season: 7 }, 7, 0.8);
    expect(f.model).toBe('naive');
    expect(f.fallback).toMatch(/holt_winters needs 13 observed periods, the series has 12/);
    // 12 observed of 16 (4 censored) is still short; the same 16 uncensored fit.
    const sixteen = Float64Array.from({ length: 16 }, (_, t) => 10 + (t % 7));
    const censored = Uint8Array.from({ length: 16 }, (_, t) => (t < 4 ? 1 : 0));
    expect(holtWinters.forecast({ y: sixteen, season: 7, censored }, 7, 0.8).fallback).toBeDefined();
    const fitted = holtWinters.forecast({ y: sixteen, season: 7 }, 7, 0.8);
    expect(fitted.model).toBe('holt_winters');
    expect(mae(fitted.mean, [12, 13, 14, 15, 16, 10, 11])).toBeLessThan(0.5);
  });

  it('empty, constant, all-zero and all-censored series give finite, non-negative forecasts', () => {
    const cases: Series[] = [
      { y: new Float64Array(0), season: 7 },
      { y: new Float64Array(60).fill(12), season: 7 },
      { y: new Float64Array(60), season: 7 },
      { y: new Float64Array(30).fill(5), season: 1, censored: new Uint8Array(30).fill(1) },
      { y: new Float64Array(30).fill(NaN), season: 52 },
    ];
    for (const series of cases) {
      for (const model of ALL) expectSane(model.forecast(series, 4, 0.8), 4);
    }
    const constant = etsAuto.forecast({ y: new Float64Array(60).fill(12), season: 7 }, 4, 0.8);
    expect(constant.mean[0]).toBeCloseTo(12, 6);
    const zeros = holtWinters.forecast({ y: new Float64Array(60), season: 7 }, 4, 0.8);
    expect(Array.from(zeros.mean)).toEqual([0, 0, 0, 0]);
    expect(etsAuto.forecast({ y: new Float64Array(0), season: 7 }, 3, 0.8).fallback).toBeDefined();
  });

  it('a trend falling toward zero never forecasts negative demand or bounds', () => {
    const r = rng(6);
    const y = Float64Array.from({ length: 80 }, (_, t) => Math.max(0, 100 - 1.2 * t + r.n() * 2));
    for (const model of ALL) expectSane(model.forecast({ y, season: 1 }, 60, 0.95), 60);
    const f = holt.forecast({ y, season: 1 }, 60, 0.95);
    expect(f.mean[59]).toBeLessThan(f.mean[0]!);
  });
});

// The shared data folder sits beside the project's checkout (../shared/data), or beside the worktrees' folder.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const walmart = [resolve(root, '../shared/data/walmart-weekly-sales.csv'), resolve(root, '../../shared/data/walmart-weekly-sales.csv')].find((p) => existsSync(p)) ?? '';

describe.skipIf(walmart === '')('forecast engine: Walmart weekly store sales (needs ../shared/data)', () => {
  it('automatic ETS beats seasonal naive by at least 15% on MASE (13 weeks held out after 130 and after 104 weeks, season 52)', () => {
    const byStore = new Map<string, { date: number; sales: number }[]>();
    for (const line of readFileSync(walmart, 'utf8').trim().split('\n').slice(1)) {
      const [store, date, sales] = line.split(',');
      const [dd, mm, yy] = date!.split('/').map(Number);
      const rows = byStore.get(store!) ?? [];
      rows.push({ date: Date.UTC(2000 + yy!, mm! - 1, dd), sales: Number(sales) });
      byStore.set(store!, rows);
    }
    const h = 13;
    const m = 52;
    // The last 13 weeks after 130 of history; and the 13 after 104 (two seasons), where seasonal naive has one year to copy.
    for (const end of [130, 104]) {
      let auto = 0;
      let snaive = 0;
      for (const rows of byStore.values()) {
        rows.sort((a, b) => a.date - b.date);
        const all = Float64Array.from(rows, (r) => r.sales);
        const train = all.slice(0, end);
        const test = all.subarray(end, end + h);
        let scale = 0;
        for (let t = m; t < train.length; t++) scale += Math.abs(train[t]! - train[t - m]!);
        scale /= train.length - m;
        auto += mae(etsAuto.forecast({ y: train, season: m }, h, 0.8).mean, test) / scale;
        snaive += mae(seasonalNaive.forecast({ y: train, season: m }, h, 0.8).mean, test) / scale;
      }
      expect(auto / snaive).toBeLessThan(0.85);
    }
    expect(byStore.size).toBe(45);
  });
});
