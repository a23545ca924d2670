import { Problem } from '../../../kernel/problem.js';
import { stockKey, type StockLevel } from '../../../modules/inventory/index.js';
import type { OrderDelivery, OrderPart } from '../../../modules/orders/index.js';
import type { ChosenDelivery } from '../types.js';

export interface AllocationLine {
  merchant_id: string;
  variant_id: string;
  quantity: number;
}

export interface AllocationRequest {
  lines: readonly AllocationLine[];
  /** Location chosen by the buyer per seller (pick-up store, ship-from-store). */
  locations: Readonly<Record<string, string>>;
  /** The delivery chosen per seller: its serving places decide where stock is taken. */
  deliveries?: ReadonlyMap<string, ChosenDelivery> | undefined;
}

/** Where each seller's lines ship from: one part (one order) per serving place. */
export type Allocation = { ok: true; parts_by_merchant: Map<string, OrderPart[]> } | { ok: false; problem: Problem };

/**
 * Step 3: first come, first served allocation of the batch's checkouts against the locked stock.
 * Pure: it reads the locked levels and returns, for each request in arrival order, either the
 * location each seller ships from or the reason it cannot be served. A request is all or
 * nothing: if any line cannot be served, it takes no stock and later requests may have it.
 *
 * Undo: nothing; it decides in memory, and the reservations that carry it out are step 5.
 */
export function allocateStock(requests: readonly AllocationRequest[], levels: readonly StockLevel[]): Allocation[] {
  const available = new Map(levels.map((l) => [stockKey(l), l.available]));
  const locationsOf = new Map<string, string[]>();
  for (const l of levels) {
    const key = `${l.merchant_id}|${l.variant_id}`;
    locationsOf.set(key, [...(locationsOf.get(key) ?? []), l.location_id]);
  }
  return requests.map((request) => allocateOne(request, available, locationsOf));
}

function allocateOne(request: AllocationRequest, available: Map<string, bigint>, locationsOf: Map<string, string[]>): Allocation {
  const bySeller = new Map<string, AllocationLine[]>();
  for (const line of request.lines) bySeller.set(line.merchant_id, [...(bySeller.get(line.merchant_id) ?? []), line]);
  const chosen = new Map<string, OrderPart[]>();
  for (const [merchant_id, lines] of bySeller) {
    const delivery = request.deliveries?.get(merchant_id);
    if (delivery !== undefined) {
      const parts = deliveryParts(merchant_id, lines, delivery, available);
      if (!parts.ok) return parts;
      chosen.set(merchant_id, parts.parts);
      continue;
    }
    const candidates = request.locations[merchant_id] !== undefined ? [request.locations[merchant_id]] : candidateLocations(merchant_id, lines, available, locationsOf);
    const location = candidates.find((loc) => lines.every((l) => (available.get(stockKey({ merchant_id, variant_id: l.variant_id, location_id: loc })) ?? 0n) >= BigInt(l.quantity)));
    if (location === undefined) {
      const short = lines.find((l) => bestAvailable(merchant_id, l.variant_id, available, locationsOf) < BigInt(l.quantity)) ?? lines[0]!;
      const best = bestAvailable(merchant_id, short.variant_id, available, locationsOf);
      return { ok: false, problem: new Problem(409, 'out_of_stock', 'Sold out', `Only ${best} of ${short.quantity} requested units of ${short.variant_id} are available`) };
    }
    chosen.set(merchant_id, [{ location_id: location }]);
  }
  // Only now, with every seller's lines servable, is stock taken.
  for (const line of request.lines) {
    for (const part of chosen.get(line.merchant_id)!) {
      const key = stockKey({ merchant_id: line.merchant_id, variant_id: line.variant_id, location_id: part.location_id });
      const quantity = part.quantities === undefined ? line.quantity : (part.quantities.get(line.variant_id) ?? 0);
      if (quantity > 0) available.set(key, available.get(key)! - BigInt(quantity));
    }
  }
  return { ok: true, parts_by_merchant: chosen };
}

