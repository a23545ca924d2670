/**
 * The replenishment demo on the first start, after the forecast run: demo-mart gets two
 * suppliers (a fresh dairy and bakery that delivers next day, a grocery wholesaler with a week's
 * lead time and big packs) with items for the forecast demo's range, service levels and shelf
 * lives per product, then a plan. The first start shows open suggestions: transfers from
 * WH-PUDONG to the stores running short and purchase orders for what the network lacks (the
 * sourdough, which the warehouse does not hold). The demo approves nothing: the user does.
 */
import type { Logger } from 'pino';
import type { DemoCredentials, ModuleContext } from '../kernel/module.js';
import { demoHttp } from '../modules/recs/index.js';

type App = { request(input: string, init: RequestInit): Response | Promise<Response> };

interface DemoItem {
  sku: string;
  lead_time_days?: number;
  min_order: number;
  pack_size: number;
  unit_cost_minor: number;
}

const demo_suppliers: readonly { name: string; email: string; lead_time_days: number; items: readonly DemoItem[] }[] = [
  {
    name: 'Bright Dairy & Bakery (Shanghai)',
    email: 'orders@bright-dairy.example',
    lead_time_days: 1,
    items: [
      { sku: 'MILK-1L', min_order: 24, pack_size: 12, unit_cost_minor: 780 },
      { sku: 'EGGS-10', min_order: 20, pack_size: 10, unit_cost_minor: 950 },
      { sku: 'BREAD-SOUR', min_order: 12, pack_size: 6, unit_cost_minor: 900 },
      { sku: 'STRAW-500', lead_time_days: 2, min_order: 16, pack_size: 8, unit_cost_minor: 1_750 },
    ],
  },
  {
    name: 'East China Grocery Wholesale',
    email: 'sales@ec-grocery.example',
    lead_time_days: 5,
    items: [
      { sku: 'RICE-5KG', min_order: 8, pack_size: 4, unit_cost_minor: 3_900 },
      { sku: 'NOODLE-5', min_order: 48, pack_size: 24, unit_cost_minor: 820 },
      { sku: 'WATER-550', min_order: 240, pack_size: 24, unit_cost_minor: 90 },
      { sku: 'MC-LOTUS', lead_time_days: 14, min_order: 12, pack_size: 6, unit_cost_minor: 6_200 },
    ],
  },
];

/** Service levels (what a planner would choose: staples the shop must never lack at 98 %) and shelf lives. */
const demo_settings: Record<string, { service_level: number; shelf_life_days?: number }> = {
  'MILK-1L': { service_level: 0.98, shelf_life_days: 7 },
  'EGGS-10': { service_level: 0.98, shelf_life_days: 21 },
  'BREAD-SOUR': { service_level: 0.95, shelf_life_days: 2 },
  'STRAW-500': { service_level: 0.9, shelf_life_days: 4 },
  'WATER-550': { service_level: 0.98 },
  'MC-LOTUS': { service_level: 0.8 },
};

/** The demo shop's range is a few hundred products at most. */
const demo_product_pages_max = 20;

export interface ReplenishmentDemo {
  suppliers: number;
  items: number;
  plan: { suggestions: number; transfers: number; purchase_orders: number } | undefined;
}

export async function seedReplenishmentDemo(app: App, credentials: DemoCredentials, logger: Logger): Promise<ReplenishmentDemo> {
  const out: ReplenishmentDemo = { suppliers: 0, items: 0, plan: undefined };
  const mart = credentials.merchants.find((m) => m.handle === 'demo-mart');
  if (mart === undefined) return out;
  const http = demoHttp(app);
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => http<T>(method, path, { key: mart.secret_key, body });
  const variantOf = new Map<string, string>();
  let cursor: string | null = null;
  for (let page = 0; page < demo_product_pages_max; page++) {
    const products: { body: { data: { variants: { id: string; sku: string }[] }[]; next_cursor: string | null } } = await call('GET', `/v1/products?limit=100${cursor === null ? '' : `&cursor=${cursor}`}`);
    for (const v of products.body.data.flatMap((p) => p.variants)) variantOf.set(v.sku, v.id);
    cursor = products.body.next_cursor;
    if (cursor === null) break;
  }
  for (const supplier of demo_suppliers) {
    const made = await call<{ id: string }>('POST', '/v1/suppliers', { name: supplier.name, email: supplier.email, currency: 'CNY', lead_time_days: supplier.lead_time_days });
    if (made.status !== 201) {
      logger.warn({ supplier: supplier.name, status: made.status, problem: made.body }, 'replenishment demo: a supplier could not be added');
      continue;
    }
    out.suppliers++;
    for (const { sku, ...item } of supplier.items) {
      const variant_id = variantOf.get(sku);
      if (variant_id === undefined) continue;
      const put = await call('PUT', `/v1/suppliers/${made.body.id}/items/${variant_id}`, item);
      if (put.status === 200) out.items++;
      else logger.warn({ sku, status: put.status, problem: put.body }, 'replenishment demo: a supplier item could not be set');
    }
  }
  for (const [sku, setting] of Object.entries(demo_settings)) {
    const variant_id = variantOf.get(sku);
    if (variant_id === undefined) continue;
    const put = await call('PUT', `/v1/replenishment/settings/${variant_id}`, setting);
    if (put.status !== 200) logger.warn({ sku, status: put.status, problem: put.body }, 'replenishment demo: a setting could not be saved');
  }
  const plan = await call<{ suggestions: number; transfers: number; purchase_orders: number }>('POST', '/v1/replenishment/plan', {});
  if (plan.status === 200) out.plan = { suggestions: plan.body.suggestions, transfers: plan.body.transfers, purchase_orders: plan.body.purchase_orders };
  else logger.warn({ status: plan.status, problem: plan.body }, 'replenishment demo: the plan failed');
  return out;
}

export async function runReplenishmentDemo(app: App, _ctx: ModuleContext, credentials: DemoCredentials, logger: Logger): Promise<void> {
  try {
    const demo = await seedReplenishmentDemo(app, credentials, logger);
    logger.info(demo, 'ran the replenishment demo');
  } catch (e) {
    logger.warn({ err: e }, 'replenishment demo: stopped');
  }
}
