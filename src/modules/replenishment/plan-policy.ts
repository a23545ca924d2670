/**
 * The plan's arithmetic, without I/O: from forecasts, stock, what is on order, settings and who
 * supplies what, to transfers per route and purchase orders per supplier and destination.
 *
 * - Stores. Each store's policy (`policyFor`) takes the transfer lead time when the merchant has
 *   a warehouse (stores are restocked from it), else the supplier's. A store whose position
 *   (available + on order) is at or below its reorder point needs enough to reach its order-up-to.
 * - Transfers first. The neediest store (furthest below its reorder point) is served first: from
 *   the warehouses (most available first), then from stores holding more than their own
 *   order-up-to level (the excess only).
 * - Purchase orders. With a warehouse, the whole network orders together: its echelon position
 *   (every warehouse's and forecast store's available plus what is on order for them) against the
 *   demand of every store (and the warehouse's own) over the supplier's lead time, delivered to
 *   the warehouse holding most of the variant. Without a warehouse, each store orders what
 *   transfers left short, delivered to the store.
 * - Perishables (a shelf life): reviewed daily, and the order-up-to level is capped at the
 *   forecast's demand over the shelf life (never below the reorder point).
 * - Purchase orders are whole packs and at least the minimum order (`orderQuantity`); transfers
 *   are whole units.
 */
import { orderQuantity, policyFor, type CurrentForecast, type Policy } from '../forecast/index.js';
import type { ReplenishmentSetting } from './settings.js';
import type { Supply } from './suppliers.js';
import type { LineWhy } from './tables.js';

/** Days a transfer from a warehouse to a store takes to arrive (stores are restocked daily from it). */
export const transfer_lead_time_days = 1;

export interface PlanInput {
  forecasts: readonly CurrentForecast[];
  locations: readonly { id: string; kind: 'warehouse' | 'store'; active: boolean }[];
  /** Available (on hand less reserved) per `variant|location`; absent is 0. */
  available: ReadonlyMap<string, number>;
  /** Units on open purchase orders per `variant|location`; absent is 0. */
  on_order: ReadonlyMap<string, number>;
  settings: ReadonlyMap<string, ReplenishmentSetting>;
  supply: ReadonlyMap<string, Supply>;
}

export interface PlannedLine {
  variant_id: string;
  quantity: number;
  why: LineWhy;
}

export interface PlannedTransfer {
  from_location_id: string;
  to_location_id: string;
  lines: PlannedLine[];
}

export interface PlannedPurchase {
  supplier_id: string;
  location_id: string;
  lines: PlannedLine[];
}

export interface Skipped {
  variant_id: string;
  location_id: string;
  why: string;
}

export interface PlanResult {
  transfers: PlannedTransfer[];
  purchase_orders: PlannedPurchase[];
  skipped: Skipped[];
}

const key = (variant_id: string, location_id: string) => `${variant_id}|${location_id}`;

function sumOver(mean: readonly number[], days: number): number {
  let s = 0;
  for (let i = 0; i < days; i++) s += mean[Math.min(i, mean.length - 1)] ?? 0;
  return s;
}

/** The policy of one location, perishables capped at what sells within the shelf life. */
export function locationPolicy(mean: readonly number[], sigma: number, lead_time_days: number, setting: ReplenishmentSetting): Policy {
  const perishable = setting.shelf_life_days !== null;
  const policy = policyFor({ mean, sigma, lead_time: lead_time_days, review: perishable ? 1 : setting.review_days, service_level: setting.service_level });
  if (!perishable) return policy;
  // Never more than sells within the shelf life, but always what the lead time needs.
  const cap = Math.max(policy.lead_time_demand + policy.safety_stock, Math.min(policy.order_up_to, sumOver(mean, setting.shelf_life_days!)));
  return { ...policy, reorder_point: Math.min(policy.reorder_point, cap), order_up_to: cap };
}

function whyOf(policy: Policy, available: number, on_order: number, setting: ReplenishmentSetting, lead_time_days: number): LineWhy {
  const r = (x: number) => Math.round(x * 100) / 100;
  return { available, on_order, reorder_point: r(policy.reorder_point), order_up_to: r(policy.order_up_to), safety_stock: r(policy.safety_stock), lead_time_demand: r(policy.lead_time_demand), service_level: setting.service_level, lead_time_days };
}

interface StoreState {
  location_id: string;
  forecast: CurrentForecast;
  policy: Policy;
  available: number;
  on_order: number;
  need: number;
  /** Units above its order-up-to level that it may give away. */
  spare: number;
  lead_time_days: number;
}

