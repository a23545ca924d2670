/**
 * The perishables demo on the first start (owner: perishables helper), after the forecast and
 * replenishment demos: demo-mart's fresh range has shelf lives (those the replenishment demo set,
 * and ours by SKU or title for the rest, through the replenishment settings route), People's Square takes in more strawberries (or milk) than its forecast sells before
 * they expire, and markdowns are computed, so the first start shows an open markdown and stock
 * health with expected waste.
 */
import type { DemoCredentials, ModuleContext } from '../kernel/module.js';
import type { Logger } from 'pino';

type App = { request(input: string, init: RequestInit): Response | Promise<Response> };

/** Shelf lives of the fresh range, matched on SKU or title (the forecast demo's catalog). */
export const demo_shelf_lives: readonly { match: RegExp; shelf_life_days: number }[] = [
  { match: /straw/i, shelf_life_days: 3 },
  { match: /milk/i, shelf_life_days: 7 },
  { match: /bread|toast|baguette|bun\b/i, shelf_life_days: 3 },
  { match: /yogh?urt/i, shelf_life_days: 14 },
  { match: /salad|lettuce|spinach|greens/i, shelf_life_days: 4 },
  { match: /banana|berr(y|ies)|grape/i, shelf_life_days: 5 },
  { match: /tofu/i, shelf_life_days: 5 },
  { match: /egg/i, shelf_life_days: 21 },
];
/** The store that is overstocked, and what it is overstocked with (the first found). */
const overstocked_store = 'ST-PEOPLES-SQ';
const overstocked_items = [/straw/i, /milk/i];
const product_pages_max = 10;

interface Call<T> {
  status: number;
  /** The platform's own answer; read only after its status says it is the answer. */
  body: T | null;
}
type Page<T> = { data: T[]; next_cursor: string | null };
type Health = { stores: { totals: { expected_waste_units: number }; items: { variant_id: string; daily_demand: number | null }[] }[] };

export async function runPerishablesDemo(app: App, _ctx: ModuleContext, credentials: DemoCredentials, logger: Logger): Promise<void> {
  const mart = credentials.merchants.find((m) => m.handle === 'demo-mart');
  if (mart === undefined) return;
  const call = async <T = unknown>(method: string, path: string, body?: unknown): Promise<Call<T>> => {
    const res = await app.request(path, { method, headers: { authorization: `Bearer ${mart.secret_key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: res.headers.get('content-type')?.includes('json') === true ? ((await res.json()) as T) : null };
  };

  const fresh: { variant_id: string; label: string; shelf_life_days: number }[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < product_pages_max; page++) {
    const res: Call<Page<{ title: string; variants: { id: string; sku: string }[] }>> = await call<Page<{ title: string; variants: { id: string; sku: string }[] }>>('GET', `/v1/products?limit=100${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    if (res.status !== 200 || res.body === null) break;
    for (const p of res.body.data) {
      for (const v of p.variants) {
        const label = `${v.sku} ${p.title}`;
        const rule = demo_shelf_lives.find((r) => r.match.test(label));
        if (rule !== undefined) fresh.push({ variant_id: v.id, label, shelf_life_days: rule.shelf_life_days });
      }
    }
    cursor = res.body.next_cursor;
    if (cursor === null) break;
  }
  if (fresh.length === 0) return logger.warn('perishables demo: demo-mart has no fresh products to give a shelf life');

  // The replenishment demo sets the range it plans (shelf lives included): keep what it set, fill in only what has no shelf life.
  const existing = new Map<string, { service_level: number; review_days: number; shelf_life_days: number | null }>();
  let after: string | null = null;
  for (let page = 0; page < product_pages_max; page++) {
    const res: Call<Page<{ variant_id: string; service_level: number; review_days: number; shelf_life_days: number | null }>> = await call('GET', `/v1/replenishment/settings?limit=100${after === null ? '' : `&cursor=${encodeURIComponent(after)}`}`);
    if (res.status !== 200 || res.body === null) break;
    for (const s of res.body.data) existing.set(s.variant_id, s);
    after = res.body.next_cursor;
    if (after === null) break;
  }
  for (const item of fresh) {
    const kept = existing.get(item.variant_id);
    if (kept?.shelf_life_days != null) {
      item.shelf_life_days = kept.shelf_life_days;
      continue;
    }
    const set = await call('PUT', `/v1/replenishment/settings/${item.variant_id}`, { service_level: kept?.service_level ?? 0.95, review_days: kept?.review_days ?? 1, shelf_life_days: item.shelf_life_days });
    if (set.status >= 300) return logger.warn({ status: set.status, problem: set.body }, 'perishables demo: could not set a shelf life');
  }

  const locations = await call<Page<{ id: string; code: string }>>('GET', '/v1/locations?limit=100');
  const store = locations.body?.data.find((l) => l.code === overstocked_store);
  const overstock = overstocked_items.map((re) => fresh.find((f) => re.test(f.label))).find((f) => f !== undefined);
  if (store !== undefined && overstock !== undefined) {
    // Twice what the forecast sells within the shelf life, and at least 40 units: a delivery misjudged.
    const health = await call<Health>('GET', `/v1/replenishment/health?location_id=${store.id}&limit=1000`);
    const item = health.body?.stores[0]?.items.find((i) => i.variant_id === overstock.variant_id);
    const quantity = Math.max(40, Math.ceil((item?.daily_demand ?? 0) * overstock.shelf_life_days * 2));
    const received = await call('POST', '/v1/stock/receipts', { variant_id: overstock.variant_id, location_id: store.id, quantity, note: 'demo: a delivery larger than the store sells before it expires' });
    if (received.status >= 300) logger.warn({ status: received.status, problem: received.body }, 'perishables demo: could not receive the overstock');
  }

  const computed = await call<{ open: number }>('POST', '/v1/replenishment/markdowns/compute', {});
  const waste = await call<Health>('GET', '/v1/replenishment/health');
  const expected_waste_units = (waste.body?.stores ?? []).reduce((s, st) => s + st.totals.expected_waste_units, 0);
  logger.info({ perishables: fresh.length, markdowns_open: computed.body?.open ?? null, expected_waste_units }, 'ran the perishables demo');
}
