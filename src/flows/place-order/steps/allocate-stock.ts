import { stockKey, type StockLevel } from '../../../modules/inventory/index.js';

export interface AllocationLine {
  merchant_id: string;
  variant_id: string;
  quantity: number;
}

export interface AllocationRequest {
  lines: readonly AllocationLine[];
  /** Location chosen by the buyer per seller (pick-up store, ship-from-store). */
  locations: Readonly<Record<string, string>>;
}

export type Allocation = { ok: true; location_by_merchant: Map<string, string> } | { ok: false; variant_id: string; requested: number; available: bigint };

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
  const chosen = new Map<string, string>();
  for (const [merchant_id, lines] of bySeller) {
    const candidates = request.locations[merchant_id] !== undefined ? [request.locations[merchant_id]] : candidateLocations(merchant_id, lines, available, locationsOf);
    const location = candidates.find((loc) => lines.every((l) => (available.get(stockKey({ merchant_id, variant_id: l.variant_id, location_id: loc })) ?? 0n) >= BigInt(l.quantity)));
    if (location === undefined) {
      const short = lines.find((l) => bestAvailable(merchant_id, l.variant_id, available, locationsOf) < BigInt(l.quantity)) ?? lines[0]!;
      return { ok: false, variant_id: short.variant_id, requested: short.quantity, available: bestAvailable(merchant_id, short.variant_id, available, locationsOf) };
    }
    chosen.set(merchant_id, location);
  }
  // Only now, with every seller's lines servable, is stock taken.
  for (const line of request.lines) {
    const key = stockKey({ merchant_id: line.merchant_id, variant_id: line.variant_id, location_id: chosen.get(line.merchant_id)! });
    available.set(key, available.get(key)! - BigInt(line.quantity));
  }
  return { ok: true, location_by_merchant: chosen };
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
