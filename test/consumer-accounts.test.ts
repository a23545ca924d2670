import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { pruneConsumerSessions } from '../src/modules/accounts/index.js';
import { markOrderPaid } from './support/orders.js';
import { modules } from '../src/platform/modules.js';
import { aStockedItem, type ShopItem } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/** Consumers who sign in: accounts, their carts on any device, their orders, and confirming receipt. */
let platform: TestPlatform;
let shop: TestMerchant;
let item: ShopItem;

beforeAll(async () => {
  platform = await createTestPlatform();
  shop = await platform.merchant();
  item = await aStockedItem(shop, { units: 20, price_minor: 2_500 });
});
afterAll(async () => platform.close());

const unique = (tag: string) => `${tag}-${Math.random().toString(36).slice(2, 10)}`;
/** A storefront call: the shop's publishable key, and the consumer's session when signed in. */
const storefront = (method: string, path: string, options: { token?: string; cartToken?: string; body?: unknown } = {}) =>
  shop.call(method, path, {
    key: shop.publishableKey,
    headers: { ...(options.token === undefined ? {} : { 'x-consumer-token': options.token }), ...(options.cartToken === undefined ? {} : { 'x-cart-token': options.cartToken }) },
    ...(options.body === undefined ? {} : { body: options.body }),
  });

async function signUp(): Promise<{ email: string; password: string; token: string; id: string }> {
  const email = `${unique('buyer')}@example.com`;
  const password = 'a long password 1';
  const res = await storefront('POST', '/v1/account', { body: { email, name: 'Mei Buyer', password } });
  expect(res.status, res.text).toBe(201);
  return { email, password, token: res.body.token as string, id: res.body.account.id as string };
}

