import { describe, expect, it } from 'vitest';
import { describe as summarise, newcombeDifference, relativeLift, studentTQuantile, welchDifference, wilson } from '../src/modules/campaigns/analysis/stats.js';

/**
 * The intervals behind campaign lift and geo-lift, against published worked examples:
 * Newcombe RG (1998), "Interval estimation for the difference between independent proportions:
 * comparison of eleven methods", Statistics in Medicine 17:873–890, Table II, method 10 (hybrid
 * score, no continuity correction); the single-proportion Wilson intervals of Newcombe (1998),
 * "Two-sided confidence intervals for the single proportion", Statistics in Medicine 17:857–872;
 * and Welch's interval for R's `t.test(extra ~ group, data = sleep)`.
 */
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

describe('Wilson’s score interval', () => {
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i/%i: %f to %f', (x, n, low, high) => {
    const w = wilson(x, n);
    expect([round4(w.low), round4(w.high)]).toEqual([low, high]);
  });

  it('refuses counts that are not a proportion', () => {
    expect(() => wilson(3, 2)).toThrow(RangeError);
    expect(() => wilson(0, 0)).toThrow(RangeError);
  });
});

describe('Newcombe’s hybrid score interval for a difference of proportions (method 10)', () => {
  it.each([
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [0, 10, 0, 10, -0.2775, 0.2775],
    [10, 10, 0, 20, 0.6791, 1],
    [10, 10, 0, 10, 0.6075, 1],
  ])('%i/%i − %i/%i: %f to %f', (x1, n1, x2, n2, low, high) => {
    const d = newcombeDifference(x1, n1, x2, n2);
    expect(d.estimate).toBeCloseTo(x1 / n1 - x2 / n2, 12);
    expect([round4(d.low), round4(d.high)]).toEqual([low, high]);
  });
});

describe('relative lift (Katz’s log interval)', () => {
  it('is the ratio less one, its interval around it, and undefined when an arm has no successes', () => {
    const r = relativeLift(30, 100, 10, 100)!;
    expect(r.estimate).toBeCloseTo(2, 12);
    // se = sqrt(1/30 − 1/100 + 1/10 − 1/100) = 0.3399; 3 · exp(±1.96 · 0.3399) − 1
    expect(round4(r.low)).toBe(round4(3 * Math.exp(-1.959963984540054 * Math.sqrt(1 / 30 - 1 / 100 + 1 / 10 - 1 / 100)) - 1));
    expect(r.low).toBeGreaterThan(0.5);
    expect(relativeLift(0, 100, 10, 100)).toBeNull();
  });
});

describe('Welch’s interval', () => {
  it('matches R’s t.test on the sleep data: −3.3654832 to 0.2054832, df 17.776', () => {
    const g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    const g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    const w = welchDifference(summarise(g1), summarise(g2));
    expect(w.estimate).toBeCloseTo(-1.58, 12);
    expect(w.low).toBeCloseTo(-3.3654832, 6);
    expect(w.high).toBeCloseTo(0.2054832, 6);
    expect(w.df).toBeCloseTo(17.776, 3);
  });

  it('uses the exact t quantile, however few the degrees of freedom', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 4);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.3027, 4);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.2281, 4);
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.96, 3);
  });

  it('collapses to the point when neither sample varies, and needs two values a side', () => {
    expect(welchDifference(summarise([5, 5]), summarise([2, 2]))).toMatchObject({ estimate: 3, low: 3, high: 3, df: null });
    expect(() => welchDifference(summarise([1]), summarise([1, 2]))).toThrow(RangeError);
  });
});
