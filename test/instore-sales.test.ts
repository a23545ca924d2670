import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { inTransaction } from '../src/kernel/db.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { runPayouts, sendPendingRefunds, testCards, TestPaymentProvider } from '../src/modules/payments/index.js';
import { setInStoreRelease } from '../src/modules/instore/index.js';
import { awaitSale, inStoreSaleJson, refundInStore, sellInStore, type InStoreSale } from '../src/flows/sell-in-store/index.js';
import { eventHandlers, modules } from '../src/platform/modules.js';
import { aLocation, aStockedItem, stockOf, type ShopItem } from './support/commerce.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * The in-store money path (docs/STORES.md, "Selling in a store"): a sale becomes one order of the
 * store, its stock reserved and sold at that store only, paid by a card or the member's standing
 * authorisation through the test provider's webhooks, handed over and its escrow released.
 */
const secret = 'whsec_test_secret_for_instore_sales';
let platform: TestPlatform;
let dispatcher: OutboxDispatcher;
let seller: TestMerchant;
let store: string;
let warehouse: string;
let item: ShopItem;
let people = 0;

const db = () => platform.database.db;

function provider(): TestPaymentProvider {
  return new TestPaymentProvider(db(), {
    secret,
    async deliver(body, headers) {
      const res = await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body });
      return res.status;
    },
  });
}