describe('consumer accounts', () => {
  it('signs up, signs in and out, and refuses what it should', async () => {
    const me = await signUp();
    expect((await storefront('GET', '/v1/account', { token: me.token })).body).toMatchObject({ id: me.id, email: me.email, name: 'Mei Buyer' });
    expect((await storefront('POST', '/v1/account', { body: { email: me.email.toUpperCase(), name: 'Again', password: 'another password' } })).body.code).toBe('email_taken');
    expect((await storefront('POST', '/v1/account', { body: { email: `${unique('short')}@example.com`, name: 'Short', password: 'short' } })).status).toBe(400);

    const wrong = await storefront('POST', '/v1/account/sessions', { body: { email: me.email, password: 'not the password' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_credentials');
    const second = await storefront('POST', '/v1/account/sessions', { body: { email: me.email, password: me.password } });
    expect(second.status).toBe(201);

    const missing = await storefront('GET', '/v1/account');
    expect(missing.status).toBe(401);
    expect(missing.body.code).toBe('consumer_unauthenticated');
    expect((await storefront('GET', '/v1/account', { token: 'cst_forged' })).status).toBe(401);
    expect((await storefront('DELETE', '/v1/account/session', { token: second.body.token as string })).status).toBe(200);
    expect((await storefront('GET', '/v1/account', { token: second.body.token as string })).status).toBe(401);
    // The other session still works.
    expect((await storefront('GET', '/v1/account', { token: me.token })).status).toBe(200);
  });

  it('stops guessing a consumer’s password: ten failures and the next sign-in from there is refused with 429', async () => {
    const me = await signUp();
    for (let i = 0; i < 10; i++) expect((await storefront('POST', '/v1/account/sessions', { body: { email: me.email, password: `guess number ${i}` } })).status).toBe(401);
    const res = await storefront('POST', '/v1/account/sessions', { body: { email: me.email, password: me.password } });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('keeps a guest’s cart when they sign in: claimed once, it opens with their session alone and checks out as theirs', async () => {
    const guest = await storefront('POST', '/v1/carts', { body: { currency: 'CNY' } });
    expect(guest.status).toBe(201);
    const cart_id = guest.body.id as string;
    const cartToken = guest.body.token as string;
    expect((await storefront('POST', `/v1/carts/${cart_id}/items`, { cartToken, body: { variant_id: item.variant_id, quantity: 2 } })).status).toBe(200);

    const me = await signUp();
    // Before the claim, the session alone does not open the guest cart.
    expect((await storefront('GET', `/v1/carts/${cart_id}`, { token: me.token })).status).toBe(404);
    expect((await storefront('POST', `/v1/carts/${cart_id}/claim`, { token: me.token, cartToken })).status).toBe(200);
    const mine = await storefront('GET', `/v1/carts/${cart_id}`, { token: me.token });
    expect(mine.status).toBe(200);
    expect(mine.body.items).toEqual([expect.objectContaining({ variant_id: item.variant_id, quantity: 2 })]);
    expect((await storefront('GET', '/v1/account/carts', { token: me.token })).body.data.map((c: { id: string }) => c.id)).toEqual([cart_id]);

    // Claimed, the old guest token opens nothing: not the cart (with the account's email), not its checkout.
    expect((await storefront('GET', `/v1/carts/${cart_id}`, { cartToken })).status).toBe(404);
    expect((await storefront('POST', `/v1/carts/${cart_id}/items`, { cartToken, body: { variant_id: item.variant_id, quantity: 5 } })).status).toBe(404);
    expect((await storefront('POST', `/v1/carts/${cart_id}/checkout`, { cartToken, body: {} })).status).toBe(404);

    // Someone else, signed in, neither opens it nor takes it, with or without the old token.
    const other = await signUp();
    expect((await storefront('GET', `/v1/carts/${cart_id}`, { token: other.token })).status).toBe(404);
    expect((await storefront('POST', `/v1/carts/${cart_id}/claim`, { token: other.token, cartToken })).status).toBe(404);

    const placed = await storefront('POST', `/v1/carts/${cart_id}/checkout`, { token: me.token, body: {} });
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body.orders[0]).toMatchObject({ buyer_email: me.email, total_minor: 5_000 });
    const orders = await storefront('GET', '/v1/account/orders', { token: me.token });
    expect(orders.body.data.map((o: { id: string }) => o.id)).toEqual([placed.body.orders[0].id]);
    expect((await storefront('GET', '/v1/account/orders', { token: other.token })).body.data).toEqual([]);
  });

  it('lets the buyer confirm receipt of a shipped order, and no one else', async () => {
    const me = await signUp();
    const other = await signUp();
    const bought = await storefront('POST', '/v1/checkouts', { token: me.token, body: { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity: 1 }] } });
    expect(bought.status, bought.text).toBe(201);
    const order_id = bought.body.orders[0].id as string;
    expect(bought.body.orders[0].buyer_email).toBe(me.email);

    const early = await storefront('POST', `/v1/account/orders/${order_id}/confirm-receipt`, { token: me.token });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('illegal_order_transition');
    await markOrderPaid(platform.database.db, shop.id, order_id);
    expect((await shop.call('POST', `/v1/orders/${order_id}/ship`)).status).toBe(200);
    expect((await storefront('POST', `/v1/account/orders/${order_id}/confirm-receipt`, { token: other.token })).status).toBe(404);
    expect((await storefront('POST', `/v1/account/orders/${order_id}/confirm-receipt`)).status).toBe(401);

    const confirmed = await storefront('POST', `/v1/account/orders/${order_id}/confirm-receipt`, { token: me.token });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body.status).toBe('completed');
    const seen = await shop.call('GET', `/v1/orders/${order_id}`);
    expect(seen.body.transitions.at(-1)).toMatchObject({ to_status: 'completed', actor: `consumer:${me.id}` });
    const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
  });

  it('lets the buyer ask for a refund, which the seller then decides', async () => {
    const me = await signUp();
    const other = await signUp();
    const bought = await storefront('POST', '/v1/checkouts', { token: me.token, body: { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity: 2 }] } });
    const order_id = bought.body.orders[0].id as string;
    await markOrderPaid(platform.database.db, shop.id, order_id);
    expect((await storefront('POST', `/v1/account/orders/${order_id}/refund-request`, { token: me.token, body: {} })).status).toBe(400);
    expect((await storefront('POST', `/v1/account/orders/${order_id}/refund-request`, { token: other.token, body: { reason: 'not mine' } })).status).toBe(404);
    const asked = await storefront('POST', `/v1/account/orders/${order_id}/refund-request`, { token: me.token, body: { reason: 'changed my mind', amount_minor: 2_500 } });
    expect(asked.status, asked.text).toBe(200);
    expect(asked.body).toMatchObject({ status: 'refund_requested', refund_amount_minor: 2_500 });
    const seen = await shop.call('GET', `/v1/orders/${order_id}`);
    expect(seen.body.transitions.at(-1)).toMatchObject({ to_status: 'refund_requested', actor: `consumer:${me.id}`, reason: 'changed my mind' });
    expect(seen.body.actions).toEqual(expect.arrayContaining(['refund-approve', 'refund-reject']));
    expect((await shop.call('POST', `/v1/orders/${order_id}/refund-approve`)).body.status).toBe('refunded');
  });

  it('changes a password only with the current one, and ends the other sessions', async () => {
    const me = await signUp();
    const elsewhere = (await storefront('POST', '/v1/account/sessions', { body: { email: me.email, password: me.password } })).body.token as string;
    const wrong = await storefront('PUT', '/v1/account/password', { token: me.token, body: { current_password: 'not it at all', new_password: 'a brand new password' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].field).toBe('current_password');
    expect((await storefront('PUT', '/v1/account/password', { token: me.token, body: { current_password: me.password, new_password: 'short' } })).status).toBe(400);
    expect((await storefront('PUT', '/v1/account/password', { token: me.token, body: { current_password: me.password, new_password: 'a brand new password' } })).status).toBe(200);
    expect((await storefront('GET', '/v1/account', { token: me.token })).status).toBe(200);
    expect((await storefront('GET', '/v1/account', { token: elsewhere })).status).toBe(401);
    expect((await storefront('POST', '/v1/account/sessions', { body: { email: me.email, password: me.password } })).status).toBe(401);
    expect((await storefront('POST', '/v1/account/sessions', { body: { email: me.email, password: 'a brand new password' } })).status).toBe(201);
  });

  it('counts wrong current passwords as failed sign-ins, so a stolen session cannot guess the password', async () => {
    const me = await signUp();
    const change = (current: string) => storefront('PUT', '/v1/account/password', { token: me.token, body: { current_password: current, new_password: 'a brand new password' } });
    for (let i = 0; i < 10; i++) expect((await change(`guess number ${i}`)).status).toBe(400);
    expect((await change(me.password)).status).toBe(429);
    expect((await storefront('POST', '/v1/account/sessions', { body: { email: me.email, password: me.password } })).status).toBe(429);
  });

  it('forgets sessions a day after they ended or expired, and keeps live ones', async () => {
    const me = await signUp();
    const ended = (await storefront('POST', '/v1/account/sessions', { body: { email: me.email, password: me.password } })).body.token as string;
    await storefront('DELETE', '/v1/account/session', { token: ended });
    const sessions = async () => (await sql<{ n: number }>`select count(*)::int as n from consumer_session where consumer_id = ${me.id}`.execute(platform.database.db)).rows[0]!.n;
    expect(await sessions()).toBe(2);
    await pruneConsumerSessions(platform.database.db);
    expect(await sessions()).toBe(2);
    await sql`update consumer_session set ended_at = now() - interval '2 days' where consumer_id = ${me.id} and ended_at is not null`.execute(platform.database.db);
    expect(await pruneConsumerSessions(platform.database.db)).toBeGreaterThanOrEqual(1);
    expect(await sessions()).toBe(1);
    expect((await storefront('GET', '/v1/account', { token: me.token })).status).toBe(200);
  });

  it('never replays one consumer’s stored response to another who reuses their Idempotency-Key on the shared storefront key', async () => {
    const me = await signUp();
    const other = await signUp();
    const headers = (token: string) => ({ 'x-consumer-token': token, 'idempotency-key': 'checkout-1' });
    const body = { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity: 1 }] };
    const mine = await shop.call('POST', '/v1/checkouts', { key: shop.publishableKey, headers: headers(me.token), body });
    expect(mine.status).toBe(201);
    // The same request again is a replay of the stored answer.
    expect((await shop.call('POST', '/v1/checkouts', { key: shop.publishableKey, headers: headers(me.token), body })).body.checkout_id).toBe(mine.body.checkout_id);
    const theirs = await shop.call('POST', '/v1/checkouts', { key: shop.publishableKey, headers: headers(other.token), body });
    expect(theirs.status).toBe(422);
    expect(theirs.body.code).toBe('idempotency_key_reused');
    expect(JSON.stringify(theirs.body)).not.toContain(mine.body.checkout_id);
  });
});
