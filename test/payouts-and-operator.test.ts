import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { runDueJobs } from '../src/kernel/jobs.js';
import { createApiKey } from '../src/modules/merchants/index.js';
import { testCards, TestPaymentProvider } from '../src/modules/payments/index.js';
import { eventHandlers, jobHandlers, modules, registry } from '../src/platform/modules.js';
import { aStockedItem, buy, type ShopItem } from './support/commerce.js';
import { operatorSession, type OperatorSession } from './support/operator.js';
import { autoConfirm } from './support/orders.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * A seller asks to be paid now (POST /v1/payouts), never more than is available, once per
 * Idempotency-Key, and only as owner or admin; the platform operator sees every seller's balance
 * and decides disputes, on routes no merchant can reach.
 */
const secret = 'whsec_test_secret_for_payout_requests';
const minimum_minor = 20_000;
let platform: TestPlatform;
let storefront: TestMerchant;
let dispatcher: OutboxDispatcher;
let operator: OperatorSession;

const db = () => platform.database.db;

function provider(): TestPaymentProvider {
  return new TestPaymentProvider(db(), { secret, deliver: async (body, headers) => (await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body })).status });
}

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_TEST_PROVIDER_SECRET: secret, OPENBOS_COMMISSION_BPS: '500', OPENBOS_PAYOUT_MINIMUM_MINOR: String(minimum_minor) });
  storefront = await platform.merchant();
  dispatcher = new OutboxDispatcher({ db: db(), pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
  operator = await operatorSession(platform);
});
afterAll(async () => platform.close());

/** A paid order of ¥100.00 (¥95.00 for the seller after the 5% commission), shipped. */
async function shippedOrder(seller: TestMerchant, item: ShopItem): Promise<string> {
  const res = await buy(storefront, [{ variant_id: item.variant_id, quantity: 1 }]);
  expect(res.status, res.text).toBe(201);
  const paid = await storefront.call('POST', `/v1/checkouts/${res.body.checkout_id as string}/payments`, { key: storefront.publishableKey, body: { payment_method: testCards.succeeds } });
  expect(paid.status, paid.text).toBe(202);
  await provider().deliverDue();
  const order_id = res.body.orders[0].id as string;
  expect((await seller.call('POST', `/v1/orders/${order_id}/ship`)).status).toBe(200);
  return order_id;
}

/** `count` orders completed and their escrow released to the seller. */
async function released(seller: TestMerchant, item: ShopItem, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await autoConfirm(db(), seller.id, await shippedOrder(seller, item));
  await dispatcher.drain();
}

async function sellerWithItem(): Promise<{ seller: TestMerchant; item: ShopItem }> {
  const seller = await platform.merchant(undefined, 'retailer');
  return { seller, item: await aStockedItem(seller, { price_minor: 10_000, units: 100 }) };
}

async function balanceOf(seller: TestMerchant): Promise<{ available_minor: number; held_minor: number; paid_out_minor: number }> {
  const res = await seller.call('GET', '/v1/balance');
  return res.body.data.find((b: { currency: string }) => b.currency === 'CNY') ?? { available_minor: 0, held_minor: 0, paid_out_minor: 0 };
}

