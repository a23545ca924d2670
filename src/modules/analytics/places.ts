import type { AnyDb } from '../../kernel/db.js';
import { canonicalTimeZone, localDay } from '../../kernel/time-zone.js';
import { visitsByPlace, type PlaceVisits } from '../databank/index.js';
import { listLocations, type LocationKind } from '../locations/index.js';
import { getMerchant } from '../merchants/index.js';
import { lastSaleAt, salesByPlace, type PlaceSales } from '../orders/index.js';

/**
 * Stores compared, and channels: sales, orders, visits and conversion per location and per
 * channel over a period, each store's days counted in its own time zone, with the chain's total,
 * each store's share and rank, and the change against the period before. Definitions:
 * docs/ANALYTICS.md.
 */
export const locations_max = 1_000;
export const channels_max = 100;
export const period_days_max = 366;

/** `today`, the last 7 or 30 days (today included), or explicit local days. */
export type Period = { kind: 'today' | '7d' | '30d' } | { kind: 'range'; from: string; to: string };

export interface CurrencySales {
  currency: string;
  orders: number;
  gross_minor: bigint;
  refunded_minor: bigint;
}

export interface Figures {
  orders: number;
  /** Per currency, the main currency first. */
  sales: CurrencySales[];
  /** Null where no visits can be known (a partner's storefront). */
  visits: number | null;
}

export interface PlaceReport {
  time_zone: string;
  today: string;
  first_day: string;
  last_day: string;
  current: Figures;
  previous: Figures;
  last_sale_at: Date | null;
  /** Of the chain's net sales in the main currency, 0 to 1; null when the chain sold nothing. */
  share: number | null;
  rank: number;
}

export interface StoreReport extends PlaceReport {
  location_id: string;
  code: string;
  name: string;
  kind: LocationKind;
  active: boolean;
}

export interface ChannelReport extends PlaceReport {
  channel_merchant_id: string;
  name: string;
  handle: string | null;
  /** The merchant's own storefront, rather than a partner's shelf (distribution). */
  own: boolean;
}

export interface PlacesReport {
  currency: string;
  time_zone: string;
  period: Period['kind'];
  stores: StoreReport[];
  channels: ChannelReport[];
  /** The sum of the stores' figures (each in its own days); visits add online visits. */
  total: { current: Figures; previous: Figures; last_sale_at: Date | null };
}

const ms_per_day = 86_400_000;
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * ms_per_day).toISOString().slice(0, 10);
export const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / ms_per_day) + 1;

/** A period's local days in one time zone, and the first day of the period of the same length before it. */
export function windowIn(period: Period, time_zone: string, now: Date): { today: string; first_day: string; last_day: string; previous_first_day: string } {
  const today = localDay(now, time_zone);
  const [first_day, last_day] = period.kind === 'range' ? [period.from, period.to] : [addDays(today, period.kind === 'today' ? 0 : period.kind === '7d' ? -6 : -29), today];
  return { today, first_day, last_day, previous_first_day: addDays(first_day, -daysBetween(first_day, last_day)) };
}

const emptyFigures = (visits: number | null): Figures => ({ orders: 0, sales: [], visits });

function figuresOf(sales: readonly PlaceSales[], visits: readonly PlaceVisits[] | null, key: string, period: 'current' | 'previous', currency: string): Figures {
  const mine = sales.filter((s) => s.key === key && s.period === period);
  const byCurrency = mine.map((s) => ({ currency: s.currency, orders: s.orders, gross_minor: s.gross_minor, refunded_minor: s.refunded_minor }));
  byCurrency.sort((a, b) => (a.currency === currency ? -1 : b.currency === currency ? 1 : a.currency.localeCompare(b.currency)));
  const visitCount = visits === null ? null : (visits.find((v) => v.key === key && v.period === period)?.visits ?? 0);
  return { orders: mine.reduce((n, s) => n + s.orders, 0), sales: byCurrency, visits: visitCount };
}

export const netIn = (f: Figures, currency: string): bigint => {
  const s = f.sales.find((x) => x.currency === currency);
  return s === undefined ? 0n : s.gross_minor - s.refunded_minor;
};

/** Shares of the main currency's net sales and ranks (1 = most sold; ties by orders). */
function rankAndShare<T extends { current: Figures; share: number | null; rank: number }>(rows: T[], currency: string): T[] {
  const total = rows.reduce((n, r) => n + netIn(r.current, currency), 0n);
  const order = [...rows].sort((a, b) => {
    const d = netIn(b.current, currency) - netIn(a.current, currency);
    return d !== 0n ? (d > 0n ? 1 : -1) : b.current.orders - a.current.orders;
  });
  order.forEach((r, i) => {
    r.rank = i + 1;
    r.share = total > 0n ? Number((netIn(r.current, currency) * 1_000_000n) / total) / 1_000_000 : null;
  });
  return rows;
}