/** The provider's webhooks, then every event handler, until nothing is left. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await provider().deliverDue();
    await dispatcher.drain();
  }
}

async function aConsumer(m: TestMerchant): Promise<{ token: string; email: string; id: string }> {
  const email = `instore-${process.pid}-${++people}@example.com`;
  const res = await m.call('POST', '/v1/account', { key: m.publishableKey, body: { email, name: 'Store Shopper', password: 'correct horse battery' } });
  expect(res.status, res.text).toBe(201);
  return { token: res.body.token as string, email, id: res.body.account.id as string };
}

async function order(id: string) {
  const res = await seller.call('GET', `/v1/orders/${id}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

async function balance() {
  const res = await seller.call('GET', '/v1/balance');
  return res.body.data.find((b: { currency: string }) => b.currency === 'CNY') ?? { available_minor: 0, held_minor: 0 };
}

async function invariantsHold(): Promise<void> {
  const reports = await runChecks(db(), [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

let sources = 0;
const aSale = (overrides: Partial<InStoreSale> = {}): InStoreSale => ({
  merchant_id: seller.id,
  location_id: store,
  source: { kind: 'basket', id: `bsk_test_${process.pid}_${++sources}` },
  lines: [{ variant_id: item.variant_id, quantity: 2 }],
  buyer: null,
  payment: { method: 'card', card: testCards.succeeds },
  coupons: 'best_from_wallet',
  actor: 'device:test',
  ...overrides,
});

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_TEST_PROVIDER_SECRET: secret, OPENBOS_COMMISSION_BPS: '500' });
  dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
  seller = await platform.merchant(undefined, 'retailer');
  store = await aLocation(seller, 'store');
  warehouse = await aLocation(seller, 'warehouse');
  item = await aStockedItem(seller, { price_minor: 1_000, units: 30, location_id: store });
  const more = await seller.call('POST', '/v1/stock/receipts', { body: { variant_id: item.variant_id, location_id: warehouse, quantity: 50 } });
  expect(more.status, more.text).toBe(201);
});
afterAll(async () => platform.close());

describe('selling in a store', () => {
  it('sells a basket with a test card: one order of the store, stock sold there only, paid, handed over and escrow released', async () => {
    const before = await balance();
    const storeBefore = await stockOf(seller, { variant_id: item.variant_id, location_id: store });
    const sale = aSale();
    const sold = await sellInStore(platform.ctx, sale);
    expect(sold.ok, JSON.stringify(sold, (_, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(true);
    if (!sold.ok) return;
    expect(sold.sale).toMatchObject({ status: 'processing', currency: 'CNY', subtotal_minor: 2_000n, total_minor: 2_000n, lines: [{ variant_id: item.variant_id, quantity: 2, total_minor: 2_000n }] });
    expect(await stockOf(seller, { variant_id: item.variant_id, location_id: store })).toMatchObject({ on_hand: storeBefore.on_hand, reserved: 2 });

    // The same source again answers the first sale; nothing more is reserved.
    const again = await sellInStore(platform.ctx, sale);
    expect(again.ok && again.sale.sale_id).toBe(sold.sale.sale_id);
    expect(await stockOf(seller, { variant_id: item.variant_id, location_id: store })).toMatchObject({ reserved: 2 });

    await settle();
    const done = await awaitSale(db(), seller.id, sold.sale.sale_id, 2_000);
    expect(done?.status).toBe('paid');
    expect(JSON.parse(JSON.stringify(inStoreSaleJson(done!)))).toMatchObject({ status: 'paid', total_minor: 2_000, lines: [{ quantity: 2, unit_price_minor: 1_000, total_minor: 2_000 }] });
    const o = await order(sold.sale.order_id);
    expect(o.status).toBe('completed');
    expect(o.location_id).toBe(store);
    expect(o.delivery).toMatchObject({ kind: 'in_store', location_id: store, price_minor: 0 });
    expect(await stockOf(seller, { variant_id: item.variant_id, location_id: store })).toMatchObject({ on_hand: storeBefore.on_hand - 2, reserved: 0 });
    expect(await stockOf(seller, { variant_id: item.variant_id, location_id: warehouse })).toMatchObject({ on_hand: 50, reserved: 0 });
    const moved = await sql<{ location_id: string; reason: string; on_hand_delta: string }>`select location_id, reason, on_hand_delta::text from stock_movement where merchant_id = ${seller.id} and reference = ${sold.sale.order_id} order by created_at, id`.execute(db());
    expect(moved.rows.map((r) => [r.location_id, r.reason, r.on_hand_delta])).toEqual([
      [store, 'reservation', '0'],
      [store, 'sale', '-2'],
    ]);
    const fulfilments = await sql<{ n: number }>`select count(*)::int as n from fulfilment where merchant_id = ${seller.id} and order_id = ${sold.sale.order_id}`.execute(db());
    expect(fulfilments.rows[0]!.n).toBe(0);
    // Released at once: 2000 less 5% commission is available to the seller, nothing held.
    const after = await balance();
    expect(after.available_minor - before.available_minor).toBe(1_900);
    expect(after.held_minor).toBe(before.held_minor);
    await invariantsHold();
  });

  it('sells with the member’s standing authorisation, charged off-session, and mails the receipt', async () => {
    const shopper = await aConsumer(seller);
    const headers = { 'x-consumer-token': shopper.token };
    const declined = await seller.call('POST', '/v1/account/payment-authorisations', { key: seller.publishableKey, headers, body: { card: testCards.declined, limit_minor: 50_000, currency: 'CNY' } });
    expect(declined.status).toBe(402);
    expect(declined.headers.get('content-type')).toContain('application/problem+json');
    expect(declined.body.type).toContain('card_declined');
    const created = await seller.call('POST', '/v1/account/payment-authorisations', { key: seller.publishableKey, headers, body: { card: testCards.succeeds, limit_minor: 1_500, currency: 'CNY' } });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ card_last4: '4242', limit_minor: 1_500, currency: 'CNY', status: 'active' });
    expect(created.text).not.toContain(testCards.succeeds);
    const sealed = await sql<{ card_sealed: string }>`select card_sealed from payment_authorisation where id = ${created.body.id as string}`.execute(db());
    expect(sealed.rows[0]!.card_sealed).not.toContain('4242424242424242');

    const sold = await sellInStore(platform.ctx, aSale({ lines: [{ variant_id: item.variant_id, quantity: 1 }], buyer: { consumer_id: shopper.id }, payment: { method: 'authorisation' } }));
    expect(sold.ok).toBe(true);
    if (!sold.ok) return;
    await settle();
    expect((await awaitSale(db(), seller.id, sold.sale.sale_id, 2_000))?.status).toBe('paid');
    expect((await order(sold.sale.order_id)).status).toBe('completed');
    const mail = await sql<{ to_address: string; text_body: string }>`select to_address, text_body from mail_message where merchant_id = ${seller.id} and kind = 'instore_receipt'`.execute(db());
    expect(mail.rows).toEqual([expect.objectContaining({ to_address: shopper.email, text_body: expect.stringContaining('ending 4242') })]);
    const receipts = await seller.call('GET', '/v1/account/receipts', { key: seller.publishableKey, headers });
    expect(receipts.status, receipts.text).toBe(200);
    expect(receipts.body.data).toEqual([expect.objectContaining({ order_id: sold.sale.order_id, total_minor: 1_000, status: 'paid' })]);

    // Over the limit, or revoked: refused before anything is written.
    const stockBefore = await stockOf(seller, { variant_id: item.variant_id, location_id: store });
    const bigSale = aSale({ lines: [{ variant_id: item.variant_id, quantity: 2 }], buyer: { consumer_id: shopper.id }, payment: { method: 'authorisation' }, currency: 'CNY' });
    const big = await sellInStore(platform.ctx, bigSale);
    expect(big.ok).toBe(false);
    if (!big.ok) expect(big.problem).toMatchObject({ status: 402, code: 'authorisation_limit_exceeded' });
    expect(await stockOf(seller, { variant_id: item.variant_id, location_id: store })).toEqual(stockBefore);
    const written = await sql<{ n: number }>`select count(*)::int as n from instore_sale where merchant_id = ${seller.id} and source_id = ${bigSale.source.id}`.execute(db());
    expect(written.rows[0]!.n).toBe(0);
    const revoked = await seller.call('DELETE', `/v1/account/payment-authorisations/${created.body.id as string}`, { key: seller.publishableKey, headers });
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    const none = await sellInStore(platform.ctx, aSale({ buyer: { consumer_id: shopper.id }, payment: { method: 'authorisation' } }));
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.problem.code).toBe('no_payment_authorisation');
    await settle();
    await invariantsHold();
  });

  it('a declined card closes the order, releases the stock and declines the sale; the source may be sold again', async () => {
    const storeBefore = await stockOf(seller, { variant_id: item.variant_id, location_id: store });
    const sale = aSale({ payment: { method: 'card', card: testCards.declined } });
    const sold = await sellInStore(platform.ctx, sale);
    expect(sold.ok).toBe(false);
    if (!sold.ok) expect(sold.problem).toMatchObject({ status: 402, code: 'card_declined' });
    expect(await stockOf(seller, { variant_id: item.variant_id, location_id: store })).toMatchObject({ on_hand: storeBefore.on_hand, reserved: 0 });
    const row = await sql<{ status: string; order_id: string }>`select status, order_id from instore_sale where merchant_id = ${seller.id} and source_id = ${sale.source.id}`.execute(db());
    expect(row.rows.map((r) => r.status)).toEqual(['declined']);
    expect((await order(row.rows[0]!.order_id)).status).toBe('closed');
    const retried = await sellInStore(platform.ctx, { ...sale, payment: { method: 'card', card: testCards.succeeds } });
    expect(retried.ok).toBe(true);
    await settle();
    await invariantsHold();
  });

  it('refuses a line the store lacks, naming it, even when another place has it', async () => {
    const sold = await sellInStore(platform.ctx, aSale({ lines: [{ variant_id: item.variant_id, quantity: 45 }] }));
    expect(sold.ok).toBe(false);
    if (!sold.ok) {
      expect(sold.problem).toMatchObject({ status: 409, code: 'insufficient_stock' });
      expect(sold.problem.detail).toContain('available at this store');
    }
    await invariantsHold();
  });

  it('takes the member’s best combination of wallet coupons valid in stores, and records them used', async () => {
    const shopper = await aConsumer(seller);
    const headers = { 'x-consumer-token': shopper.token };
    const coupon = async (name: string, amount_minor: number, extra: Record<string, unknown> = {}) => {
      const p = await seller.call('POST', '/v1/promotions', { body: { currency: 'CNY', kind: 'coupon', name, effect: { type: 'amount_off', amount_minor }, claimable: true, ...extra } });
      expect(p.status, p.text).toBe(201);
      const claimed = await seller.call('POST', '/v1/account/coupons', { key: seller.publishableKey, headers, body: { promotion_id: p.body.id } });
      expect(claimed.status, claimed.text).toBe(201);
      return claimed.body.id as string;
    };
    const exclusive = await coupon('Seven off alone', 700, { stacking: 'exclusive' });
    const small1 = await coupon('Three off', 300);
    const small2 = await coupon('Three more off', 300);
    const online = await coupon('Online only', 900, { stacking: 'exclusive', conditions: { channels: ['online'] } });

    const sold = await sellInStore(platform.ctx, aSale({ buyer: { consumer_id: shopper.id } }));
    expect(sold.ok).toBe(true);
    if (!sold.ok) return;
    // 700 alone beats 300 + 300; the online-only coupon does not apply in a store.
    expect(sold.sale).toMatchObject({ subtotal_minor: 2_000n, discount_minor: 700n, total_minor: 1_300n, coupons_applied: [{ code: 'Seven off alone', discount_minor: 700n }] });
    const statuses = await sql<{ id: string; status: string }>`select id, status from wallet_coupon where merchant_id = ${seller.id} and consumer_id = ${shopper.id}`.execute(db());
    expect(Object.fromEntries(statuses.rows.map((r) => [r.id, r.status]))).toEqual({ [exclusive]: 'used', [small1]: 'available', [small2]: 'available', [online]: 'available' });

    const plain = await sellInStore(platform.ctx, aSale({ buyer: { consumer_id: shopper.id }, coupons: 'none' }));
    expect(plain.ok && plain.sale.discount_minor).toBe(0n);
    await settle();
    expect((await awaitSale(db(), seller.id, sold.sale.sale_id, 2_000))?.status).toBe('paid');
    await invariantsHold();
  });

  it('refunds at the till after release: the seller funds it, the goods go back into that store, the next payout nets it', async () => {
    const sold = await sellInStore(platform.ctx, aSale({ lines: [{ variant_id: item.variant_id, quantity: 3 }] }));
    expect(sold.ok).toBe(true);
    if (!sold.ok) return;
    await settle();
    expect((await awaitSale(db(), seller.id, sold.sale.sale_id, 2_000))?.status).toBe('paid');
    const stockBefore = await stockOf(seller, { variant_id: item.variant_id, location_id: store });
    const before = await balance();

    const tooMany = await refundInStore(platform.ctx, { merchant_id: seller.id, order_id: sold.sale.order_id, lines: [{ variant_id: item.variant_id, quantity: 4 }], actor: 'user:clerk' });
    expect(tooMany.ok).toBe(false);
    if (!tooMany.ok) expect(tooMany.problem.status).toBe(400);

    const one = await refundInStore(platform.ctx, { merchant_id: seller.id, order_id: sold.sale.order_id, lines: [{ variant_id: item.variant_id, quantity: 1 }], actor: 'user:clerk' });
    expect(one.ok).toBe(true);
    if (!one.ok) return;
    expect(one.refund).toMatchObject({ amount_minor: 1_000n, funded_by: 'seller', sale_status: 'partially_refunded' });
    expect(await stockOf(seller, { variant_id: item.variant_id, location_id: store })).toMatchObject({ on_hand: stockBefore.on_hand + 1 });
    expect(await stockOf(seller, { variant_id: item.variant_id, location_id: warehouse })).toMatchObject({ on_hand: 50 });
    expect((await balance()).available_minor).toBe(before.available_minor - 1_000);
    await invariantsHold();

    const rest = await refundInStore(platform.ctx, { merchant_id: seller.id, order_id: sold.sale.order_id, actor: 'user:clerk' });
    expect(rest.ok && rest.refund).toMatchObject({ amount_minor: 2_000n, sale_status: 'refunded', lines: [{ variant_id: item.variant_id, quantity: 2 }] });
    const again = await refundInStore(platform.ctx, { merchant_id: seller.id, order_id: sold.sale.order_id, actor: 'user:clerk' });
    expect(again.ok).toBe(false);
    const receipt = await seller.call('GET', `/v1/receipts/${sold.sale.order_id}`);
    expect(receipt.status, receipt.text).toBe(200);
    expect(receipt.body).toMatchObject({ status: 'refunded', refunded_minor: 3_000, refunds: [{ amount_minor: 1_000, funded_by: 'seller' }, { amount_minor: 2_000, funded_by: 'seller' }] });

    // The buyer is paid back through the provider; the payout nets what the seller funded.
    expect(await sendPendingRefunds(db(), provider())).toBeGreaterThanOrEqual(2);
    await settle();
    const available = (await balance()).available_minor;
    const payouts = await runPayouts(db());
    expect(payouts.find((p) => p.merchant_id === seller.id && p.currency === 'CNY')?.amount_minor).toBe(BigInt(available));
    await invariantsHold();
  });

  it('with release after the auto-confirm window, a refund comes out of escrow through the order', async () => {
    const put = await seller.call('PUT', '/v1/instore/settings', { body: { in_store_release: 'auto_confirm' } });
    expect(put.status, put.text).toBe(200);
    expect((await seller.call('GET', '/v1/instore/settings')).body).toEqual({ in_store_release: 'auto_confirm' });
    const bad = await seller.call('PUT', '/v1/instore/settings', { body: { in_store_release: 'never' } });
    expect(bad.status).toBe(400);
    try {
      const before = await balance();
      const sold = await sellInStore(platform.ctx, aSale({ lines: [{ variant_id: item.variant_id, quantity: 1 }] }));
      expect(sold.ok).toBe(true);
      if (!sold.ok) return;
      await settle();
      expect((await awaitSale(db(), seller.id, sold.sale.sale_id, 2_000))?.status).toBe('paid');
      expect((await order(sold.sale.order_id)).status).toBe('delivered');
      expect((await balance()).held_minor - before.held_minor).toBe(1_000);

      const refunded = await refundInStore(platform.ctx, { merchant_id: seller.id, order_id: sold.sale.order_id, actor: 'platform:dispute' });
      expect(refunded.ok && refunded.refund).toMatchObject({ amount_minor: 1_000n, funded_by: 'escrow', sale_status: 'refunded' });
      await settle();
      expect((await order(sold.sale.order_id)).status).toBe('refunded');
      const after = await balance();
      expect(after.held_minor).toBe(before.held_minor);
      expect(after.available_minor).toBe(before.available_minor);
      await invariantsHold();
    } finally {
      await setInStoreRelease(db(), seller.id, 'at_once');
    }
  });

  it('a charge that fails later by webhook declines the sale and closes its order; the same source at once sells once', async () => {
    const storeBefore = await stockOf(seller, { variant_id: item.variant_id, location_id: store });
    const sold = await sellInStore(platform.ctx, aSale({ lines: [{ variant_id: item.variant_id, quantity: 1 }], payment: { method: 'card', card: testCards.failsLater } }));
    expect(sold.ok && sold.sale.status).toBe('processing');
    if (!sold.ok) return;
    await provider().deliverDue();
    expect((await awaitSale(db(), seller.id, sold.sale.sale_id, 2_000))?.status).toBe('declined');
    expect((await order(sold.sale.order_id)).status).toBe('closed');
    expect(await stockOf(seller, { variant_id: item.variant_id, location_id: store })).toMatchObject({ on_hand: storeBefore.on_hand, reserved: storeBefore.reserved });

    const sale = aSale({ lines: [{ variant_id: item.variant_id, quantity: 1 }] });
    const both = await Promise.all([sellInStore(platform.ctx, sale), sellInStore(platform.ctx, sale)]);
    expect(both.every((b) => b.ok)).toBe(true);
    expect(new Set(both.map((b) => (b.ok ? b.sale.order_id : '')))).toHaveProperty('size', 1);
    const rows = await sql<{ n: number }>`select count(*)::int as n from instore_sale where merchant_id = ${seller.id} and source_id = ${sale.source.id}`.execute(db());
    expect(rows.rows[0]!.n).toBe(1);
    await settle();
    await invariantsHold();
  });

  it('bos check catches a sale whose stock moved elsewhere, or that is not its order’s store', async () => {
    const sold = await sellInStore(platform.ctx, aSale({ lines: [{ variant_id: item.variant_id, quantity: 1 }] }));
    expect(sold.ok).toBe(true);
    if (!sold.ok) return;
    await settle();
    const instoreChecks = modules.flatMap((m) => m.checks ?? []).filter((c) => c.name.startsWith('instore.'));
    const violationsAfter = (corrupt: string) =>
      inTransaction(db(), async (trx) => {
        if (corrupt === 'stock') await sql`update stock_movement set location_id = ${warehouse} where merchant_id = ${seller.id} and reference = ${sold.sale.order_id} and reason = 'sale'`.execute(trx);
        else await sql`update instore_sale set location_id = ${warehouse} where merchant_id = ${seller.id} and id = ${sold.sale.sale_id}`.execute(trx);
        const found = (await runChecks(trx, instoreChecks)).flatMap((r) => r.violations);
        throw Object.assign(new Error('rolled back'), { found });
      }).catch((e: { found: string[] }) => e.found);
    expect(await violationsAfter('stock')).toEqual([expect.stringMatching(/sold 1 but the store's stock sold 0/)]);
    expect((await violationsAfter('location')).join('\n')).toContain(`is at ${warehouse} but its order at ${store}`);
    await invariantsHold();
  });
});
