import { describe, expect, it } from 'vitest';
import { bottomUp, chooseForecast, classify, croston, mase, rmsse, sba, smape, tsb, type Forecast, type Series } from '../src/modules/forecast/engine/index.js';
import { planBacktest, runBacktest, slice } from '../src/modules/forecast/engine/backtest.js';
import { crostonFit, tsbFit } from '../src/modules/forecast/engine/intermittent.js';
import { models } from '../src/modules/forecast/engine/models.js';
import { smoothCandidates } from '../src/modules/forecast/engine/select.js';
import { mulberry32 } from '../src/kernel/random.js';


const daily = (values: number[], censored?: number[]): Series => ({ y: Float64Array.from(values), censored: censored ? Uint8Array.from(censored) : undefined, season: 7 });
const repeat = (pattern: number[], times: number) => Array.from({ length: times }, () => pattern).flat();

describe('forecast engine: demand classes (Syntetos-Boylan-Croston)', () => {
  it('tells smooth, erratic, intermittent and lumpy demand apart by ADI 1.32 and CV² 0.49', () => {
    const smooth = classify(daily(repeat([9, 10, 11], 30)));
    expect(smooth).toMatchObject({ class: 'smooth', adi: 1 });
    expect(smooth.cv2).toBeCloseTo(2 / 3 / 100, 10);

    // Sizes 1 and 20: mean 10.5, variance 90.25, CV² = 90.25 / 110.25.
    const erratic = classify(daily(repeat([1, 20], 40)));
    expect(erratic.class).toBe('erratic');
    expect(erratic.cv2).toBeCloseTo(90.25 / 110.25, 12);

    expect(classify(daily(repeat([0, 0, 5], 30)))).toEqual({ class: 'intermittent', adi: 3, cv2: 0 });

    const lumpy = classify(daily(repeat([0, 0, 1, 0, 0, 20], 20)));
    expect(lumpy.class).toBe('lumpy');
    expect(lumpy.adi).toBe(3);
    expect(lumpy.cv2).toBeCloseTo(90.25 / 110.25, 12);
  });

  it('does not count a day out of stock as a day without demand', () => {
    // Sold 5 on every day it was in stock: smooth, although two days in three show no sale.
    const censored = repeat([0, 1, 1], 20);
    const y = repeat([5, 0, 0], 20);
    expect(classify(daily(y))).toMatchObject({ class: 'intermittent', adi: 3 });
    expect(classify(daily(y, censored))).toEqual({ class: 'smooth', adi: 1, cv2: 0 });
    // NaN means unknown, the same as censored.
    expect(classify(daily(repeat([5, Number.NaN, Number.NaN], 20)))).toEqual({ class: 'smooth', adi: 1, cv2: 0 });
  });

  it('puts ADI exactly 1.32 on the intermittent side of the cut-off', () => {
    // 33 periods with 25 demands: ADI = 1.32.
    const y = Array.from({ length: 33 }, (_, i) => (i % 4 === 3 && i < 32 ? 0 : 4));
    expect(classify(daily(y))).toMatchObject({ class: 'intermittent', adi: 1.32 });
  });
});

