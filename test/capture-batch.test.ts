import { Kysely, PostgresDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { inTransaction } from '../src/kernel/db.js';
import { applyProviderEvents } from '../src/flows/capture-payment/index.js';
import { applyOrderAction } from '../src/modules/orders/index.js';
import { testCards, TestPaymentProvider, testProviderSecret, type ProviderEvent } from '../src/modules/payments/index.js';
import { modules } from '../src/platform/modules.js';
import { aStockedItem, buy, type ShopItem } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * The capture path applies a whole batch of provider webhooks in one transaction and a fixed
 * number of statements. It must mean exactly what the same events applied one after the other
 * mean: duplicates ignored, out-of-order events tolerated, an order closed before its money
 * arrived refunded, and the money and orders adding up across sellers.
 */
let platform: TestPlatform;
let sellers: TestMerchant[];
let storefront: TestMerchant;
let items: ShopItem[];

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_COMMISSION_BPS: '500' });
  sellers = [await platform.merchant(undefined, 'retailer'), await platform.merchant(undefined, 'retailer')];
  storefront = await platform.merchant();
  items = [await aStockedItem(sellers[0]!, { price_minor: 1_250, units: 100 }), await aStockedItem(sellers[1]!, { price_minor: 990, units: 100 })];
});
afterAll(async () => platform.close());

/** A checkout of one unit of each seller's item, paid with the test card: two orders, two payments. */
async function paidCheckout(): Promise<{ orders: { id: string; merchant_id: string; total_minor: number }[] }> {
  const res = await buy(storefront, items.map((i) => ({ variant_id: i.variant_id, quantity: 1 })));
  expect(res.status, res.text).toBe(201);
  const paid = await storefront.call('POST', `/v1/checkouts/${res.body.checkout_id}/payments`, { key: storefront.publishableKey, body: { payment_method: testCards.succeeds } });
  expect(paid.status, paid.text).toBe(202);
  return { orders: res.body.orders };
}

/** The webhooks the test provider has queued for these orders' payments, as it would sign and send them. */
async function queuedEvents(order_ids: readonly string[]): Promise<ProviderEvent[]> {
  const rows = await sql<{ body: string }>`
    select w.body from test_provider_webhook w join payment p on w.body like '%"reference":"' || p.id || '"%'
    where p.order_id = any(${order_ids}::text[]) and w.delivered_at is null order by w.id`.execute(platform.database.db);
  return rows.rows.map((r) => {
    const parsed = JSON.parse(r.body) as Omit<ProviderEvent, 'amount_minor'> & { amount_minor: number };
    return { ...parsed, amount_minor: BigInt(parsed.amount_minor) };
  });
}

async function orderStatus(order_id: string): Promise<string> {
  return (await sql<{ status: string }>`select status from sales_order where id = ${order_id}`.execute(platform.database.db)).rows[0]!.status;
}

async function paymentOf(order_id: string) {
  return (await sql<{ status: string; failure_code: string | null; refund_amount_minor: string | null }>`select status, failure_code, refund_amount_minor::text from payment where order_id = ${order_id}`.execute(platform.database.db)).rows[0]!;
}

async function heldFor(merchant_id: string): Promise<bigint> {
  const rows = await sql<{ held: string }>`select coalesce(sum(credits_pending), 0)::text as held from ledger_account where owner_id = ${merchant_id} and code = 'seller_payable'`.execute(platform.database.db);
  return BigInt(rows.rows[0]!.held);
}

