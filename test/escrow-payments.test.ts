import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { getJob, runDueJobs } from '../src/kernel/jobs.js';
import { runPayouts, sendPendingRefunds, signPayload, signatureHeader, testCards, TestPaymentProvider } from '../src/modules/payments/index.js';
import { eventHandlers, jobHandlers, modules } from '../src/platform/modules.js';
import { applyOrderAction, orderRules } from '../src/modules/orders/index.js';
import { aStockedItem, buy, type ShopItem } from './support/commerce.js';
import { autoConfirm } from './support/orders.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * The escrow flow end to end through the API: pay (signed webhooks from the test provider),
 * hold in escrow, ship, confirm or let the timer confirm, release minus commission, refund,
 * pay out with a statement; and every way of getting it wrong.
 */
const secret = 'whsec_test_secret_for_escrow_tests';
let platform: TestPlatform;
let seller: TestMerchant;
let storefront: TestMerchant;
let item: ShopItem;
let dispatcher: OutboxDispatcher;

function provider(options: { duplicate?: boolean; outOfOrder?: boolean } = {}): TestPaymentProvider {
  return new TestPaymentProvider(platform.database.db, {
    secret,
    ...options,
    async deliver(body, headers) {
      const res = await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body });
      return res.status;
    },
  });
}

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_TEST_PROVIDER_SECRET: secret, OPENBOS_COMMISSION_BPS: '500' });
  seller = await platform.merchant(undefined, 'retailer');
  storefront = await platform.merchant();
  item = await aStockedItem(seller, { price_minor: 10_000, units: 100 });
  dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
});
afterAll(async () => platform.close());

async function checkout(quantity = 1): Promise<{ checkout_id: string; order_id: string }> {
  const res = await buy(storefront, [{ variant_id: item.variant_id, quantity }]);
  expect(res.status, res.text).toBe(201);
  return { checkout_id: res.body.checkout_id, order_id: res.body.orders[0].id };
}

async function pay(checkout_id: string, card: string = testCards.succeeds) {
  return storefront.call('POST', `/v1/checkouts/${checkout_id}/payments`, { key: storefront.publishableKey, body: { payment_method: card } });
}

async function paidOrder(quantity = 1): Promise<string> {
  const { checkout_id, order_id } = await checkout(quantity);
  expect((await pay(checkout_id)).status).toBe(202);
  await provider().deliverDue();
  expect((await order(order_id)).status).toBe('paid');
  return order_id;
}

async function order(id: string) {
  return (await seller.call('GET', `/v1/orders/${id}`)).body;
}

async function balance() {
  const res = await seller.call('GET', '/v1/balance');
  return res.body.data[0] ?? { available_minor: 0, held_minor: 0, paid_out_minor: 0 };
}

