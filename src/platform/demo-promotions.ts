import type { Logger } from 'pino';
import type { DemoCredentials } from '../kernel/module.js';
import { testCards } from '../modules/payments/index.js';
import type { PlatformApp } from './app.js';

/**
 * The tea brand's promotions, for a new user to see on the first start (issue 16), all through
 * the real API as the brand's marketing manager and its buyers would: a spend-200-get-30
 * promotion that prices every checkout by itself, and a flash sale in which 80 buyers race for a
 * coupon limited to 50 redemptions: exactly 50 get it, the other 30 are refused with the reason,
 * and the console shows the coupon used up. A step that cannot be taken is logged and the demo goes on.
 */
interface Call {
  status: number;
  body: Record<string, unknown>;
}

export const demo_flash_buyers = 80;
export const demo_flash_limit = 50;

export interface PromotionsDemo {
  orders: number;
  flash: { redeemed: number; refused: number } | undefined;
  /** The unique codes generated for the brand's winter coupon. */
  codes: number;
  /** Whether the demo consumer won a coupon at a store's screen and redeemed it. */
  game: boolean;
}

export async function runPromotionsDemo(app: PlatformApp['app'], credentials: DemoCredentials, logger: Logger): Promise<PromotionsDemo> {
  const brand = credentials.merchants.find((m) => m.handle === 'demo-brand');
  if (brand === undefined) return { orders: 0, flash: undefined, codes: 0, game: false };
  const call = async (key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Call> => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const seller = (method: string, path: string, body?: unknown) => call(brand.secret_key, method, path, body);
  const warn = (what: string, res: Call) => logger.warn({ status: res.status, problem: res.body }, `demo promotions: ${what}`);

  const products = (await seller('GET', '/v1/products?status=published&limit=100')).body.data as { variants: { id: string; sku: string }[] }[] | undefined;
  const variants = new Map((products ?? []).flatMap((p) => p.variants).map((v) => [v.sku, v.id]));
  const small = variants.get('LJ-100');
  const gift = variants.get('OO-GIFT');
  if (small === undefined || gift === undefined) return { orders: 0, flash: undefined, codes: 0, game: false };

  const spend = await seller('POST', '/v1/promotions', {
    name: 'Spend ¥200, get ¥30 off (满200减30)',
    kind: 'automatic',
    currency: 'CNY',
    effect: { type: 'spend_tiers', tiers: [{ min_spend_minor: 20_000, off_minor: 3_000 }, { min_spend_minor: 50_000, off_minor: 8_000 }] },
    budget_minor: 1_000_000,
  });
  if (spend.status !== 201) warn('the spend-200-get-30 promotion could not be created', spend);

  // A buyer's cart over ¥200: the checkout answer itemises the ¥30 and why the ¥500 tier did not apply.
  let orders = 0;
  const pay = async (checkout: Call) => {
    const paid = await call(brand.publishable_key, 'POST', `/v1/checkouts/${checkout.body.checkout_id as string}/payments`, { payment_method: testCards.succeeds });
    if (paid.status >= 300) warn('a demo checkout could not be paid', paid);
  };
  const bought = await call(brand.publishable_key, 'POST', '/v1/checkouts', { currency: 'CNY', buyer_email: 'chen.jing@example.com', items: [{ variant_id: small, quantity: 1 }, { variant_id: gift, quantity: 1 }] });
  if (bought.status === 201) {
    orders++;
    await pay(bought);
  } else warn('the spend-200 checkout was refused', bought);

  // The flash sale: one coupon code, 50 redemptions and a ¥1,500 budget, 80 buyers at once.
  const flash = await seller('POST', '/v1/promotions', {
    name: 'Flash sale: ¥20 off Longjing 100g',
    kind: 'coupon',
    currency: 'CNY',
    code: 'FLASH-LONGJING',
    effect: { type: 'amount_off', amount_minor: 2_000 },
    scope: { variant_ids: [small] },
    max_redemptions: demo_flash_limit,
    budget_minor: 150_000,
    per_consumer_limit: 1,
  });
  const codes = await winterCodes(seller, warn);
  const game = await screenGame(call, credentials, warn);
  if (game) orders++;
  if (flash.status !== 201) {
    warn('the flash-sale coupon could not be created', flash);
    return { orders, flash: undefined, codes, game };
  }
  const attempts = await Promise.all(
    Array.from({ length: demo_flash_buyers }, (_, i) =>
      call(brand.publishable_key, 'POST', '/v1/checkouts', { currency: 'CNY', buyer_email: `flash.buyer.${i + 1}@example.com`, items: [{ variant_id: small, quantity: 1 }], coupons: { codes: ['FLASH-LONGJING'] } }),
    ),
  );
  const won = attempts.filter((a) => a.status === 201);
  for (const w of won) await pay(w);
  orders += won.length;
  logger.info({ buyers: demo_flash_buyers, limit: demo_flash_limit, redeemed: won.length, refused: attempts.length - won.length }, 'demo flash sale: the coupon stopped at its limit');
  return { orders, flash: { redeemed: won.length, refused: attempts.length - won.length }, codes, game };
}

type Caller = (key: string, method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Call>;
type Warn = (what: string, res: Call) => void;

export const demo_winter_codes = 10_000;

/** The brand's winter coupon: 10,000 single-use codes to print on receipts, with a ¥50,000 budget. */
async function winterCodes(seller: (method: string, path: string, body?: unknown) => Promise<Call>, warn: Warn): Promise<number> {
  const winter = await seller('POST', '/v1/promotions', {
    name: 'Winter receipt coupon: 15% off, at most ¥40',
    kind: 'coupon',
    currency: 'CNY',
    effect: { type: 'percent_off', percent: 15, max_discount_minor: 4_000 },
    budget_minor: 5_000_000,
    per_consumer_limit: 1,
  });
  if (winter.status !== 201) {
    warn('the winter coupon could not be created', winter);
    return 0;
  }
  const batch = await seller('POST', `/v1/promotions/${winter.body.id as string}/code-batches`, { count: demo_winter_codes, prefix: 'WINTER', uses_per_code: 1 });
  if (batch.status !== 201) {
    warn('the winter codes could not be generated', batch);
    return 0;
  }
  return batch.body.count as number;
}

/**
 * The store chain's entrance screen: the demo consumer plays its game at People's Square, wins a
 * ¥5 coupon into their wallet (the data bank records the win with the store), and redeems it
 * in a checkout that takes the best of their wallet.
 */
async function screenGame(call: Caller, credentials: DemoCredentials, warn: Warn): Promise<boolean> {
  const mart = credentials.merchants.find((m) => m.handle === 'demo-mart');
  const buyer = credentials.consumers?.[0];
  if (mart === undefined || buyer === undefined) return false;
  const seller = (method: string, path: string, body?: unknown) => call(mart.secret_key, method, path, body);
  const stores = ((await seller('GET', '/v1/locations?kind=store&limit=100')).body.data ?? []) as { id: string; code: string }[];
  const store = stores.find((l) => l.code === 'ST-PEOPLES-SQ') ?? stores[0];
  const products = (await seller('GET', '/v1/products?status=published&limit=100')).body.data as { variants: { id: string; sku: string }[] }[] | undefined;
  const mooncake = (products ?? []).flatMap((p) => p.variants).find((v) => v.sku === 'MC-LOTUS');
  if (store === undefined || mooncake === undefined) return false;
  const prize = await seller('POST', '/v1/promotions', {
    name: 'Won at the entrance screen: ¥5 off a mooncake box',
    kind: 'coupon',
    currency: 'CNY',
    effect: { type: 'amount_off', amount_minor: 500 },
    scope: { variant_ids: [mooncake.id] },
    issue_limit: 1_000,
    wallet_valid_h: 24 * 7,
  });
  const screen = await seller('POST', '/v1/screens', { location_id: store.id, name: 'Entrance screen, People’s Square' });
  if (prize.status !== 201 || screen.status !== 201) {
    warn('the screen game could not be set up', prize.status !== 201 ? prize : screen);
    return false;
  }
  const session = await call(mart.publishable_key, 'POST', '/v1/account/sessions', { email: buyer.email, password: buyer.password });
  if (session.status !== 201) {
    warn('the demo consumer could not sign in', session);
    return false;
  }
  const asBuyer = { 'x-consumer-token': session.body.token as string };
  const won = await call(mart.publishable_key, 'POST', '/v1/screens/claims', { promotion_id: prize.body.id, game: { name: 'Catch the mooncakes', score: 4_200 } }, { ...asBuyer, 'x-screen-token': screen.body.token as string });
  if (won.status !== 201) {
    warn('the demo consumer’s screen claim was refused', won);
    return false;
  }
  const bought = await call(mart.publishable_key, 'POST', '/v1/checkouts', { currency: 'CNY', items: [{ variant_id: mooncake.id, quantity: 1 }], fulfilment: { [mart.merchant_id]: store.id }, coupons: { wallet: 'best' } }, asBuyer);
  if (bought.status !== 201) {
    warn('the won coupon could not be redeemed', bought);
    return false;
  }
  await call(mart.publishable_key, 'POST', `/v1/checkouts/${bought.body.checkout_id as string}/payments`, { payment_method: testCards.succeeds });
  return true;
}
