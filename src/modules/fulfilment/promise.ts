import KDBush from 'kdbush';
import { around, distance } from 'geokdbush';
import { onTimeProbability, promiseHours, regions, type Candidate, type Region } from '../logistics/index.js';
import type { LocationKind, OpeningHours } from '../locations/index.js';
import { openUntil, readyBy } from './opening-hours.js';

/**
 * The delivery promise: for a buyer's items and destination, the options that can be kept, each
 * with its price, its promised time and how confident the promise is, and where it would ship
 * from. Pure computation over what the caller loaded: the places near the destination (found
 * through a k-d tree on the globe, `kdbush` + `geokdbush`, never a scan of every store), the stock
 * they hold of these items, their pick backlog, and a carrier quote.
 *
 * - express: the nearest open store within the merchant's radius (3 km) that holds every item,
 *   promised within 30 minutes plus the store's pick backlog;
 * - pickup: each store near the buyer that holds every item, ready by a time inside its hours;
 * - standard: by carrier from the place that costs least to keep the 24 h domestic target from
 *   (warehouses before stores at equal cost), split across places only when none holds
 *   everything, with as few shipments as a greedy cover finds;
 * - cross_border: the 72 h target, when the merchant enables it and the destination is abroad.
 */

export interface Place {
  id: string;
  code: string;
  name: string;
  kind: LocationKind;
  latitude: number;
  longitude: number;
  timezone: string;
  opening_hours: OpeningHours;
  country: string;
}

export interface PromiseSettings {
  express_radius_m: number;
  /** Minutes an express order is promised in, before the store's backlog. */
  express_minutes: number;
  express_price_minor: number;
  /** Minutes of picking each order waiting at a store adds. */
  pick_minutes_per_order: number;
  pickup_radius_m: number;
  pickup_ready_minutes: number;
  pickup_price_minor: number;
  /** Added to the carrier's rate for each parcel (the merchant's handling), per kind. */
  standard_base_price_minor: number;
  cross_border_base_price_minor: number;
  cross_border_enabled: boolean;
}

export const defaultPromiseSettings: PromiseSettings = {
  express_radius_m: 3_000,
  express_minutes: 30,
  express_price_minor: 800,
  pick_minutes_per_order: 2,
  pickup_radius_m: 10_000,
  pickup_ready_minutes: 60,
  pickup_price_minor: 0,
  standard_base_price_minor: 0,
  cross_border_base_price_minor: 0,
  cross_border_enabled: false,
};

export interface PromiseItem {
  variant_id: string;
  quantity: number;
  weight_g: number;
}

export interface Destination {
  latitude: number;
  longitude: number;
  /** ISO 3166-1 alpha-2; the nearest region's when absent. */
  country?: string | undefined;
}

/** What the caller loaded for the places that could serve: stock of the items, and pick backlog. */
export interface PlaceStock {
  available(place_id: string, variant_id: string): number;
  backlog(place_id: string): number;
}

/** A carrier quote from one region to another (the logistics router's best candidate). */
export type Quote = (from: Region, to: Region, weight_g: number, promise_h: number, now: Date) => CarrierQuote | undefined;

/** A routed candidate and the hours within which its parcel arrives with 90% probability. */
export type CarrierQuote = Candidate & { p90_h: number };

export interface Shipment {
  location_id: string;
  location_code: string;
  lines: { variant_id: string; quantity: number }[];
  carrier: string;
  lane: string;
  price_minor: number;
  p_on_time: number;
  /** When the parcel can leave (the place's hours and picking). */
  ready_at: Date;
}

export type DeliveryOption =
  | { kind: 'express'; location_id: string; location_code: string; distance_m: number; price_minor: number; window_from: Date; window_to: Date; confidence: number }
  | { kind: 'pickup'; location_id: string; location_code: string; distance_m: number; price_minor: number; ready_by: Date; confidence: number }
  | ({ kind: 'standard' | 'cross_border' } & ParcelPromise);

/** Delivery by carrier: the parcels, their price, and the time promised. */
export interface ParcelPromise {
  price_minor: number;
  deliver_by: Date;
  confidence: number;
  target_h: number;
  shipments: Shipment[];
  reason: string;
}

/** A rider's speed through a city, for the express estimate. */
const rider_kmh = 18;
const express_sigma = 0.25;
/** Minutes to pick and pack a parcel for a carrier, and the least confidence a standard promise may have. */
const parcel_pick_minutes = 60;
const region_of = (d: { latitude: number; longitude: number }): Region => {
  let best = regions[0]!;
  let bestKm = Infinity;
  for (const r of regions) {
    const km = distance(d.longitude, d.latitude, r.longitude, r.latitude);
    if (km < bestKm) [best, bestKm] = [r, km];
  }
  return best;
};

