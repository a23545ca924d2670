import { describe, expect, it } from 'vitest';
import { consumerFeatures, featureNames, type BehaviourEvent } from '../src/modules/campaigns/propensity/features.js';
import { fitLogistic, predictLogistic, solveCholesky } from '../src/modules/campaigns/propensity/logistic.js';
import { auc, precisionAtTop } from '../src/modules/campaigns/propensity/metrics.js';
import { fitPropensity, scoreRow } from '../src/modules/campaigns/propensity/model.js';
import { mulberry32 } from '../src/kernel/random.js';

const logit = (p: number) => Math.log(p / (1 - p));


describe('logistic regression (Newton / IRLS)', () => {
  it('solves a symmetric positive-definite system', () => {
    const x = solveCholesky([[4, 2, 0.4], [2, 5, 1], [0.4, 1, 3]], [1, 2, 3]);
    const back = [4 * x[0]! + 2 * x[1]! + 0.4 * x[2]!, 2 * x[0]! + 5 * x[1]! + x[2]!, 0.4 * x[0]! + x[1]! + 3 * x[2]!];
    back.forEach((v, i) => expect(v).toBeCloseTo([1, 2, 3][i]!, 10));
  });

  it('finds the closed-form maximum likelihood of one binary feature (λ = 0)', () => {
    // x = 0: 3 of 10 bought; x = 1: 8 of 10. The MLE is intercept logit(0.3), slope logit(0.8) - logit(0.3).
    const X: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 10; i++) {
      X.push([0]);
      y.push(i < 3 ? 1 : 0);
    }
    for (let i = 0; i < 10; i++) {
      X.push([1]);
      y.push(i < 8 ? 1 : 0);
    }
    const fit = fitLogistic(X, y, { l2: 0 });
    expect(fit.converged).toBe(true);
    expect(fit.intercept).toBeCloseTo(logit(0.3), 8);
    expect(fit.weights[0]).toBeCloseTo(logit(0.8) - logit(0.3), 8);
    expect(predictLogistic(fit, [1])).toBeCloseTo(0.8, 8);
  });

  it('meets the optimality conditions of the penalised likelihood (λ > 0), and shrinks weights as λ grows', () => {
    const rnd = mulberry32(7);
    const truth = [1.5, -2, 0.5];
    const X = Array.from({ length: 400 }, () => truth.map(() => rnd() * 2 - 1));
    const y = X.map((x) => (rnd() < 1 / (1 + Math.exp(-(0.3 + x.reduce((s, v, j) => s + v * truth[j]!, 0)))) ? 1 : 0));
    const l2 = 5;
    const fit = fitLogistic(X, y, { l2 });
    expect(fit.converged).toBe(true);
    // ∂/∂b0 = Σ(y − p) = 0 and ∂/∂wj = Σ(y − p)xj − λwj = 0 at the optimum.
    const residuals = X.map((x, i) => y[i]! - predictLogistic(fit, x));
    expect(Math.abs(residuals.reduce((s, r) => s + r, 0))).toBeLessThan(1e-6);
    for (let j = 0; j < truth.length; j++) {
      expect(Math.abs(residuals.reduce((s, r, i) => s + r * X[i]![j]!, 0) - l2 * fit.weights[j]!)).toBeLessThan(1e-6);
    }
    // Signs recovered; the penalty pulls the weights toward zero.
    expect(Math.sign(fit.weights[0]!)).toBe(1);
    expect(Math.sign(fit.weights[1]!)).toBe(-1);
    const looser = fitLogistic(X, y, { l2: 0.01 });
    const norm = (w: number[]) => Math.hypot(...w);
    expect(norm(fit.weights)).toBeLessThan(norm(looser.weights));
  });

  it('stays finite on perfectly separable data when penalised', () => {
    const X = [[-2], [-1], [1], [2]];
    const y = [0, 0, 1, 1];
    const fit = fitLogistic(X, y, { l2: 1 });
    expect(fit.converged).toBe(true);
    expect(Number.isFinite(fit.weights[0]!)).toBe(true);
    expect(predictLogistic(fit, [2])).toBeGreaterThan(0.5);
    expect(predictLogistic(fit, [-2])).toBeLessThan(0.5);
  });

  it('standardises features and ignores a constant column', () => {
    const rows = [[0, 5], [1, 5], [2, 5], [3, 5], [4, 5], [5, 5]];
    const model = fitPropensity(rows, [0, 0, 0, 1, 1, 1], 0.1);
    expect(model.sds[1]).toBe(0);
    expect(model.weights[1]).toBeCloseTo(0, 8);
    expect(scoreRow(model, [5, 5])).toBeGreaterThan(scoreRow(model, [0, 5]));
  });
});

