import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { testCards, TestPaymentProvider } from '../src/modules/payments/index.js';
import { eventHandlers, modules } from '../src/platform/modules.js';
import { aLocation, aStockedItem, buy, type ShopItem } from './support/commerce.js';
import { operatorSession, type OperatorSession } from './support/operator.js';
import { autoConfirm } from './support/orders.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Who pays a discount. A platform-funded discount is paid into escrow by the platform at capture,
 * so the seller is paid the price before it (less commission) and refunds give the platform its
 * share back; a seller-funded one the seller simply never receives. Only the platform operator
 * may make the platform pay. Short picks of a discounted line refund what the buyer paid for the
 * units, not their list price.
 */
const secret = 'whsec_test_secret_for_promotion_funding';
let platform: TestPlatform;
let operator: OperatorSession;
let dispatcher: OutboxDispatcher;

const db = () => platform.database.db;

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_TEST_PROVIDER_SECRET: secret, OPENBOS_COMMISSION_BPS: '500' });
  operator = await operatorSession(platform);
  dispatcher = new OutboxDispatcher({ db: db(), pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
});
afterAll(async () => platform.close());

function provider(): TestPaymentProvider {
  return new TestPaymentProvider(db(), { secret, deliver: async (body, headers) => (await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body })).status });
}

/** Each test its own brand (its automatic promotions price only its own checkouts), selling through its own storefront. */
async function brandWith(price_minor: number, units = 20): Promise<{ brand: TestMerchant; item: ShopItem }> {
  const brand = await platform.merchant(undefined, 'brand');
  return { brand, item: await aStockedItem(brand, { price_minor, units }) };
}

