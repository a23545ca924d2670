import type { Logger } from 'pino';
import type { DemoCredentials } from '../kernel/module.js';
import { testCards } from '../modules/payments/index.js';
import type { PlatformApp } from './app.js';

/**
 * A day of trade for the demo platform, so a new user finds orders to ship, refunds to decide
 * and figures on the overview instead of an empty console. It goes through the real API, in
 * process: buyers check out through each shop's publishable key and pay with the test provider,
 * the shop ships and handles refunds with its secret key, and the demo buyer confirms receipt of
 * some orders from their account. Runs once, right after the demo
 * platform is seeded, before the server reports that it is running.
 */
type Plan = 'awaiting_payment' | 'paid' | 'shipped' | 'completed' | 'refund_requested' | 'disputed' | 'completed_after_payout';

const plan: readonly Plan[] = ['completed', 'completed', 'paid', 'shipped', 'completed', 'paid', 'refund_requested', 'awaiting_payment', 'completed', 'shipped', 'paid', 'awaiting_payment'];
const buyers = ['li.wei@example.com', 'zhang.min@example.com', 'chen.jing@example.com', 'ana.silva@example.com', 'tom.becker@example.com'];
const shops = ['demo-brand', 'demo-mart'];
/**
 * The store chain also has a refund the platform operator must decide (the buyer asked, the shop
 * contested), and an order confirmed after the day's payout, so it has a balance to request a
 * payout of.
 */
const morePlans: Record<string, readonly Plan[]> = { 'demo-mart': ['disputed', 'completed_after_payout'] };
const buyerPlans: readonly Plan[] = ['completed', 'disputed', 'completed_after_payout'];
const settle_wait_ms_max = 30_000;
const poll_ms = 200;
/** Where the demo parcel goes: Beijing, a national lane from the chain's Shanghai stores. */
const demo_destination = { latitude: 39.9042, longitude: 116.4074 };

interface Call {
  status: number;
  body: Record<string, unknown> & { data?: unknown[] };
}

