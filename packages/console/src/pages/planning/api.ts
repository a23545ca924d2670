import { bos, idempotencyKey, OpenBosError, unwrap, type Schemas } from '../../api';

/**
 * The planning pages' reads and actions: demand forecasts (docs/FORECAST.md), replenishment and
 * stock health (docs/REPLENISHMENT.md) and the product-insight report (docs/INSIGHT.md). The
 * shapes below are those documents' contracts.
 */

type Answer = Promise<{ data?: unknown; error?: unknown; response: Response }>;
interface Init {
  params?: { path?: Record<string, string>; query?: Record<string, string | number | undefined> };
  body?: unknown;
  headers?: Record<string, string>;
}
/** The SDK's client by plain path: these routes are typed below from their contracts. */
const client = bos as unknown as { GET: (path: string, init?: Init) => Answer; POST: (path: string, init?: Init) => Answer };

async function call<T>(answer: Answer): Promise<T> {
  const { data, error, response } = await answer;
  if (!response.ok || data === undefined) throw new OpenBosError(response.status, isProblem(error) ? error : undefined);
  return data as T;
}

function isProblem(value: unknown): value is Schemas['Problem'] {
  return typeof value === 'object' && value !== null && 'code' in value && 'status' in value;
}

function query(values: Record<string, string | number | undefined>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== ''));
}

export interface Page<T> {
  data: T[];
  next_cursor?: string | null;
}

export interface Interval {
  mean: number;
  lower: number;
  upper: number;
}

export const demandClasses = ['smooth', 'erratic', 'intermittent', 'lumpy'] as const;
export type DemandClass = (typeof demandClasses)[number];

export interface ForecastRun {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  progress: number;
  /** What the run is doing: `reading`, `forecasting`, `swap`, `done`. */
  stage?: string;
  series: number;
  done: number;
  by_class: Record<string, number>;
  by_model: Record<string, number>;
  fallbacks: number;
  horizon_days: number;
  level: number;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  created_at?: string;
}

export interface SeriesRow {
  variant_id: string;
  sku: string;
  title: string;
  location_id: string;
  location_name: string;
  class: string;
  model: string;
  /** The second model when the forecast is the average of two, else null. */
  combined_with: string | null;
  fallback: string | null;
  next_7_days: Interval;
}

export interface SeriesDetail {
  variant_id: string;
  location_id: string;
  class: string;
  model: string;
  /** The second model when the forecast is the average of two, else null. */
  combined_with: string | null;
  fallback: string | null;
  level: number;
  backtest: Record<string, number>;
  history: { date: string; units: number; censored: boolean }[];
  forecast: ({ date: string } & Interval)[];
}

export interface Summary {
  period: { start: string; end: string };
  level: number;
  stores: ({ location_id: string; name: string; region: string | null } & Interval)[];
  regions: ({ region: string | null } & Interval)[];
  chain: Interval;
}

export interface Why {
  available: number;
  on_order: number;
  reorder_point: number;
  order_up_to: number;
  safety_stock: number;
  lead_time_demand: number;
  service_level: number;
  lead_time_days: number;
}

export interface SuggestionLine {
  variant_id: string;
  sku: string | null;
  title: string | null;
  quantity: number;
  /** What the plan suggested, before any edit. */
  suggested_quantity?: number;
  why: Why;
}

/** A line's product as people read it: its title, else its SKU. */
export const lineName = (line: { variant_id: string; sku: string | null; title?: string | null }) => line.title ?? line.sku ?? line.variant_id;

export interface Suggestion {
  id: string;
  kind: 'purchase_order' | 'transfer';
  status: 'open' | 'approved' | 'rejected';
  supplier_id: string | null;
  supplier_name: string | null;
  from_location_id: string | null;
  to_location_id: string;
  lines: SuggestionLine[];
  reason?: string | null;
  created_at: string;
  decided_at: string | null;
  purchase_order_id: string | null;
  transfer_ids: string[] | null;
}

export interface PurchaseOrder {
  id: string;
  supplier_id: string;
  location_id: string;
  status: 'approved' | 'partially_received' | 'received' | 'cancelled';
  lines: { variant_id: string; sku: string | null; title?: string | null; quantity: number; received_quantity: number; unit_cost_minor: number }[];
  expected_at: string | null;
  created_at: string;
  currency?: string;
  total_minor?: number;
}

export interface Supplier {
  id: string;
  name: string;
  email?: string | null;
  currency: string;
  lead_time_days: number;
  status: 'active' | 'archived';
}

export interface PlanAnswer {
  suggestions: number;
  purchase_orders: number;
  transfers: number;
  skipped: { variant_id: string; location_id: string; why: string }[];
}

export interface HealthItem {
  variant_id: string;
  sku: string;
  title: string;
  available: number;
  shelf_life_days?: number | null;
  /** Null without a forecast. */
  daily_demand: number | null;
  days_of_cover: number | null;
  stockout_date: string | null;
  expected_stockout_units: number | null;
  expiring_units: number;
  expected_waste_units: number | null;
}

export interface StoreHealth {
  location_id: string;
  name: string;
  items: HealthItem[];
  totals: { items: number; at_risk_of_stockout: number; expected_waste_units: number; days_of_cover_median: number | null };
}

export interface Markdown {
  id: string;
  variant_id: string;
  location_id: string;
  sku: string;
  title: string;
  expiring_units: number;
  expires_on: string;
  expected_unsold_units: number;
  percent_off: number;
  status: string;
  promotion_id: string | null;
}

export interface Finding {
  kind: string;
  title: string;
  evidence: Record<string, unknown>;
  size: { demand: number; supply: number; ratio: number | null };
  score: number;
}

export interface InsightReport {
  merchant_id: string;
  generated_at: string;
  days: number;
  currency?: string;
  products?: number;
  truncated?: boolean;
  findings: Finding[];
}