async function promotion(brand: TestMerchant, body: Record<string, unknown>): Promise<string> {
  const res = await brand.call('POST', '/v1/promotions', { body: { currency: 'CNY', kind: 'automatic', name: 'Launch week', budget_minor: 1_000_000, ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

const grant = (brand: TestMerchant, promotion_id: string, funded_by: 'platform' | 'seller' = 'platform') =>
  operator.call('PUT', `/v1/platform/promotions/${brand.id}/${promotion_id}/funding`, { body: { funded_by, reason: 'launch campaign co-funded by the platform' } });

/** Bought through the brand's storefront and paid with the test provider: the money is in escrow. */
async function paidOrder(brand: TestMerchant, item: ShopItem, quantity: number) {
  const res = await buy(brand, [{ variant_id: item.variant_id, quantity }]);
  expect(res.status, res.text).toBe(201);
  const paid = await brand.call('POST', `/v1/checkouts/${res.body.checkout_id as string}/payments`, { key: brand.publishableKey, body: { payment_method: testCards.succeeds } });
  expect(paid.status, paid.text).toBe(202);
  await provider().deliverDue();
  const order = res.body.orders[0] as { id: string; total_minor: number; discount_minor: number };
  expect((await brand.call('GET', `/v1/orders/${order.id}`)).body.status).toBe('paid');
  return order;
}

async function completed(brand: TestMerchant, order_id: string): Promise<void> {
  expect((await brand.call('POST', `/v1/orders/${order_id}/ship`)).status).toBe(200);
  await autoConfirm(db(), brand.id, order_id);
  await dispatcher.drain();
}

async function refunded(brand: TestMerchant, order_id: string, amount_minor?: number): Promise<void> {
  const asked = await brand.call('POST', `/v1/orders/${order_id}/refund-request`, amount_minor === undefined ? {} : { body: { amount_minor } });
  expect(asked.status, asked.text).toBe(200);
  expect((await brand.call('POST', `/v1/orders/${order_id}/refund-approve`)).status).toBe(200);
  await dispatcher.drain();
}

/** A platform account's balance as the ledger keeps it (debit-normal accounts: debits less credits). */
async function platformAccount(code: 'promotion_expense' | 'escrow'): Promise<bigint> {
  const r = await sql<{ balance: string }>`
    select coalesce(sum(case normal_balance when 'debit' then debits_posted - credits_posted else credits_posted - debits_posted end), 0)::text as balance
    from ledger_account where owner_id = 'platform' and code = ${code} and currency = 'CNY'`.execute(db());
  return BigInt(r.rows[0]!.balance);
}

async function sellerBalance(brand: TestMerchant): Promise<{ available_minor: number; held_minor: number }> {
  const res = await brand.call('GET', '/v1/balance');
  return res.body.data.find((b: { currency: string }) => b.currency === 'CNY') ?? { available_minor: 0, held_minor: 0 };
}

async function payment(brand: TestMerchant, order_id: string) {
  return (await brand.call('GET', `/v1/payments?order_id=${order_id}`)).body.data[0] as { status: string; amount_minor: number; platform_funded_minor: number; refund_amount_minor: number | null };
}

async function checksHold(): Promise<void> {
  const reports = await runChecks(db(), [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

/** Tests run one after another, so the platform's shared accounts move only by the test at hand. */
async function platformMoney() {
  return { expense: await platformAccount('promotion_expense'), escrow: await platformAccount('escrow') };
}

describe('a platform-funded discount', () => {
  it('is paid into escrow by the platform at capture, so the seller is paid the full price less commission', async () => {
    const { brand, item } = await brandWith(10_000);
    const promotion_id = await promotion(brand, { effect: { type: 'amount_off', amount_minor: 2_000 } });
    const granted = await grant(brand, promotion_id);
    expect(granted.status, granted.text).toBe(200);
    expect(granted.body).toMatchObject({ funded_by: 'platform', budget_minor: 1_000_000 });
    const before = await platformMoney();
    const order = await paidOrder(brand, item, 1);
    expect(order).toMatchObject({ total_minor: 8_000, discount_minor: 2_000 });
    expect(await payment(brand, order.id)).toMatchObject({ status: 'captured', amount_minor: 8_000, platform_funded_minor: 2_000 });
    // Held for the seller: what the buyer paid and what the platform added.
    expect(await sellerBalance(brand)).toMatchObject({ held_minor: 10_000, available_minor: 0 });
    expect((await platformMoney()).expense - before.expense).toBe(2_000n);
    await completed(brand, order.id);
    // 10,000 less 5% commission: the platform's discount costs the seller nothing.
    expect(await sellerBalance(brand)).toMatchObject({ held_minor: 0, available_minor: 9_500 });
    const after = await platformMoney();
    expect(after.expense - before.expense).toBe(2_000n);
    expect(after.escrow - before.escrow).toBe(0n);
    await checksHold();
  });

  it('goes back to the platform on a full refund, while the buyer gets back what they paid', async () => {
    const { brand, item } = await brandWith(10_000);
    await grant(brand, await promotion(brand, { effect: { type: 'amount_off', amount_minor: 2_000 } }));
    const before = await platformMoney();
    const order = await paidOrder(brand, item, 1);
    await refunded(brand, order.id);
    expect(await payment(brand, order.id)).toMatchObject({ status: 'refunded', refund_amount_minor: 8_000 });
    expect(await sellerBalance(brand)).toMatchObject({ held_minor: 0, available_minor: 0 });
    const refund = await sql<{ amount: string }>`select amount::text from ledger_transfer where reference = ${order.id} and code = 'refund' and kind = 'posted'`.execute(db());
    expect(refund.rows.map((r) => Number(r.amount))).toEqual([8_000]);
    const after = await platformMoney();
    expect(after.expense - before.expense).toBe(0n);
    expect(after.escrow - before.escrow).toBe(0n);
    await checksHold();
  });

  it('returns the platform its share of a partial refund, and the seller keeps the rest less commission', async () => {
    const { brand, item } = await brandWith(10_000);
    await grant(brand, await promotion(brand, { effect: { type: 'percent_off', percent: 20 } }));
    const before = await platformMoney();
    const order = await paidOrder(brand, item, 2);
    expect(order).toMatchObject({ total_minor: 16_000, discount_minor: 4_000 });
    expect((await brand.call('POST', `/v1/orders/${order.id}/ship`)).status).toBe(200);
    // Half of what the buyer paid back: half of the platform's 4,000 goes back to it too.
    await refunded(brand, order.id, 8_000);
    expect(await payment(brand, order.id)).toMatchObject({ status: 'partially_refunded', refund_amount_minor: 8_000 });
    // The seller keeps one item's full price, 10,000, less 5%.
    expect(await sellerBalance(brand)).toMatchObject({ held_minor: 0, available_minor: 9_500 });
    const after = await platformMoney();
    expect(after.expense - before.expense).toBe(2_000n);
    expect(after.escrow - before.escrow).toBe(0n);
    await checksHold();
  });
});

describe('a seller-funded discount', () => {
  it('moves no platform money: the seller is paid what the buyer paid, less commission', async () => {
    const { brand, item } = await brandWith(10_000);
    await promotion(brand, { effect: { type: 'amount_off', amount_minor: 2_000 } });
    const before = await platformMoney();
    const order = await paidOrder(brand, item, 1);
    expect(await payment(brand, order.id)).toMatchObject({ amount_minor: 8_000, platform_funded_minor: 0 });
    await completed(brand, order.id);
    expect(await sellerBalance(brand)).toMatchObject({ held_minor: 0, available_minor: 7_600 });
    const after = await platformMoney();
    expect(after.expense - before.expense).toBe(0n);
    expect(after.escrow - before.escrow).toBe(0n);
    await checksHold();
  });
});

describe('who may make the platform pay', () => {
  it('refuses a merchant who asks for platform funding, on creation or by a change, and writes nothing', async () => {
    const { brand } = await brandWith(10_000);
    const created = await brand.call('POST', '/v1/promotions', { body: { currency: 'CNY', kind: 'automatic', name: 'On the platform', budget_minor: 10_000, funded_by: 'platform', effect: { type: 'percent_off', percent: 50 } } });
    expect(created.status).toBe(400);
    expect(created.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(created.body.errors).toEqual([expect.objectContaining({ field: 'funded_by', message: expect.stringMatching(/platform operator/) })]);
    expect((await brand.call('GET', '/v1/promotions')).body.data).toEqual([]);
    const id = await promotion(brand, { effect: { type: 'percent_off', percent: 10 } });
    const changed = await brand.call('PATCH', `/v1/promotions/${id}`, { body: { funded_by: 'platform' } });
    expect(changed.status).toBe(400);
    expect((await brand.call('GET', `/v1/promotions/${id}`)).body.funded_by).toBe('seller');
  });

  it('lets only the operator grant it, to a promotion with a budget, on terms the merchant cannot raise; the merchant may give it up', async () => {
    const { brand } = await brandWith(10_000);
    const unbounded = await promotion(brand, { budget_minor: undefined, effect: { type: 'percent_off', percent: 10 } });
    const refused = await grant(brand, unbounded);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].message).toMatch(/budget/);
    const id = await promotion(brand, { effect: { type: 'percent_off', percent: 10 } });
    // The merchant's own people cannot reach the operator's route.
    expect((await brand.call('PUT', `/v1/platform/promotions/${brand.id}/${id}/funding`, { body: { funded_by: 'platform', reason: 'self-service' } })).status).toBe(403);
    expect((await grant(brand, 'promo_01JAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await grant(brand, id)).status).toBe(200);
    const raised = await brand.call('PATCH', `/v1/promotions/${id}`, { body: { effect: { type: 'percent_off', percent: 90 } } });
    expect(raised.status).toBe(400);
    expect(raised.body.errors[0]).toMatchObject({ field: 'effect' });
    // A change that costs nothing keeps the funding (a PATCH changes only what it sends).
    const renamed = await brand.call('PATCH', `/v1/promotions/${id}`, { body: { name: 'Renamed' } });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Renamed', funded_by: 'platform' });
    const given = await brand.call('PATCH', `/v1/promotions/${id}`, { body: { funded_by: 'seller' } });
    expect(given.status, given.text).toBe(200);
    expect(given.body.funded_by).toBe('seller');
  });
});

describe('a short pick of a discounted line', () => {
  it('refunds what the buyer paid for the missing units, and the platform its funding of them', async () => {
    const brand = await platform.merchant(undefined, 'brand');
    const store = await aLocation(brand, 'store');
    // 3 at 10,000 with 1,000 off the order, platform-funded: each unit carries 333 or 334 of it.
    const item = await aStockedItem(brand, { price_minor: 10_000, units: 3, location_id: store });
    await grant(brand, await promotion(brand, { effect: { type: 'amount_off', amount_minor: 1_000 } }));
    const before = await platformMoney();
    const order = await paidOrder(brand, item, 3);
    expect(order).toMatchObject({ total_minor: 29_000, discount_minor: 1_000 });
    const [f] = (await brand.call('GET', `/v1/orders/${order.id}/fulfilments`)).body.data as { id: string }[];
    const packed = await brand.call('POST', `/v1/fulfilments/${f!.id}/pack`, { body: { lines: [{ line_no: 1, picked_quantity: 1 }] } });
    expect(packed.body).toMatchObject({ status: 'packed', lines: [{ picked_quantity: 1, refunded_quantity: 2 }] });
    await dispatcher.drain();
    // Two units: 20,000 less their floor(1,000 × 2 / 3) = 666 of the discount; the platform gets its 666 back.
    const refunds = await sql<{ amount_minor: string; platform_funded_minor: string }>`select amount_minor, platform_funded_minor from payment_line_refund where order_id = ${order.id}`.execute(db());
    expect(refunds.rows.map((r) => [Number(r.amount_minor), Number(r.platform_funded_minor)])).toEqual([[19_334, 666]]);
    const event = await sql<{ payload: { amount_minor: number } }>`select payload from bos_outbox_event where type = 'fulfilment.line_refunded' and payload->>'order_id' = ${order.id}`.execute(db());
    expect(event.rows.map((r) => r.payload.amount_minor)).toEqual([19_334]);
    // The unit that goes on: its 10,000 is still held (9,666 from the buyer, 334 from the platform).
    expect(await sellerBalance(brand)).toMatchObject({ held_minor: 10_000 });
    await completed(brand, order.id);
    expect(await sellerBalance(brand)).toMatchObject({ held_minor: 0, available_minor: 9_500 });
    const after = await platformMoney();
    expect(after.expense - before.expense).toBe(334n);
    expect(after.escrow - before.escrow).toBe(0n);
    await checksHold();
  });
});