export function addFigures(a: Figures, b: Figures): Figures {
  const sales = new Map(a.sales.map((s) => [s.currency, { ...s }]));
  for (const s of b.sales) {
    const t = sales.get(s.currency);
    if (t === undefined) sales.set(s.currency, { ...s });
    else sales.set(s.currency, { currency: s.currency, orders: t.orders + s.orders, gross_minor: t.gross_minor + s.gross_minor, refunded_minor: t.refunded_minor + s.refunded_minor });
  }
  return { orders: a.orders + b.orders, sales: [...sales.values()], visits: a.visits === null && b.visits === null ? null : (a.visits ?? 0) + (b.visits ?? 0) };
}

const latest = (dates: readonly (Date | null)[]): Date | null => dates.reduce<Date | null>((m, d) => (d !== null && (m === null || d > m) ? d : m), null);

export async function placesReport(db: AnyDb, request: { merchant_id: string; currency: string; time_zone: string; period: Period; include_visits: boolean; now?: Date }): Promise<PlacesReport> {
  const { merchant_id, currency, time_zone, period } = request;
  const now = request.now ?? new Date();
  const locations = await listLocations(db, merchant_id, { limit: locations_max });
  // A zone stored before zones were checked (an offset, say) gives way to the merchant's; `bos check` names it.
  const zoneOf = (l: (typeof locations)[number]) => canonicalTimeZone(l.timezone) ?? time_zone;
  const storeWindows = locations.map((l) => ({ key: l.id, time_zone: zoneOf(l), ...windowIn(period, zoneOf(l), now) }));
  const chainWindow = { key: merchant_id, time_zone, ...windowIn(period, time_zone, now) };
  const [storeSales, channelSales, storeVisits, onlineVisits, lastSale] = await Promise.all([
    salesByPlace(db, merchant_id, 'location', storeWindows),
    salesByPlace(db, merchant_id, 'channel', [chainWindow]),
    request.include_visits ? visitsByPlace(db, merchant_id, storeWindows) : Promise.resolve(null),
    request.include_visits ? visitsByPlace(db, merchant_id, [chainWindow], true) : Promise.resolve(null),
    lastSaleAt(db, merchant_id),
  ]);
  const lastAt = (rows: readonly PlaceSales[], key: string) => latest(rows.filter((s) => s.key === key).map((s) => s.last_sale_at));
  const stores: StoreReport[] = locations.map((l, i) => {
    const w = storeWindows[i]!;
    return {
      location_id: l.id, code: l.code, name: l.name, kind: l.kind, active: l.active,
      time_zone: w.time_zone, today: w.today, first_day: w.first_day, last_day: w.last_day,
      current: figuresOf(storeSales, storeVisits, l.id, 'current', currency),
      previous: figuresOf(storeSales, storeVisits, l.id, 'previous', currency),
      last_sale_at: lastAt(storeSales, l.id),
      share: null, rank: 0,
    };
  });
  const online = (p: 'current' | 'previous'): Figures => emptyFigures(onlineVisits === null ? null : (onlineVisits.find((v) => v.period === p)?.visits ?? 0));
  const sum = (p: 'current' | 'previous') => stores.reduce((t, s) => addFigures(t, p === 'current' ? s.current : s.previous), online(p));
  const total = { current: sum('current'), previous: sum('previous') };
  // Every order of the merchant's own storefront was won online or in one of its stores, so that
  // channel's visits are all of them: online and in every store.
  const ownVisits: PlaceVisits[] | null = onlineVisits === null ? null : (['current', 'previous'] as const).map((p) => ({ key: merchant_id, period: p, visits: total[p].visits ?? 0 }));
  const channels = await channelReports(db, merchant_id, currency, chainWindow, channelSales, ownVisits);
  return {
    currency, time_zone, period: period.kind,
    stores: rankAndShare(stores, currency),
    channels: rankAndShare(channels, currency),
    total: { ...total, last_sale_at: lastSale },
  };
}

async function channelReports(
  db: AnyDb, merchant_id: string, currency: string,
  w: ReturnType<typeof windowIn> & { key: string; time_zone: string },
  sales: readonly PlaceSales[], ownVisits: readonly PlaceVisits[] | null,
): Promise<ChannelReport[]> {
  // The merchant's own storefront is always listed, sold or not; partners' when they sold.
  const keys = [...new Set([merchant_id, ...sales.map((s) => s.key)])].slice(0, channels_max);
  const merchants = await Promise.all(keys.map((k) => getMerchant(db, k)));
  return keys.map((key, i) => {
    const m = merchants[i];
    // A partner's shelf reports no visits to us.
    const visits = key === merchant_id ? ownVisits : null;
    return {
      channel_merchant_id: key, name: m?.name ?? key, handle: m?.handle ?? null, own: key === merchant_id,
      time_zone: w.time_zone, today: w.today, first_day: w.first_day, last_day: w.last_day,
      current: figuresOf(sales, visits, key, 'current', currency),
      previous: figuresOf(sales, visits, key, 'previous', currency),
      last_sale_at: latest(sales.filter((s) => s.key === key).map((s) => s.last_sale_at)),
      share: null, rank: 0,
    };
  });
}