/** The merchant's places in a k-d tree on the globe. */
export class PlaceIndex {
  private readonly tree: KDBush;

  constructor(readonly places: readonly Place[]) {
    this.tree = new KDBush(Math.max(places.length, 1));
    for (const p of places) this.tree.add(p.longitude, p.latitude);
    if (places.length === 0) this.tree.add(0, 0);
    this.tree.finish();
  }

  /** Places within `radius_m` of the point, nearest first, with their distance in metres. */
  near(d: { latitude: number; longitude: number }, radius_m: number, max = 50, filter?: (p: Place) => boolean): { place: Place; distance_m: number }[] {
    if (this.places.length === 0) return [];
    return around(this.tree, d.longitude, d.latitude, max, radius_m / 1_000, (i) => filter === undefined || filter(this.places[i]!)).map((i) => {
      const place = this.places[i]!;
      return { place, distance_m: Math.round(1_000 * distance(d.longitude, d.latitude, place.longitude, place.latitude)) };
    });
  }
}

export interface PromiseRequest {
  items: readonly PromiseItem[];
  destination: Destination;
  now: Date;
  settings: PromiseSettings;
  /** The places whose stock was loaded: near ones for express and pickup, every holder for standard. */
  index: PlaceIndex;
  stock: PlaceStock;
  quote: Quote;
}

export function deliveryOptions(r: PromiseRequest): DeliveryOption[] {
  const options: DeliveryOption[] = [];
  const holdsAll = (p: Place) => r.items.every((i) => r.stock.available(p.id, i.variant_id) >= i.quantity);
  const destRegion = region_of(r.destination);
  const destCountry = r.destination.country ?? destRegion.country;

  // Express: the nearest open store within the radius that holds everything.
  for (const { place, distance_m } of r.index.near(r.destination, r.settings.express_radius_m, 20, (p) => p.kind === 'store' && holdsAll(p))) {
    const backlog_min = r.stock.backlog(place.id) * r.settings.pick_minutes_per_order;
    const promise_min = r.settings.express_minutes + backlog_min;
    const window_to = new Date(r.now.getTime() + promise_min * 60_000);
    const closes = openUntil(place.opening_hours, place.timezone, r.now);
    if (closes === undefined || closes < window_to) continue;
    const expected_min = 8 + backlog_min + (distance_m / 1_000 / rider_kmh) * 60;
    options.push({ kind: 'express', location_id: place.id, location_code: place.code, distance_m, price_minor: r.settings.express_price_minor, window_from: r.now, window_to, confidence: onTimeProbability(promise_min, expected_min, express_sigma) });
    break;
  }

  // Pickup: each store near the buyer that holds everything, ready inside its hours.
  for (const { place, distance_m } of r.index.near(r.destination, r.settings.pickup_radius_m, 5, (p) => p.kind === 'store' && holdsAll(p))) {
    const ready_by = readyBy(place.opening_hours, place.timezone, r.now, r.settings.pickup_ready_minutes + r.stock.backlog(place.id) * r.settings.pick_minutes_per_order);
    if (ready_by === undefined) continue;
    options.push({ kind: 'pickup', location_id: place.id, location_code: place.code, distance_m, price_minor: r.settings.pickup_price_minor, ready_by, confidence: 0.95 });
  }

  // Standard (and cross-border): by carrier from the cheapest place to keep the promise from.
  const domestic = r.index.places.filter((p) => p.country === destCountry);
  const abroad = r.settings.cross_border_enabled ? r.index.places.filter((p) => p.country !== destCountry) : [];
  for (const [kind, places] of [['standard', domestic], ['cross_border', abroad]] as const) {
    const parcel = bestParcels(r, places, destRegion, kind === 'standard' ? r.settings.standard_base_price_minor : r.settings.cross_border_base_price_minor);
    if (parcel !== undefined) options.push({ kind, ...parcel });
  }
  return options;
}

interface Scored {
  place: Place;
  quote: CarrierQuote;
  ready_at: Date;
}

