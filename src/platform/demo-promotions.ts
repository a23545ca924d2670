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
}

export async function runPromotionsDemo(app: PlatformApp['app'], credentials: DemoCredentials, logger: Logger): Promise<PromotionsDemo> {
  const brand = credentials.merchants.find((m) => m.handle === 'demo-brand');
  if (brand === undefined) return { orders: 0, flash: undefined };
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
  if (small === undefined || gift === undefined) return { orders: 0, flash: undefined };

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
  if (flash.status !== 201) {
    warn('the flash-sale coupon could not be created', flash);
    return { orders, flash: undefined };
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
  return { orders, flash: { redeemed: won.length, refused: attempts.length - won.length } };
}
