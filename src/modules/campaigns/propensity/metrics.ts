/**
 * Ranking metrics for a propensity score: the area under the ROC curve (the probability that a
 * random buyer scores above a random non-buyer, ties counted half, by the rank-sum formula) and
 * the precision among the top share of consumers by score.
 */
export function auc(scores: readonly number[], labels: readonly number[]): number {
  const order = scores.map((s, i) => ({ s, y: labels[i]! })).sort((a, b) => a.s - b.s);
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]!.s === order[i]!.s) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (order[k]!.y === 1) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * The share of buyers among the top `fraction` of consumers by score (at least one consumer).
 * Ties at the cut are broken by position, so a score that ties everyone gets the base rate.
 */
export function precisionAtTop(scores: readonly number[], labels: readonly number[], fraction: number): number {
  const k = Math.max(1, Math.round(scores.length * fraction));
  const top = scores
    .map((s, i) => ({ s, y: labels[i]!, i }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, k);
  return top.reduce((sum, t) => sum + t.y, 0) / k;
}