describe('forecast engine: Croston, SBA and TSB', () => {
  it('Croston smooths sizes and intervals only when demand occurs (hand-computed)', () => {
    // First demand 3 at position 3: size 3, interval 3. Then a zero (forecast 1, error -1) and
    // a 5 after 2 periods (forecast 1, error 4): size 3 + 0.1 x 2 = 3.2, interval 3 + 0.1 x (2 - 3) = 2.9.
    const fit = crostonFit([0, 0, 3, 0, 5], 0.1, 1);
    expect(fit.forecast).toBeCloseTo(3.2 / 2.9, 12);
    expect(fit.sse).toBeCloseTo(17, 12);
    expect(fit.errors).toBe(2);
    // SBA: the same times 1 - 0.1 / 2; its in-sample forecasts are 0.95 too.
    const sbaFit = crostonFit([0, 0, 3, 0, 5], 0.1, 0.95);
    expect(sbaFit.forecast).toBeCloseTo((0.95 * 3.2) / 2.9, 12);
    expect(sbaFit.sse).toBeCloseTo(0.95 ** 2 + 4.05 ** 2, 12);
  });

  it('TSB updates the probability of demand every period (hand-computed)', () => {
    // Size 3, probability 1/3; a zero: probability x 0.8 = 0.26667; a 5: probability + 0.2 x (1 - p) = 0.41333, size 3.2.
    const fit = tsbFit([0, 0, 3, 0, 5], 0.1, 0.2);
    const p = 1 / 3 - 0.2 / 3;
    expect(fit.forecast).toBeCloseTo((p + 0.2 * (1 - p)) * 3.2, 12);
    expect(fit.sse).toBeCloseTo(1 + (5 - p * 3) ** 2, 12);
  });

  it('forecasts a regular 4 every third day as 4/3 a day, with an interval from the demand distribution and sigma from the one-step errors', () => {
    const series = daily(repeat([0, 0, 4], 10));
    const f = croston.forecast(series, 7, 0.8);
    expect(f.model).toBe('croston');
    expect(f.mean).toHaveLength(7);
    for (const m of f.mean) expect(m).toBeCloseTo(4 / 3, 12);
    // Errors -4/3, -4/3, 8/3 repeating: mean square 32/9.
    expect(f.sigma).toBeCloseTo(Math.sqrt(32 / 9), 12);
    // Two days in three sell nothing, one sells 4: the 80% interval is [0, 4].
    expect(Array.from(f.lower)).toEqual(new Array(7).fill(0));
    for (const u of f.upper) expect(u).toBeCloseTo(4, 12);
    expect(f.fallback).toBeUndefined();
    // SBA forecasts less than Croston (its bias correction), TSB the same rate here.
    expect(sba.forecast(series, 7, 0.8).mean[0]).toBeLessThan(4 / 3);
    expect(tsb.forecast(series, 7, 0.8).mean[0]).toBeGreaterThan(0);
  });

  it('skips days out of stock instead of counting them as zero demand', () => {
    const plain = croston.forecast(daily(repeat([0, 0, 4], 10)), 7, 0.8);
    // The same sales with out-of-stock days (censored, or NaN) in between.
    const y = repeat([0, 0, 0, 4, Number.NaN], 10);
    const censored = repeat([0, 1, 0, 0, 0], 10);
    const withGaps = croston.forecast(daily(y, censored), 7, 0.8);
    expect(withGaps.mean[0]).toBeCloseTo(plain.mean[0]!, 12);
    expect(withGaps.sigma).toBeCloseTo(plain.sigma, 12);
  });

  it('TSB decays toward zero after demand stops, Croston keeps its forecast', () => {
    const selling = repeat([2, 0], 60);
    const stopped = [...selling, ...new Array(60).fill(0)];
    expect(crostonFit(stopped, 0.1, 1).forecast).toBe(crostonFit(selling.slice(0, -1), 0.1, 1).forecast);
    expect(croston.forecast(daily(stopped), 7, 0.8).mean[0]).toBeGreaterThan(0.5);
    const before = tsb.forecast(daily(selling), 7, 0.8).mean[0]!;
    const after = tsb.forecast(daily(stopped), 7, 0.8).mean[0]!;
    expect(before).toBeGreaterThan(0.5);
    expect(after).toBeLessThan(before * 0.1);
    expect(tsbFit(stopped, 0.1, 0.1).forecast).toBeLessThan(tsbFit(selling, 0.1, 0.1).forecast * 0.01);
  });

  it('gives a zero forecast, and says why, for a history without demand', () => {
    const f = tsb.forecast(daily(new Array(30).fill(0)), 7, 0.8);
    expect(Array.from(f.mean)).toEqual(new Array(7).fill(0));
    expect(f.fallback).toContain('no demand in 30 days');
    const unknown = croston.forecast(daily([], []), 3, 0.8);
    expect(unknown.mean).toHaveLength(3);
    expect(unknown.fallback).toContain('no observed demand');
  });
});

describe('forecast engine: accuracy measures', () => {
  it('MASE scales the forecast error by the in-sample seasonal naive error', () => {
    // Seasonal naive (m = 4) errors in the history: 2, 4, 0, 4 -> 2.5; forecast MAE (2 + 5) / 2 = 3.5.
    expect(mase([10, 20], [12, 15], [10, 20, 30, 40, 12, 24, 30, 44], 4)).toBeCloseTo(1.4, 12);
    // Shorter than a season plus one: naive (m = 1) errors 2, 1 -> 1.5.
    expect(mase([4], [1], [1, 3, 2], 7)).toBeCloseTo(2, 12);
    // A constant history has no naive error: scaled by its level instead of dividing by zero.
    expect(mase([6], [5], [5, 5, 5], 1)).toBeCloseTo(0.2, 12);
    expect(mase([1], [0], [0, 0, 0], 1)).toBe(1);
    // An unknown (censored) actual is left out.
    expect(mase([10, Number.NaN], [12, 1000], [10, 20, 30, 40, 12, 24, 30, 44], 4)).toBeCloseTo(0.8, 12);
    // RMSSE: naive squared errors 4, 1 -> RMS sqrt(2.5); forecast error 3.
    expect(rmsse([4], [1], [1, 3, 2], 7)).toBeCloseTo(3 / Math.sqrt(2.5), 12);
  });

  it('sMAPE averages 200|a - f| / (|a| + |f|), a period where both are zero counting 0', () => {
    expect(smape([100, 0, 50], [110, 0, 0])).toBeCloseTo((2000 / 210 + 0 + 200) / 3, 10);
    expect(smape([0, 0], [0, 0])).toBe(0);
  });
});

