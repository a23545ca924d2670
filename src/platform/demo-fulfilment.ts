import type { Logger } from 'pino';
import type { DemoCredentials } from '../kernel/module.js';
import { testCards } from '../modules/payments/index.js';
import type { PlatformApp } from './app.js';

/**
 * The store chain's omnichannel day, for a new user to see on the first start (issue 15): its
 * three Shanghai stores each serve an express order to a buyer within 3 km (one ridden to the
 * door and confirmed by its buyer, which releases the escrow; one out with its rider; one in the
 * queue), one order is collected at the desk with its pickup code, and a standard parcel to
 * Beijing is routed to a carrier and tracked to the door (its journey hurried to a minute). All through the real API, as
 * the buyer's app and the stores' staff would; a step that cannot be taken is logged and the demo
 * goes on.
 */
interface Call {
  status: number;
  body: Record<string, unknown>;
}

type Option = { kind: string; location_id?: string; price_minor: number; window_to?: string; ready_by?: string; deliver_by?: string };

const recipient = { name: 'Li Wei', phone: '+86 138 0013 8000' };
/** Buyers about a kilometre from each store: express within the 3 km radius. */
const near = (store: { latitude: number; longitude: number }) => ({ latitude: store.latitude + 0.009, longitude: store.longitude + 0.004 });
const beijing = { latitude: 39.9042, longitude: 116.4074 };
const settle_wait_ms_max = 20_000;

export interface FulfilmentDemoTools {
  /** Hurries a parcel's remaining journey so it reaches the door while the console watches. */
  hurry(tracking_number: string): Promise<void>;
}

