import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { columns } from './dataset.js';
import { popularityPrior } from './popularity.js';
import { seededRandom, tick } from './random.js';
import { topK } from './top-k.js';
import type { Dataset, ModelSpec, PortableModel, ScoredItem, TrainedModel, TrainOptions } from './types.js';

/** `threads` (1 or 2) is not among the defaults: it follows the machine (see `train`). */
export const alsDefaults = { factors: 32, iterations: 10, regularization: 0.05, alpha: 5, cg_steps: 2, repeat: 2, seed: 7 } as const;

/**
 * Implicit ALS (Hu, Koren, Volinsky 2008): preference 1 for every pair, confidence 1 + α·w,
 * alternating least squares on users and items, each solve a few conjugate-gradient steps warm-started
 * from the previous factors (Takács et al. 2011, as the `implicit` library does). `recommend` folds a
 * history in at request time (an exact f×f solve), so a consumer need not be a training row.
 */
export const als: ModelSpec = {
  name: 'als',
  async train(data: Dataset, options: TrainOptions = {}): Promise<TrainedModel> {
    const param = (name: keyof typeof alsDefaults) => options.params?.[name] ?? alsDefaults[name];
    const f = Math.max(1, Math.round(param('factors')));
    const iterations = Math.max(0, Math.round(param('iterations')));
    const lambda = param('regularization');
    const alpha = param('alpha');
    const repeat = param('repeat');
    const cgSteps = Math.max(1, Math.round(param('cg_steps')));
    const random = seededRandom(Math.round(param('seed')));
    const nUsers = data.users.length;
    const nItems = data.items.length;
    const cols = columns(data);
    // A helper thread takes half the rows of every half-iteration when there is a core to spare:
    // on a busy machine (load average above cores − 1) it only adds waiting, so it is not used.
    const spare = availableParallelism() >= 2 && loadavg()[0]! < availableParallelism() - 1;
    const threads = Math.max(1, Math.min(2, Math.round(options.params?.threads ?? (data.indices.length >= 20_000 && spare ? 2 : 1))));
    const parallel = threads > 1;
    // With a helper thread the factors and the rows live in shared memory.
    const make = (n: number) => (parallel ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n));
    const userF = make(nUsers * f);
    const itemF = make(nItems * f);
    for (let x = 0; x < itemF.length; x++) itemF[x] = (random() - 0.5) * 0.02;
    for (let x = 0; x < userF.length; x++) userF[x] = (random() - 0.5) * 0.02;
    const gram = make(f * f);
    const u32 = (a: Uint32Array) => (parallel ? shared(a, (b) => new Uint32Array(b)) : a);
    const f32 = (a: Float32Array) => (parallel ? shared(a, (b) => new Float32Array(b)) : a);
    const users: Side = { target: userF, other: itemF, nOther: nItems, indptr: u32(data.indptr), indices: u32(data.indices), values: f32(data.values), rows: nUsers, split: nUsers };
    const items: Side = { target: itemF, other: userF, nOther: nUsers, indptr: u32(cols.indptr), indices: u32(cols.indices), values: f32(cols.values), rows: nItems, split: nItems };
    const helper = parallel
      ? startHelper({
          f,
          alpha,
          steps: cgSteps,
          gram,
          users: { target: userF, other: itemF, indptr: users.indptr, indices: users.indices, values: users.values },
          items: { target: itemF, other: userF, indptr: items.indptr, indices: items.indices, values: items.values },
        })
      : null;
    if (helper) {
      users.split = halfWork(users.indptr, nUsers, f);
      items.split = halfWork(items.indptr, nItems, f);
    }
    const half = async (name: 'users' | 'items', side: Side) => {
      gramOf(side.other, side.nOther, f, lambda, gram);
      const there = helper && side.split < side.rows ? helper.solve(name, side.split, side.rows) : null;
      solveRows(side.target, side.other, side.indptr, side.indices, side.values, f, alpha, cgSteps, gram, 0, side.split);
      if (there) await there;
    };
    try {
      for (let it = 0; it < iterations; it++) {
        await half('users', users);
        await tick();
        options.signal?.throwIfAborted();
        await half('items', items);
        options.onProgress?.((it + 1) / iterations, `als: iteration ${it + 1} of ${iterations}`);
        await tick();
        options.signal?.throwIfAborted();
      }
    } finally {
      await helper?.stop();
    }
    // What fold-in needs: YᵀY + λI, and the items' norms for `similar`.
    const yty = new Float64Array(f * f);
    gramOf(itemF, nItems, f, lambda, yty);
    const norms = new Float64Array(nItems);
    for (let i = 0; i < nItems; i++) {
      let s = 0;
      for (let d = 0; d < f; d++) s += itemF[i * f + d]! * itemF[i * f + d]!;
      norms[i] = Math.sqrt(s);
    }
    const prior = popularityPrior(data);
    const scoreBuffer = new Float64Array(nItems);
    const portable: PortableModel = { kind: 'als', itemF, yty, prior, f, alpha, repeat };
    return {
      name: 'als',
      portable,
      params: { factors: f, iterations, regularization: lambda, alpha, cg_steps: cgSteps, repeat, threads },
      memory_bytes: itemF.byteLength + yty.byteLength + norms.byteLength + prior.byteLength,
      recommend: alsRecommender(portable),
      similar(item, k) {
        if (item < 0 || item >= nItems || norms[item] === 0) return [];
        const scores = scoreBuffer;
        const o = item * f;
        for (let i = 0; i < nItems; i++) {
          let s = 0;
          for (let d = 0; d < f; d++) s += itemF[i * f + d]! * itemF[o + d]!;
          scores[i] = norms[i]! > 0 ? s / (norms[i]! * norms[item]!) : -Infinity;
        }
        return topK(scores, k, new Set([item]));
      },
    };
  },
};