export async function runDemoActivity(app: PlatformApp['app'], credentials: DemoCredentials, logger: Logger, payOut: () => Promise<unknown>): Promise<number> {
  const call = async (key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Call> => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Call['body'] };
  };
  let placed = 0;
  const released: { key: string; order_id: string }[] = [];
  const confirmLater: { shop: { publishable_key: string; secret_key: string }; order_id: string; buyerToken: string }[] = [];
  for (const handle of shops) {
    const shop = credentials.merchants.find((m) => m.handle === handle);
    if (shop === undefined) continue;
    const products = await call(shop.secret_key, 'GET', '/v1/products?status=published&limit=100');
    const variants = (products.body.data as { variants: { id: string; prices: { currency: string; min_quantity: number }[] }[] }[])
      .flatMap((p) => p.variants)
      .filter((v) => v.prices.some((p) => p.currency === 'CNY' && p.min_quantity <= 1));
    if (variants.length === 0) continue;
    // The orders to complete are the demo buyer's, who confirms receipt from their account: only
    // the buyer, the auto-confirm timer or the platform may release a seller's escrow.
    const buyer = credentials.consumers?.[0];
    const session = buyer === undefined ? undefined : await call(shop.publishable_key, 'POST', '/v1/account/sessions', { email: buyer.email, password: buyer.password });
    const buyerToken = session?.status === 201 ? (session.body.token as string) : undefined;
    // A chain's orders come from its stores by turns, so the overview compares stores from the start.
    const stores = ((await call(shop.secret_key, 'GET', '/v1/locations?kind=store&limit=100')).body.data ?? []) as { id: string }[];
    const orders: { id: string; plan: Plan }[] = [];
    for (const [i, want] of [...plan, ...(morePlans[handle] ?? [])].entries()) {
      const items = [{ variant_id: variants[i % variants.length]!.id, quantity: 1 + (i % 3) }];
      const store = stores.length === 0 ? undefined : stores[i % stores.length]!;
      const fulfilment = store === undefined ? {} : { fulfilment: { [shop.merchant_id]: store.id } };
      const asBuyer = buyerPlans.includes(want) && buyerToken !== undefined;
      const checkout = await call(shop.publishable_key, 'POST', '/v1/checkouts', { currency: 'CNY', items, ...fulfilment, ...(asBuyer ? {} : { buyer_email: buyers[i % buyers.length] }) }, asBuyer ? { 'x-consumer-token': buyerToken } : {});
      if (checkout.status !== 201) {
        logger.warn({ shop: handle, status: checkout.status, problem: checkout.body }, 'a demo order could not be placed');
        continue;
      }
      const order = (checkout.body.orders as { id: string }[])[0]!;
      orders.push({ id: order.id, plan: want });
      placed++;
      if (want !== 'awaiting_payment') await call(shop.publishable_key, 'POST', `/v1/checkouts/${checkout.body.checkout_id as string}/payments`, { payment_method: testCards.succeeds });
    }
    await until('the demo payments to be confirmed', orders.filter((o) => o.plan !== 'awaiting_payment'), async (o) => (await call(shop.secret_key, 'GET', `/v1/orders/${o.id}`)).body.status !== 'awaiting_payment', logger);
    for (const [i, order] of orders.entries()) {
      if (order.plan === 'shipped' || order.plan === 'completed' || order.plan === 'disputed' || order.plan === 'completed_after_payout') await call(shop.secret_key, 'POST', `/v1/orders/${order.id}/ship`, { tracking_number: `SF${String(1_000_000_000 + i * 7_919)}` });
      if (order.plan === 'completed' && buyerToken !== undefined) {
        await call(shop.publishable_key, 'POST', `/v1/account/orders/${order.id}/confirm-receipt`, undefined, { 'x-consumer-token': buyerToken });
        released.push({ key: shop.secret_key, order_id: order.id });
      }
      if (order.plan === 'refund_requested') await call(shop.secret_key, 'POST', `/v1/orders/${order.id}/refund-request`, { reason: 'the buyer says the tin arrived dented' });
      if (order.plan === 'disputed' && buyerToken !== undefined) {
        await call(shop.publishable_key, 'POST', `/v1/account/orders/${order.id}/refund-request`, { reason: 'The box arrived crushed and two jars were broken' }, { 'x-consumer-token': buyerToken });
        await call(shop.secret_key, 'POST', `/v1/orders/${order.id}/refund-dispute`, { reason: 'Our packing photo shows the jars intact; the courier signed for an undamaged box' });
      }
      if (order.plan === 'completed_after_payout' && buyerToken !== undefined) confirmLater.push({ shop, order_id: order.id, buyerToken });
    }
    // The store chain ships its last paid order by carrier, to a buyer in Beijing, so the console
    // shows a routing decision and a tracking timeline that the carrier's webhooks move along.
    const byCarrier = handle === 'demo-mart' ? orders.findLast((o) => o.plan === 'paid') : undefined;
    if (byCarrier !== undefined) {
      try {
        const shipped = await call(shop.secret_key, 'POST', `/v1/orders/${byCarrier.id}/shipments`, { destination: demo_destination, weight_g: 1_200 }, { 'idempotency-key': `demo-shipment-${byCarrier.id}` });
        if (shipped.status !== 201) logger.warn({ shop: handle, status: shipped.status, problem: shipped.body }, 'the demo shipment by carrier could not be created');
      } catch (error) {
        logger.warn({ shop: handle, err: error }, 'the demo shipment by carrier could not be created');
      }
    }
  }
  // The platform settles the shops once the completed orders' escrow is released, so the
  // console shows a payout with its statement.
  await until('the demo escrow to be released', released, async ({ key, order_id }) => ((await call(key, 'GET', `/v1/payments?order_id=${order_id}`)).body.data as { status: string }[])[0]?.status === 'released', logger);
  await payOut();
  for (const { shop, order_id, buyerToken } of confirmLater) await call(shop.publishable_key, 'POST', `/v1/account/orders/${order_id}/confirm-receipt`, undefined, { 'x-consumer-token': buyerToken });
  return placed;
}

/** Payments are confirmed by webhook and escrow released by event handlers, a moment later. */
async function until<T>(what: string, items: readonly T[], done: (item: T) => Promise<boolean>, logger: Logger): Promise<void> {
  const deadline = Date.now() + settle_wait_ms_max;
  let waiting = [...items];
  while (waiting.length > 0 && Date.now() < deadline) {
    const still: T[] = [];
    for (const item of waiting) if (!(await done(item))) still.push(item);
    waiting = still;
    if (waiting.length > 0) await new Promise((r) => setTimeout(r, poll_ms));
  }
  if (waiting.length > 0) logger.warn({ waiting: waiting.length }, `gave up waiting for ${what}; the demo goes on without them`);
}
