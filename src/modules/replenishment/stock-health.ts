/**
 * Stock health per store: each item's stock on hand (its lots, first in, first out), its shelf
 * life (replenishment settings) and its current forecast (forecast module), projected day by day
 * (projection.ts): days of cover, the expected stock-out, the units that will expire unsold.
 */
import type { AnyDb } from '../../kernel/db.js';
import { localDay } from '../../kernel/time-zone.js';
import { variantLabels } from '../catalog/index.js';
import { currentForecasts, type CurrentForecast } from '../forecast/index.js';
import { getLocation, listLocations, type Location } from '../locations/index.js';
import { merchantTimeZone } from '../merchants/index.js';
import { arrivals } from './arrivals.js';
import { stockAge, withShelfLife, type StockAge } from './lots.js';
import { addDays, forecastFrom, projectStock, stockout_window_days, type Lot, type Projection } from './projection.js';
import { replenishmentSettings, type ReplenishmentSetting } from './settings.js';

/** Where the projection reads the forecast and the shelf lives; tests may answer for either. */
export interface HealthSources {
  forecasts: (db: AnyDb, merchant_id: string, filter: { location_ids?: readonly string[] }) => Promise<CurrentForecast[]>;
  settings: (db: AnyDb, merchant_id: string, variant_ids: readonly string[]) => Promise<Map<string, ReplenishmentSetting>>;
}
export const defaultSources: HealthSources = { forecasts: currentForecasts, settings: replenishmentSettings };

/** Stores in one health answer. */
export const health_stores_max = 200;

export interface ItemProjection {
  variant_id: string;
  location_id: string;
  available: number;
  on_hand: number;
  /** Units on approved purchase orders not yet received. */
  arriving_units: number;
  shelf_life_days: number | null;
  lots: Lot[];
  /** The forecast from today on; empty when the item has none. */
  forecast: number[];
  has_forecast: boolean;
  projection: Projection;
}

/** Every item stocked or forecast at the locations, projected from the merchant's today. */
export async function projectItems(db: AnyDb, merchant_id: string, location_ids: readonly string[], options: { now?: Date; sources?: HealthSources } = {}): Promise<{ today: string; items: ItemProjection[] }> {
  const sources = options.sources ?? defaultSources;
  const time_zone = await merchantTimeZone(db, merchant_id);
  const today = localDay(options.now ?? new Date(), time_zone);
  if (location_ids.length === 0) return { today, items: [] };
  const ages = await stockAge(db, merchant_id, time_zone, { location_ids });
  const forecasts = await sources.forecasts(db, merchant_id, { location_ids });
  const key = (v: string, l: string) => `${v}\u0000${l}`;
  const ageOf = new Map<string, StockAge>(ages.map((a) => [key(a.variant_id, a.location_id), a]));
  const forecastOf = new Map(forecasts.filter((f) => location_ids.includes(f.location_id)).map((f) => [key(f.variant_id, f.location_id), f]));
  const arrivingOf = new Map<string, Lot[]>();
  for (const a of await arrivals(db, merchant_id, time_zone, today, location_ids)) {
    const k = key(a.variant_id, a.location_id);
    arrivingOf.set(k, [...(arrivingOf.get(k) ?? []), { received_on: a.on, units: a.units, expires_on: null }]);
  }
  const keys = new Set([...ageOf.keys(), ...forecastOf.keys(), ...arrivingOf.keys()]);
  const settings = await sources.settings(db, merchant_id, [...new Set([...keys].map((k) => k.split('\u0000')[0]!))]);
  const items: ItemProjection[] = [];
  for (const k of keys) {
    const [variant_id, location_id] = k.split('\u0000') as [string, string];
    const age = ageOf.get(k);
    const f = forecastOf.get(k);
    const shelf_life_days = settings.get(variant_id)?.shelf_life_days ?? null;
    const lots = withShelfLife(age?.lots ?? [], shelf_life_days);
    const forecast = f === undefined ? [] : forecastFrom(today, f.start_date, f.mean);
    const reserved = age?.reserved ?? 0;
    const on_hand = age?.on_hand ?? 0;
    const arriving = withShelfLife(arrivingOf.get(k) ?? [], shelf_life_days);
    items.push({
      variant_id,
      location_id,
      on_hand,
      available: on_hand - reserved,
      arriving_units: arriving.reduce((s, a) => s + a.units, 0),
      shelf_life_days,
      lots,
      forecast,
      has_forecast: f !== undefined,
      projection: projectStock({ today, lots, reserved, forecast, arriving }),
    });
  }
  return { today, items };
}