/**
 * ALS's `recommend` from its data (the trained model's, or a copy in a worker thread): the history
 * folded in, every item scored (factors · x + popularity prior, + `repeat` × weight for the
 * history's own items), the top k. Synchronous, so one scores buffer and one fold-in workspace
 * serve every call (a fresh 8·items-byte array per call kept the garbage collector busy: about a
 * fifth of a training's CPU in a profile).
 */
export function alsRecommender(m: PortableModel): (history: ReadonlyMap<number, number>, k: number, exclude?: ReadonlySet<number>) => ScoredItem[] {
  const { itemF, yty, prior, f, alpha, repeat } = m;
  const nItems = prior.length;
  const scores = new Float64Array(nItems);
  const work = foldInWork(f);
  return (history, k, exclude) => {
    const x = foldIn(history, itemF, nItems, f, yty, alpha, work);
    for (let i = 0, o = 0; i < nItems; i++, o += f) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let d = 0;
      for (; d + 3 < f; d += 4) {
        s0 += itemF[o + d]! * x[d]!;
        s1 += itemF[o + d + 1]! * x[d + 1]!;
        s2 += itemF[o + d + 2]! * x[d + 2]!;
        s3 += itemF[o + d + 3]! * x[d + 3]!;
      }
      for (; d < f; d++) s0 += itemF[o + d]! * x[d]!;
      scores[i] = s0 + s1 + s2 + s3 + prior[i]!;
    }
    if (repeat !== 0) for (const [item, w] of history) if (item < nItems) scores[item]! += repeat * w;
    return topK(scores, k, exclude);
  };
}

/** G = FᵀF + λI over `n` rows of f factors. */
function gramOf(factors: Float64Array, n: number, f: number, lambda: number, out: Float64Array): void {
  out.fill(0);
  for (let r = 0; r < n; r++) {
    const o = r * f;
    for (let a = 0; a < f; a++) {
      const va = factors[o + a]!;
      if (va === 0) continue;
      const ra = a * f;
      for (let b = a; b < f; b++) out[ra + b]! += va * factors[o + b]!;
    }
  }
  for (let a = 0; a < f; a++) {
    out[a * f + a]! += lambda;
    for (let b = a + 1; b < f; b++) out[b * f + a] = out[a * f + b]!;
  }
}

/**
 * Rows `from`..`to` of one half-iteration: each row x of `target` solves
 * (YᵀY + λI + Σ_i α w_i y_i y_iᵀ) x = Σ_i (1 + α w_i) y_i by `steps` conjugate-gradient steps from its
 * current value, `gram` being YᵀY + λI. Self-contained (no outer names): the helper threads run its
 * source. Rows are independent, so any split of them gives the same factors.
 */
function solveRows(
  target: Float64Array,
  other: Float64Array,
  indptr: Uint32Array,
  indices: Uint32Array,
  values: Float32Array,
  f: number,
  alpha: number,
  steps: number,
  gram: Float64Array,
  from: number,
  to: number,
): void {
  const r = new Float64Array(f);
  const p = new Float64Array(f);
  const ap = new Float64Array(f);
  for (let u = from; u < to; u++) {
    const start = indptr[u]!;
    const end = indptr[u + 1]!;
    const xo = u * f;
    // r = b − A x = Σ_i (c_i − (c_i − 1)·y_i·x) y_i − (YᵀY + λI) x
    for (let a = 0; a < f; a++) {
      let s = 0;
      const ga = a * f;
      for (let b = 0; b < f; b++) s += gram[ga + b]! * target[xo + b]!;
      r[a] = -s;
    }
    for (let q = start; q < end; q++) {
      const yo = indices[q]! * f;
      const cm1 = alpha * values[q]!;
      let dot = 0;
      for (let d = 0; d < f; d++) dot += other[yo + d]! * target[xo + d]!;
      const coef = 1 + cm1 - cm1 * dot;
      for (let d = 0; d < f; d++) r[d]! += coef * other[yo + d]!;
    }
    let rs = 0;
    for (let d = 0; d < f; d++) {
      p[d] = r[d]!;
      rs += r[d]! * r[d]!;
    }
    for (let step = 0; step < steps && rs > 1e-20; step++) {
      // ap = A p
      for (let a = 0; a < f; a++) {
        let s = 0;
        const ga = a * f;
        for (let b = 0; b < f; b++) s += gram[ga + b]! * p[b]!;
        ap[a] = s;
      }
      for (let q = start; q < end; q++) {
        const yo = indices[q]! * f;
        const cm1 = alpha * values[q]!;
        let dot = 0;
        for (let d = 0; d < f; d++) dot += other[yo + d]! * p[d]!;
        dot *= cm1;
        for (let d = 0; d < f; d++) ap[d]! += dot * other[yo + d]!;
      }
      let pap = 0;
      for (let d = 0; d < f; d++) pap += p[d]! * ap[d]!;
      if (!(pap > 0)) break;
      const stepSize = rs / pap;
      let rsNew = 0;
      for (let d = 0; d < f; d++) {
        target[xo + d]! += stepSize * p[d]!;
        r[d]! -= stepSize * ap[d]!;
        rsNew += r[d]! * r[d]!;
      }
      const beta = rsNew / rs;
      for (let d = 0; d < f; d++) p[d] = r[d]! + beta * p[d]!;
      rs = rsNew;
    }
  }
}

