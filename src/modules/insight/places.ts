import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { currentForecasts, salesHistory } from '../forecast/index.js';
import { listLocations, type Location } from '../locations/index.js';
import { soldStatuses } from '../orders/index.js';
import { unitsOnOrder } from '../replenishment/index.js';
import { round2, scoreOf, type Finding } from './findings.js';

/** Days ahead a store's demand is weighed against what it holds. */
export const horizon_days = 14;
/** An item is short when its demand over the horizon exceeds its supply by this fraction… */
export const shortfall_margin = 0.2;
/** …and a store is reported when its short items miss at least this many units together. */
export const store_shortfall_units_min = 3;
/** Stores read at most (a chain's stores, not its history). */
export const stores_max = 1_000;
/** Variant × store pairs judged at most (the busiest first). */
export const pairs_max = 50_000;
const evidence_items_max = 5;

interface Item {
  variant_id: string;
  location_id: string;
  demand: number;
  sold: number;
  available: number;
  /** On approved purchase orders delivered to this store, not yet received. */
  on_order: number;
  stockout_days: number | null;
}

interface StoreShort {
  store: Location;
  items: (Item & { shortfall: number })[];
  source: 'forecast' | 'sales';
}

/**
 * Stores (and the regions they are in) whose demand outgrows their supply: per variant, the
 * current forecast over the next 14 days (the forecast module's latest run) or, without one, the
 * period's sales at the store's daily rate, against what the store has available (on hand −
 * reserved). On order is not counted yet (the replenishment module exports no reader of it).
 * Cost: the brand's stores, the period's order lines at stores (the orders' merchant-and-time key)
 * and the stores' stock levels; forecasts as the forecast module reads them.
 */
export async function placeFindings(db: AnyDb, merchant_id: string, window: { days: number; now: Date }): Promise<Finding[]> {
  const stores = (await listLocations(db, merchant_id, { kind: 'store', limit: stores_max })).filter((l) => l.active);
  if (stores.length === 0) return [];
  const store_ids = stores.map((s) => s.id);
  const since = new Date(window.now.getTime() - window.days * 86_400_000);
  const [forecasts, sold, stock, history, ordered] = await Promise.all([
    currentForecasts(db, merchant_id, { location_ids: store_ids }),
    sql<{ variant_id: string; location_id: string; units: number }>`
      select l.variant_id, o.location_id, sum(l.quantity)::int as units
        from sales_order o join order_line l on l.merchant_id = o.merchant_id and l.order_id = o.id
       where o.merchant_id = ${merchant_id} and o.created_at >= ${since} and o.status in (${sql.join(soldStatuses)}) and o.location_id = any(${store_ids}::text[])
       group by 1, 2 order by 3 desc limit ${pairs_max}`.execute(db),
    sql<{ variant_id: string; location_id: string; available: string }>`
      select variant_id, location_id, greatest(on_hand - reserved, 0)::text as available from stock_level
       where merchant_id = ${merchant_id} and location_id = any(${store_ids}::text[])`.execute(db),
    salesHistory(db, merchant_id, { location_ids: store_ids, days: window.days }),
    unitsOnOrder(db, merchant_id),
  ]);
  const key = (v: string, l: string) => `${v}\u0000${l}`;
  const available = new Map(stock.rows.map((r) => [key(r.variant_id, r.location_id), Number(r.available)]));
  const stockouts = new Map<string, number>();
  for (const h of history) if (h.censored) stockouts.set(key(h.variant_id, h.location_id), (stockouts.get(key(h.variant_id, h.location_id)) ?? 0) + 1);
  const items = new Map<string, Item>();
  const item = (variant_id: string, location_id: string) => {
    const k = key(variant_id, location_id);
    let out = items.get(k);
    if (out === undefined) items.set(k, (out = { variant_id, location_id, demand: 0, sold: 0, available: available.get(k) ?? 0, on_order: ordered.get(`${variant_id}|${location_id}`) ?? 0, stockout_days: history.length === 0 ? null : (stockouts.get(k) ?? 0) }));
    return out;
  };
  const source = forecasts.length > 0 ? 'forecast' : 'sales';
  for (const r of sold.rows) item(r.variant_id, r.location_id).sold = r.units;
  if (source === 'forecast') for (const f of forecasts) item(f.variant_id, f.location_id).demand = f.mean.slice(0, horizon_days).reduce((s, x) => s + x, 0);
  else for (const i of items.values()) i.demand = (i.sold / window.days) * horizon_days;

  const byStore = new Map<string, StoreShort>();
  const storeOf = new Map(stores.map((s) => [s.id, s]));
  for (const i of items.values()) {
    const supply = i.available + i.on_order;
    const shortfall = i.demand - supply;
    if (shortfall < 1 || i.demand < supply * (1 + shortfall_margin)) continue;
    const s = byStore.get(i.location_id) ?? { store: storeOf.get(i.location_id)!, items: [], source };
    s.items.push({ ...i, shortfall });
    byStore.set(i.location_id, s);
  }
  const shorts = [...byStore.values()].filter((s) => s.items.reduce((t, i) => t + i.shortfall, 0) >= store_shortfall_units_min);
  if (shorts.length === 0) return [];
  const labels = await variantLabels(db, merchant_id, [...new Set(shorts.flatMap((s) => [...s.items].sort((a, b) => b.shortfall - a.shortfall).slice(0, evidence_items_max).map((i) => i.variant_id)))]);
  return [...shorts.map((s) => storeFinding(s, labels, window.days)), ...regionFindings(shorts, stores)];
}

