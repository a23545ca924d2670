/**
 * A finding of the product-insight report (docs/INSIGHT.md "Findings"): what the data says
 * consumers want and the brand does not offer enough of, with the evidence behind it and its size.
 */
export const findingKinds = ['zero_result_search', 'attribute_gap', 'price_band_gap', 'store_shortfall', 'region_shortfall'] as const;
export type FindingKind = (typeof findingKinds)[number];

export interface FindingSize {
  /** Searches, demand signals (views + cart adds) or units, by kind (docs/INSIGHT.md). */
  demand: number;
  /** Products found, units available, sellable products or units available + on order, by kind. */
  supply: number;
  /** How far demand outruns supply, 1 is balance; null when there is no supply at all. */
  ratio: number | null;
}

export interface Finding {
  kind: FindingKind;
  title: string;
  evidence: Record<string, unknown>;
  size: FindingSize;
  /** 0 to 100: how lopsided (1 − 1/ratio) times how sure (the demand's volume); the report's order. */
  score: number;
}

/**
 * The demand volume at which a kind's finding counts as well supported (confidence 1 − e⁻¹ ≈ 0.63):
 * a search typed ten times, fifty views and cart adds, twenty units of forecast demand.
 */
export const reference_volume: Readonly<Record<FindingKind, number>> = {
  zero_result_search: 10,
  attribute_gap: 50,
  price_band_gap: 50,
  store_shortfall: 20,
  region_shortfall: 40,
};

/** Ratios above this are shown as they are but score as this (a 40× gap is not better than a 20× one). */
export const ratio_scored_max = 20;

export function scoreOf(kind: FindingKind, demand: number, ratio: number | null): number {
  const lopsided = ratio === null ? 1 : ratio <= 1 ? 0 : 1 - 1 / Math.min(ratio, ratio_scored_max);
  const sure = 1 - Math.exp(-Math.max(0, demand) / reference_volume[kind]);
  return Math.round(1000 * lopsided * sure) / 10;
}

export const round2 = (x: number): number => Math.round(x * 100) / 100;

export function byScore(a: Finding, b: Finding): number {
  return b.score - a.score || b.size.demand - a.size.demand || a.title.localeCompare(b.title);
}
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
