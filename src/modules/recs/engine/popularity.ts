import { itemCounts } from './dataset.js';
import { topK } from './top-k.js';
import type { Dataset, ModelSpec, TrainedModel } from './types.js';

/**
 * Popularity: each item scored by how many users interacted with it. The baseline every other
 * model must beat, and every model's tie-breaker and filler (`prior`).
 */
export const popularity: ModelSpec = {
  name: 'popularity',
  train(data: Dataset): Promise<TrainedModel> {
    const counts = itemCounts(data);
    const scores = Float64Array.from(counts);
    const ranked = topK(scores, Math.min(scores.length, 1_000));
    return Promise.resolve({
      name: 'popularity',
      params: {},
      memory_bytes: scores.byteLength,
      recommend(_history, k, exclude) {
        return topK(scores, k, exclude);
      },
      similar(item, k) {
        return ranked.filter((x) => x.item !== item).slice(0, k);
      },
    });
  },
};

/**
 * Popularity scaled into [0, `scale`]: added to a model's scores it breaks ties and fills a list
 * when the model knows fewer than k items for a history, without reordering what the model scored.
 */
export function popularityPrior(data: Dataset, scale = 1e-6): Float64Array {
  const counts = itemCounts(data);
  let max = 1;
  for (const c of counts) if (c > max) max = c;
  const prior = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) prior[i] = (scale * counts[i]!) / max;
  return prior;
}
