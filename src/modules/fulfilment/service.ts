import { sql } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { AnyDb } from '../../kernel/db.js';
import { problems } from '../../kernel/problem.js';
import { shippingFacts } from '../catalog/index.js';
import { availableAtLocations, locationsHoldingAll } from '../inventory/index.js';
import { listLocations } from '../locations/index.js';
import { shipmentRouterOf } from '../logistics/index.js';
import { pickBacklog } from './fulfilments.js';
import { deliveryOptions, PlaceIndex, type DeliveryOption, type Destination, type Place, type Quote } from './promise.js';
import { deliverySettings, promiseSettingsOf } from './settings-store.js';

/** Places a merchant may serve from that one promise considers. */
const places_max = 10_000;
/** Grams assumed for a variant whose weight the merchant has not given. */
const default_weight_g = 500;

/**
 * The carriers this process quotes with: the simulated network over every region pair, scored by
 * the process's one router (logistics `shipmentRouterOf`), the same that routes shipments: its
 * lane states (today's hand-overs, recent delays) are rebuilt from the shipments at start and
 * follow live tracking, so a promise reflects the congestion shipping sees.
 */
function quoterOf(db: AnyDb): { ready: Promise<void>; quote: Quote } {
  const router = shipmentRouterOf(db);
  return { ready: router.ready, quote: (from, to, weight_g, promise_h, now) => router.quote(from, to, weight_g, promise_h, now) };
}

interface CachedPlaces {
  version: string;
  checked_at: number;
  places: Place[];
  byId: Map<string, Place>;
}

/**
 * Each seller's active places, parsed once and kept while the seller's locations have not
 * changed: at most every `recheck_ms` a promise asks for the locations' count and latest change,
 * and reloads only when either moved. A chain with 10,000 stores is not re-read per question; a
 * new, moved or closed store counts within `recheck_ms` (checkout checks the stock itself).
 */
const placeCache = new LRUCache<string, CachedPlaces>({ max: 500 });
const recheck_ms = 5_000;

async function placesOf(db: AnyDb, merchant_id: string): Promise<CachedPlaces> {
  const recent = placeCache.get(merchant_id);
  if (recent !== undefined && Date.now() - recent.checked_at < recheck_ms) return recent;
  const v = await sql<{ version: string }>`select count(*) || '|' || coalesce(max(updated_at)::text, '') as version from location where merchant_id = ${merchant_id}`.execute(db);
  const version = v.rows[0]!.version;
  if (recent?.version === version) {
    recent.checked_at = Date.now();
    return recent;
  }
  const places: Place[] = (await listLocations(db, merchant_id, { limit: places_max }))
    .filter((l) => l.active)
    .map((l) => ({ id: l.id, code: l.code, name: l.name, kind: l.kind, latitude: l.latitude, longitude: l.longitude, timezone: l.timezone, opening_hours: l.opening_hours, country: l.address.country }));
  const fresh = { version, checked_at: Date.now(), places, byId: new Map(places.map((p) => [p.id, p])) };
  placeCache.set(merchant_id, fresh);
  return fresh;
}

export interface SellerPromise {
  merchant_id: string;
  items: { variant_id: string; quantity: number }[];
  options: DeliveryOption[];
}

/**
 * The delivery options for items bought through a storefront, per seller (each seller ships its
 * own items, as checkout splits orders per seller). An item nobody sells, or not for sale, is
 * refused with 422 and nothing else happens.
 */
export async function promiseFor(db: AnyDb, items: readonly { variant_id: string; quantity: number }[], destination: Destination, now = new Date()): Promise<SellerPromise[]> {
  const { ready, quote } = quoterOf(db);
  await ready;
  const facts = new Map((await shippingFacts(db, items.map((i) => i.variant_id))).map((f) => [f.variant_id, f]));
  const unknown = items.filter((i) => facts.get(i.variant_id)?.for_sale !== true).map((i) => i.variant_id);
  if (unknown.length > 0) throw problems.unprocessable('variant_not_for_sale', `Not for sale: ${unknown.join(', ')}`);
  const bySeller = new Map<string, { variant_id: string; quantity: number; weight_g: number }[]>();
  for (const i of items) {
    const f = facts.get(i.variant_id)!;
    const line = bySeller.get(f.merchant_id) ?? [];
    const same = line.find((l) => l.variant_id === i.variant_id);
    if (same !== undefined) same.quantity += i.quantity;
    else line.push({ variant_id: i.variant_id, quantity: i.quantity, weight_g: f.weight_g ?? default_weight_g });
    bySeller.set(f.merchant_id, line);
  }
  return Promise.all(
    [...bySeller].map(async ([merchant_id, lines]) => {
      // Only the places that hold every item can serve a single parcel, express or pickup: the
      // database answers with those alone. The others matter only for a split, when no place
      // holds everything, and only then are they read.
      const [all, holdingAll, backlog, settings] = await Promise.all([placesOf(db, merchant_id), locationsHoldingAll(db, merchant_id, lines), pickBacklog(db, merchant_id), deliverySettings(db, merchant_id)]);
      const stockRows = holdingAll.some((r) => all.byId.has(r.location_id)) ? holdingAll : await availableAtLocations(db, merchant_id, lines.map((l) => l.variant_id));
      const stock = new Map(stockRows.map((r) => [`${r.location_id}|${r.variant_id}`, r.available]));
      const places = [...new Set(stockRows.map((r) => r.location_id))].map((id) => all.byId.get(id)).filter((p): p is Place => p !== undefined);
      const options = deliveryOptions({
        items: lines,
        destination,
        now,
        settings: promiseSettingsOf(settings),
        index: new PlaceIndex(places),
        stock: { available: (p, v) => stock.get(`${p}|${v}`) ?? 0, backlog: (p) => backlog.get(p) ?? 0 },
        quote,
      });
      return { merchant_id, items: lines.map(({ variant_id, quantity }) => ({ variant_id, quantity })), options };
    }),
  );
}