export function planReplenishment(input: PlanInput): PlanResult {
  const active = input.locations.filter((l) => l.active);
  const kindOf = new Map(active.map((l) => [l.id, l.kind]));
  const warehouses = active.filter((l) => l.kind === 'warehouse').map((l) => l.id);
  const byVariant = new Map<string, CurrentForecast[]>();
  for (const f of input.forecasts) {
    if (!kindOf.has(f.location_id)) continue;
    byVariant.set(f.variant_id, [...(byVariant.get(f.variant_id) ?? []), f]);
  }
  const result: PlanResult = { transfers: [], purchase_orders: [], skipped: [] };
  const transfers = new Map<string, PlannedTransfer>();
  const purchases = new Map<string, PlannedPurchase>();
  const addLine = <G extends { lines: PlannedLine[] }>(groups: Map<string, G>, group_key: string, make: () => G, line: PlannedLine) => {
    const group = groups.get(group_key) ?? make();
    groups.set(group_key, group);
    const existing = group.lines.find((l) => l.variant_id === line.variant_id);
    if (existing === undefined) group.lines.push(line);
    else existing.quantity += line.quantity;
  };
  for (const [variant_id, forecasts] of [...byVariant].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const setting = input.settings.get(variant_id)!;
    const supply = input.supply.get(variant_id);
    const avail = (location_id: string) => input.available.get(key(variant_id, location_id)) ?? 0;
    const ordered = (location_id: string) => input.on_order.get(key(variant_id, location_id)) ?? 0;
    const storeForecasts = forecasts.filter((f) => kindOf.get(f.location_id) === 'store');
    if (warehouses.length === 0 && supply === undefined) {
      for (const f of storeForecasts) result.skipped.push({ variant_id, location_id: f.location_id, why: 'no active supplier supplies this variant, and there is no warehouse to transfer from' });
      continue;
    }
    const store_lead_time_days = warehouses.length > 0 ? transfer_lead_time_days : supply!.lead_time_days;
    const stores: StoreState[] = storeForecasts.map((f) => {
      const policy = locationPolicy(f.mean, f.sigma, store_lead_time_days, setting);
      const available = avail(f.location_id);
      const on_order = ordered(f.location_id);
      const need = orderQuantity(policy, available + on_order, { pack_size: 1, min_order: 1 });
      const spare = need > 0 ? 0 : Math.max(0, Math.floor(available - policy.order_up_to));
      return { location_id: f.location_id, forecast: f, policy, available, on_order, need, spare, lead_time_days: store_lead_time_days };
    });
    // Transfers: the neediest store first, from the warehouses, then from overstocked stores.
    const sources = [
      ...warehouses.map((id) => ({ id, spare: avail(id) })).sort((a, b) => b.spare - a.spare || (a.id < b.id ? -1 : 1)),
      ...stores.filter((s) => s.spare > 0).map((s) => ({ id: s.location_id, spare: s.spare })).sort((a, b) => b.spare - a.spare || (a.id < b.id ? -1 : 1)),
    ];
    const shortfalls = new Map<string, number>();
    for (const store of stores.filter((s) => s.need > 0).sort((a, b) => a.available + a.on_order - a.policy.reorder_point - (b.available + b.on_order - b.policy.reorder_point))) {
      let left = store.need;
      for (const source of sources) {
        if (left === 0) break;
        const quantity = Math.min(left, source.spare);
        if (quantity <= 0) continue;
        source.spare -= quantity;
        left -= quantity;
        const line = { variant_id, quantity, why: whyOf(store.policy, store.available, store.on_order, setting, store.lead_time_days) };
        addLine(transfers, `${source.id}>${store.location_id}`, () => ({ from_location_id: source.id, to_location_id: store.location_id, lines: [] }), line);
      }
      if (left > 0) shortfalls.set(store.location_id, left);
    }
    if (warehouses.length > 0) {
      planNetworkOrder(input, variant_id, forecasts, stores, warehouses, setting, supply, result, (location_id, line) =>
        addLine(purchases, `${supply!.supplier_id}>${location_id}`, () => ({ supplier_id: supply!.supplier_id, location_id, lines: [] }), line),
      );
      continue;
    }
    for (const store of stores) {
      const short = shortfalls.get(store.location_id);
      if (short === undefined) continue;
      const transferred = store.need - short;
      const quantity = orderQuantity(store.policy, store.available + store.on_order + transferred, supply!);
      if (quantity > 0) addLine(purchases, `${supply!.supplier_id}>${store.location_id}`, () => ({ supplier_id: supply!.supplier_id, location_id: store.location_id, lines: [] }), { variant_id, quantity, why: whyOf(store.policy, store.available, store.on_order, setting, store.lead_time_days) });
    }
  }
  result.transfers = [...transfers.values()];
  result.purchase_orders = [...purchases.values()];
  return result;
}

/** The network's order: echelon position against every store's (and the warehouses') demand over the supplier's lead time. */
function planNetworkOrder(input: PlanInput, variant_id: string, forecasts: readonly CurrentForecast[], stores: readonly StoreState[], warehouses: readonly string[], setting: ReplenishmentSetting, supply: Supply | undefined, result: PlanResult, add: (location_id: string, line: PlannedLine) => void): void {
  const avail = (location_id: string) => input.available.get(key(variant_id, location_id)) ?? 0;
  const ordered = (location_id: string) => input.on_order.get(key(variant_id, location_id)) ?? 0;
  const destination = [...warehouses].sort((a, b) => avail(b) - avail(a) || (a < b ? -1 : 1))[0]!;
  const horizon = Math.max(...forecasts.map((f) => f.mean.length));
  const mean = Array.from({ length: horizon }, (_, i) => forecasts.reduce((s, f) => s + (f.mean[Math.min(i, f.mean.length - 1)] ?? 0), 0));
  const sigma = Math.sqrt(forecasts.reduce((s, f) => s + f.sigma * f.sigma, 0));
  const available = warehouses.reduce((s, w) => s + avail(w), 0) + stores.reduce((s, st) => s + st.available, 0);
  const on_order = warehouses.reduce((s, w) => s + ordered(w), 0) + stores.reduce((s, st) => s + st.on_order, 0);
  if (supply === undefined) {
    const policy = locationPolicy(mean, sigma, 0, setting);
    if (available + on_order <= policy.reorder_point) result.skipped.push({ variant_id, location_id: destination, why: 'the network is short, but no active supplier supplies this variant' });
    return;
  }
  const policy = locationPolicy(mean, sigma, supply.lead_time_days, setting);
  const quantity = orderQuantity(policy, available + on_order, supply);
  if (quantity > 0) add(destination, { variant_id, quantity, why: whyOf(policy, available, on_order, setting, supply.lead_time_days) });
}