describe('forecast engine: automatic choice', () => {
  it('chooses a Croston-family model for intermittent demand whose rate changes, by RMSSE', () => {
    // Two years: a 3 every 8 days, then, for the last 80 days, every other day.
    const y = Array.from({ length: 730 }, (_, i) => ((i < 650 ? i % 8 : i % 2) === 0 ? 3 : 0));
    const choice = chooseForecast(daily(y), { h: 14 });
    expect(choice.class).toBe('intermittent');
    expect(choice.measure).toBe('rmsse');
    expect(choice.origins).toBe(3);
    expect(Object.keys(choice.backtest).sort()).toEqual(['croston', 'mean', 'naive', 'sba', 'tsb']);
    expect(['croston', 'sba', 'tsb']).toContain(choice.forecast.model);
    expect(choice.backtest[choice.forecast.model]).toBe(Math.min(...Object.values(choice.backtest)));
    expect(choice.forecast.mean).toHaveLength(14);
    // Croston has caught up with the new rate (1.5 a day); the mean of the history has not.
    expect(choice.forecast.mean[0]).toBeGreaterThan(1.2);
    expect(choice.forecast.fallback).toBeUndefined();

    // Random sizes and days: a Croston-family model is chosen, alone or averaged with another.
    for (let seed = 1; seed <= 10; seed++) {
      const next = mulberry32(seed);
      const noisy = Array.from({ length: 730 }, (_, i) => (next() < (i < 650 ? 0.05 : 0.5) ? 1 + Math.floor(next() * 3) : 0));
      const c = chooseForecast(daily(noisy), { h: 14 });
      expect(['croston', 'sba', 'tsb'].some((m) => m === c.forecast.model || m === c.forecast.combined_with)).toBe(true);
    }
  });

  it('chooses a seasonal model for demand with a weekly pattern, and the forecast keeps the pattern', () => {
    const next = mulberry32(3);
    const week = [1, 0.9, 0.9, 1, 1.4, 2, 0.6];
    const y = Array.from({ length: 400 }, (_, i) => Math.round(30 * week[i % 7]! * (0.9 + 0.2 * next())));
    const choice = chooseForecast(daily(y), { h: 14 });
    expect(choice.class).toBe('smooth');
    expect(choice.measure).toBe('mase');
    expect(choice.origins).toBe(3);
    expect(Object.keys(choice.backtest)).toEqual(expect.arrayContaining(['naive', 'seasonal_naive', 'ses', 'holt', 'holt_winters', 'ets_auto']));
    const seasonal = ['seasonal_naive', 'holt_winters', 'ets_auto'];
    expect(seasonal).toContain(choice.forecast.model);
    if (choice.forecast.combined_with) expect(seasonal).toContain(choice.forecast.combined_with);
    // Period 400 + t has weekday t + 1 (mod 7): Saturday-like peaks (index 5) at t = 4 and 11.
    const f = choice.forecast.mean;
    expect(f[4]).toBeGreaterThan(50);
    expect(f[5]).toBeLessThan(25);
    expect(f[11]).toBeGreaterThan(50);
    expect(choice.backtest.seasonal_naive!).toBeLessThan(choice.backtest.naive!);
    for (let t = 0; t < 14; t++) expect(choice.forecast.lower[t]!).toBeLessThanOrEqual(f[t]!);
  });

  it('averages the best two only when their average scored better than the best alone', () => {
    let combinations = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const next = mulberry32(seed);
      const y = Array.from({ length: 300 }, (_, i) => Math.max(0, Math.round(20 + 0.05 * i + 8 * Math.sin((2 * Math.PI * i) / 7) + 6 * (next() - 0.5))));
      const series = daily(y);
      const choice = chooseForecast(series, { h: 7 });
      const plan = planBacktest(series, smoothCandidates.map((n) => models[n]), 7, 3)!;
      const { scores, pair } = runBacktest(series, plan, 7, 0.8, 'mase');
      expect(choice.backtest).toEqual(scores);
      const combined = pair !== null && pair.score < scores[pair.first]!;
      if (combined) combinations++;
      expect(choice.forecast.combined_with).toBe(combined ? pair.second : undefined);
      expect(choice.forecast.model).toBe(pair!.first);
      if (combined) {
        const latest = slice(series, Math.max(0, 300 - plan.window), 300, 7);
        const a = models[pair.first].forecast(latest, 7, 0.8);
        const b = models[pair.second].forecast(latest, 7, 0.8);
        for (let t = 0; t < 7; t++) expect(choice.forecast.mean[t]).toBeCloseTo((a.mean[t]! + b.mean[t]!) / 2, 9);
      }
    }
    // Both ways occur among these series.
    expect(combinations).toBeGreaterThan(0);
    expect(combinations).toBeLessThan(6);
  });

  it('falls back to a baseline on a history too short to compare models, and says so', () => {
    const choice = chooseForecast(daily([3, 4, 5, 2, 6, 8, 9, 3, 4, 5, 2, 6]), { h: 7 });
    expect(choice.origins).toBe(0);
    expect(choice.backtest).toEqual({});
    expect(choice.forecast.fallback).toBe('12 days of history: too short to compare models, seasonal naive');
    expect(choice.forecast.mean).toHaveLength(7);
    // Nothing at all observed: a zero forecast, still no exception.
    const empty = chooseForecast(daily([]), { h: 7 });
    expect(empty.origins).toBe(0);
    expect(Array.from(empty.forecast.mean)).toEqual(new Array(7).fill(0));
    expect(empty.forecast.fallback).toContain('none observed');
    // Nonsense options are replaced by the defaults rather than thrown at.
    expect(chooseForecast(daily([1, 0, 0, 2]), { h: Number.NaN, level: 7 }).forecast.level).toBe(0.8);
    const unknown = chooseForecast(daily(repeat([5, 6, 7], 40)), { h: 3, candidates: ['naive', 'prophet' as never, 'ses'] });
    expect(Object.keys(unknown.backtest).sort()).toEqual(['naive', 'ses']);
  });
});