async function invariantsHold(): Promise<void> {
  const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

describe('escrow payments', () => {
  it('holds the money in escrow when paid, and releases it to the seller minus commission on confirmation', async () => {
    const before = await balance();
    const order_id = await paidOrder(2);
    expect((await balance()).held_minor).toBe(before.held_minor + 20_000);
    expect((await balance()).available_minor).toBe(before.available_minor);
    expect((await seller.call('POST', `/v1/orders/${order_id}/ship`)).status).toBe(200);
    await autoConfirm(platform.database.db, seller.id, order_id);
    await dispatcher.drain();
    const after = await balance();
    expect(after.held_minor).toBe(before.held_minor);
    expect(after.available_minor).toBe(before.available_minor + 19_000);
    const payments = await seller.call('GET', `/v1/payments?order_id=${order_id}`);
    // The released amount plus the commission the payment reports is what the buyer paid.
    expect(payments.body.data[0]).toMatchObject({ status: 'released', amount_minor: 20_000, commission_bps: 500, commission_minor: 1_000 });
    await invariantsHold();
  });

  it('confirms by itself after the auto-confirm time, counted from delivery, and a refund request stops that clock', async () => {
    const quiet = await paidOrder();
    await seller.call('POST', `/v1/orders/${quiet}/ship`);
    const handlers = jobHandlers(platform.ctx);
    // Shipped but not yet delivered: ten days after shipment the buyer may still be waiting for the parcel.
    await runDueJobs(platform.database.db, handlers, silentLogger, new Date(Date.now() + 11 * 24 * 3_600_000));
    expect((await order(quiet)).status).toBe('shipped');
    await seller.call('POST', `/v1/orders/${quiet}/deliver`);
    const disputed = await paidOrder();
    await seller.call('POST', `/v1/orders/${disputed}/ship`);
    await seller.call('POST', `/v1/orders/${disputed}/refund-request`, { body: { reason: 'arrived broken' } });
    expect((await getJob(platform.database.db, `orders.auto_confirm:${disputed}`))?.state).toBe('paused');
    await runDueJobs(platform.database.db, handlers, silentLogger, new Date(Date.now() + 11 * 24 * 3_600_000));
    expect((await order(quiet)).status).toBe('completed');
    expect((await order(quiet)).transitions.at(-1).actor).toBe('system:auto-confirm');
    expect((await order(disputed)).status).toBe('refund_requested');
    // Fires exactly once: running the timers again changes nothing.
    expect(await runDueJobs(platform.database.db, handlers, silentLogger, new Date(Date.now() + 11 * 24 * 3_600_000))).toBe(0);
    await seller.call('POST', `/v1/orders/${disputed}/refund-reject`);
    expect((await getJob(platform.database.db, `orders.auto_confirm:${disputed}`))?.state).toBe('scheduled');
    await dispatcher.drain();
    expect((await seller.call('GET', `/v1/payments?order_id=${quiet}`)).body.data[0].status).toBe('released');
    await invariantsHold();
  });

  it('voids the hold on a full refund and sends the money back through the provider', async () => {
    const before = await balance();
    const order_id = await paidOrder();
    await seller.call('POST', `/v1/orders/${order_id}/refund-request`);
    expect((await seller.call('POST', `/v1/orders/${order_id}/refund-approve`)).body.status).toBe('refunded');
    await dispatcher.drain();
    expect(await balance()).toEqual(before);
    expect(await sendPendingRefunds(platform.database.db, provider())).toBe(1);
    await provider().deliverDue();
    const events = await sql<{ type: string }>`select type from provider_event where type = 'refund.succeeded'`.execute(platform.database.db);
    expect(events.rows.length).toBeGreaterThanOrEqual(1);
    expect(await sendPendingRefunds(platform.database.db, provider())).toBe(0);
    await invariantsHold();
  });

  it('on a partial refund, pays the seller the rest minus commission and refunds the part', async () => {
    const before = await balance();
    const order_id = await paidOrder(3);
    await seller.call('POST', `/v1/orders/${order_id}/ship`);
    expect((await seller.call('POST', `/v1/orders/${order_id}/refund-request`, { body: { amount_minor: 10_000 } })).body.refund_amount_minor).toBe(10_000);
    await seller.call('POST', `/v1/orders/${order_id}/refund-approve`);
    await dispatcher.drain();
    expect((await balance()).available_minor).toBe(before.available_minor + 19_000);
    const payment = (await seller.call('GET', `/v1/payments?order_id=${order_id}`)).body.data[0];
    expect(payment).toMatchObject({ status: 'partially_refunded', refund_amount_minor: 10_000, commission_minor: 1_000 });
    await invariantsHold();
  });

  it('refuses a refund larger than what was paid, changing nothing', async () => {
    const order_id = await paidOrder();
    const res = await seller.call('POST', `/v1/orders/${order_id}/refund-request`, { body: { amount_minor: 10_001 } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('refund_exceeds_paid');
    expect((await order(order_id)).status).toBe('paid');
  });

  it('pays sellers out with a statement of every order, commission and refund', async () => {
    const before = await balance();
    const payouts = await runPayouts(platform.database.db);
    const mine = payouts.find((p) => p.merchant_id === seller.id)!;
    expect(Number(mine.amount_minor)).toBe(before.available_minor);
    const statement = await seller.call('GET', `/v1/payouts/${mine.payout_id}`);
    expect(statement.status).toBe(200);
    const items = statement.body.items as { gross_minor: number; commission_minor: number; refunded_minor: number; net_minor: number }[];
    expect(items.reduce((s, i) => s + i.net_minor, 0)).toBe(statement.body.amount_minor);
    expect(items.every((i) => i.net_minor === i.gross_minor - i.commission_minor - i.refunded_minor)).toBe(true);
    expect(items.some((i) => i.refunded_minor === 10_000 && i.commission_minor === 1_000)).toBe(true);
    expect((await balance()).available_minor).toBe(0);
    expect((await runPayouts(platform.database.db)).find((p) => p.merchant_id === seller.id)).toBeUndefined();
    await invariantsHold();
  });
});

describe('payments: what can go wrong', () => {
  it('answers a declined card with 402 and leaves the order awaiting payment; another card then works', async () => {
    const { checkout_id, order_id } = await checkout();
    const declined = await pay(checkout_id, testCards.declined);
    expect(declined.status).toBe(402);
    expect(declined.body.code).toBe('card_declined');
    expect((await order(order_id)).status).toBe('awaiting_payment');
    expect((await pay(checkout_id)).status).toBe(202);
    await provider().deliverDue();
    expect((await order(order_id)).status).toBe('paid');
  });

  it('retries a provider that is briefly unavailable', async () => {
    const { checkout_id, order_id } = await checkout();
    expect((await pay(checkout_id, testCards.needsRetry)).status).toBe(202);
    await provider().deliverDue();
    expect((await order(order_id)).status).toBe('paid');
  });

  it('marks a payment failed when the provider reports failure later, and charges nothing', async () => {
    const { checkout_id, order_id } = await checkout();
    expect((await pay(checkout_id, testCards.failsLater)).status).toBe(202);
    await provider().deliverDue();
    expect((await order(order_id)).status).toBe('awaiting_payment');
    expect((await seller.call('GET', `/v1/payments?order_id=${order_id}`)).body.data[0]).toMatchObject({ status: 'failed', failure_code: 'processing_error' });
  });

  it('captures once when webhooks arrive twice and out of order', async () => {
    const { checkout_id, order_id } = await checkout();
    await pay(checkout_id);
    await provider({ duplicate: true, outOfOrder: true }).deliverDue();
    expect((await order(order_id)).status).toBe('paid');
    const captures = await sql<{ n: number }>`select count(*)::int as n from ledger_transfer where code = 'capture' and reference = ${order_id}`.execute(platform.database.db);
    expect(captures.rows[0]!.n).toBe(1);
    await invariantsHold();
  });

  it('refuses a forged or replayed webhook with 401 and changes nothing', async () => {
    const { checkout_id, order_id } = await checkout();
    await pay(checkout_id);
    const pending = await sql<{ body: string }>`select body from test_provider_webhook where delivered_at is null and body like ${`%captured%`} order by id desc limit 1`.execute(platform.database.db);
    const body = pending.rows[0]!.body;
    const forged = await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers: { 'content-type': 'application/json', [signatureHeader]: signPayload('not-the-secret', body) }, body });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { code: string }).code).toBe('invalid_signature');
    const stale = await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers: { 'content-type': 'application/json', [signatureHeader]: signPayload(secret, body, Math.floor(Date.now() / 1_000) - 3_600) }, body });
    expect(stale.status).toBe(401);
    const tampered = body.replace(/"amount_minor":\d+/, '"amount_minor":1');
    const altered = await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers: { 'content-type': 'application/json', [signatureHeader]: signPayload(secret, body) }, body: tampered });
    expect(altered.status).toBe(401);
    expect((await order(order_id)).status).toBe('awaiting_payment');
  });

  it('refuses to pay twice for the same order', async () => {
    const { checkout_id } = await checkout();
    expect((await pay(checkout_id)).status).toBe(202);
    const again = await pay(checkout_id);
    expect(again.status).toBe(409);
  });

  it('refuses to confirm an unshipped order', async () => {
    const order_id = await paidOrder();
    await expect(autoConfirm(platform.database.db, seller.id, order_id)).rejects.toMatchObject({ status: 409, code: 'illegal_order_transition' });
  });

  it('never lets the seller release the escrow: only the buyer, the auto-confirm timer or the platform', async () => {
    const order_id = await paidOrder();
    expect((await seller.call('POST', `/v1/orders/${order_id}/ship`)).status).toBe(200);
    // No seller route completes an order, for a key or for the console.
    expect((await seller.call('POST', `/v1/orders/${order_id}/complete`)).status).toBe(404);
    const owner = await seller.signIn('owner');
    expect((await owner.call('POST', `/v1/orders/${order_id}/complete`)).status).toBe(404);
    expect((await order(order_id)).actions).not.toContain('complete');
    // Nor does the state machine take it from a seller's actor, whatever route a future change adds.
    for (const actor of ['key:key_01', 'user:usr_01', 'anything-else']) {
      await expect(applyOrderAction(platform.database.db, seller.id, order_id, 'complete', { actor })).rejects.toMatchObject({ status: 403, code: 'not_yours_to_do' });
    }
    await dispatcher.drain();
    expect((await order(order_id)).status).toBe('shipped');
    expect((await seller.call('GET', `/v1/payments?order_id=${order_id}`)).body.data[0].status).toBe('captured');
    // Every action that leads to completion, the one transition that releases escrow, is the buyer's, a timer's or the platform's.
    const releasing = Object.entries(orderRules).filter(([, r]) => r.to === 'completed');
    expect(releasing.map(([a]) => a)).toEqual(['complete']);
    for (const [, r] of releasing) expect([...r.by].sort()).toEqual(['buyer', 'platform', 'system']);
  });

  it('releases the escrow when the buyer confirms receipt from their account', async () => {
    const email = `buyer-${Date.now()}@example.com`;
    const account = await storefront.call('POST', '/v1/account', { key: storefront.publishableKey, body: { email, name: 'Mei Buyer', password: 'a long password 1' } });
    expect(account.status, account.text).toBe(201);
    const token = account.body.token as string;
    const placed = await storefront.call('POST', '/v1/checkouts', { key: storefront.publishableKey, headers: { 'x-consumer-token': token }, body: { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity: 1 }] } });
    expect(placed.status, placed.text).toBe(201);
    const order_id = placed.body.orders[0].id as string;
    expect((await pay(placed.body.checkout_id)).status).toBe(202);
    await provider().deliverDue();
    expect((await seller.call('POST', `/v1/orders/${order_id}/ship`)).status).toBe(200);
    const confirmed = await storefront.call('POST', `/v1/account/orders/${order_id}/confirm-receipt`, { key: storefront.publishableKey, headers: { 'x-consumer-token': token } });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body.status).toBe('completed');
    await dispatcher.drain();
    expect((await seller.call('GET', `/v1/payments?order_id=${order_id}`)).body.data[0].status).toBe('released');
    const detail = await order(order_id);
    expect(detail.transitions.at(-1).actor).toMatch(/^consumer:/);
  });

  it('keeps the books balanced after everything above', async () => {
    await dispatcher.drain();
    await invariantsHold();
  });
});

describe('disputes', () => {
  it('a contested refund waits for the platform; the seller alone cannot settle it, the platform can', async () => {
    const order_id = await paidOrder();
    await seller.call('POST', `/v1/orders/${order_id}/ship`);
    await seller.call('POST', `/v1/orders/${order_id}/refund-request`);
    expect((await seller.call('POST', `/v1/orders/${order_id}/refund-dispute`, { body: { reason: 'buyer damaged it' } })).body.status).toBe('disputed');
    const sellerTries = await seller.call('POST', `/v1/orders/${order_id}/refund-reject`);
    expect(sellerTries.status).toBe(409);
    const handlers = jobHandlers(platform.ctx);
    await runDueJobs(platform.database.db, handlers, silentLogger, new Date(Date.now() + 30 * 24 * 3_600_000));
    expect((await order(order_id)).status).toBe('disputed');
    const { applyOrderAction } = await import('../src/modules/orders/index.js');
    await applyOrderAction(platform.database.db, seller.id, order_id, 'platform_refund', { actor: 'platform:test' });
    await dispatcher.drain();
    expect((await seller.call('GET', `/v1/payments?order_id=${order_id}`)).body.data[0].status).toBe('refunded');
    await invariantsHold();
  });
});
