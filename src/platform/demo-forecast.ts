/**
 * The forecasting demo on the first start: demo-mart (the store chain: warehouse WH-PUDONG and
 * stores ST-PEOPLES-SQ, ST-XUJIAHUI, ST-LUJIAZUI) gets a fresh and packaged range, stock at the
 * warehouse and the stores, 20 weeks of daily sales per product and store imported as a chain
 * moving its POS history in would (weekly season with weekend peaks, a trend, intermittent items,
 * a few out-of-stock days), then a forecast run. All through the API in process, as the merchant
 * would call it. Then the replenishment, perishables and insight demos, which use the SKUs below.
 */
import type { Logger } from 'pino';
import type { DemoCredentials, ModuleContext } from '../kernel/module.js';
import { demoHttp } from '../modules/recs/index.js';
import { runInsightDemo } from './demo-insight.js';
import { runPerishablesDemo } from './demo-perishables.js';
import { runReplenishmentDemo } from './demo-replenishment.js';
import { mulberry32 } from '../kernel/random.js';

type App = { request(input: string, init: RequestInit): Response | Promise<Response> };

export interface DemoForecastProduct {
  sku: string;
  title: string;
  title_zh: string;
  category: 'dairy' | 'fruit' | 'bakery' | 'pantry' | 'drinks' | 'seasonal';
  price_minor: number;
  /** Sold and thrown away within days: the perishables demo gives these shelf lives and markdowns. */
  perishable: boolean;
  /** Units a day at an average store on an average weekday at the start of the history. */
  base_per_day: number;
  /** Growth over the 20 weeks (0.3: 30 % more at the end). */
  trend: number;
  /** Stock received now: at each store, and at the warehouse. */
  stock: { store: number; warehouse: number };
  /** Whether the demo creates it (false: the catalog seed's). */
  created: boolean;
}

/** demo-mart's range the forecast demo sells (the SKUs other demos use). */
export const demo_forecast_products: readonly DemoForecastProduct[] = [
  { sku: 'MILK-1L', title: 'Fresh milk 1L', title_zh: '鲜牛奶 1升', category: 'dairy', price_minor: 1_290, perishable: true, base_per_day: 14, trend: 0.1, stock: { store: 20, warehouse: 120 }, created: true },
  { sku: 'STRAW-500', title: 'Strawberries 500g', title_zh: '草莓 500克', category: 'fruit', price_minor: 2_990, perishable: true, base_per_day: 5, trend: 0.35, stock: { store: 6, warehouse: 40 }, created: true },
  { sku: 'BREAD-SOUR', title: 'Sourdough bread', title_zh: '酸面包', category: 'bakery', price_minor: 1_800, perishable: true, base_per_day: 7, trend: 0, stock: { store: 8, warehouse: 0 }, created: true },
  { sku: 'EGGS-10', title: 'Eggs, box of 10', title_zh: '鸡蛋 10枚装', category: 'dairy', price_minor: 1_590, perishable: true, base_per_day: 9, trend: 0.05, stock: { store: 30, warehouse: 150 }, created: true },
  { sku: 'RICE-5KG', title: 'Rice 5kg', title_zh: '大米 5公斤', category: 'pantry', price_minor: 5_900, perishable: false, base_per_day: 0.4, trend: 0, stock: { store: 6, warehouse: 60 }, created: true },
  { sku: 'NOODLE-5', title: 'Instant noodles, pack of 5', title_zh: '方便面 5包装', category: 'pantry', price_minor: 1_350, perishable: false, base_per_day: 6, trend: -0.1, stock: { store: 40, warehouse: 300 }, created: true },
  { sku: 'WATER-550', title: 'Spring water 550ml', title_zh: '矿泉水 550毫升', category: 'drinks', price_minor: 200, perishable: false, base_per_day: 30, trend: -0.2, stock: { store: 0, warehouse: 0 }, created: false },
  { sku: 'MC-LOTUS', title: 'Mooncake box, lotus seed paste', title_zh: '莲蓉月饼礼盒', category: 'seasonal', price_minor: 9_900, perishable: false, base_per_day: 0.15, trend: 0, stock: { store: 0, warehouse: 0 }, created: false },
];

export const demo_forecast_warehouse = 'WH-PUDONG';
export const demo_forecast_stores = ['ST-PEOPLES-SQ', 'ST-XUJIAHUI', 'ST-LUJIAZUI'] as const;
export const demo_forecast_weeks = 20;

/** Each store's size: People's Square sells most. */
const store_scale: Record<string, number> = { 'ST-PEOPLES-SQ': 1.4, 'ST-XUJIAHUI': 1, 'ST-LUJIAZUI': 0.8 };
/** Sunday (0) to Saturday: weekend peaks, a busy Friday evening. */
const weekday_factor = [1.35, 0.9, 0.9, 0.95, 1, 1.15, 1.45];
const mid_autumn = '2026-09-25';


