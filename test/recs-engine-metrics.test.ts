import { describe, expect, it } from 'vitest';
import { coverage, rankingMetrics, userMetrics } from '../src/modules/recs/engine/index.js';

describe('recs engine: ranking metrics (Microsoft Recommenders python_evaluation definitions)', () => {
  it('computes one user by hand: hits at ranks 2 and 4 of 5, three relevant items', () => {
    const m = userMetrics(['a', 'b', 'c', 'd', 'e'], new Set(['b', 'd', 'f']), 5);
    expect(m.hit).toBe(1);
    expect(m.precision).toBeCloseTo(2 / 5, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    const dcg = 1 / Math.log(3) + 1 / Math.log(5);
    const idcg = 1 / Math.log(2) + 1 / Math.log(3) + 1 / Math.log(4);
    expect(m.ndcg).toBeCloseTo(dcg / idcg, 12);
    // MAP@k: (1/2 + 2/4) / min(3 relevant, k = 5)
    expect(m.ap).toBeCloseTo(1 / 3, 12);
  });

  it('a miss scores zero everywhere and only the first k count', () => {
    expect(userMetrics(['x', 'y'], new Set(['z']), 10)).toEqual({ hit: 0, ndcg: 0, precision: 0, recall: 0, ap: 0 });
    const late = userMetrics(['x', 'y', 'z'], new Set(['z']), 2);
    expect(late.hit).toBe(0);
    expect(userMetrics(['z'], new Set(['z']), 1)).toEqual({ hit: 1, ndcg: 1, precision: 1, recall: 1, ap: 1 });
  });

  it("MAP@k divides by min(relevant, k), not by the number relevant (map_at_k, not map)", () => {
    const relevant = new Set(['a', 'b', 'c', 'd']);
    const m = userMetrics(['a', 'b'], relevant, 2);
    expect(m.ap).toBeCloseTo((1 / 1 + 2 / 2) / 2, 12);
    expect(m.recall).toBeCloseTo(2 / 4, 12);
  });

  it("matches Microsoft Recommenders' own test fixture (precision 0.26666, recall 0.37777, nDCG 0.38172, MAP 0.23613)", () => {
    // tests/unit/recommenders/evaluation/conftest.py: rating_true and rating_pred, ranked by prediction.
    const trueRows: [number, number][] = [[1, 3], [2, 1], [2, 4], [2, 5], [2, 6], [2, 7], [3, 2], [3, 5], [3, 6], [3, 8], [3, 9], [3, 10], [3, 11], [3, 12], [3, 13], [3, 14], [1, 1], [1, 2]];
    const users = [1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1];
    const items = [12, 10, 3, 5, 11, 13, 4, 10, 7, 13, 1, 3, 5, 2, 11, 14, 3, 10];
    const predictions = [12, 14, 13, 12, 11, 10, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 14, 13];
    const test = new Map<string, Set<number>>();
    for (const [u, i] of trueRows) test.set(String(u), (test.get(String(u)) ?? new Set()).add(i));
    const rankings = new Map<string, number[]>();
    for (const u of new Set(users)) {
      const rows = users.map((x, j) => ({ x, item: items[j]!, p: predictions[j]! })).filter((r) => r.x === u);
      rankings.set(String(u), rows.sort((a, b) => b.p - a.p).map((r) => r.item));
    }
    const m = rankingMetrics(rankings, test, 10);
    expect(m.users).toBe(3);
    expect(m.precision).toBeCloseTo(0.26666, 4);
    expect(m.recall).toBeCloseTo(0.37777, 4);
    expect(m.ndcg).toBeCloseTo(0.38172, 4);
    expect(m.map).toBeCloseTo(0.23613, 4);
    // The truth ranked by itself is perfect; precision@10 is then 18 / 30 = 0.6, as their test says.
    const perfect = rankingMetrics(new Map([...test].map(([u, s]) => [u, [...s]])), test, 10);
    expect(perfect.ndcg).toBeCloseTo(1, 12);
    expect(perfect.map).toBeCloseTo(1, 12);
    expect(perfect.precision).toBeCloseTo(0.6, 12);
  });

  it('averages only over users with both a ranking and relevant items; coverage counts distinct items', () => {
    const test = new Map([['u1', new Set(['a'])], ['u2', new Set(['b'])], ['u3', new Set<string>()]]);
    const m = rankingMetrics(new Map([['u1', ['a', 'c']], ['u3', ['a']]]), test, 10);
    expect(m.users).toBe(1);
    expect(m.hr).toBe(1);
    expect(coverage([['a', 'b'], ['b', 'c']], 10)).toBeCloseTo(0.3, 12);
    expect(coverage([['a', 'b', 'c']], 10, 2)).toBeCloseTo(0.2, 12);
  });
});
