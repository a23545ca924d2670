import { seededRandom } from './random.js';
import type { Interaction, InteractionKind } from './types.js';

/**
 * Synthetic data for tests and benchmarks (never for evaluation figures presented as real):
 * - `syntheticEvents`: shop events with power-law item popularity and users who keep to a few
 *   categories, the shape of a brand's data bank;
 * - `syntheticRatings`: a MovieLens-100k-shaped file (943 users, 1,682 items, 100,000 ratings by
 *   default) drawn from a planted low-rank taste model with popularity bias.
 */
export interface SyntheticEventsOptions {
  events: number;
  users?: number;
  items?: number;
  categories?: number;
  seed?: number;
  /** Zipf exponent of item popularity (default 1). */
  skew?: number;
}

/** Cumulative weights for sampling by binary search. */
function cumulative(weights: ArrayLike<number>): Float64Array {
  const cdf = new Float64Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) cdf[i] = s += weights[i]!;
  return cdf;
}

function draw(cdf: Float64Array, r: number): number {
  const target = r * cdf[cdf.length - 1]!;
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function syntheticEvents(options: SyntheticEventsOptions): Interaction[] {
  const random = seededRandom(options.seed ?? 1);
  const nUsers = options.users ?? 50_000;
  const nItems = options.items ?? 20_000;
  const nCategories = options.categories ?? 200;
  const skew = options.skew ?? 1;
  const start = 1_700_000_000;
  const span = 9 * 86_400;
  // Items ranked by popularity (Zipf), scattered over categories.
  const itemWeight = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) itemWeight[i] = 1 / Math.pow(i + 1, skew);
  const global = cumulative(itemWeight);
  const members: number[][] = Array.from({ length: nCategories }, () => []);
  for (let i = 0; i < nItems; i++) members[Math.floor(random() * nCategories)]!.push(i);
  const byCategory = members.map((list) => cumulative(list.map((i) => itemWeight[i]!)));
  const categoryCdf = cumulative(members.map((list) => list.reduce((s, i) => s + itemWeight[i]!, 0) + 1e-9));
  // Events per user: log-normal around the mean.
  const mean = options.events / nUsers;
  const activity = new Float64Array(nUsers);
  let total = 0;
  for (let u = 0; u < nUsers; u++) {
    const g = Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
    activity[u] = Math.exp(g);
    total += activity[u]!;
  }
  const out: Interaction[] = [];
  const kinds: InteractionKind[] = ['view', 'favourite', 'cart', 'purchase'];
  const kindCdf = cumulative([0.85, 0.04, 0.07, 0.04]);
  for (let u = 0; u < nUsers && out.length < options.events; u++) {
    const n = Math.max(1, Math.round((activity[u]! / total) * nUsers * mean));
    const favourites = [draw(categoryCdf, random()), draw(categoryCdf, random()), draw(categoryCdf, random())];
    // A user's visits are spread over the whole span (sorted uniform times), as returning shoppers'.
    const times = Array.from({ length: n }, () => start + Math.floor(random() * span)).sort((a, b) => a - b);
    const user = `u${u}`;
    let previous = -1;
    for (let e = 0; e < n && out.length < options.events; e++) {
      let item: number;
      if (previous >= 0 && random() < 0.2) item = previous;
      else if (random() < 0.75) {
        const c = favourites[Math.floor(random() * favourites.length)]!;
        const list = members[c]!;
        item = list.length > 0 ? list[draw(byCategory[c]!, random())]! : draw(global, random());
      } else item = draw(global, random());
      previous = item;
      out.push({ user, item: `i${item}`, kind: kinds[draw(kindCdf, random())]!, time_s: times[e]! });
    }
  }
  return out;
}

export interface SyntheticRatingsOptions {
  users?: number;
  items?: number;
  ratings?: number;
  factors?: number;
  seed?: number;
}

/**
 * MovieLens-style ratings, returned as `user item rating timestamp` lines (tab-separated, as
 * `u.data`). Each user has a taste vector and each item a profile and a popularity; a user's
 * items are drawn without replacement with probability ∝ popularity · exp(taste · profile), so
 * the file has real structure for a model to find; ratings are 1–5 from the same affinity plus noise.
 * Users rate at least 20 items, as in MovieLens-100k.
 */
export function syntheticRatings(options: SyntheticRatingsOptions = {}): string {
  const random = seededRandom(options.seed ?? 1);
  const nUsers = options.users ?? 943;
  const nItems = options.items ?? 1_682;
  const nRatings = options.ratings ?? 100_000;
  const f = options.factors ?? 8;
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const userF = Float64Array.from({ length: nUsers * f }, () => gauss() * 0.8);
  const itemF = Float64Array.from({ length: nItems * f }, () => gauss() * 0.8);
  const logPop = Float64Array.from({ length: nItems }, (_, i) => -1.1 * Math.log(i + 1) + 0.5 * gauss());
  // Ratings per user: 20 + a long tail, scaled to the total.
  const extra = Float64Array.from({ length: nUsers }, () => Math.exp(1.2 * gauss()));
  const extraTotal = extra.reduce((s, x) => s + x, 0);
  const budget = Math.max(0, nRatings - 20 * nUsers);
  const lines: string[] = [];
  const keys = new Float64Array(nItems);
  const affinity = new Float64Array(nItems);
  for (let u = 0; u < nUsers; u++) {
    const n = Math.min(nItems, Math.max(1, Math.min(20, nItems), Math.round(20 + (budget * extra[u]!) / extraTotal)));
    for (let i = 0; i < nItems; i++) {
      let dot = 0;
      for (let d = 0; d < f; d++) dot += userF[u * f + d]! * itemF[i * f + d]!;
      affinity[i] = dot;
      // Gumbel top-n: sampling without replacement ∝ exp(logPop + 1.5·dot).
      keys[i] = logPop[i]! + 1.5 * dot - Math.log(-Math.log(random() + 1e-12) + 1e-12);
    }
    const chosen = Array.from(keys.keys())
      .sort((a, b) => keys[b]! - keys[a]!)
      .slice(0, n);
    let t = 874_724_710 + Math.floor(random() * 20_000_000);
    for (const i of chosen) {
      const rating = Math.max(1, Math.min(5, Math.round(3.5 + 0.6 * affinity[i]! + 0.8 * gauss())));
      t += Math.floor(random() * 5_000);
      lines.push(`${u + 1}\t${i + 1}\t${rating}\t${t}`);
    }
  }
  return lines.join('\n') + '\n';
}