export type Location = Schemas['Location'];

export const planKeys = {
  summary: ['forecast', 'summary'] as const,
  runs: ['forecast', 'runs'] as const,
  run: (id: string) => ['forecast', 'runs', id] as const,
  series: (location_id: string, cls: string) => ['forecast', 'series', location_id, cls] as const,
  detail: (variant_id: string, location_id: string) => ['forecast', 'detail', variant_id, location_id] as const,
  suggestions: (status: string) => ['replenishment', 'suggestions', status] as const,
  purchaseOrders: ['replenishment', 'purchase-orders'] as const,
  suppliers: ['replenishment', 'suppliers'] as const,
  health: ['replenishment', 'health'] as const,
  markdowns: ['replenishment', 'markdowns'] as const,
  insight: (days: number) => ['insight', 'report', days] as const,
  locations: ['locations', 'all'] as const,
};

// Forecasts
export const fetchSummary = () => call<Summary>(client.GET('/v1/forecast/summary', { params: { query: { granularity: 'week' } } }));
export const fetchRuns = async () => (await call<Page<ForecastRun>>(client.GET('/v1/forecast/runs', { params: { query: { limit: 5 } } }))).data;
export const fetchRun = (id: string) => call<ForecastRun>(client.GET(`/v1/forecast/runs/${encodeURIComponent(id)}`));
export const startRun = () => call<ForecastRun>(client.POST('/v1/forecast/runs', { headers: idempotencyKey(), body: {} }));
export const fetchSeries = (filter: { location_id?: string; class?: string; cursor?: string }) =>
  call<Page<SeriesRow>>(client.GET('/v1/forecast/series', { params: { query: query({ location_id: filter.location_id, class: filter.class, cursor: filter.cursor, limit: 50 }) } }));
export const fetchSeriesDetail = (variant_id: string, location_id: string) =>
  call<SeriesDetail>(client.GET(`/v1/forecast/series/${encodeURIComponent(variant_id)}/${encodeURIComponent(location_id)}`, { params: { query: { granularity: 'day' } } }));

// Replenishment
export const fetchSuggestions = async (status: string) => (await call<Page<Suggestion>>(client.GET('/v1/replenishment/suggestions', { params: { query: { status, limit: 100 } } }))).data;
export const plan = () => call<PlanAnswer>(client.POST('/v1/replenishment/plan', { headers: idempotencyKey(), body: {} }));
export const approveSuggestion = (id: string, lines?: { variant_id: string; quantity: number }[]) =>
  call<Suggestion>(client.POST(`/v1/replenishment/suggestions/${encodeURIComponent(id)}/approve`, { headers: idempotencyKey(), body: lines === undefined ? {} : { lines } }));
export const rejectSuggestion = (id: string, reason: string) =>
  call<Suggestion>(client.POST(`/v1/replenishment/suggestions/${encodeURIComponent(id)}/reject`, { headers: idempotencyKey(), body: reason.trim() === '' ? {} : { reason: reason.trim() } }));
export const fetchPurchaseOrders = async () => (await call<Page<PurchaseOrder>>(client.GET('/v1/purchase-orders', { params: { query: { limit: 100 } } }))).data;
export const receivePurchaseOrder = (id: string, lines?: { variant_id: string; quantity: number }[]) =>
  call<PurchaseOrder>(client.POST(`/v1/purchase-orders/${encodeURIComponent(id)}/receive`, { headers: idempotencyKey(), body: lines === undefined ? {} : { lines } }));
export const cancelPurchaseOrder = (id: string) => call<PurchaseOrder>(client.POST(`/v1/purchase-orders/${encodeURIComponent(id)}/cancel`, { headers: idempotencyKey(), body: {} }));
export const fetchSuppliers = async () => (await call<Page<Supplier>>(client.GET('/v1/suppliers', { params: { query: { limit: 100 } } }))).data;
export const createSupplier = (supplier: { name: string; email?: string; currency: string; lead_time_days: number }) =>
  call<Supplier>(client.POST('/v1/suppliers', { headers: idempotencyKey(), body: supplier }));

// Stock health and markdowns
export const fetchHealth = async () => {
  const answer = await call<StoreHealth[] | Page<StoreHealth> | { stores: StoreHealth[] }>(client.GET('/v1/replenishment/health'));
  return Array.isArray(answer) ? answer : 'stores' in answer ? answer.stores : answer.data;
};
export const fetchMarkdowns = async () => (await call<Page<Markdown>>(client.GET('/v1/replenishment/markdowns', { params: { query: { status: 'open', limit: 100 } } }))).data;
export const approveMarkdown = (id: string, percent_off?: number) =>
  call<Markdown>(client.POST(`/v1/replenishment/markdowns/${encodeURIComponent(id)}/approve`, { headers: idempotencyKey(), body: percent_off === undefined ? {} : { percent_off } }));
export const rejectMarkdown = (id: string) => call<Markdown>(client.POST(`/v1/replenishment/markdowns/${encodeURIComponent(id)}/reject`, { headers: idempotencyKey(), body: {} }));
export const computeMarkdowns = () => call<{ suggested: number; updated: number; withdrawn: number; open: number }>(client.POST('/v1/replenishment/markdowns/compute', { headers: idempotencyKey(), body: {} }));

// Product insight
export const fetchInsight = (days: number) => call<InsightReport>(client.GET('/v1/insight/report', { params: { query: { days } } }));
export const insightCsvUrl = (days: number) => `/v1/insight/report.csv?days=${days}`;

/** The merchant's locations, for names and filters. */
export const fetchLocations = async (): Promise<Location[]> => (await unwrap(bos.GET('/v1/locations', { params: { query: { limit: 100 } } }))).data;
