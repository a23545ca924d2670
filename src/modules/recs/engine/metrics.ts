/**
 * Ranking metrics at k, as Microsoft Recommenders' `python_evaluation` defines them
 * (relevancy `top_k`, binary relevance):
 * - precision@k = hits in the top k / k;
 * - recall@k = hits in the top k / the user's relevant items;
 * - nDCG@k = Σ_hits 1/ln(1 + rank) / Σ_{r ≤ min(k, relevant)} 1/ln(1 + r) (`score_type="binary"`,
 *   `discfun_type="loge"`; the log base cancels);
 * - MAP@k (`map_at_k`) = Σ_hits (hits so far / rank) / min(relevant, k);
 * - HR@k (not in `python_evaluation`) = 1 when at least one hit;
 * each averaged over the users that have both relevant items and a ranking.
 */
export interface UserMetrics {
  hit: number;
  ndcg: number;
  precision: number;
  recall: number;
  ap: number;
}

export interface RankingMetrics {
  users: number;
  hr: number;
  ndcg: number;
  precision: number;
  recall: number;
  map: number;
}

/** One user's metrics: `ranked` best first (only its first k count), `relevant` the held-out items. */
export function userMetrics<T>(ranked: readonly T[], relevant: ReadonlySet<T> | ReadonlyMap<T, unknown>, k: number): UserMetrics {
  const top = ranked.slice(0, k);
  let hits = 0;
  let dcg = 0;
  let ap = 0;
  const seen = new Set<T>();
  top.forEach((item, index) => {
    if (!relevant.has(item) || seen.has(item)) return;
    seen.add(item);
    hits++;
    const rank = index + 1;
    dcg += 1 / Math.log(1 + rank);
    ap += hits / rank;
  });
  const n = relevant.size;
  let idcg = 0;
  for (let rank = 1; rank <= Math.min(n, k); rank++) idcg += 1 / Math.log(1 + rank);
  return {
    hit: hits > 0 ? 1 : 0,
    ndcg: idcg > 0 ? dcg / idcg : 0,
    precision: hits / k,
    recall: n > 0 ? hits / n : 0,
    ap: n > 0 ? ap / Math.min(n, k) : 0,
  };
}

/** Metrics averaged over the users in both `rankings` and `test` (MS Recommenders' `n_users`). */
export function rankingMetrics<T>(rankings: ReadonlyMap<string, readonly T[]>, test: ReadonlyMap<string, ReadonlySet<T> | ReadonlyMap<T, unknown>>, k = 10): RankingMetrics {
  const sum = { hit: 0, ndcg: 0, precision: 0, recall: 0, ap: 0 };
  let users = 0;
  for (const [user, relevant] of test) {
    const ranked = rankings.get(user);
    if (ranked === undefined || relevant.size === 0) continue;
    const m = userMetrics(ranked, relevant, k);
    users++;
    sum.hit += m.hit;
    sum.ndcg += m.ndcg;
    sum.precision += m.precision;
    sum.recall += m.recall;
    sum.ap += m.ap;
  }
  const mean = (x: number) => (users > 0 ? x / users : 0);
  return { users, hr: mean(sum.hit), ndcg: mean(sum.ndcg), precision: mean(sum.precision), recall: mean(sum.recall), map: mean(sum.ap) };
}

/** Share of `catalog` items that appear in at least one ranking. */
export function coverage<T>(rankings: Iterable<readonly T[]>, catalog: number, k = 10): number {
  const shown = new Set<T>();
  for (const ranked of rankings) for (const item of ranked.slice(0, k)) shown.add(item);
  return catalog > 0 ? shown.size / catalog : 0;
}
