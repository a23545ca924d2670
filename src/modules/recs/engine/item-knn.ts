import { columns } from './dataset.js';
import { popularityPrior } from './popularity.js';
import { tick } from './random.js';
import { topK } from './top-k.js';
import type { Dataset, ModelSpec, TrainedModel, TrainOptions } from './types.js';

export const itemKnnDefaults = { neighbours: 100, shrink: 10, repeat: 2 } as const;

/**
 * ItemKNN: sparse cosine between items' user columns with shrinkage,
 * sim(i, j) = Σ_u r_ui r_uj / (‖r_i‖ ‖r_j‖ + shrink), keeping each item's `neighbours` most similar.
 * A history scores item j by Σ_i w_i sim(i, j). Cost Σ_u |row u|² to train.
 */
export const itemKnn: ModelSpec = {
  name: 'itemknn',
  async train(data: Dataset, options: TrainOptions = {}): Promise<TrainedModel> {
    const neighbours = Math.max(1, Math.round(options.params?.neighbours ?? itemKnnDefaults.neighbours));
    const shrink = options.params?.shrink ?? itemKnnDefaults.shrink;
    const repeat = options.params?.repeat ?? itemKnnDefaults.repeat;
    const nItems = data.items.length;
    const cols = columns(data);
    const norms = new Float64Array(nItems);
    for (let i = 0; i < nItems; i++) {
      let s = 0;
      for (let p = cols.indptr[i]!; p < cols.indptr[i + 1]!; p++) s += cols.values[p]! * cols.values[p]!;
      norms[i] = Math.sqrt(s);
    }
    const acc = new Float64Array(nItems);
    const touched = new Uint32Array(nItems);
    const nbrPtr = new Uint32Array(nItems + 1);
    let nbrItem = new Uint32Array(Math.min(nItems * neighbours, 1 << 20) || 1);
    let nbrSim = new Float32Array(nbrItem.length);
    let filled = 0;
    for (let i = 0; i < nItems; i++) {
      let nTouched = 0;
      for (let p = cols.indptr[i]!; p < cols.indptr[i + 1]!; p++) {
        const user = cols.indices[p]!;
        const vi = cols.values[p]!;
        for (let q = data.indptr[user]!; q < data.indptr[user + 1]!; q++) {
          const j = data.indices[q]!;
          if (j === i) continue;
          if (acc[j] === 0) touched[nTouched++] = j;
          acc[j]! += vi * data.values[q]!;
        }
      }
      for (let x = 0; x < nTouched; x++) {
        const j = touched[x]!;
        acc[j] = acc[j]! / (norms[i]! * norms[j]! + shrink);
      }
      const best = topK(acc, neighbours, undefined, 0, touched.subarray(0, nTouched));
      for (let x = 0; x < nTouched; x++) acc[touched[x]!] = 0;
      if (filled + best.length > nbrItem.length) {
        const grown = Math.max(nbrItem.length * 2, filled + best.length);
        const a = new Uint32Array(grown);
        a.set(nbrItem);
        nbrItem = a;
        const b = new Float32Array(grown);
        b.set(nbrSim);
        nbrSim = b;
      }
      for (const x of best) {
        nbrItem[filled] = x.item;
        nbrSim[filled++] = x.score;
      }
      nbrPtr[i + 1] = filled;
      if ((i & 4095) === 4095) {
        options.onProgress?.(i / nItems, 'itemknn: neighbours');
        options.signal?.throwIfAborted();
        await tick();
      }
    }
    nbrItem = nbrItem.slice(0, filled);
    nbrSim = nbrSim.slice(0, filled);
    const prior = popularityPrior(data);
    options.onProgress?.(1, 'itemknn: done');
    return {
      name: 'itemknn',
      params: { neighbours, shrink, repeat },
      memory_bytes: nbrPtr.byteLength + nbrItem.byteLength + nbrSim.byteLength + prior.byteLength,
      recommend(history, k, exclude) {
        const scores = prior.slice();
        for (const [i, w] of history) {
          if (i >= nItems) continue;
          for (let p = nbrPtr[i]!; p < nbrPtr[i + 1]!; p++) scores[nbrItem[p]!]! += w * nbrSim[p]!;
          scores[i]! += repeat * w;
        }
        return topK(scores, k, exclude);
      },
      similar(item, k) {
        const out = [];
        for (let p = nbrPtr[item] ?? 0; p < (nbrPtr[item + 1] ?? 0) && out.length < k; p++) out.push({ item: nbrItem[p]!, score: nbrSim[p]! });
        return out;
      },
    };
  },
};