export interface HealthItem {
  variant_id: string;
  sku: string;
  title: string;
  available: number;
  arriving_units: number;
  shelf_life_days: number | null;
  daily_demand: number | null;
  days_of_cover: number | null;
  stockout_date: string | null;
  expected_stockout_units: number | null;
  expiring_units: number;
  expected_waste_units: number | null;
}

export interface StoreHealth {
  location_id: string;
  code: string;
  name: string;
  items: HealthItem[];
  totals: { items: number; at_risk_of_stockout: number; expected_waste_units: number; expiring_units: number; days_of_cover_median: number | null };
}

const one = (x: number) => Math.round(x * 10) / 10;

function healthItem(p: ItemProjection, label: { sku: string; display_title: string } | undefined): HealthItem {
  const known = p.has_forecast;
  return {
    variant_id: p.variant_id,
    sku: label?.sku ?? '',
    title: label?.display_title ?? '',
    available: p.available,
    arriving_units: p.arriving_units,
    shelf_life_days: p.shelf_life_days,
    daily_demand: known ? one(p.projection.daily_demand) : null,
    days_of_cover: known && p.projection.days_of_cover !== null ? one(p.projection.days_of_cover) : null,
    stockout_date: known ? p.projection.stockout_date : null,
    expected_stockout_units: known ? one(p.projection.expected_stockout_units) : null,
    expiring_units: p.projection.expiring_units,
    expected_waste_units: known ? one(p.projection.expected_waste_units) : null,
  };
}

/** Worst first: the most expected waste, then the earliest stock-out. */
function risk(a: HealthItem, b: HealthItem): number {
  return (b.expected_waste_units ?? 0) - (a.expected_waste_units ?? 0) || (a.stockout_date ?? '9999').localeCompare(b.stockout_date ?? '9999') || a.sku.localeCompare(b.sku);
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return one(s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2);
}

/** The merchant's stores (or the one asked for, a store or a warehouse); undefined when that location is not the merchant's. */
export async function stockHealth(db: AnyDb, merchant_id: string, options: { location_id?: string | undefined; items_max: number; now?: Date; sources?: HealthSources }): Promise<{ as_of: string; stores: StoreHealth[] } | undefined> {
  let locations: Location[];
  if (options.location_id !== undefined) {
    const one_location = await getLocation(db, merchant_id, options.location_id);
    if (one_location === undefined) return undefined;
    locations = [one_location];
  } else locations = (await listLocations(db, merchant_id, { kind: 'store', limit: health_stores_max })).filter((l) => l.active);
  const { today, items } = await projectItems(db, merchant_id, locations.map((l) => l.id), options);
  const labels = await variantLabels(db, merchant_id, [...new Set(items.map((i) => i.variant_id))]);
  const at_risk_by = addDays(today, stockout_window_days - 1);
  const stores = locations
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((l) => {
      const all = items.filter((i) => i.location_id === l.id).map((i) => healthItem(i, labels.get(i.variant_id))).sort(risk);
      return {
        location_id: l.id,
        code: l.code,
        name: l.name,
        items: all.slice(0, options.items_max),
        totals: {
          items: all.length,
          at_risk_of_stockout: all.filter((i) => i.stockout_date !== null && i.stockout_date <= at_risk_by).length,
          expected_waste_units: one(all.reduce((s, i) => s + (i.expected_waste_units ?? 0), 0)),
          expiring_units: all.reduce((s, i) => s + i.expiring_units, 0),
          days_of_cover_median: median(all.flatMap((i) => (i.days_of_cover === null ? [] : [i.days_of_cover]))),
        },
      };
    });
  return { as_of: today, stores };
}