function bestParcels(r: PromiseRequest, places: readonly Place[], to: Region, base_price_minor: number): ParcelPromise | undefined {
  if (places.length === 0) return undefined;
  const target_h = promiseHours(region_of(places[0]!), to);
  // One carrier quote per origin region: the rate and the promise depend on the region pair.
  const quotes = new Map<string, CarrierQuote | undefined>();
  const weightOf = (lines: readonly { variant_id: string; quantity: number }[]) => lines.reduce((s, l) => s + l.quantity * (r.items.find((i) => i.variant_id === l.variant_id)?.weight_g ?? 500), 0);
  // Places share hours and zones (a chain's stores mostly keep the same): work each out once.
  const readyByHours = new Map<string, Date | undefined>();
  const readyOf = (place: Place) => {
    const key = `${place.timezone}|${JSON.stringify(place.opening_hours)}`;
    if (!readyByHours.has(key)) readyByHours.set(key, readyBy(place.opening_hours, place.timezone, r.now, parcel_pick_minutes));
    return readyByHours.get(key);
  };
  const score = (place: Place, lines: readonly { variant_id: string; quantity: number }[]): Scored | undefined => {
    const ready_at = readyOf(place);
    if (ready_at === undefined) return undefined;
    const from = region_of(place);
    const waited_h = (ready_at.getTime() - r.now.getTime()) / 3_600_000;
    const key = `${from.code}|${weightOf(lines)}|${Math.round(waited_h)}`;
    if (!quotes.has(key)) quotes.set(key, r.quote(from, to, weightOf(lines), target_h - waited_h, r.now));
    const quote = quotes.get(key);
    return quote === undefined ? undefined : { place, quote, ready_at };
  };
  const better = (a: Scored, b: Scored) =>
    a.quote.expected_cost_minor - b.quote.expected_cost_minor || (a.place.kind === b.place.kind ? 0 : a.place.kind === 'warehouse' ? -1 : 1) || distance(a.place.longitude, a.place.latitude, r.destination.longitude, r.destination.latitude) - distance(b.place.longitude, b.place.latitude, r.destination.longitude, r.destination.latitude);

  // One place holding everything: the best of them.
  const whole = r.items.map((i) => ({ variant_id: i.variant_id, quantity: i.quantity }));
  const holders = places.filter((p) => whole.every((l) => r.stock.available(p.id, l.variant_id) >= l.quantity));
  const single = holders.map((p) => score(p, whole)).filter((s): s is Scored => s !== undefined).sort(better)[0];
  let parts: { scored: Scored; lines: { variant_id: string; quantity: number }[] }[];
  if (single !== undefined) parts = [{ scored: single, lines: whole }];
  else {
    // A greedy cover: each round, the place that can send the most of what is left (then the
    // cheapest), for as many units as it holds; never more than a place holds.
    const left = new Map(whole.map((l) => [l.variant_id, l.quantity]));
    parts = [];
    while ([...left.values()].some((q) => q > 0)) {
      let best: { place: Place; lines: { variant_id: string; quantity: number }[]; units: number } | undefined;
      for (const place of places) {
        const lines = [...left].filter(([, q]) => q > 0).map(([variant_id, q]) => ({ variant_id, quantity: Math.min(q, r.stock.available(place.id, variant_id) - taken(parts, place.id, variant_id)) })).filter((l) => l.quantity > 0);
        const units = lines.reduce((s, l) => s + l.quantity, 0);
        if (units > 0 && (best === undefined || units > best.units)) best = { place, lines, units };
      }
      if (best === undefined) return undefined; // not enough stock anywhere
      const scored = score(best.place, best.lines);
      if (scored === undefined) return undefined;
      parts.push({ scored, lines: best.lines });
      for (const l of best.lines) left.set(l.variant_id, left.get(l.variant_id)! - l.quantity);
    }
  }
  const shipments: Shipment[] = parts.map(({ scored, lines }) => ({
    location_id: scored.place.id,
    location_code: scored.place.code,
    lines,
    carrier: scored.quote.carrier,
    lane: scored.quote.lane,
    price_minor: base_price_minor + Math.round(scored.quote.price_minor),
    p_on_time: scored.quote.p_on_time,
    ready_at: scored.ready_at,
  }));
  const confidence = shipments.reduce((p, s) => p * s.p_on_time, 1);
  const latestReady = Math.max(...shipments.map((s) => s.ready_at.getTime()));
  // The target when it can be kept with good confidence; otherwise the time by which the slowest
  // parcel arrives with 90% probability.
  const keepsTarget = confidence >= 0.8;
  const deliver_by = keepsTarget ? new Date(r.now.getTime() + target_h * 3_600_000) : new Date(latestReady + Math.max(...parts.map(({ scored }) => scored.quote.p90_h)) * 3_600_000);
  const reason =
    shipments.length === 1
      ? `ships from ${shipments[0]!.location_code} by ${shipments[0]!.carrier}`
      : `no single place holds every item: ${shipments.length} parcels, from ${shipments.map((s) => s.location_code).join(', ')}`;
  return { price_minor: shipments.reduce((s, x) => s + x.price_minor, 0), deliver_by, confidence: keepsTarget ? confidence : 0.9 ** shipments.length, target_h, shipments, reason };
}

function taken(parts: readonly { scored: Scored; lines: { variant_id: string; quantity: number }[] }[], place_id: string, variant_id: string): number {
  return parts.filter((p) => p.scored.place.id === place_id).reduce((s, p) => s + (p.lines.find((l) => l.variant_id === variant_id)?.quantity ?? 0), 0);
}