export async function runFulfilmentDemo(app: PlatformApp['app'], credentials: DemoCredentials, logger: Logger, tools: FulfilmentDemoTools): Promise<number> {
  const shop = credentials.merchants.find((m) => m.handle === 'demo-mart');
  const buyer = credentials.consumers?.[0];
  if (shop === undefined || buyer === undefined) return 0;
  const call = async (key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Call> => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const seller = (method: string, path: string, body?: unknown) => call(shop.secret_key, method, path, body ?? (method === 'POST' ? {} : undefined));
  const warn = (what: string, res: Call) => logger.warn({ status: res.status, problem: res.body }, `demo fulfilment: ${what}`);

  const session = await call(shop.publishable_key, 'POST', '/v1/account/sessions', { email: buyer.email, password: buyer.password });
  if (session.status !== 201) return 0;
  const asBuyer = { 'x-consumer-token': session.body.token as string };
  const stores = ((await seller('GET', '/v1/locations?kind=store&limit=100')).body.data ?? []) as { id: string; code: string; latitude: number; longitude: number; address: { line1: string } }[];
  const products = (await seller('GET', '/v1/products?status=published&limit=100')).body.data as { variants: { id: string; sku: string }[] }[];
  const variant = products.flatMap((p) => p.variants).find((v) => v.sku === 'WATER-550') ?? products[0]?.variants[0];
  if (variant === undefined || stores.length === 0) return 0;
  const items = [{ variant_id: variant.id, quantity: 2 }];

  /** Asks for the options at `destination`, checks out the one chosen and pays: the order's id. */
  const order = async (destination: { latitude: number; longitude: number }, choose: (options: Option[]) => Option | undefined, line1: string): Promise<{ id: string; option: Option } | undefined> => {
    const offered = await call(shop.publishable_key, 'POST', '/v1/delivery-options', { items, destination });
    const option = offered.status === 200 ? choose(((offered.body.sellers as { options: Option[] }[])[0]?.options ?? [])) : undefined;
    if (option === undefined) {
      warn('no delivery option to choose', offered);
      return undefined;
    }
    const expected_by = option.window_to ?? option.ready_by ?? option.deliver_by;
    const address = option.kind === 'pickup' ? undefined : { line1, city: destination === beijing ? 'Beijing' : 'Shanghai', country: 'CN', ...destination };
    const delivery = { recipient, ...(address === undefined ? {} : { address }), option: { kind: option.kind, ...(option.location_id === undefined ? {} : { location_id: option.location_id }), expected_price_minor: option.price_minor, expected_by } };
    const placed = await call(shop.publishable_key, 'POST', '/v1/checkouts', { currency: 'CNY', items, delivery }, asBuyer);
    if (placed.status !== 201) {
      warn(`a ${option.kind} order could not be placed`, placed);
      return undefined;
    }
    const id = (placed.body.orders as { id: string }[])[0]!.id;
    await call(shop.publishable_key, 'POST', `/v1/checkouts/${placed.body.checkout_id as string}/payments`, { payment_method: testCards.succeeds });
    return { id, option };
  };
  const fulfilmentOf = async (order_id: string): Promise<string | undefined> => {
    const deadline = Date.now() + settle_wait_ms_max;
    while (Date.now() < deadline) {
      const list = (await seller('GET', `/v1/orders/${order_id}/fulfilments`)).body.data as { id: string }[] | undefined;
      if (list !== undefined && list.length > 0) return list[0]!.id;
      await new Promise((r) => setTimeout(r, 200));
    }
    logger.warn({ order_id }, 'demo fulfilment: the order was not paid in time');
    return undefined;
  };
  const pickAndPack = async (fulfilment_id: string) => {
    await seller('POST', `/v1/fulfilments/${fulfilment_id}/start-pick`);
    const packed = await seller('POST', `/v1/fulfilments/${fulfilment_id}/pack`);
    if (packed.status !== 200) warn('a fulfilment could not be packed', packed);
  };

  let placed = 0;
  // Express from each of the three stores: the nearest store holding the items serves it.
  const express: { order_id: string; fulfilment_id: string }[] = [];
  for (const store of stores.slice(0, 3)) {
    const made = await order(near(store), (options) => options.find((o) => o.kind === 'express' && o.location_id === store.id) ?? options.find((o) => o.kind === 'express'), `${store.address.line1}, Flat 1702`);
    if (made === undefined) continue;
    placed++;
    const f = await fulfilmentOf(made.id);
    if (f !== undefined) express.push({ order_id: made.id, fulfilment_id: f });
  }
  // The first is picked, packed, planned onto its store's rider's route, ridden and delivered;
  // its buyer confirms receipt, which releases the escrow to the shop. The second is packed and
  // out with its rider; the third waits in its store's queue.
  for (const [i, e] of express.slice(0, 2).entries()) {
    await pickAndPack(e.fulfilment_id);
    const location = ((await seller('GET', `/v1/fulfilments/${e.fulfilment_id}`)).body.location_id as string | undefined) ?? '';
    const plan = await seller('POST', `/v1/locations/${location}/local-routes/plan`);
    const route = (plan.body.routes as { id: string; stops: { fulfilment_id: string }[] }[] | undefined)?.find((r) => r.stops.some((st) => st.fulfilment_id === e.fulfilment_id));
    if (route === undefined) {
      warn('an express order could not be planned onto a rider’s route', plan);
      continue;
    }
    const dispatched = await seller('POST', `/v1/local-routes/${route.id}/dispatch`);
    if (dispatched.status !== 200) warn('a rider’s route could not be dispatched', dispatched);
    if (i > 0) continue;
    const delivered = await seller('POST', `/v1/local-routes/${route.id}/stops/${e.fulfilment_id}/delivered`);
    if (delivered.status !== 200) warn('an express stop could not be marked delivered', delivered);
    const confirmed = await call(shop.publishable_key, 'POST', `/v1/account/orders/${e.order_id}/confirm-receipt`, undefined, asBuyer);
    if (confirmed.status !== 200) warn('the buyer could not confirm receipt of the express order', confirmed);
  }
  if (express[2] !== undefined) await seller('POST', `/v1/fulfilments/${express[2].fulfilment_id}/start-pick`);

  // Pickup at the first store.
  const pickup = await order(near(stores[0]!), (options) => options.find((o) => o.kind === 'pickup'), '');
  if (pickup !== undefined) {
    placed++;
    const f = await fulfilmentOf(pickup.id);
    if (f !== undefined) {
      await pickAndPack(f);
      const ready = await seller('POST', `/v1/fulfilments/${f}/ready`);
      if (ready.status !== 200) warn('the pickup order could not be put at the desk', ready);
      // The buyer reads the code in their account and shows it at the desk.
      const mine = await call(shop.publishable_key, 'GET', `/v1/account/orders/${pickup.id}/pickup`, undefined, asBuyer);
      const code = (mine.body.data as { code: string | null }[] | undefined)?.[0]?.code;
      const collected = code === null || code === undefined ? mine : await seller('POST', `/v1/fulfilments/${f}/collect`, { code });
      if (collected.status !== 200) warn('the pickup order could not be collected with its code', collected);
    }
  }

  // A standard parcel to Beijing: routed to a carrier, its label bought, tracked to the door.
  const parcel = await order(beijing, (options) => options.find((o) => o.kind === 'standard'), '1 Wangfujing Street, Flat 808');
  if (parcel !== undefined) {
    placed++;
    const f = await fulfilmentOf(parcel.id);
    if (f !== undefined) {
      await pickAndPack(f);
      // The parcel goes to the address the buyer gave at checkout.
      const shipped = await seller('POST', `/v1/orders/${parcel.id}/shipments`, { weight_g: 1_200 });
      if (shipped.status === 201 && typeof shipped.body.tracking_number === 'string') await tools.hurry(shipped.body.tracking_number);
      else warn('the standard parcel could not be shipped', shipped);
    }
  }
  return placed;
}
