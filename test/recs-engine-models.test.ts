import { describe, expect, it } from 'vitest';
import { buildDataset, itemIndex, models, seededRandom, topK, userHistory, type Interaction } from '../src/modules/recs/engine/index.js';

const view = (user: string, item: string, time_s = 0, weight?: number): Interaction => ({ user, item, kind: 'view', time_s, ...(weight === undefined ? {} : { weight }) });

describe('recs engine: dataset', () => {
  it('sums the weights of a pair, keeps its latest time, and saturates with log1p by default', () => {
    const xs: Interaction[] = [
      { user: 'u1', item: 'b', kind: 'view', time_s: 10 },
      { user: 'u1', item: 'a', kind: 'purchase', time_s: 5 },
      { user: 'u2', item: 'b', kind: 'cart', time_s: 7 },
      { user: 'u1', item: 'b', kind: 'favourite', time_s: 30 },
    ];
    const raw = buildDataset(xs, { transform: 'none' });
    expect(raw.users).toEqual(['u1', 'u2']);
    expect(raw.items).toEqual(['b', 'a']);
    expect([...raw.indptr]).toEqual([0, 2, 3]);
    // u1's row, items ascending by column: b (view 1 + favourite 2), a (purchase 4).
    expect([...raw.indices]).toEqual([0, 1, 0]);
    expect([...raw.values]).toEqual([3, 4, 3]);
    expect([...raw.last_s]).toEqual([30, 5, 7]);
    expect(raw.interactions).toBe(4);
    const saturated = buildDataset(xs);
    expect(saturated.values[0]).toBeCloseTo(Math.log1p(3), 6);
    expect(buildDataset([view('u', 'i', 0, 2.5)], { transform: 'none' }).values[0]).toBe(2.5);
  });

  it('a history can be weighted by recency: a pair loses half its weight per half-life behind the latest', () => {
    const data = buildDataset([view('u', 'old', 0, 4), view('u', 'mid', 3_600, 4), view('u', 'new', 7_200, 4)], { transform: 'none' });
    const ids = itemIndex(data);
    const h = userHistory(data, 0, { half_life_s: 3_600 });
    expect(h.get(ids.get('new')!)).toBeCloseTo(4, 9);
    expect(h.get(ids.get('mid')!)).toBeCloseTo(2, 9);
    expect(h.get(ids.get('old')!)).toBeCloseTo(1, 9);
    expect(userHistory(data, 0).get(ids.get('old')!)).toBe(4);
  });

  it('topK keeps the k best, best first, ties to the lower index, skipping excluded items', () => {
    const scores = Float64Array.from([0.1, 0.9, 0.5, 0.9, -Infinity, 0.7]);
    expect(topK(scores, 3).map((x) => x.item)).toEqual([1, 3, 5]);
    expect(topK(scores, 3, new Set([1])).map((x) => x.item)).toEqual([3, 5, 2]);
    expect(topK(scores, 10).length).toBe(5);
  });
});