function poisson(lambda: number, next: () => number): number {
  if (lambda <= 0) return 0;
  if (lambda > 40) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next())));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = next();
  while (p > limit) {
    k++;
    p *= next();
  }
  return k;
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** The history rows: `days` days before `today` per product and store. */
export function demoHistoryRows(today: string, days = demo_forecast_weeks * 7): { date: string; sku: string; location_code: string; units: number; in_stock?: boolean }[] {
  const next = mulberry32(20_261_206);
  const rows: { date: string; sku: string; location_code: string; units: number; in_stock?: boolean }[] = [];
  for (const [p, product] of demo_forecast_products.entries()) {
    for (const [s, store] of demo_forecast_stores.entries()) {
      for (let d = days; d >= 1; d--) {
        const date = addDays(today, -d);
        const progress = (days - d) / days;
        let lambda = product.base_per_day * store_scale[store]! * weekday_factor[new Date(`${date}T00:00:00Z`).getUTCDay()]! * (1 + product.trend * progress);
        if (product.sku === 'MC-LOTUS') {
          // Mooncakes sell in the weeks before the Mid-Autumn festival and hardly at all after it.
          const before = Math.round((Date.parse(`${mid_autumn}T00:00:00Z`) - Date.parse(`${date}T00:00:00Z`)) / 86_400_000);
          if (before >= 0 && before <= 21) lambda = (6 * store_scale[store]! * (22 - before)) / 22;
        }
        // A few deliveries missed: the fresh shelf stood empty (demand unknown, not zero).
        const stockout = product.perishable && (d * 7 + p * 13 + s * 29) % 53 === 0;
        if (stockout) rows.push({ date, sku: product.sku, location_code: store, units: 0, in_stock: false });
        else rows.push({ date, sku: product.sku, location_code: store, units: poisson(lambda, next) });
      }
    }
  }
  return rows;
}

export interface ForecastDemo {
  products_added: number;
  history_rows: number;
  run: { id: string; status: string; series: number } | undefined;
}

/** The range, its stock, the history and a forecast run; a step that fails is logged and the rest goes on. */
export async function seedForecastDemo(app: App, credentials: DemoCredentials, logger: Logger, options: { run_wait_ms?: number; settle?: () => Promise<void> } = {}): Promise<ForecastDemo> {
  const out: ForecastDemo = { products_added: 0, history_rows: 0, run: undefined };
  const mart = credentials.merchants.find((m) => m.handle === 'demo-mart');
  if (mart === undefined) return out;
  const http = demoHttp(app);
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => http<T>(method, path, { key: mart.secret_key, body });

  const locations = await call<{ data: { id: string; code: string }[] }>('GET', '/v1/locations?limit=100');
  const locationId = new Map(locations.body.data.map((l) => [l.code, l.id]));
  for (const product of demo_forecast_products.filter((p) => p.created)) {
    const made = await call<{ variants: { id: string }[] }>('POST', '/v1/products', {
      title: product.title,
      title_i18n: { 'zh-CN': product.title_zh },
      status: 'published',
      attributes: { category: product.category, perishable: product.perishable },
      variants: [{ sku: product.sku, prices: [{ currency: 'CNY', amount_minor: product.price_minor }] }],
    });
    if (made.status !== 201) {
      logger.warn({ sku: product.sku, status: made.status, problem: made.body }, 'forecast demo: a product could not be created');
      continue;
    }
    out.products_added++;
    const variant_id = made.body.variants[0]!.id;
    for (const code of [demo_forecast_warehouse, ...demo_forecast_stores]) {
      const quantity = code === demo_forecast_warehouse ? product.stock.warehouse : product.stock.store;
      const location_id = locationId.get(code);
      if (quantity <= 0 || location_id === undefined) continue;
      const received = await call('POST', '/v1/stock/receipts', { variant_id, location_id, quantity });
      if (received.status !== 201) logger.warn({ sku: product.sku, code, status: received.status }, 'forecast demo: stock could not be received');
    }
  }

  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const rows = demoHistoryRows(today);
  const imported = await call('POST', '/v1/forecast/history', { rows });
  if (imported.status !== 200) {
    logger.warn({ status: imported.status, problem: imported.body }, 'forecast demo: the sales history could not be imported');
    return out;
  }
  out.history_rows = rows.length;
  // The import asked for a run already (a large import does); this answers that run.
  const asked = await call<{ id: string; status: string }>('POST', '/v1/forecast/runs', { horizon_days: 28, level: 0.8 });
  if (asked.status !== 202) {
    logger.warn({ status: asked.status, problem: asked.body }, 'forecast demo: the forecast run could not be requested');
    return out;
  }
  const until = Date.now() + (options.run_wait_ms ?? 60_000);
  let run = { id: asked.body.id, status: asked.body.status, series: 0 };
  while ((run.status === 'queued' || run.status === 'running') && Date.now() < until) {
    if (options.settle !== undefined) await options.settle();
    else await new Promise((resolve) => setTimeout(resolve, 100));
    run = (await call<{ id: string; status: string; series: number }>('GET', `/v1/forecast/runs/${asked.body.id}`)).body;
  }
  if (run.status !== 'succeeded') logger.warn({ run_id: run.id, status: run.status }, 'forecast demo: the forecast run did not succeed in time');
  out.run = { id: run.id, status: run.status, series: run.series };
  return out;
}

export async function runForecastDemo(app: App, ctx: ModuleContext, credentials: DemoCredentials, logger: Logger): Promise<void> {
  try {
    const demo = await seedForecastDemo(app, credentials, logger);
    logger.info({ products: demo.products_added, history_rows: demo.history_rows, run: demo.run }, 'ran the forecast demo');
  } catch (e) {
    logger.warn({ err: e }, 'forecast demo: stopped');
  }
  await runReplenishmentDemo(app, ctx, credentials, logger);
  await runPerishablesDemo(app, ctx, credentials, logger);
  await runInsightDemo(app, ctx, credentials, logger);
}