describe('forecast engine: bottom-up hierarchy', () => {
  const part = (mean: number[], half: number[], sigma: number): Forecast => ({
    model: 'ses',
    mean: Float64Array.from(mean),
    lower: Float64Array.from(mean.map((m, i) => Math.max(0, m - half[i]!))),
    upper: Float64Array.from(mean.map((m, i) => m + half[i]!)),
    level: 0.8,
    sigma,
  });

  it('adds the means and the variances: half-widths 5 and 12 make 13, sigmas 3 and 4 make 5', () => {
    const sum = bottomUp([part([10, 10], [5, 5], 3), part([20, 30], [12, 12], 4)]);
    expect(Array.from(sum.mean)).toEqual([30, 40]);
    expect(sum.lower[0]).toBeCloseTo(17, 9);
    expect(sum.upper[0]).toBeCloseTo(43, 9);
    expect(sum.upper[1]).toBeCloseTo(53, 9);
    expect(sum.sigma).toBeCloseTo(5, 12);
    expect(sum.level).toBe(0.8);
  });

  it('a region equals the sum of its stores exactly, with an interval narrower than the sum of theirs and never negative', () => {
    const next = mulberry32(11);
    const stores = Array.from({ length: 12 }, () => {
      const mean = Array.from({ length: 7 }, () => next() * 20);
      return part(mean, mean.map(() => 1 + next() * 15), 1 + next() * 5);
    });
    const region = bottomUp(stores);
    for (let t = 0; t < 7; t++) {
      let total = 0;
      let widths = 0;
      for (const s of stores) {
        total += s.mean[t]!;
        widths += s.upper[t]! - s.lower[t]!;
      }
      expect(region.mean[t]).toBe(total);
      expect(region.upper[t]! - region.lower[t]!).toBeLessThan(widths);
      expect(region.lower[t]).toBeGreaterThanOrEqual(0);
    }
    // Small, uncertain parts: the lower bound stops at zero.
    const tiny = bottomUp([part([0.2], [3], 2), part([0.1], [3], 2)]);
    expect(tiny.lower[0]).toBe(0);
  });

  it('refuses parts of different levels or horizons', () => {
    expect(() => bottomUp([part([1], [1], 1), { ...part([1], [1], 1), level: 0.95 }])).toThrow(RangeError);
    expect(() => bottomUp([part([1], [1], 1), part([1, 2], [1, 1], 1)])).toThrow(RangeError);
    expect(() => bottomUp([])).toThrow(RangeError);
  });
});