describe('recs engine: models', () => {
  it('popularity ranks by users and leaves excluded items out', async () => {
    const data = buildDataset([view('u1', 'a'), view('u2', 'a'), view('u3', 'a'), view('u1', 'b'), view('u2', 'b'), view('u1', 'c')]);
    const model = await models.popularity.train(data);
    const ids = itemIndex(data);
    expect(model.recommend(new Map(), 3).map((x) => data.items[x.item])).toEqual(['a', 'b', 'c']);
    expect(model.recommend(new Map(), 3, new Set([ids.get('a')!])).map((x) => data.items[x.item])).toEqual(['b', 'c']);
  });

  it('ItemKNN is cosine with shrinkage on a tiny matrix', async () => {
    // u1: a b; u2: a b c; u3: c. Columns: a = (1,1,0), b = (1,1,0), c = (0,1,1).
    const xs = [view('u1', 'a'), view('u1', 'b'), view('u2', 'a'), view('u2', 'b'), view('u2', 'c'), view('u3', 'c')];
    const data = buildDataset(xs, { transform: 'none' });
    const ids = itemIndex(data);
    const [a, b, c] = ['a', 'b', 'c'].map((x) => ids.get(x)!) as [number, number, number];
    const plain = await models.itemknn.train(data, { params: { shrink: 0 } });
    const simA = new Map(plain.similar(a, 5).map((x) => [x.item, x.score]));
    expect(simA.get(b)).toBeCloseTo(1, 6);
    expect(simA.get(c)).toBeCloseTo(1 / 2, 6);
    expect(simA.has(a)).toBe(false);
    const shrunk = await models.itemknn.train(data, { params: { shrink: 10 } });
    const simA2 = new Map(shrunk.similar(a, 5).map((x) => [x.item, x.score]));
    expect(simA2.get(b)).toBeCloseTo(2 / (2 + 10), 6);
    expect(simA2.get(c)).toBeCloseTo(1 / (2 + 10), 6);
    // A history of a (weight 2) scores b by 2·sim(a, b) and c by 2·sim(a, c).
    const recs = plain.recommend(new Map([[a, 2]]), 2, new Set([a]));
    expect(recs.map((x) => x.item)).toEqual([b, c]);
    expect(recs[0]!.score).toBeCloseTo(2, 4);
    // One neighbour per item when asked.
    const one = await models.itemknn.train(data, { params: { shrink: 0, neighbours: 1 } });
    expect(one.similar(a, 5).map((x) => x.item)).toEqual([b]);
  });

  it('EASE equals the brute-force closed form B = I − P/diag(P), P = (XᵀX + λI)⁻¹', async () => {
    const rows: Record<string, Record<string, number>> = {
      u1: { a: 1, b: 2, c: 0 },
      u2: { a: 0, b: 1, c: 3, d: 1 },
      u3: { a: 2, d: 1 },
      u4: { b: 1, c: 1, d: 2 },
      u5: { a: 1, c: 1 },
    };
    const xs: Interaction[] = [];
    for (const [u, r] of Object.entries(rows)) for (const [i, w] of Object.entries(r)) if (w > 0) xs.push(view(u, i, 0, w));
    const data = buildDataset(xs, { transform: 'none' });
    const n = data.items.length;
    const lambda = 0.7;
    // Dense X, G = XᵀX + λI, P by Gauss–Jordan.
    const x = data.users.map((_, u) => {
      const row = new Array<number>(n).fill(0);
      for (const [i, w] of userHistory(data, u)) row[i] = w;
      return row;
    });
    const g = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => x.reduce((s, row) => s + row[i]! * row[j]!, 0) + (i === j ? lambda : 0)));
    const p = invert(g);
    const bMatrix = p.map((row, i) => row.map((v, j) => (i === j ? 0 : -v / p[j]![j]!)));
    const model = await models.ease.train(data, { params: { lambda, repeat: 0 } });
    for (let u = 0; u < data.users.length; u++) {
      const history = userHistory(data, u);
      const expected = Array.from({ length: n }, (_, j) => [...history].reduce((s, [i, w]) => s + w * bMatrix[i]![j]!, 0));
      const got = model.recommend(history, n);
      expect(got.length).toBe(n);
      for (const { item, score } of got) expect(score).toBeCloseTo(expected[item]!, 5);
    }
    // The repeat term adds repeat·w to the items of the history (re-views are allowed).
    const withRepeat = await models.ease.train(data, { params: { lambda, repeat: 2 } });
    const h0 = userHistory(data, 0);
    const [firstItem, firstWeight] = [...h0][0]!;
    const plainScore = model.recommend(h0, n).find((x) => x.item === firstItem)!.score;
    const repeatScore = withRepeat.recommend(h0, n).find((x) => x.item === firstItem)!.score;
    expect(repeatScore).toBeCloseTo(Math.max(plainScore, 0) + 2 * firstWeight, 5);
    // Capped at two items: the two most-used are modelled, the others rank after them.
    const capped = await models.ease.train(data, { params: { lambda, max_items: 2, repeat: 0 } });
    expect(capped.params.items_modelled).toBe(2);
    const top = capped.recommend(userHistory(data, 0), n);
    expect(top.slice(2).every((s) => s.score < -1e5)).toBe(true);
    // An item outside the cap still has neighbours (co-occurrence).
    const outside = top[top.length - 1]!.item;
    expect(capped.similar(outside, 3).length).toBeGreaterThan(0);
  });

  it('ALS ranks a planted structure first, for a history it never trained on', async () => {
    // Three groups of 100 users; group a uses items a0..a14, b b0..b14, c c0..c14, each user 6 at random.
    const random = seededRandom(3);
    const xs: Interaction[] = [];
    for (let u = 0; u < 300; u++) {
      const group = 'abc'[u % 3]!;
      const picks = new Set<number>();
      while (picks.size < 6) picks.add(Math.floor(random() * 15));
      for (const k of picks) xs.push(view(`u${u}`, `${group}${k}`));
    }
    const data = buildDataset(xs);
    const ids = itemIndex(data);
    const model = await models.als.train(data, { params: { factors: 8, iterations: 10 } });
    // A history that is no training row: two items of group a. Other a-items fill the top 10.
    const history = new Map([[ids.get('a0')!, 1], [ids.get('a1')!, 1]]);
    const recs = model.recommend(history, 10, new Set(history.keys()));
    expect(recs.map((x) => data.items[x.item]![0])).toEqual(new Array(10).fill('a'));
    const similar = model.similar(ids.get('b3')!, 5);
    expect(similar.map((x) => data.items[x.item]![0])).toEqual(new Array(5).fill('b'));
    expect(model.memory_bytes).toBeGreaterThan(0);
    // Two threads (a helper thread on shared memory) give exactly the same factors as one.
    const one = await models.als.train(data, { params: { factors: 8, iterations: 10, threads: 1 } });
    const two = await models.als.train(data, { params: { factors: 8, iterations: 10, threads: 2 } });
    expect(two.params.threads).toBe(2);
    expect(two.recommend(history, 15)).toEqual(one.recommend(history, 15));
    expect(two.similar(ids.get('c2')!, 5)).toEqual(one.similar(ids.get('c2')!, 5));
  });
});

function invert(m: number[][]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const pivot = a[c]![c]!;
    for (let j = 0; j < 2 * n; j++) a[c]![j]! /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      for (let j = 0; j < 2 * n; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((row) => row.slice(n));
}
