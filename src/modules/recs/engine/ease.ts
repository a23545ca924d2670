import { columns, itemCounts, type Columns } from './dataset.js';
import { popularityPrior } from './popularity.js';
import { tick } from './random.js';
import { topK } from './top-k.js';
import type { Dataset, ModelSpec, ScoredItem, TrainedModel, TrainOptions } from './types.js';

export const easeDefaults = { lambda: 500, max_items: 2000, repeat: 2 } as const;

/**
 * EASE (Steck 2019): B = I − P / diag(P) with P = (XᵀX + λI)⁻¹, the diagonal of B held at zero.
 * Dense in the number of items, so only the `max_items` items with the most users are modelled
 * (N² doubles twice at the peak: 3,000 items ≈ 144 MB, then N² floats kept). Items outside the cap
 * are still served: a history's uncapped items add nothing to the scores, uncapped items rank
 * after every modelled one (by popularity), and `similar` answers them by co-occurrence cosine.
 */
export const ease: ModelSpec = {
  name: 'ease',
  async train(data: Dataset, options: TrainOptions = {}): Promise<TrainedModel> {
    const lambda = options.params?.lambda ?? easeDefaults.lambda;
    const repeat = options.params?.repeat ?? easeDefaults.repeat;
    const maxItems = Math.max(1, Math.round(options.params?.max_items ?? easeDefaults.max_items));
    const nItems = data.items.length;
    const counts = itemCounts(data);
    const order = Array.from(counts.keys()).sort((a, b) => counts[b]! - counts[a]! || a - b);
    const kept = Uint32Array.from(order.slice(0, Math.min(maxItems, nItems)).filter((i) => counts[i]! > 0));
    const n = kept.length;
    const slot = new Int32Array(nItems).fill(-1);
    kept.forEach((item, s) => (slot[item] = s));
    options.onProgress?.(0, 'ease: gram matrix');

    // G = XᵀX over the kept items (upper triangle, then mirrored), + λ on the diagonal.
    const g = new Float64Array(n * n);
    const rowSlot = new Int32Array(nItems);
    const rowValue = new Float64Array(nItems);
    for (let user = 0; user < data.users.length; user++) {
      let m = 0;
      for (let p = data.indptr[user]!; p < data.indptr[user + 1]!; p++) {
        const s = slot[data.indices[p]!]!;
        if (s < 0) continue;
        rowSlot[m] = s;
        rowValue[m++] = data.values[p]!;
      }
      for (let a = 0; a < m; a++) {
        const sa = rowSlot[a]!;
        const va = rowValue[a]!;
        for (let b = 0; b < m; b++) {
          const sb = rowSlot[b]!;
          if (sb >= sa) g[sa * n + sb]! += va * rowValue[b]!;
        }
      }
    }
    for (let a = 0; a < n; a++) {
      g[a * n + a]! += lambda;
      for (let b = a + 1; b < n; b++) g[b * n + a] = g[a * n + b]!;
    }
    await tick();
    const p = await invertSpd(g, n, (f) => options.onProgress?.(0.05 + 0.9 * f, 'ease: inverse'), options.signal);
    // B[i][j] = −P[i][j] / P[j][j], B[j][j] = 0.
    const b = new Float32Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) b[i * n + j] = i === j ? 0 : -p[i * n + j]! / p[j * n + j]!;
    }
    const prior = popularityPrior(data);
    const floor = -1e6;
    const cols = columns(data);
    options.onProgress?.(1, 'ease: done');
    return {
      name: 'ease',
      params: { lambda, max_items: maxItems, repeat, items_modelled: n },
      memory_bytes: b.byteLength + slot.byteLength + kept.byteLength + prior.byteLength + cols.indptr.byteLength + cols.indices.byteLength + cols.values.byteLength,
      recommend(history, k, exclude) {
        const acc = new Float64Array(n);
        for (const [item, w] of history) {
          const s = slot[item] ?? -1;
          if (s < 0) continue;
          const row = s * n;
          for (let j = 0; j < n; j++) acc[j]! += w * b[row + j]!;
        }
        const scores = new Float64Array(nItems);
        for (let i = 0; i < nItems; i++) scores[i] = floor + prior[i]!;
        for (let s = 0; s < n; s++) scores[kept[s]!] = acc[s]! + prior[kept[s]!]!;
        if (repeat !== 0) for (const [item, w] of history) if (item < nItems) scores[item] = Math.max(scores[item]!, 0) + repeat * w;
        return topK(scores, k, exclude);
      },
      similar(item, k) {
        const s = slot[item] ?? -1;
        if (s < 0) return cooccurrenceSimilar(data, cols, item, k);
        const scores = new Float64Array(n);
        for (let j = 0; j < n; j++) scores[j] = b[s * n + j]!;
        return topK(scores, k, new Set([s]), 0).map((x) => ({ item: kept[x.item]!, score: x.score }));
      },
    };
  },
};

