import type { AnyDb } from '../../kernel/db.js';
import { localDay } from '../../kernel/time-zone.js';
import { variantLabels } from '../catalog/index.js';
import { snapshotStages, stageCounts, type Stage } from '../databank/index.js';
import { lowStockLevels } from '../inventory/index.js';
import { listLocations } from '../locations/index.js';
import { countOrdersByStatus, dailySales, orderStatuses, topProducts, type OrderStatus, type SalesDay, type TopProduct } from '../orders/index.js';

/**
 * The merchant's overview: how sales go, what waits for action, who the consumers are and what
 * runs out. Each part comes from the module that owns the data, each computed in PostgreSQL;
 * they run side by side.
 */
export const overview_days = 30;
export const top_products_shown = 5;
export const low_stock_shown = 10;
const locations_max = 1_000;

export interface SalesTotal {
  orders: number;
  gross_minor: bigint;
  refunded_minor: bigint;
}

export interface LowStockAlert {
  variant_id: string;
  sku: string | null;
  title: string | null;
  location_id: string;
  location_name: string | null;
  on_hand: bigint;
  available: bigint;
  low_stock_threshold: number;
}

export interface Overview {
  currency: string;
  time_zone: string;
  sales: { today: SalesTotal; last_7_days: SalesTotal; last_30_days: SalesTotal; daily: SalesDay[] };
  orders_by_status: Record<OrderStatus, number>;
  top_products: TopProduct[];
  /** Null when the caller may not read consumers. */
  lifecycle: { day: string; counts: Record<Stage, number> } | null;
  /** Null when the caller may not read stock. */
  low_stock: LowStockAlert[] | null;
}

export interface OverviewRequest {
  merchant_id: string;
  currency: string;
  time_zone: string;
  include_lifecycle: boolean;
  include_stock: boolean;
}

function total(days: readonly SalesDay[]): SalesTotal {
  return days.reduce((t, d) => ({ orders: t.orders + d.orders, gross_minor: t.gross_minor + d.gross_minor, refunded_minor: t.refunded_minor + d.refunded_minor }), { orders: 0, gross_minor: 0n, refunded_minor: 0n });
}

export async function merchantOverview(db: AnyDb, request: OverviewRequest): Promise<Overview> {
  const { merchant_id, currency, time_zone } = request;
  const [daily, byStatus, top, lifecycle, lowStock] = await Promise.all([
    dailySales(db, merchant_id, currency, time_zone, overview_days),
    countOrdersByStatus(db, merchant_id),
    topProducts(db, merchant_id, currency, overview_days, top_products_shown),
    request.include_lifecycle ? lifecycleToday(db, merchant_id, time_zone) : Promise.resolve(null),
    request.include_stock ? lowStockAlerts(db, merchant_id) : Promise.resolve(null),
  ]);
  const orders_by_status = Object.fromEntries(orderStatuses.map((s) => [s, byStatus[s] ?? 0])) as Record<OrderStatus, number>;
  return {
    currency,
    time_zone,
    sales: { today: total(daily.slice(-1)), last_7_days: total(daily.slice(-7)), last_30_days: total(daily), daily },
    orders_by_status,
    top_products: top,
    lifecycle,
    low_stock: lowStock,
  };
}

/** Today's A-I-P-L counts: as recorded today, or worked out now if today is not recorded yet. */
async function lifecycleToday(db: AnyDb, merchant_id: string, time_zone: string): Promise<{ day: string; counts: Record<Stage, number> }> {
  const day = localDay(new Date(), time_zone);
  const recorded = await stageCounts(db, merchant_id, day);
  const anyRecorded = Object.values(recorded).some((n) => n > 0);
  return { day, counts: anyRecorded ? recorded : await snapshotStages(db, merchant_id, day, undefined, time_zone) };
}

async function lowStockAlerts(db: AnyDb, merchant_id: string): Promise<LowStockAlert[]> {
  const levels = await lowStockLevels(db, merchant_id, low_stock_shown);
  if (levels.length === 0) return [];
  const [labels, locations] = await Promise.all([variantLabels(db, merchant_id, levels.map((l) => l.variant_id)), listLocations(db, merchant_id, { limit: locations_max })]);
  const locationName = new Map(locations.map((l) => [l.id, l.name]));
  return levels.map((l) => {
    const label = labels.get(l.variant_id);
    return {
      variant_id: l.variant_id,
      sku: label?.sku ?? null,
      title: label?.display_title ?? null,
      location_id: l.location_id,
      location_name: locationName.get(l.location_id) ?? null,
      on_hand: l.on_hand,
      available: l.available,
      low_stock_threshold: l.low_stock_threshold,
    };
  });
}
