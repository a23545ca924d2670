import type { ScoredItem } from './types.js';

/**
 * The `k` best entries of `scores`, best first, skipping `exclude`d positions and scores of
 * -Infinity (or at or below `floor`). Ties go to the lower position. A bounded min-heap on typed
 * arrays: no allocation per element.
 */
export function topK(scores: ArrayLike<number>, k: number, exclude?: ReadonlySet<number>, floor = -Infinity, candidates?: ArrayLike<number>): ScoredItem[] {
  if (k <= 0) return [];
  const heapItem = new Int32Array(k);
  const heapScore = new Float64Array(k);
  let size = 0;
  const n = candidates ? candidates.length : scores.length;
  for (let c = 0; c < n; c++) {
    const i = candidates ? candidates[c]! : c;
    const s = scores[i]!;
    if (!(s > floor)) continue;
    if (size === k && !better(s, i, heapScore[0]!, heapItem[0]!)) continue;
    if (exclude?.has(i)) continue;
    if (size < k) {
      // Sift up.
      let x = size++;
      while (x > 0) {
        const parent = (x - 1) >> 1;
        if (!better(heapScore[parent]!, heapItem[parent]!, s, i)) break;
        heapScore[x] = heapScore[parent]!;
        heapItem[x] = heapItem[parent]!;
        x = parent;
      }
      heapScore[x] = s;
      heapItem[x] = i;
    } else {
      // Replace the root (the worst kept) and sift down.
      let x = 0;
      for (;;) {
        const l = 2 * x + 1;
        if (l >= size) break;
        const r = l + 1;
        const worst = r < size && better(heapScore[l]!, heapItem[l]!, heapScore[r]!, heapItem[r]!) ? r : l;
        if (!better(s, i, heapScore[worst]!, heapItem[worst]!)) break;
        heapScore[x] = heapScore[worst]!;
        heapItem[x] = heapItem[worst]!;
        x = worst;
      }
      heapScore[x] = s;
      heapItem[x] = i;
    }
  }
  const out: ScoredItem[] = [];
  for (let x = 0; x < size; x++) out.push({ item: heapItem[x]!, score: heapScore[x]! });
  return out.sort((a, b) => b.score - a.score || a.item - b.item);
}

/** Whether (s1, i1) ranks above (s2, i2). */
function better(s1: number, i1: number, s2: number, i2: number): boolean {
  return s1 > s2 || (s1 === s2 && i1 < i2);
}