describe('a batch of provider webhooks', () => {
  it('means what the same events one after the other mean: duplicates, out of order, closed orders, several sellers', async () => {
    const checkouts = [];
    for (let i = 0; i < 6; i++) checkouts.push(await paidCheckout());
    const orders = checkouts.flatMap((c) => c.orders);
    const closed = orders[0]!;
    // The buyer cancelled this order before the provider's capture arrived.
    await applyOrderAction(platform.database.db, closed.merchant_id, closed.id, 'close', { actor: 'system:test', reason: 'cancelled before the capture arrived' });
    const heldBefore = await Promise.all(sellers.map((s) => heldFor(s.id)));

    const events = await queuedEvents(orders.map((o) => o.id));
    expect(events).toHaveLength(orders.length * 2);
    // Out of order for one payment (captured before authorized), and every event of another
    // payment delivered twice within the same batch.
    const captureFirst = events.filter((e) => e.reference === events[2]!.reference).reverse();
    const rest = events.filter((e) => e.reference !== events[2]!.reference);
    const twice = rest.filter((e) => e.reference === rest[0]!.reference);
    const batch = [...captureFirst, ...rest, ...twice].map((event) => ({ provider: 'test', event }));

    const outcomes = await inTransaction(platform.database.db, (trx) => applyProviderEvents(trx, batch));

    // The first copy of every event applies (or is ignored by the payment's state); copies are duplicates.
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(twice.length);
    expect(outcomes.slice(0, 2)).toEqual(['applied', 'ignored']); // captured, then a late "authorized"
    const stored = await sql<{ n: number }>`select count(*)::int as n from provider_event where event_id = any(${events.map((e) => e.id)}::text[])`.execute(platform.database.db);
    expect(stored.rows[0]!.n).toBe(events.length);

    // Every order is paid except the one that closed first, whose money goes back in full.
    for (const o of orders) {
      if (o.id === closed.id) continue;
      expect(await orderStatus(o.id)).toBe('paid');
      expect((await paymentOf(o.id)).status).toBe('captured');
    }
    expect(await orderStatus(closed.id)).toBe('closed');
    expect(await paymentOf(closed.id)).toEqual({ status: 'refunded', failure_code: 'order_closed_before_capture', refund_amount_minor: String(closed.total_minor) });

    // Escrow holds each seller's paid orders, nothing for the refunded one.
    for (const [k, s] of sellers.entries()) {
      const paidTotal = orders.filter((o) => o.merchant_id === s.id && o.id !== closed.id).reduce((sum, o) => sum + BigInt(o.total_minor), 0n);
      expect((await heldFor(s.id)) - heldBefore[k]!).toBe(paidTotal);
    }
    // One order.paid event and one transition per paid order.
    const paidEvents = await sql<{ n: number }>`select count(*)::int as n from bos_outbox_event where type = 'order.paid' and payload->>'order_id' = any(${orders.map((o) => o.id)}::text[])`.execute(platform.database.db);
    expect(paidEvents.rows[0]!.n).toBe(orders.length - 1);
    const transitions = await sql<{ n: number }>`select count(*)::int as n from order_transition where action = 'pay' and order_id = any(${orders.map((o) => o.id)}::text[])`.execute(platform.database.db);
    expect(transitions.rows[0]!.n).toBe(orders.length - 1);

    // The same batch again changes nothing: every event is a duplicate.
    const again = await inTransaction(platform.database.db, (trx) => applyProviderEvents(trx, batch));
    expect(new Set(again)).toEqual(new Set(['duplicate']));
    const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
  });

  it('costs the same number of statements for 4 events as for 40: nothing is done per event', async () => {
    let statements = 0;
    // The platform's own pool, seen through a Kysely that counts what it sends.
    const counting = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: platform.database.pool }), log: (e) => void (e.level === 'query' && statements++) });
    const countFor = async (checkouts: number): Promise<number> => {
      const orders = [];
      for (let i = 0; i < checkouts; i++) orders.push(...(await paidCheckout()).orders);
      const events = await queuedEvents(orders.map((o) => o.id));
      statements = 0;
      await inTransaction(counting, (trx) => applyProviderEvents(trx, events.map((event) => ({ provider: 'test', event }))));
      for (const o of orders) expect(await orderStatus(o.id)).toBe('paid');
      return statements;
    };
    const small = await countFor(1);
    const large = await countFor(10);
    expect(large).toBe(small);
    // begin; payments: lock, store events, update; ledger: 4; orders: lock, lines, update,
    // transitions, events; fulfilments: open (one statement), events; payment statuses; commit.
    expect(small).toBeLessThanOrEqual(17);
  });

  it('the test provider streams its webhooks: each sent once, every order paid, a refused one due again later', async () => {
    // The earlier tests applied their webhooks directly: they are not this test's to send.
    await sql`update test_provider_webhook set delivered_at = now() where delivered_at is null`.execute(platform.database.db);
    const orders = [];
    for (let i = 0; i < 5; i++) orders.push(...(await paidCheckout()).orders);
    const received: string[] = [];
    let refuseFirst = true;
    const provider = new TestPaymentProvider(platform.database.db, {
      secret: testProviderSecret(platform.ctx.config),
      async deliver(body, headers) {
        received.push(body);
        if (refuseFirst) {
          refuseFirst = false;
          return 503;
        }
        return (await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body })).status;
      },
    });
    const sent = await provider.deliverStream(3);
    expect(sent).toBe(orders.length * 2);
    expect(new Set(received).size).toBe(received.length);
    const rows = await sql<{ delivered: number; waiting: number }>`
      select count(*) filter (where delivered_at is not null)::int as delivered, count(*) filter (where delivered_at is null and deliver_after > now())::int as waiting
      from test_provider_webhook w join payment p on w.body like '%"reference":"' || p.id || '"%' where p.order_id = any(${orders.map((o) => o.id)}::text[])`.execute(platform.database.db);
    expect(rows.rows[0]).toEqual({ delivered: orders.length * 2 - 1, waiting: 1 });
    // The refused webhook was an "authorized" or a "captured": every order whose capture came is paid.
    const paid = await sql<{ n: number }>`select count(*)::int as n from sales_order where id = any(${orders.map((o) => o.id)}::text[]) and status = 'paid'`.execute(platform.database.db);
    expect(paid.rows[0]!.n).toBeGreaterThanOrEqual(orders.length - 1);
  });

  it('refuses the whole batch when one event carries another amount than its payment, storing nothing', async () => {
    const { orders } = await paidCheckout();
    const events = await queuedEvents(orders.map((o) => o.id));
    const forged = events.map((e, i) => (i === events.length - 1 ? { ...e, amount_minor: e.amount_minor + 1n } : e));
    await expect(inTransaction(platform.database.db, (trx) => applyProviderEvents(trx, forged.map((event) => ({ provider: 'test', event }))))).rejects.toMatchObject({ code: 'amount_mismatch' });
    const stored = await sql<{ n: number }>`select count(*)::int as n from provider_event where event_id = any(${events.map((e) => e.id)}::text[])`.execute(platform.database.db);
    expect(stored.rows[0]!.n).toBe(0);
    for (const o of orders) expect(await orderStatus(o.id)).toBe('awaiting_payment');
  });
});