describe('ranking metrics', () => {
  it('AUC: perfect, reversed, all tied, and a hand-counted case', () => {
    expect(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
    // Positives 0.8 and 0.4; negatives 0.6, 0.4, 0.2: pairs won 3 + 1.5 (0.4 ties 0.4) + 0... = (3 + 1.5) / 6.
    expect(auc([0.8, 0.4, 0.6, 0.4, 0.2], [1, 1, 0, 0, 0])).toBeCloseTo(4.5 / 6, 12);
  });

  it('precision at the top share', () => {
    const scores = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    expect(precisionAtTop(scores, [1, 0, 1, 0, 0, 0, 0, 0, 0, 1], 0.1)).toBe(1);
    expect(precisionAtTop(scores, [1, 0, 1, 0, 0, 0, 0, 0, 0, 1], 0.3)).toBeCloseTo(2 / 3, 12);
  });
});

describe('consumer features', () => {
  it('count only events before the cutoff, and see the target', () => {
    const day = 86_400_000;
    const cutoff = 100 * day;
    const events: BehaviourEvent[] = [
      { at: cutoff - day / 2, kind: 'cart', product_id: 'p1', category_id: 'c1' },
      { at: cutoff - 2 * day, kind: 'buy', product_id: 'p2', category_id: 'c1' },
      { at: cutoff + day, kind: 'buy', product_id: 'p1', category_id: 'c1' },
    ];
    const f = consumerFeatures(events, cutoff, { product_id: 'p1' });
    const get = (name: string) => f[featureNames.indexOf(name)]!;
    expect(f).toHaveLength(featureNames.length);
    expect(get('cart_1d')).toBeCloseTo(Math.log1p(1), 12);
    expect(get('buy_all')).toBeCloseTo(Math.log1p(1), 12);
    expect(get('target_buy_all')).toBe(0);
    expect(get('target_cart_all')).toBeCloseTo(Math.log1p(1), 12);
    expect(get('stage_purchased')).toBe(1);
    const byCategory = consumerFeatures(events, cutoff, { category_id: 'c1' });
    expect(byCategory[featureNames.indexOf('target_buy_all')]).toBeCloseTo(Math.log1p(1), 12);
  });
});

describe('lift interval (Newcombe hybrid score)', () => {
  it('reproduces Newcombe’s published examples', async () => {
    const { liftInterval, wilson } = await import('../src/modules/campaigns/propensity/lift.js');
    // Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10.
    const a = liftInterval(56, 70, 48, 80);
    expect(a.difference).toBeCloseTo(0.2, 12);
    expect(a.lower).toBeCloseTo(0.0524, 4);
    expect(a.upper).toBeCloseTo(0.3339, 4);
    expect(a.significant).toBe(true);
    const b = liftInterval(9, 10, 3, 10);
    expect(b.lower).toBeCloseTo(0.1705, 4);
    expect(b.upper).toBeCloseTo(0.8090, 4);
    const c = liftInterval(6, 7, 2, 7);
    expect(c.lower).toBeCloseTo(0.0582, 4);
    expect(c.upper).toBeCloseTo(0.8062, 4);
    const d = liftInterval(5, 56, 0, 29);
    expect(d.lower).toBeCloseTo(-0.0381, 4);
    expect(d.upper).toBeCloseTo(0.1926, 4);
    expect(d.relative).toBeNull();
    const e = liftInterval(10, 10, 0, 20);
    expect(e.lower).toBeCloseTo(0.6791, 4);
    expect(e.upper).toBe(1);
    // Wilson interval of 0 of 10: [0, 0.2775].
    expect(wilson(0, 10).lower).toBe(0);
    expect(wilson(0, 10).upper).toBeCloseTo(0.2775, 4);
    const none = liftInterval(5, 50, 5, 50);
    expect(none.difference).toBe(0);
    expect(none.significant).toBe(false);
    expect(none.lower).toBeLessThan(0);
    expect(none.upper).toBeGreaterThan(0);
  });
});
