import type { Logger } from 'pino';
import type { DemoCredentials } from '../kernel/module.js';
import { appHttp, patient, simulateStores, type SimulationReport, type SimulatorHttp } from '../modules/instore/index.js';

/**
 * Issue 18's demo on the first start: the store chain's (demo-mart's) People's Square store runs
 * unattended (gates and shelves), a shopper asked a guide a question and got an answer, the demo
 * consumer paid a scanned basket at the self-checkout with their consumer code and a wallet
 * coupon applied by itself, and a short simulator run (20 shoppers, a few seconds) leaves
 * sessions, charges and receipts to look at in the console. Everything through the API, as a
 * store's devices and a shopper's phone would; a step that fails is logged and the rest goes on.
 */
export interface StoresDemo {
  location_id: string | undefined;
  /** The thread a shopper opened with a guide, answered. */
  thread_id: string | undefined;
  answered: boolean;
  /** The demo consumer's scan-and-pay sale at the self-checkout. */
  basket_id: string | undefined;
  basket_order_id: string | undefined;
  basket_coupons: number;
  simulation: SimulationReport | undefined;
  /** The orders the simulated shoppers' exits charged. */
  simulated_orders: string[];
}

export const demo_store_code = 'ST-PEOPLES-SQ';
export const demo_simulated_shoppers = 20;
const water_barcode = '6901234567908';

export async function runStoresDemo(app: { request(input: string, init: RequestInit): Response | Promise<Response> }, credentials: DemoCredentials, logger: Logger, options: { shoppers?: number; seconds?: number } = {}): Promise<StoresDemo> {
  const out: StoresDemo = { location_id: undefined, thread_id: undefined, answered: false, basket_id: undefined, basket_order_id: undefined, basket_coupons: 0, simulation: undefined, simulated_orders: [] };
  const mart = credentials.merchants.find((m) => m.handle === 'demo-mart');
  const buyer = credentials.consumers?.[0];
  if (mart === undefined) return out;
  const http: SimulatorHttp = patient(appHttp(app));
  const warn = (what: string, res: { status: number; body: unknown }) => logger.warn({ status: res.status, problem: res.body }, `stores demo: ${what}`);
  const seller: Call = (method, path, body) => http(method, path, { key: mart.secret_key, body });
  const shopper: ShopperCall = (token, method, path, body) => http(method, path, { key: mart.publishable_key, consumer: token, body });

  const stores = (await seller<{ data?: { id: string; code: string }[] }>('GET', '/v1/locations?kind=store&limit=100')).body.data ?? [];
  const store = stores.find((l) => l.code === demo_store_code) ?? stores[0];
  if (store === undefined) return out;
  out.location_id = store.id;

  let token: string | undefined;
  if (buyer !== undefined) {
    const session = await shopper<{ token: string }>(undefined, 'POST', '/v1/account/sessions', { email: buyer.email, password: buyer.password });
    if (session.status === 201) token = session.body.token;
    else warn('the demo consumer could not sign in', session);
  }

  // A shopper asks the store's guide; the guide answers (unless the store's own seed did already).
  if (token !== undefined) await guideConversation(out, store.id, token, seller, shopper, warn);
  // The demo consumer scans two bottles of water and pays at the self-checkout with their code.
  if (token !== undefined) await scanAndPay(out, store.id, token, seller, shopper, warn);

  // Shoppers walk through the store unattended: gates, shelves, charges, receipts.
  try {
    const { report, clean } = await simulateStores({
      http,
      secret_key: mart.secret_key,
      publishable_key: mart.publishable_key,
      stores: 1,
      location_ids: [store.id],
      shoppers: options.shoppers ?? demo_simulated_shoppers,
      consumers: options.shoppers ?? demo_simulated_shoppers,
      seconds: options.seconds ?? 3,
      noise: 0,
      seed: 18,
      think_ms: [100, 300],
      max_actions: 4,
      tag: 'demo',
    });
    out.simulation = report;
    out.simulated_orders = clean.sessions.flatMap((s) => (s.order_id === null ? [] : [s.order_id]));
    if (report.errors > 0) logger.warn({ errors: report.clean.first_errors }, 'stores demo: some simulated shoppers’ calls failed');
  } catch (error) {
    logger.warn({ err: error }, 'stores demo: the simulated shoppers could not run');
  }
  return out;
}