async function variantLabels(db: AnyDb, merchant_id: string, variant_ids: string[]): Promise<Map<string, { sku: string; title: string }>> {
  if (variant_ids.length === 0) return new Map();
  const rows = await sql<{ id: string; sku: string; title: string }>`
    select v.id, v.sku, p.title || case when v.title <> '' and v.title <> p.title then ' – ' || v.title else '' end as title
      from variant v join product p on p.merchant_id = v.merchant_id and p.id = v.product_id
     where v.merchant_id = ${merchant_id} and v.id = any(${variant_ids}::text[])`.execute(db);
  return new Map(rows.rows.map((r) => [r.id, { sku: r.sku, title: r.title }]));
}

const regionOf = (l: Location): string => l.address.region ?? l.address.city;
const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((s, x) => s + f(x), 0);

function storeFinding(s: StoreShort, labels: Map<string, { sku: string; title: string }>, days: number): Finding {
  const demand = round2(sum(s.items, (i) => i.demand));
  const supply = sum(s.items, (i) => i.available + i.on_order);
  const ratio = supply === 0 ? null : round2(demand / supply);
  const out_of_stock = s.items.filter((i) => i.available === 0).length;
  const stockout_days = s.items.some((i) => i.stockout_days !== null) ? sum(s.items, (i) => i.stockout_days ?? 0) : null;
  return {
    kind: 'store_shortfall',
    title: `${s.store.name}: ${s.items.length} ${s.items.length === 1 ? 'item needs' : 'items need'} ${Math.round(demand)} units over the next ${horizon_days} days and ${supply} are there${out_of_stock > 0 ? ` (${out_of_stock} out of stock)` : ''}`,
    evidence: {
      location: { id: s.store.id, code: s.store.code, name: s.store.name, city: s.store.address.city, region: s.store.address.region ?? null },
      source: s.source,
      horizon_days,
      period_days: days,
      short_items: s.items.length,
      out_of_stock_items: out_of_stock,
      stockout_days,
      on_order: sum(s.items, (i) => i.on_order),
      items: [...s.items]
        .sort((a, b) => b.shortfall - a.shortfall)
        .slice(0, evidence_items_max)
        .map((i) => ({ variant_id: i.variant_id, sku: labels.get(i.variant_id)?.sku ?? null, title: labels.get(i.variant_id)?.title ?? null, sold_in_period: i.sold, demand_next_days: round2(i.demand), available: i.available, on_order: i.on_order, shortfall: round2(i.shortfall), stockout_days: i.stockout_days })),
    },
    size: { demand, supply, ratio },
    score: scoreOf('store_shortfall', demand, ratio),
  };
}

/** A region (the stores' address region, else city) where two or more stores fall short together. */
function regionFindings(shorts: readonly StoreShort[], stores: readonly Location[]): Finding[] {
  const byRegion = new Map<string, StoreShort[]>();
  for (const s of shorts) byRegion.set(regionOf(s.store), [...(byRegion.get(regionOf(s.store)) ?? []), s]);
  const findings: Finding[] = [];
  for (const [region, short] of byRegion) {
    if (short.length < 2) continue;
    const demand = round2(sum(short, (s) => sum(s.items, (i) => i.demand)));
    const supply = sum(short, (s) => sum(s.items, (i) => i.available));
    const ratio = supply === 0 ? null : round2(demand / supply);
    const in_region = stores.filter((l) => regionOf(l) === region).length;
    findings.push({
      kind: 'region_shortfall',
      title: `${region}: ${short.length} of its ${in_region} stores fall short, ${Math.round(demand)} units wanted over the next ${horizon_days} days and ${supply} there`,
      evidence: {
        region,
        stores_short: short.length,
        stores_in_region: in_region,
        stores: short.map((s) => ({ id: s.store.id, name: s.store.name, short_items: s.items.length, demand: round2(sum(s.items, (i) => i.demand)), available: sum(s.items, (i) => i.available) })),
      },
      size: { demand, supply, ratio },
      score: scoreOf('region_shortfall', demand, ratio),
    });
  }
  return findings;
}
