import type { AnyDb } from '../../kernel/db.js';
import { canonicalTimeZone, localDay } from '../../kernel/time-zone.js';
import { visitorsByHourAt, visitsByPlace } from '../databank/index.js';
import { listLocations, type Location } from '../locations/index.js';
import { ordersByHourAt, salesByPlace, topProductsAt, type PlaceSales, type StoreTopProduct } from '../orders/index.js';
import { requireStore } from './store-page.js';

/**
 * A store's figures over its last `days` local days (today included, in the store's time zone):
 * visits (the data bank's, as in the stores report), orders and sales, the average basket,
 * conversion (orders ÷ visits), best sellers and traffic by hour of day, with the same headline
 * figures for each of the chain's stores beside it. Every figure is one aggregate in PostgreSQL
 * (`orders.salesByPlace`, `databank.visitsByPlace` over all stores at once, `orders.topProductsAt`,
 * `orders.ordersByHourAt`, `databank.visitorsByHourAt`), run side by side.
 */
export const figures_days_min = 7;
export const figures_days_max = 90;
export const top_products_at_store = 10;
const stores_compared_max = 1_000;

export interface Headline {
  location_id: string;
  code: string;
  name: string;
  first_day: string;
  last_day: string;
  /** Null where the caller may not read the data bank. */
  visits: number | null;
  orders: number;
  gross_minor: bigint;
  refunded_minor: bigint;
  /** Gross ÷ orders in the currency, rounded down; 0 without orders. */
  average_basket_minor: bigint;
  /** Orders ÷ visits, 0 to 1 (more where orders came without a visit on record); null without visits. */
  conversion: number | null;
}

export interface StoreFigures {
  currency: string;
  days: number;
  time_zone: string;
  store: Headline;
  top_products: StoreTopProduct[];
  /** 24 rows, hour 0 to 23 in the store's time zone. */
  by_hour: { hour: number; visitors: number | null; orders: number }[];
  /** Every active store of the chain, this one included, most net sales first. */
  chain: (Headline & { this_store: boolean; rank: number })[];
}

const ms_per_day = 86_400_000;
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * ms_per_day).toISOString().slice(0, 10);

function windowOf(l: Location, days: number, now: Date) {
  const time_zone = canonicalTimeZone(l.timezone) ?? 'UTC';
  const last_day = localDay(now, time_zone);
  const first_day = addDays(last_day, -(days - 1));
  return { key: l.id, location_id: l.id, time_zone, first_day, last_day, previous_first_day: addDays(first_day, -days) };
}

function headline(l: Location, w: ReturnType<typeof windowOf>, sales: readonly PlaceSales[], visits: number | null, currency: string): Headline {
  const mine = sales.filter((s) => s.key === l.id && s.period === 'current');
  const inCurrency = mine.find((s) => s.currency === currency);
  const orders = mine.reduce((n, s) => n + s.orders, 0);
  const gross = inCurrency?.gross_minor ?? 0n;
  const currencyOrders = inCurrency?.orders ?? 0;
  return {
    location_id: l.id,
    code: l.code,
    name: l.name,
    first_day: w.first_day,
    last_day: w.last_day,
    visits,
    orders,
    gross_minor: gross,
    refunded_minor: inCurrency?.refunded_minor ?? 0n,
    average_basket_minor: currencyOrders === 0 ? 0n : gross / BigInt(currencyOrders),
    conversion: visits === null || visits === 0 ? null : Math.round((orders / visits) * 10_000) / 10_000,
  };
}

export async function storeFigures(db: AnyDb, merchant_id: string, request: { location_id: string; days: number; currency: string; include_visits: boolean }, now = new Date()): Promise<StoreFigures> {
  const store = await requireStore(db, merchant_id, request.location_id);
  const all = (await listLocations(db, merchant_id, { kind: 'store', limit: stores_compared_max })).filter((l) => l.active);
  const windows = all.map((l) => windowOf(l, request.days, now));
  const w = windowOf(store, request.days, now);
  const [sales, visits, top, ordersByHour, visitorsByHour] = await Promise.all([
    salesByPlace(db, merchant_id, 'location', windows),
    request.include_visits ? visitsByPlace(db, merchant_id, windows) : Promise.resolve(null),
    topProductsAt(db, merchant_id, w, request.currency, top_products_at_store),
    ordersByHourAt(db, merchant_id, w),
    request.include_visits ? visitorsByHourAt(db, merchant_id, w) : Promise.resolve(null),
  ]);
  const visitsOf = (id: string) => (visits === null ? null : (visits.find((v) => v.key === id && v.period === 'current')?.visits ?? 0));
  const net = (h: Headline) => h.gross_minor - h.refunded_minor;
  const chain = all
    .map((l, i) => ({ ...headline(l, windows[i]!, sales, visitsOf(l.id), request.currency), this_store: l.id === store.id, rank: 0 }))
    .sort((a, b) => (net(b) > net(a) ? 1 : net(b) < net(a) ? -1 : b.orders - a.orders || a.location_id.localeCompare(b.location_id)));
  chain.forEach((h, i) => (h.rank = i + 1));
  return {
    currency: request.currency,
    days: request.days,
    time_zone: w.time_zone,
    store: headline(store, w, sales, visitsOf(store.id), request.currency),
    top_products: top,
    by_hour: Array.from({ length: 24 }, (_, hour) => ({
      hour,
      visitors: visitorsByHour === null ? null : (visitorsByHour.find((r) => r.hour === hour)?.visitors ?? 0),
      orders: ordersByHour.find((r) => r.hour === hour)?.orders ?? 0,
    })),
    chain,
  };
}