/**
 * A seller's lines split as the chosen delivery serves them: express and pickup from their store,
 * carrier delivery per parcel from the place that sends it. Refused when a serving place no longer
 * holds what it would send (someone bought it since the promise): the checkout never falls back to
 * reserving where the stock is not, nor elsewhere than promised.
 */
function deliveryParts(merchant_id: string, lines: readonly AllocationLine[], chosen: ChosenDelivery, available: Map<string, bigint>): { ok: true; parts: OrderPart[] } | { ok: false; problem: Problem } {
  const { option } = chosen;
  const base = {
    kind: option.kind,
    window_from: option.kind === 'express' ? option.window_from : null,
    window_to: option.kind === 'express' ? option.window_to : null,
    ready_by: option.kind === 'pickup' ? option.ready_by : null,
    deliver_by: option.kind === 'standard' || option.kind === 'cross_border' ? option.deliver_by : null,
    confidence: option.confidence,
    recipient_name: chosen.recipient.name,
    recipient_phone: chosen.recipient.phone,
    address_line1: chosen.address?.line1 ?? null,
    address_city: chosen.address?.city ?? null,
    address_country: chosen.address?.country ?? null,
    address_postal_code: chosen.address?.postal_code ?? null,
    latitude: chosen.address?.latitude ?? null,
    longitude: chosen.address?.longitude ?? null,
  };
  const parts: OrderPart[] =
    option.kind === 'express' || option.kind === 'pickup'
      ? [{ location_id: option.location_id, delivery: { ...base, location_id: option.location_id, price_minor: BigInt(option.price_minor), carrier: null, lane: null } satisfies OrderDelivery }]
      : option.shipments.map((s) => ({
          location_id: s.location_id,
          quantities: new Map(s.lines.map((l) => [l.variant_id, l.quantity])),
          delivery: { ...base, location_id: s.location_id, price_minor: BigInt(s.price_minor), carrier: s.carrier, lane: s.lane } satisfies OrderDelivery,
        }));
  const unavailable = (detail: string) => ({ ok: false as const, problem: new Problem(409, 'delivery_option_unavailable', 'The delivery option can no longer be kept', `${option.kind} delivery: ${detail}; ask for the delivery options again`) });
  // Every unit of every line is sent by exactly one part.
  for (const line of lines) {
    const sent = parts.reduce((sum, p) => sum + (p.quantities === undefined ? line.quantity : (p.quantities.get(line.variant_id) ?? 0)), 0);
    if (sent !== line.quantity) return unavailable(`the promise covers ${sent} of ${line.quantity} units of ${line.variant_id}`);
  }
  // Each place holds, under the batch's locks, what it would send.
  for (const part of parts) {
    for (const line of lines) {
      const quantity = part.quantities === undefined ? line.quantity : (part.quantities.get(line.variant_id) ?? 0);
      if (quantity === 0) continue;
      const have = available.get(stockKey({ merchant_id, variant_id: line.variant_id, location_id: part.location_id })) ?? 0n;
      if (have < BigInt(quantity)) return unavailable(`${part.location_id} holds ${have} of the ${quantity} units of ${line.variant_id} it would send`);
    }
  }
  return { ok: true, parts };
}

/** Locations holding the seller's first line, most available first (fewest split shipments). */
function candidateLocations(merchant_id: string, lines: readonly AllocationLine[], available: Map<string, bigint>, locationsOf: Map<string, string[]>): string[] {
  const first = lines[0]!;
  const locations = locationsOf.get(`${merchant_id}|${first.variant_id}`) ?? [];
  const score = (loc: string) => available.get(stockKey({ merchant_id, variant_id: first.variant_id, location_id: loc })) ?? 0n;
  return [...locations].sort((a, b) => (score(b) > score(a) ? 1 : score(b) < score(a) ? -1 : a < b ? -1 : 1));
}

function bestAvailable(merchant_id: string, variant_id: string, available: Map<string, bigint>, locationsOf: Map<string, string[]>): bigint {
  let best = 0n;
  for (const loc of locationsOf.get(`${merchant_id}|${variant_id}`) ?? []) {
    const a = available.get(stockKey({ merchant_id, variant_id, location_id: loc })) ?? 0n;
    if (a > best) best = a;
  }
  return best;
}
