import { round2, round3, scoreOf, type Finding } from './findings.js';
import type { ProductDemand, ProductFacts } from './products.js';

/** Demand signals (views + cart adds) a value needs before it is judged. */
export const attribute_demand_min = 20;
/** …and its share of all the brand's demand signals. */
export const attribute_share_min = 0.02;
/** Demand share over supply share from which a value is reported. */
export const attribute_ratio_min = 2;
/** A pair is reported only when it is this much more lopsided than either of its values alone. */
export const pair_lift_min = 1.5;
/** A key with more distinct values than this is free text (a note, a code), not a trait. */
export const values_per_key_max = 50;
/** Values of one product taken into account (pairs grow with its square). */
export const values_per_product_max = 12;
/** Distinct pairs tracked; beyond, new pairs are not counted. */
export const pairs_max = 20_000;
/** Findings of each kind (single values, pairs) at most. */
export const attribute_findings_max = 20;
const evidence_products_max = 5;

interface Tally {
  values: [string, string][];
  views: number;
  carts: number;
  units: number;
  products: { id: string; title: string; views: number; carts: number; units: number }[];
}

/** A product's traits: scalar attributes (a true flag as itself) and its variants' option values. */
export function valuesOf(p: ProductFacts): [string, string][] {
  const out = new Map<string, [string, string]>();
  const add = (key: string, value: string) => {
    if (value === '' || value.length > 80 || out.size >= values_per_product_max) return;
    out.set(`${key}\u0000${value}`, [key, value]);
  };
  for (const [key, value] of Object.entries(p.attributes)) {
    if (typeof value === 'string') add(key, value.trim().toLowerCase());
    else if (typeof value === 'number' && Number.isFinite(value)) add(key, String(value));
    else if (value === true) add(key, 'yes');
  }
  for (const option of p.options) for (const [key, value] of Object.entries(option)) if (typeof value === 'string') add(key, value.trim().toLowerCase());
  return [...out.values()];
}

/**
 * Attribute values and pairs of values that are viewed and carted far more than they are
 * stocked: a value's share of the brand's demand signals over its share of the units available
 * (published products). Cost: linear in products × values per product², bounded above.
 */
export function attributeFindings(products: readonly ProductFacts[], demand: ReadonlyMap<string, ProductDemand>): Finding[] {
  const singles = new Map<string, Tally>();
  const pairs = new Map<string, Tally>();
  let demand_total = 0;
  let units_total = 0;
  const distinct = new Map<string, Set<string>>();
  const valued = products.map((p) => ({ p, values: valuesOf(p) }));
  for (const { values } of valued) for (const [k, v] of values) distinct.set(k, (distinct.get(k) ?? new Set()).add(v));
  for (const { p, values } of valued) {
    const d = demand.get(p.id) ?? { views: 0, carts: 0 };
    const units = p.status === 'published' ? p.units : 0;
    demand_total += d.views + d.carts;
    units_total += units;
    if (d.views + d.carts === 0 && units === 0) continue;
    const kept = values.filter(([k]) => (distinct.get(k)?.size ?? 0) <= values_per_key_max).sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
    const item = { id: p.id, title: p.title, views: d.views, carts: d.carts, units };
    for (const value of kept) tally(singles, [value], item, true);
    for (let i = 0; i < kept.length; i++)
      for (let j = i + 1; j < kept.length; j++) if (kept[i]![0] !== kept[j]![0]) tally(pairs, [kept[i]!, kept[j]!], item, pairs.size < pairs_max);
  }
  // The products a finding stands on, as one comparable string.
  const signatures = new Map<Finding, string>();
  const productSet = (f: Finding) => signatures.get(f) ?? '';
  const judge = (t: Tally) => {
    const demand_share = demand_total === 0 ? 0 : (t.views + t.carts) / demand_total;
    const supply_share = units_total === 0 ? 0 : t.units / units_total;
    return { demand_share, supply_share, ratio: supply_share === 0 ? null : demand_share / supply_share };
  };
  const qualifies = (t: Tally, j: ReturnType<typeof judge>) => t.views + t.carts >= attribute_demand_min && j.demand_share >= attribute_share_min && (j.ratio === null || j.ratio >= attribute_ratio_min);
  const findings = (tallies: Map<string, Tally>, keep: (t: Tally, j: ReturnType<typeof judge>) => boolean) =>
    [...tallies.values()]
      .map((t) => ({ t, j: judge(t) }))
      .filter(({ t, j }) => qualifies(t, j) && keep(t, j))
      .map(({ t, j }) => {
        const f = findingOf(t, j);
        signatures.set(f, t.products.map((p) => p.id).sort().join(','));
        return f;
      })
      .sort((a, b) => b.score - a.score)
      .slice(0, attribute_findings_max);
  const ratioOf = (value: [string, string]) => {
    const t = singles.get(keyOf([value]));
    return t === undefined ? 0 : (judge(t).ratio ?? Infinity);
  };
  const productsOf = (value: [string, string]) => singles.get(keyOf([value]))?.products.length ?? 0;
  // Two values held by exactly the same products say one thing ("oolong" and "gift" of the one
  // oolong gift tin): the first, by score, is kept. A pair must also narrow both its values and be
  // more lopsided than either alone.
  const seen = new Set<string>();
  const fresh = (f: Finding) => {
    const set = productSet(f);
    if (seen.has(set)) return false;
    seen.add(set);
    return true;
  };
  const single_findings = findings(singles, () => true).filter(fresh);
  const pair_findings = findings(pairs, (t, j) => t.products.length < Math.min(productsOf(t.values[0]!), productsOf(t.values[1]!)) && (j.ratio ?? Infinity) >= pair_lift_min * Math.max(ratioOf(t.values[0]!), ratioOf(t.values[1]!))).filter(fresh);
  return [...single_findings, ...pair_findings];
}


const keyOf = (values: [string, string][]) => values.map(([k, v]) => `${k}\u0000${v}`).join('\u0001');

function tally(into: Map<string, Tally>, values: [string, string][], item: Tally['products'][number], may_add: boolean): void {
  const key = keyOf(values);
  let t = into.get(key);
  if (t === undefined) {
    if (!may_add) return;
    t = { values, views: 0, carts: 0, units: 0, products: [] };
    into.set(key, t);
  }
  t.views += item.views;
  t.carts += item.carts;
  t.units += item.units;
  t.products.push(item);
}

function findingOf(t: Tally, j: { demand_share: number; supply_share: number; ratio: number | null }): Finding {
  const label = t.values.map(([k, v]) => (v === 'yes' ? `“${k}”` : `${k} “${v}”`)).join(' with ');
  const demand = t.views + t.carts;
  const how = j.ratio === null ? 'with nothing in stock' : `${round2(j.ratio)}× their share of stock`;
  return {
    kind: 'attribute_gap',
    title: `Products with ${label} draw ${Math.round(j.demand_share * 100)}% of views and cart adds, ${how}`,
    evidence: {
      attributes: Object.fromEntries(t.values),
      views: t.views,
      carts: t.carts,
      demand_share: round3(j.demand_share),
      units_available: t.units,
      supply_share: round3(j.supply_share),
      products: t.products.length,
      top_products: [...t.products]
        .sort((a, b) => b.views + b.carts - (a.views + a.carts) || a.units - b.units)
        .slice(0, evidence_products_max)
        .map((p) => ({ product_id: p.id, title: p.title, views: p.views, carts: p.carts, units_available: p.units })),
    },
    size: { demand, supply: t.units, ratio: j.ratio === null ? null : round2(j.ratio) },
    score: scoreOf('attribute_gap', demand, j.ratio),
  };
}
