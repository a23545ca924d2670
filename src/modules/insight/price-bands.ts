import { round2, round3, scoreOf, type Finding } from './findings.js';
import { sellable, type PriceFilter, type ProductDemand, type ProductFacts } from './products.js';

/** Demand signals (views, cart adds, price-filtered searches) a band needs before it is judged. */
export const price_band_demand_min = 10;
/** Demand share over offer share from which a band with some offer is reported. */
export const price_band_ratio_min = 2;
/** A price filter wider than this many bands says little about price; it is not counted. */
export const filter_bands_max = 3;
const evidence_products_max = 5;

/**
 * Band bounds in minor units: 1-2-5 steps of the major unit (…, 50, 100, 200, 500, …), the steps
 * of the storefront's price facet, so a band reads as a shopper would filter by it.
 */
export function bandOf(price_minor: number): { from_minor: number; to_minor: number } {
  if (!(price_minor >= 100)) return { from_minor: 0, to_minor: 100 };
  let from = 100;
  for (let decade = 100; ; decade *= 10) {
    for (const step of [1, 2, 5]) {
      const to = step === 5 ? decade * 10 : decade * (step === 1 ? 2 : 5);
      if (price_minor < to) return { from_minor: from, to_minor: to };
      from = to;
    }
  }
}

interface Band {
  from_minor: number;
  to_minor: number;
  views: number;
  carts: number;
  filtered_searches: number;
  products: number;
  sellable: number;
  top: { product_id: string; title: string; views: number; carts: number; price_minor: number; sellable: boolean }[];
}

/**
 * Price bands with demand and no offer: views and cart adds of products priced in a band (their
 * lowest base price) and searches filtered to it, against the products one can buy in it now.
 */
export function priceBandFindings(products: readonly ProductFacts[], demand: ReadonlyMap<string, ProductDemand>, filters: readonly PriceFilter[], currency: string): Finding[] {
  const bands = new Map<number, Band>();
  const band = (price_minor: number) => {
    const b = bandOf(price_minor);
    let out = bands.get(b.from_minor);
    if (out === undefined) bands.set(b.from_minor, (out = { ...b, views: 0, carts: 0, filtered_searches: 0, products: 0, sellable: 0, top: [] }));
    return out;
  };
  for (const p of products) {
    if (p.price_minor === null) continue;
    const d = demand.get(p.id) ?? { views: 0, carts: 0 };
    const b = band(p.price_minor);
    b.views += d.views;
    b.carts += d.carts;
    b.products += 1;
    if (sellable(p)) b.sellable += 1;
    if (d.views + d.carts > 0) b.top.push({ product_id: p.id, title: p.title, views: d.views, carts: d.carts, price_minor: p.price_minor, sellable: sellable(p) });
  }
  for (const f of filters) {
    const from = bandOf(f.min_minor ?? 0).from_minor;
    // "Up to 2 000" means the band below 2 000, not also the one that starts there.
    const last = f.max_minor === null ? undefined : bandOf(Math.max(f.min_minor ?? 0, f.max_minor - 1)).from_minor;
    if (last === undefined) {
      // "Above X": the band X falls in.
      band(from).filtered_searches += f.searches;
      continue;
    }
    const covered: number[] = [];
    for (let at = from; at <= last && covered.length <= filter_bands_max; at = bandOf(at).to_minor) covered.push(at);
    if (covered.length > filter_bands_max) continue;
    for (const at of covered) band(at).filtered_searches += f.searches;
  }
  const all = [...bands.values()];
  const demand_total = all.reduce((s, b) => s + b.views + b.carts + b.filtered_searches, 0);
  const offer_total = all.reduce((s, b) => s + b.sellable, 0);
  const findings: Finding[] = [];
  for (const b of all) {
    const d = b.views + b.carts + b.filtered_searches;
    if (d < price_band_demand_min || demand_total === 0) continue;
    const demand_share = d / demand_total;
    const offer_share = offer_total === 0 ? 0 : b.sellable / offer_total;
    const ratio = offer_share === 0 ? null : demand_share / offer_share;
    if (ratio !== null && ratio < price_band_ratio_min) continue;
    findings.push(findingOf(b, d, demand_share, offer_share, ratio, currency));
  }
  return findings;
}

function findingOf(b: Band, demand: number, demand_share: number, offer_share: number, ratio: number | null, currency: string): Finding {
  const label = `${currency} ${b.from_minor / 100}–${b.to_minor / 100}`;
  const what = [b.views + b.carts > 0 ? `${b.views + b.carts} views and cart adds` : '', b.filtered_searches > 0 ? `${b.filtered_searches} searches filtered to it` : ''].filter((s) => s !== '').join(' and ');
  return {
    kind: 'price_band_gap',
    title: b.sellable === 0 ? `Nothing to buy at ${label}, yet ${what}` : `${label} draws ${Math.round(demand_share * 100)}% of demand with ${Math.round(offer_share * 100)}% of the products on offer`,
    evidence: {
      band: { currency, from_minor: b.from_minor, to_minor: b.to_minor },
      views: b.views,
      carts: b.carts,
      filtered_searches: b.filtered_searches,
      products_priced_in_band: b.products,
      sellable_products: b.sellable,
      demand_share: round3(demand_share),
      offer_share: round3(offer_share),
      top_products: [...b.top].sort((x, y) => y.views + y.carts - (x.views + x.carts)).slice(0, evidence_products_max),
    },
    size: { demand, supply: b.sellable, ratio: ratio === null ? null : round2(ratio) },
    score: scoreOf('price_band_gap', demand, ratio),
  };
}