interface Side {
  target: Float64Array;
  other: Float64Array;
  nOther: number;
  indptr: Uint32Array;
  indices: Uint32Array;
  values: Float32Array;
  /** Rows below `split` are solved here, the rest by the helper thread. */
  split: number;
  rows: number;
}

/** The row where the work (f + 2·pairs per row) is half done. */
function halfWork(indptr: Uint32Array, rows: number, f: number): number {
  const total = rows * f + 2 * indptr[rows]!;
  for (let u = 0; u < rows; u++) if (u * f + 2 * indptr[u]! >= total / 2) return u;
  return rows;
}

function shared<T extends Float64Array | Float32Array | Uint32Array>(source: T, make: (buffer: SharedArrayBuffer) => T): T {
  const copy = make(new SharedArrayBuffer(source.byteLength));
  copy.set(source);
  return copy;
}

/** A helper thread running `solveRows` on shared factors (the second core). */
function startHelper(workerData: Record<string, unknown>): { solve: (side: 'users' | 'items', from: number, to: number) => Promise<void>; stop: () => Promise<number> } {
  const source = `
    const { parentPort, workerData: d } = require('node:worker_threads');
    const solveRows = (${solveRows.toString()});
    parentPort.on('message', (m) => {
      const s = m.side === 'users' ? d.users : d.items;
      solveRows(s.target, s.other, s.indptr, s.indices, s.values, d.f, d.alpha, d.steps, d.gram, m.from, m.to);
      parentPort.postMessage('done');
    });`;
  const worker = new Worker(source, { eval: true, workerData });
  let waiting: { resolve: () => void; reject: (e: unknown) => void } | null = null;
  worker.on('message', () => {
    const w = waiting;
    waiting = null;
    w?.resolve();
  });
  worker.on('error', (e) => {
    const w = waiting;
    waiting = null;
    w?.reject(e);
  });
  return {
    solve: (side, from, to) =>
      new Promise<void>((resolve, reject) => {
        waiting = { resolve, reject };
        worker.postMessage({ side, from, to });
      }),
    stop: () => worker.terminate(),
  };
}

/** Buffers `foldIn` may reuse from call to call (its answer is `x`, overwritten by the next call). */
export interface FoldInWork {
  a: Float64Array;
  b: Float64Array;
  z: Float64Array;
  x: Float64Array;
}

export function foldInWork(f: number): FoldInWork {
  return { a: new Float64Array(f * f), b: new Float64Array(f), z: new Float64Array(f), x: new Float64Array(f) };
}

/**
 * A history's factors: the exact solve (YᵀY + λI + Σ α w y yᵀ) x = Σ (1 + α w) y by Cholesky.
 * With `work`, its buffers are reused and the answer is `work.x` (valid until the next call).
 */
export function foldIn(history: ReadonlyMap<number, number>, itemF: Float64Array, nItems: number, f: number, yty: Float64Array, alpha: number, work: FoldInWork = foldInWork(f)): Float64Array {
  const { a, b, z, x } = work;
  a.set(yty);
  b.fill(0);
  for (const [item, w] of history) {
    if (item < 0 || item >= nItems) continue;
    const o = item * f;
    const cm1 = alpha * w;
    for (let i = 0; i < f; i++) {
      const vx = itemF[o + i]!;
      b[i]! += (1 + cm1) * vx;
      const rx = i * f;
      const c = cm1 * vx;
      for (let j = 0; j <= i; j++) a[rx + j]! += c * itemF[o + j]!;
    }
  }
  // Cholesky on the lower triangle, then two triangular solves.
  for (let i = 0; i < f; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * f + j]!;
      for (let k = 0; k < j; k++) s -= a[i * f + k]! * a[j * f + k]!;
      a[i * f + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / a[j * f + j]!;
    }
  }
  for (let i = 0; i < f; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= a[i * f + k]! * z[k]!;
    z[i] = s / a[i * f + i]!;
  }
  for (let i = f - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < f; k++) s -= a[k * f + i]! * x[k]!;
    x[i] = s / a[i * f + i]!;
  }
  return x;
}
