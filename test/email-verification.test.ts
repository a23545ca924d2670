import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/kernel/checks.js';
import { runDueJobs } from '../src/kernel/jobs.js';
import { jobHandlers, modules } from '../src/platform/modules.js';
import { aStockedItem, buy, type ShopItem } from './support/commerce.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';
import { startSmtpServer, tokenIn, type ReceivedMail, type TestSmtpServer } from './support/smtp.js';

/**
 * A consumer proves their email by opening the link mailed at sign-up; only then do the guest
 * orders they placed with that email at that storefront join their account. Before, anyone
 * could claim another person's orders by signing up with their address.
 */
let smtp: TestSmtpServer;
let platform: TestPlatform;
let shopA: TestMerchant;
let shopB: TestMerchant;
let itemA: ShopItem;
let itemB: ShopItem;

beforeAll(async () => {
  smtp = await startSmtpServer();
  platform = await createTestPlatform({ OPENBOS_SMTP_URL: smtp.url });
  shopA = await platform.merchant();
  shopB = await platform.merchant();
  itemA = await aStockedItem(shopA, { units: 100 });
  itemB = await aStockedItem(shopB, { units: 100 });
  const keys = await shopA.call('GET', '/v1/api-keys?limit=100');
  const key_id = (keys.body.data as { id: string; kind: string }[]).find((k) => k.kind === 'publishable')!.id;
  await shopA.call('PATCH', `/v1/api-keys/${key_id}`, { body: { allowed_origins: ['https://a.example'] } });
});
afterAll(async () => {
  await platform.close();
  await smtp.close();
});

const unique = (tag: string) => `${tag}-${Math.random().toString(36).slice(2, 10)}`;
const storefront = (shop: TestMerchant, method: string, path: string, options: { body?: unknown; token?: string } = {}) =>
  shop.call(method, path, { key: shop.publishableKey, headers: options.token === undefined ? {} : { 'x-consumer-token': options.token }, ...(options.body === undefined ? {} : { body: options.body }) });

async function deliver(): Promise<ReceivedMail[]> {
  const before = smtp.received.length;
  for (let i = 0; i < 3; i++) await runDueJobs(platform.database.db, jobHandlers(platform.ctx), silentLogger);
  await new Promise((r) => setTimeout(r, 50));
  return smtp.received.slice(before);
}

async function guestOrder(shop: TestMerchant, item: ShopItem, email: string): Promise<string> {
  const res = await buy(shop, [{ variant_id: item.variant_id, quantity: 1 }], { buyer_email: email });
  expect(res.status, res.text).toBe(201);
  return res.body.orders[0].id as string;
}

async function signUp(shop: TestMerchant, email: string, body: Record<string, unknown> = {}) {
  const res = await storefront(shop, 'POST', '/v1/account', { body: { email, name: 'Mei Buyer', password: 'a long password 1', ...body } });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.account.id as string, session: res.body.token as string, verified: res.body.account.email_verified as boolean };
}

const myOrders = async (shop: TestMerchant, session: string) => ((await storefront(shop, 'GET', '/v1/account/orders', { token: session })).body.data as { id: string }[]).map((o) => o.id).sort();
const confirm = (shop: TestMerchant, token: string) => storefront(shop, 'POST', '/v1/account/email-verifications/confirm', { body: { token } });