type Call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;
type ShopperCall = <T = Record<string, unknown>>(token: string | undefined, method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;
type Warn = (what: string, res: { status: number; body: unknown }) => void;

async function guideConversation(out: StoresDemo, location_id: string, token: string, seller: Call, shopper: ShopperCall, warn: Warn): Promise<void> {
  const threads = await seller<{ data?: { id: string; status?: string; replies?: number; reply_count?: number }[] }>('GET', `/v1/store-threads?location_id=${encodeURIComponent(location_id)}`);
  const answered = (threads.body.data ?? []).find((t) => Number(t.replies ?? t.reply_count ?? 0) > 0 || t.status === 'answered');
  if (answered !== undefined) {
    out.thread_id = answered.id;
    out.answered = true;
    return;
  }
  const asked = await shopper<{ thread_id?: string; thread?: { id: string }; id?: string }>(token, 'POST', `/v1/stores/${location_id}/messages`, { body: 'Hello! Do you still have the lotus seed mooncake boxes today? I would pick two up after work.' });
  if (asked.status !== 201 && asked.status !== 200) return warn('the shopper’s question to the guide was refused', asked);
  const thread_id = asked.body.thread_id ?? asked.body.thread?.id ?? asked.body.id ?? '';
  out.thread_id = thread_id;
  const reply = await seller('POST', `/v1/store-threads/${thread_id}/replies`, { body: 'Yes, we have them on the shelf by the entrance. I can put two boxes aside for you until 8 pm.' });
  if (reply.status !== 201 && reply.status !== 200) return warn('the guide’s answer was refused', reply);
  out.answered = true;
}

async function scanAndPay(out: StoresDemo, location_id: string, token: string, seller: Call, shopper: ShopperCall, warn: Warn): Promise<void> {
  const products = (await seller<{ data?: { variants: { id: string; barcode: string | null }[] }[] }>('GET', '/v1/products?status=published&limit=100')).body.data;
  const water = (products ?? []).flatMap((p) => p.variants).find((v) => v.barcode === water_barcode);
  if (water === undefined) return;
  // A members' coupon, claimable into the wallet: the self-checkout applies it by itself.
  const promotion = await seller<{ id: string }>('POST', '/v1/promotions', {
    name: 'Members: ¥1 off spring water in store',
    kind: 'coupon',
    currency: 'CNY',
    effect: { type: 'amount_off', amount_minor: 100 },
    scope: { variant_ids: [water.id] },
    issue_limit: 10_000,
    claimable: true,
    wallet_valid_h: 24 * 30,
  });
  if (promotion.status !== 201) return warn('the members’ coupon could not be created', promotion);
  const claimed = await shopper(token, 'POST', '/v1/account/coupons', { promotion_id: promotion.body.id });
  if (claimed.status !== 201) return warn('the demo consumer could not claim the coupon', claimed);
  const authorised = await shopper(token, 'POST', '/v1/account/payment-authorisations', { card: '4242424242424242', limit_minor: 200_000, currency: 'CNY' });
  if (authorised.status !== 201 && authorised.status !== 200) return warn('the demo consumer’s payment authorisation was refused', authorised);
  const basket = await shopper<{ id?: string; basket_id?: string }>(token, 'POST', `/v1/stores/${location_id}/baskets`, {});
  if (basket.status !== 201 && basket.status !== 200) return warn('the scan-and-pay basket could not be opened', basket);
  const basket_id = basket.body.id ?? basket.body.basket_id ?? '';
  out.basket_id = basket_id;
  const scanned = await shopper(token, 'POST', `/v1/baskets/${basket_id}/scans`, { barcode: water_barcode, quantity: 2 });
  if (scanned.status !== 201 && scanned.status !== 200) return warn('the scan was refused', scanned);
  const code = await shopper<{ code: string }>(token, 'GET', '/v1/account/consumer-code');
  if (code.status !== 200) return warn('the demo consumer’s code could not be shown', code);
  // At the self-checkout: the store's screen reads the code and pays.
  const paid = await seller<PaidSale & { sale?: PaidSale }>('POST', `/v1/baskets/${basket_id}/pay`, { code: code.body.code });
  if (paid.status !== 201 && paid.status !== 200) return warn('the basket could not be paid with the consumer code', paid);
  const sale = paid.body.sale ?? paid.body;
  out.basket_order_id = sale.order_id;
  out.basket_coupons = (sale.receipt?.coupons_applied ?? sale.coupons_applied ?? []).length;
}

/** The paid basket's sale (h4's `POST /v1/baskets/{id}/pay`): the receipt carries the coupons applied. */
interface PaidSale {
  order_id?: string;
  coupons_applied?: unknown[];
  receipt?: { coupons_applied?: unknown[] };
}
