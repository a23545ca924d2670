import type { AnyDb } from '../../kernel/db.js';
import { problems } from '../../kernel/problem.js';
import { quoteLines } from '../catalog/index.js';
import { nextOpening, openUntil } from '../fulfilment/index.js';
import { stockAtLocation } from '../inventory/index.js';
import { distance_m, getLocation, listLocations, type Location } from '../locations/index.js';
import { listPromotions, type Promotion } from '../promotions/index.js';
import { guidesAt, type GuideView } from './guides.js';

/**
 * The store's digital twin as a storefront shows it: where it is and how far, whether it is open
 * now (its opening hours in its own time zone), what it holds now, the offers that apply there,
 * the coupons a shopper may claim, and its guides.
 */
export const stores_max = 100;
export const stock_items_max = 100;
/** The merchant's live promotions read for a store's page; offers beyond them are not shown. */
const promotions_read_max = 200;

export interface Point {
  latitude: number;
  longitude: number;
}

export interface StoreSummary {
  location: Location;
  distance_m: number | null;
  open_now: boolean;
  open_until: Date | null;
  next_opening: Date | null;
}

export interface StockItem {
  variant_id: string;
  product_id: string;
  sku: string;
  title: string;
  available: number;
  unit_price_minor: bigint;
  currency: string;
}

export interface StorePage extends StoreSummary {
  stock: { total: number; currency: string; items: StockItem[] };
  offers: Promotion[];
  claimable: Promotion[];
  guides: GuideView[];
}

export function summaryOf(location: Location, near: Point | undefined, now: Date): StoreSummary {
  const until = openUntil(location.opening_hours, location.timezone, now);
  const always = until !== undefined && until.getTime() >= 8.64e15;
  return {
    location,
    distance_m: near === undefined ? null : Math.round(distance_m(near, location)),
    open_now: until !== undefined,
    open_until: until === undefined || always ? null : until,
    next_opening: until !== undefined ? null : (nextOpening(location.opening_hours, location.timezone, now) ?? null),
  };
}

/** The merchant's active stores, nearest first with `near` (else by name), at most `stores_max`. */
export async function listStores(db: AnyDb, merchant_id: string, near: Point | undefined, now = new Date()): Promise<StoreSummary[]> {
  const locations = await listLocations(db, merchant_id, { kind: 'store', limit: 1_000 });
  const stores = locations.filter((l) => l.active).map((l) => summaryOf(l, near, now));
  stores.sort((a, b) => (near === undefined ? a.location.name.localeCompare(b.location.name) : a.distance_m! - b.distance_m!) || a.location.id.localeCompare(b.location.id));
  return stores.slice(0, stores_max);
}

/** One active store of the merchant, or 404 (a warehouse, another merchant's store or none alike). */
export async function requireStore(db: AnyDb, merchant_id: string, location_id: string): Promise<Location> {
  const location = await getLocation(db, merchant_id, location_id);
  if (location === undefined || location.kind !== 'store' || !location.active) throw problems.notFound('The store');
  return location;
}

/** Whether a live promotion applies in this store now (its channels and stores allow it). */
export function appliesAt(p: Promotion, location_id: string, now: Date): boolean {
  if (p.status !== 'active') return false;
  if (p.starts_at !== null && p.starts_at > now) return false;
  if (p.ends_at !== null && p.ends_at <= now) return false;
  if (p.conditions.channels !== undefined && !p.conditions.channels.includes('store')) return false;
  if (p.conditions.location_ids !== undefined && !p.conditions.location_ids.includes(location_id)) return false;
  return true;
}

export async function storePage(db: AnyDb, merchant_id: string, request: { location_id: string; near?: Point | undefined; currency: string; stock_limit: number }, now = new Date()): Promise<StorePage> {
  const location = await requireStore(db, merchant_id, request.location_id);
  const [stock, promotions, guides] = await Promise.all([
    stockAtLocation(db, merchant_id, location.id, request.stock_limit),
    listPromotions(db, merchant_id, { status: 'active', limit: promotions_read_max }),
    guidesAt(db, merchant_id, location.id, now),
  ]);
  const quotes = await quoteLines(db, stock.levels.map((l) => ({ variant_id: l.variant_id, quantity: 1 })), request.currency);
  const quoteOf = new Map(quotes.map((q) => [q.variant_id, q]));
  const items: StockItem[] = [];
  for (const level of stock.levels) {
    const q = quoteOf.get(level.variant_id);
    // Not for sale (unpublished, archived, not priced in the currency): held, but not shown.
    if (q === undefined || !q.ok || q.merchant_id !== merchant_id) continue;
    items.push({ variant_id: q.variant_id, product_id: q.product_id, sku: q.sku, title: q.title, available: level.available, unit_price_minor: q.unit_price_minor, currency: q.currency });
  }
  const here = promotions.filter((p) => p.currency === request.currency && appliesAt(p, location.id, now));
  return {
    ...summaryOf(location, request.near, now),
    stock: { total: stock.total, currency: request.currency, items },
    offers: here.filter((p) => p.kind === 'automatic'),
    claimable: here.filter((p) => p.kind === 'coupon' && p.claimable && (p.issue_limit === null || p.issued < p.issue_limit)),
    guides,
  };
}

/** Parses `near=<lat>,<lng>`; undefined when absent. */
export function parseNear(value: string | undefined): Point | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/.exec(value);
  const latitude = Number(m?.[1]);
  const longitude = Number(m?.[2]);
  if (m === null || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) throw problems.validation([{ field: 'near', location: 'query', message: 'must be "<latitude>,<longitude>" in degrees' }]);
  return { latitude, longitude };
}