describe('email verification', () => {
  it('links the guest orders of the same email at the same storefront, and only after the email is verified', async () => {
    const email = `${unique('mei')}@example.com`;
    const mine = [await guestOrder(shopA, itemA, email), await guestOrder(shopA, itemA, email.toUpperCase())];
    const atOtherShop = await guestOrder(shopB, itemB, email);
    const otherEmail = await guestOrder(shopA, itemA, `${unique('someone')}@example.com`);

    const me = await signUp(shopA, email, { email_verification_url: 'https://a.example/verify' });
    expect(me.verified).toBe(false);
    const [mail] = await deliver();
    expect(mail!.to).toEqual([email]);
    const token = tokenIn(mail!, 'cev_');
    expect(mail!.body).toContain(`https://a.example/verify?token=${token}`);
    // Signing up with an address proves nothing: no guest order is the account's yet.
    expect(await myOrders(shopA, me.session)).toEqual([]);

    const verified = await confirm(shopA, token);
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body).toMatchObject({ consumer_id: me.id, email, email_verified: true });
    expect([...(verified.body.linked_order_ids as string[])].sort()).toEqual([...mine].sort());
    expect(await myOrders(shopA, me.session)).toEqual([...mine].sort());
    expect(await myOrders(shopA, me.session)).not.toContain(atOtherShop);
    expect(await myOrders(shopA, me.session)).not.toContain(otherEmail);
    expect((await storefront(shopA, 'GET', '/v1/account', { token: me.session })).body.email_verified).toBe(true);

    const events = await sql<{ type: string; merchant_id: string | null; payload: { consumer_id: string } }>`
      select type, merchant_id, payload from bos_outbox_event where type in ('consumer.email_verified', 'order.linked_to_consumer') and payload->>'consumer_id' = ${me.id} order by id`.execute(platform.database.db);
    expect(events.rows.map((e) => [e.type, e.merchant_id])).toEqual([['consumer.email_verified', shopA.id], ['order.linked_to_consumer', shopA.id], ['order.linked_to_consumer', shopA.id]]);

    const again = await confirm(shopA, token);
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('account_token_invalid');
    for (const report of await runChecks(platform.database.db, modules.flatMap((m) => m.checks ?? []))) expect(report.violations, report.name).toEqual([]);
  });

  it('never gives one account’s orders to another, and links at another store only when verified there', async () => {
    const email = `${unique('ana')}@example.com`;
    const atB = await guestOrder(shopB, itemB, email);
    // Someone else, signed in, bought at A giving this email as the buyer's: it is their order.
    const other = await signUp(shopA, `${unique('other')}@example.com`);
    const theirs = await shopA.call('POST', '/v1/checkouts', { key: shopA.publishableKey, headers: { 'x-consumer-token': other.session }, body: { currency: 'CNY', items: [{ variant_id: itemA.variant_id, quantity: 1 }], buyer_email: email } });
    expect(theirs.status, theirs.text).toBe(201);
    await deliver();
    const me = await signUp(shopA, email);
    const token = tokenIn((await deliver())[0]!, 'cev_');
    expect((await confirm(shopA, token)).body.linked_order_ids).toEqual([]);
    expect(await myOrders(shopA, other.session)).toEqual([theirs.body.orders[0].id]);

    // Asked for from store B, a new link brings B's guest orders.
    const request = await storefront(shopB, 'POST', '/v1/account/email-verifications', { token: me.session, body: {} });
    expect(request.status).toBe(202);
    const atBToken = tokenIn((await deliver())[0]!, 'cev_');
    expect((await confirm(shopB, atBToken)).body.linked_order_ids).toEqual([atB]);

    // An order already in an account stays there.
    const owned = await sql<{ consumer_id: string }>`select consumer_id from sales_order where id = ${atB}`.execute(platform.database.db);
    expect(owned.rows[0]!.consumer_id).toBe(me.id);
  });

  it('refuses an expired link, and a link for an address the account no longer has', async () => {
    const email = `${unique('tom')}@example.com`;
    await guestOrder(shopA, itemA, email);
    const me = await signUp(shopA, email);
    const token = tokenIn((await deliver())[0]!, 'cev_');
    await sql`update consumer_account_token set expires_at = now() - interval '1 second' where consumer_id = ${me.id}`.execute(platform.database.db);
    const expired = await confirm(shopA, token);
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe('account_token_invalid');
    expect(await myOrders(shopA, me.session)).toEqual([]);

    await storefront(shopA, 'POST', '/v1/account/email-verifications', { token: me.session, body: {} });
    const fresh = tokenIn((await deliver())[0]!, 'cev_');
    await sql`update consumer set email = ${`${unique('changed')}@example.com`} where id = ${me.id}`.execute(platform.database.db);
    expect((await confirm(shopA, fresh)).body.code).toBe('account_token_invalid');
    expect(await myOrders(shopA, me.session)).toEqual([]);
  });

  it('wants a signed-in consumer and a link on an origin the key allows to send a new link', async () => {
    expect((await storefront(shopA, 'POST', '/v1/account/email-verifications', { body: {} })).status).toBe(401);
    const me = await signUp(shopA, `${unique('li')}@example.com`);
    await deliver();
    const elsewhere = await storefront(shopA, 'POST', '/v1/account/email-verifications', { token: me.session, body: { link_url: 'https://attacker.example/verify' } });
    expect(elsewhere.status).toBe(400);
    expect((await storefront(shopA, 'POST', '/v1/account', { body: { email: `${unique('x')}@example.com`, name: 'X', password: 'a long password 1', email_verification_url: 'https://attacker.example/v' } })).status).toBe(400);
  });
});