async function invariantsHold(): Promise<void> {
  const reports = await runChecks(db(), [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

describe('a seller requests a payout', () => {
  it('pays the available balance with its statement, once per Idempotency-Key, and then has nothing left to pay', async () => {
    const { seller, item } = await sellerWithItem();
    await released(seller, item, 3);
    expect(await balanceOf(seller)).toMatchObject({ available_minor: 28_500, paid_out_minor: 0 });
    const owner = await seller.signIn('owner');
    const request = { body: { currency: 'CNY', amount_minor: 28_500 }, headers: { 'idempotency-key': 'payout-request-1' } };
    const first = await owner.call('POST', '/v1/payouts', request);
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ currency: 'CNY', amount_minor: 28_500, gross_minor: 30_000, commission_minor: 1_500, refunded_minor: 0, requested_by: `user:${owner.user_id}` });
    expect(first.body.items).toHaveLength(3);
    expect(first.body.items.reduce((s: number, i: { net_minor: number }) => s + i.net_minor, 0)).toBe(28_500);
    // A retry with the same key answers the same payout and pays nothing more.
    const retry = await owner.call('POST', '/v1/payouts', request);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(await balanceOf(seller)).toMatchObject({ available_minor: 0, paid_out_minor: 28_500 });
    const again = await owner.call('POST', '/v1/payouts', { body: { currency: 'CNY' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('nothing_to_pay_out');
    const statement = await seller.call('GET', `/v1/payouts/${first.body.id as string}`);
    expect(statement.body).toEqual(first.body);
    const events = await platform.database.pool.query<{ payload: { payout_id: string; amount_minor: number; requested_by: string } }>("select payload from bos_outbox_event where type = 'payout.paid' and merchant_id = $1", [seller.id]);
    expect(events.rows.map((r) => r.payload)).toEqual([expect.objectContaining({ payout_id: first.body.id, amount_minor: 28_500, requested_by: `user:${owner.user_id}` })]);
    await invariantsHold();
  });

  it('never pays more than is available, however many requests arrive at once', async () => {
    const { seller, item } = await sellerWithItem();
    await released(seller, item, 4);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => seller.call('POST', '/v1/payouts', { body: { currency: 'CNY' }, headers: { 'idempotency-key': `race-${i}` } })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.code === 'nothing_to_pay_out')).toBe(true);
    expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
    expect(await balanceOf(seller)).toMatchObject({ available_minor: 0, paid_out_minor: 38_000 });
    const payouts = await seller.call('GET', '/v1/payouts');
    expect(payouts.body.data.map((p: { amount_minor: number }) => p.amount_minor)).toEqual([38_000]);
    await invariantsHold();
  });

  it('refuses an amount that is no longer the balance, a balance under the minimum and bad input, and changes nothing', async () => {
    const { seller, item } = await sellerWithItem();
    await released(seller, item, 1);
    const under = await seller.call('POST', '/v1/payouts', { body: { currency: 'CNY' } });
    expect(under.status).toBe(422);
    expect(under.body.code).toBe('below_payout_minimum');
    await released(seller, item, 2);
    const stale = await seller.call('POST', '/v1/payouts', { body: { currency: 'CNY', amount_minor: 9_500 } });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('balance_changed');
    for (const body of [{ currency: 'CNYY' }, { currency: 'CNY', amount_minor: -1 }, { currency: 'CNY', extra: true }, {}]) {
      const bad = await seller.call('POST', '/v1/payouts', { body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
    }
    const other = await seller.call('POST', '/v1/payouts', { body: { currency: 'JPY' } });
    expect(other.status).toBe(409);
    expect(await balanceOf(seller)).toMatchObject({ available_minor: 28_500, paid_out_minor: 0 });
    expect((await seller.call('GET', '/v1/payouts')).body.data).toEqual([]);
  });

  it('is for owners and admins: staff and viewers may look but not request', async () => {
    const { seller, item } = await sellerWithItem();
    await released(seller, item, 3);
    for (const role of ['staff', 'viewer'] as const) {
      const person = await seller.signIn(role);
      const res = await person.call('POST', '/v1/payouts', { body: { currency: 'CNY' } });
      expect(res.status, role).toBe(403);
      expect(res.body.code).toBe('insufficient_scope');
    }
    expect(await balanceOf(seller)).toMatchObject({ available_minor: 28_500 });
    const admin = await seller.signIn('admin');
    expect((await admin.call('POST', '/v1/payouts', { body: { currency: 'CNY' } })).status).toBe(201);
  });
});

describe('the platform operator', () => {
  it('is the only one who reaches /v1/platform: no merchant key or person, whatever their role', async () => {
    const { seller } = await sellerWithItem();
    const platformRoutes = platform.routes.filter((r) => r.access.tenancy === 'platform');
    expect(platformRoutes.map((r) => r.operationId).sort()).toEqual(['decideDispute', 'getSellerBalanceTotals', 'listDisputes', 'listSellerBalances', 'setPromotionFunding']);
    expect(platformRoutes.every((r) => r.path.startsWith('/v1/platform/'))).toBe(true);
    const owner = await seller.signIn('owner');
    for (const route of platformRoutes) {
      const path = route.path.replace('{order_id}', 'ord_01JAAAAAAAAAAAAAAAAAAAAAAA').replace('{merchant_id}', seller.id).replace('{promotion_id}', 'promo_01JAAAAAAAAAAAAAAAAAAAAAAA');
      const body = route.method === 'POST' ? { outcome: 'refund', reason: 'because' } : route.method === 'PUT' ? { funded_by: 'platform', reason: 'because' } : undefined;
      for (const [who, res] of [['secret key', await seller.call(route.method, path, { body })], ['owner', await owner.call(route.method, path, { body })]] as const) {
        expect(res.status, `${who} ${route.operationId}`).toBe(403);
      }
    }
    // No key may hold a platform scope, and the scopes a key may hold do not list them.
    const key = await seller.call('POST', '/v1/api-keys', { body: { kind: 'secret', name: 'sneaky', scopes: ['platform:read'] } });
    expect(key.status).toBe(403);
    const scopes = await seller.call('GET', '/v1/scopes');
    expect(scopes.body.data.map((s: { name: string }) => s.name)).not.toContain('platform:read');
    expect((await owner.call('GET', '/v1/console/session')).body.scopes).not.toContain('platform:read');
  });

  it('holds the platform scopes by role, and a key of the operator’s account cannot take over its people', async () => {
    const session = await operator.call('GET', '/v1/console/session');
    expect(session.body.scopes).toEqual(expect.arrayContaining(['platform:read', 'platform:write']));
    const viewer = await operatorSession(platform, 'viewer');
    expect((await viewer.call('GET', '/v1/platform/disputes')).status).toBe(200);
    const refused = await viewer.call('POST', '/v1/platform/disputes/ord_01JAAAAAAAAAAAAAAAAAAAAAAA/decision', { body: { outcome: 'refund', reason: 'no' } });
    expect(refused.status).toBe(403);
    // A secret key of the operator's own account holds every merchant scope (users:write too)
    // but no platform scope, so it may not change a person who holds them.
    const { token } = await createApiKey(db(), { merchant_id: operator.merchant_id, kind: 'secret' }, 'test', registry.scopes);
    const users = await operator.call('GET', '/v1/console-users');
    const person = users.body.data[0].id as string;
    const takeover = await platform.app.request(`/v1/console-users/${person}`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ role: 'viewer' }) });
    expect(takeover.status).toBe(403);
    expect(((await takeover.json()) as { code: string }).code).toBe('exceeds_your_powers');
  });

  it('sees every seller’s balance as each seller does, with totals that match the ledger', async () => {
    const a = await sellerWithItem();
    const b = await sellerWithItem();
    await released(a.seller, a.item, 2);
    await shippedOrder(b.seller, b.item);
    const rows: { seller: { id: string; handle: string }; currency: string; available_minor: number; held_minor: number; paid_out_minor: number }[] = [];
    let cursor: string | null = null;
    do {
      const page = await operator.call('GET', `/v1/platform/balances?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(page.status, page.text).toBe(200);
      rows.push(...page.body.data);
      cursor = page.body.next_cursor as string | null;
    } while (cursor !== null);
    for (const { seller } of [a, b]) {
      const own = await balanceOf(seller);
      expect(rows.find((r) => r.seller.id === seller.id && r.currency === 'CNY')).toEqual({ seller: { id: seller.id, handle: seller.handle, name: 'Test merchant' }, currency: 'CNY', ...own });
    }
    expect(rows.find((r) => r.seller.id === a.seller.id)!.available_minor).toBe(19_000);
    expect(rows.find((r) => r.seller.id === b.seller.id)!.held_minor).toBe(10_000);
    const totals = (await operator.call('GET', '/v1/platform/balance-totals')).body.data as { currency: string; sellers: number; available_minor: number; held_minor: number; paid_out_minor: number }[];
    const eur = rows.filter((r) => r.currency === 'CNY');
    expect(totals.find((t) => t.currency === 'CNY')).toEqual({
      currency: 'CNY',
      sellers: eur.length,
      available_minor: eur.reduce((s, r) => s + r.available_minor, 0),
      held_minor: eur.reduce((s, r) => s + r.held_minor, 0),
      paid_out_minor: eur.reduce((s, r) => s + r.paid_out_minor, 0),
    });
  });

  it('decides disputes through the state machine: a refund returns the escrow to the buyer, a rejection releases it to the seller', async () => {
    const { seller, item } = await sellerWithItem();
    const toRefund = await shippedOrder(seller, item);
    const toReject = await shippedOrder(seller, item);
    for (const order_id of [toRefund, toReject]) {
      await seller.call('POST', `/v1/orders/${order_id}/refund-request`, { body: { reason: 'the buyer says it arrived broken' } });
      expect((await seller.call('POST', `/v1/orders/${order_id}/refund-dispute`, { body: { reason: 'it left intact' } })).body.status).toBe('disputed');
    }
    const waiting = (await operator.call('GET', '/v1/platform/disputes?limit=100')).body.data as { order_id: string }[];
    expect(waiting.find((d) => d.order_id === toRefund)).toMatchObject({
      seller: { id: seller.id, handle: seller.handle },
      currency: 'CNY',
      total_minor: 10_000,
      refund_asked_minor: 10_000,
      refund_reason: 'the buyer says it arrived broken',
      dispute_reason: 'it left intact',
    });
    expect(await balanceOf(seller)).toMatchObject({ held_minor: 20_000, available_minor: 0 });

    const refund = await operator.call('POST', `/v1/platform/disputes/${toRefund}/decision`, { body: { outcome: 'refund', reason: 'the courier confirmed the damage' } });
    expect(refund.status, refund.text).toBe(200);
    expect(refund.body).toEqual({ order_id: toRefund, seller_id: seller.id, outcome: 'refund', status: 'refunded' });
    const reject = await operator.call('POST', `/v1/platform/disputes/${toReject}/decision`, { body: { outcome: 'reject', reason: 'photos show it intact' } });
    expect(reject.body.status).toBe('shipped');
    await dispatcher.drain();
    expect((await seller.call('GET', `/v1/payments?order_id=${toRefund}`)).body.data[0].status).toBe('refunded');
    expect(await balanceOf(seller)).toMatchObject({ held_minor: 10_000, available_minor: 0 });
    // The rejected request's order goes on: the auto-confirm timer completes it and releases its escrow.
    await runDueJobs(db(), jobHandlers(platform.ctx), silentLogger, new Date(Date.now() + 30 * 24 * 3_600_000));
    await dispatcher.drain();
    expect(await balanceOf(seller)).toMatchObject({ held_minor: 0, available_minor: 9_500 });

    const timeline = (await seller.call('GET', `/v1/orders/${toRefund}`)).body.transitions as { action: string; actor: string; reason: string }[];
    expect(timeline.at(-1)).toMatchObject({ action: 'platform_refund', reason: 'the courier confirmed the damage', actor: expect.stringMatching(/^platform:user:usr_/) });
    const audit = (await seller.call('GET', '/v1/audit-events?limit=100')).body.data as { action: string; target: string; details: { outcome: string } }[];
    expect(audit.filter((e) => e.action === 'dispute.decide').map((e) => [e.target, e.details.outcome]).sort()).toEqual([[toRefund, 'refund'], [toReject, 'reject']].sort());
    const operatorAudit = (await operator.call('GET', '/v1/audit-events?limit=100')).body.data as { action: string; target: string }[];
    expect(operatorAudit.filter((e) => e.action === 'dispute.decide').map((e) => e.target).sort()).toEqual([toRefund, toReject].sort());

    // Decided disputes are gone from the queue, and cannot be decided twice.
    const after = (await operator.call('GET', '/v1/platform/disputes?limit=100')).body.data as { order_id: string }[];
    expect(after.map((d) => d.order_id)).not.toContain(toRefund);
    const twice = await operator.call('POST', `/v1/platform/disputes/${toRefund}/decision`, { body: { outcome: 'reject', reason: 'again' } });
    expect(twice.status).toBe(404);
    const bad = await operator.call('POST', `/v1/platform/disputes/${toReject}/decision`, { body: { outcome: 'split', reason: 'x' } });
    expect(bad.status).toBe(400);
    await invariantsHold();
  });
});