/**
 * The inverse of the symmetric positive definite n×n matrix `a` (row-major, destroyed): Cholesky
 * A = LLᵀ in place, W = L⁻¹ kept transposed (rows contiguous), then A⁻¹ = WᵀW. Every inner loop is a
 * dot product of two contiguous rows; about (2/3)·n³ multiply–adds.
 */
export async function invertSpd(a: Float64Array, n: number, onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<Float64Array> {
  // Cholesky, row by row: L[i][j] = (A[i][j] − L[i][0..j)·L[j][0..j)) / L[j][j].
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      const s = a[ri + j]! - dot(a, ri, a, rj, j);
      if (j === i) {
        if (!(s > 0)) throw new Error('ease: matrix not positive definite (raise lambda)');
        a[ri + i] = Math.sqrt(s);
      } else a[ri + j] = s / a[rj + j]!;
    }
    if ((i & 127) === 127) {
      onProgress?.((0.5 * i) / n);
      signal?.throwIfAborted();
      await tick();
    }
  }
  // Wt[j][i] = W[i][j] (i ≥ j): column j of L⁻¹ by forward substitution, L w = e_j.
  const wt = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rw = j * n;
    wt[rw + j] = 1 / a[j * n + j]!;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      wt[rw + i] = -dot(a, ri + j, wt, rw + j, i - j) / a[ri + i]!;
    }
    if ((j & 127) === 127) {
      onProgress?.(0.5 + (0.25 * j) / n);
      signal?.throwIfAborted();
      await tick();
    }
  }
  // A⁻¹[x][y] = Σ_{i ≥ max(x, y)} Wt[x][i]·Wt[y][i], written over `a`.
  for (let x = 0; x < n; x++) {
    const rx = x * n;
    for (let y = x; y < n; y++) {
      const ry = y * n;
      const s = dot(wt, rx + y, wt, ry + y, n - y);
      a[rx + y] = s;
      a[ry + x] = s;
    }
    if ((x & 127) === 127) {
      onProgress?.(0.75 + (0.25 * x) / n);
      signal?.throwIfAborted();
      await tick();
    }
  }
  return a;
}

/** Σ_{k < len} x[xo + k]·y[yo + k], four independent sums so the multiply–adds overlap. */
function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += x[xo + k]! * y[yo + k]!;
    s1 += x[xo + k + 1]! * y[yo + k + 1]!;
    s2 += x[xo + k + 2]! * y[yo + k + 2]!;
    s3 += x[xo + k + 3]! * y[yo + k + 3]!;
  }
  for (; k < len; k++) s0 += x[xo + k]! * y[yo + k]!;
  return s0 + s1 + s2 + s3;
}

/** Items most like `item` by co-occurrence cosine, computed on demand (for items a model left out). */
export function cooccurrenceSimilar(data: Dataset, cols: Columns, item: number, k: number): ScoredItem[] {
  if (item < 0 || item >= data.items.length) return [];
  const acc = new Map<number, number>();
  for (let p = cols.indptr[item]!; p < cols.indptr[item + 1]!; p++) {
    const user = cols.indices[p]!;
    const v = cols.values[p]!;
    for (let q = data.indptr[user]!; q < data.indptr[user + 1]!; q++) {
      const j = data.indices[q]!;
      if (j !== item) acc.set(j, (acc.get(j) ?? 0) + v * data.values[q]!);
    }
  }
  const norm = (i: number) => {
    let s = 0;
    for (let p = cols.indptr[i]!; p < cols.indptr[i + 1]!; p++) s += cols.values[p]! * cols.values[p]!;
    return Math.sqrt(s);
  };
  const ni = norm(item);
  return [...acc]
    .map(([j, dot]) => ({ item: j, score: dot / (ni * norm(j) + 1e-12) }))
    .sort((x, y) => y.score - x.score || x.item - y.item)
    .slice(0, k);
}
