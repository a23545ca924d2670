import type { Logger } from 'pino';
import type { DemoCredentials } from '../kernel/module.js';
import { testCards } from '../modules/payments/index.js';
import type { PlatformApp } from './app.js';

/**
 * A day of trade for the demo platform, so a new user finds orders to ship, refunds to decide
 * and figures on the overview instead of an empty console. It goes through the real API, in
 * process: buyers check out through each shop's publishable key and pay with the test provider,
 * and the shop ships, confirms and refunds with its secret key. Runs once, right after the demo
 * platform is seeded, before the server reports that it is running.
 */
type Plan = 'awaiting_payment' | 'paid' | 'shipped' | 'completed' | 'refund_requested';

const plan: readonly Plan[] = ['completed', 'completed', 'paid', 'shipped', 'completed', 'paid', 'refund_requested', 'awaiting_payment', 'completed', 'shipped', 'paid', 'awaiting_payment'];
const buyers = ['li.wei@example.com', 'zhang.min@example.com', 'chen.jing@example.com', 'ana.silva@example.com', 'tom.becker@example.com'];
const shops = ['demo-brand', 'demo-mart'];
const payment_wait_ms_max = 30_000;
const poll_ms = 200;

interface Call {
  status: number;
  body: Record<string, unknown> & { data?: unknown[] };
}

export async function runDemoActivity(app: PlatformApp['app'], credentials: DemoCredentials, logger: Logger): Promise<number> {
  const call = async (key: string, method: string, path: string, body?: unknown): Promise<Call> => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Call['body'] };
  };
  let placed = 0;
  for (const handle of shops) {
    const shop = credentials.merchants.find((m) => m.handle === handle);
    if (shop === undefined) continue;
    const products = await call(shop.secret_key, 'GET', '/v1/products?status=published&limit=100');
    const variants = (products.body.data as { variants: { id: string; prices: { currency: string; min_quantity: number }[] }[] }[])
      .flatMap((p) => p.variants)
      .filter((v) => v.prices.some((p) => p.currency === 'CNY' && p.min_quantity <= 1));
    if (variants.length === 0) continue;
    const orders: { id: string; plan: Plan }[] = [];
    for (const [i, want] of plan.entries()) {
      const items = [{ variant_id: variants[i % variants.length]!.id, quantity: 1 + (i % 3) }];
      const checkout = await call(shop.publishable_key, 'POST', '/v1/checkouts', { currency: 'CNY', items, buyer_email: buyers[i % buyers.length] });
      if (checkout.status !== 201) {
        logger.warn({ shop: handle, status: checkout.status, problem: checkout.body }, 'a demo order could not be placed');
        continue;
      }
      const order = (checkout.body.orders as { id: string }[])[0]!;
      orders.push({ id: order.id, plan: want });
      placed++;
      if (want !== 'awaiting_payment') await call(shop.publishable_key, 'POST', `/v1/checkouts/${checkout.body.checkout_id as string}/payments`, { payment_method: testCards.succeeds });
    }
    await untilPaid(orders.filter((o) => o.plan !== 'awaiting_payment').map((o) => o.id), (id) => call(shop.secret_key, 'GET', `/v1/orders/${id}`), logger);
    for (const [i, order] of orders.entries()) {
      if (order.plan === 'shipped' || order.plan === 'completed') await call(shop.secret_key, 'POST', `/v1/orders/${order.id}/ship`, { tracking_number: `SF${String(1_000_000_000 + i * 7_919)}` });
      if (order.plan === 'completed') await call(shop.secret_key, 'POST', `/v1/orders/${order.id}/complete`, { reason: 'buyer confirmed receipt' });
      if (order.plan === 'refund_requested') await call(shop.secret_key, 'POST', `/v1/orders/${order.id}/refund-request`, { reason: 'the buyer says the tin arrived dented' });
    }
  }
  return placed;
}

/** The test provider confirms payments by webhook, a moment after they are made. */
async function untilPaid(ids: readonly string[], read: (id: string) => Promise<Call>, logger: Logger): Promise<void> {
  const deadline = Date.now() + payment_wait_ms_max;
  const waiting = new Set(ids);
  while (waiting.size > 0 && Date.now() < deadline) {
    for (const id of [...waiting]) if ((await read(id)).body.status !== 'awaiting_payment') waiting.delete(id);
    if (waiting.size > 0) await new Promise((r) => setTimeout(r, poll_ms));
  }
  if (waiting.size > 0) logger.warn({ orders: [...waiting] }, 'some demo payments were not confirmed in time; those orders stay unpaid');
}
