import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyOrderAction, orderHookStages } from '../src/modules/orders/index.js';
import '../src/platform/modules.js';
import { aStockedItem, buy, stockOf } from './support/commerce.js';
import { markOrderPaid } from './support/orders.js';
import { createTestPlatform, type TestPlatform } from './support/platform.js';

/**
 * Every transaction that moves an order locks the orders, then stock, then the rest (the
 * promotions): a checkout takes stock then promotions, so a refund must not take its promotion
 * before its fulfilment gives the stock back. CI once deadlocked on exactly that: a refund (the
 * promotions hook ran before the fulfilment hook, as the modules happened to be imported) and a
 * close (its own stock first) of two orders with the same coupon.
 */
let platform: TestPlatform;
beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(async () => platform.close());

/** Waits until `n` backends of this database wait on a lock. */
async function waitersOnLocks(n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(platform.database.db);
    if (r.rows[0]!.n >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never saw ${n} transactions waiting on a lock`);
}

describe('order transition hooks and the lock order', () => {
  it('run the stock-moving hooks (fulfilment) before the others (promotions), whatever the import order', () => {
    const stages = orderHookStages();
    expect(stages.map((s) => s.name)).toEqual(expect.arrayContaining(['followOrders', 'releaseRedemptions']));
    const firstAfter = stages.findIndex((s) => s.stage === 'after_stock');
    expect(stages.slice(firstAfter).every((s) => s.stage === 'after_stock')).toBe(true);
    expect(stages.findIndex((s) => s.name === 'followOrders')).toBeLessThan(stages.findIndex((s) => s.name === 'releaseRedemptions'));
  });

  it('a refund and a close of two orders with the same coupon, both held at the promotion, both go through', async () => {
    const merchant = await platform.merchant(undefined, 'brand');
    const item = await aStockedItem(merchant, { price_minor: 5_000, units: 10 });
    const promo = await merchant.call('POST', '/v1/promotions', { body: { name: 'Lock order', kind: 'coupon', currency: 'CNY', effect: { type: 'amount_off', amount_minor: 1_000 }, refund_returns_redemption: true, code: 'LOCKS' } });
    expect(promo.status, promo.text).toBe(201);
    const orders: string[] = [];
    for (const email of ['a@locks.test', 'b@locks.test']) {
      const res = await buy(merchant, [{ variant_id: item.variant_id, quantity: 1 }], { buyer_email: email, coupons: { codes: ['LOCKS'] } });
      expect(res.status, res.text).toBe(201);
      orders.push(res.body.orders[0].id as string);
    }
    const [refunding, closing] = orders as [string, string];
    const db = platform.database.db;
    // The refunded order is paid: its stock is its fulfilment's, given back by the fulfilment hook.
    await markOrderPaid(db, merchant.id, refunding);
    await applyOrderAction(db, merchant.id, refunding, 'request_refund', { actor: 'key:test', reason: 'changed my mind' });

    // Hold the promotion so that both transactions queue up at their deepest point before it.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const blocker = db.transaction().execute(async (trx) => {
      await sql`select 1 from promotion where merchant_id = ${merchant.id} and id = ${promo.body.id as string} for update`.execute(trx);
      await released;
    });
    const refund = applyOrderAction(db, merchant.id, refunding, 'approve_refund', { actor: 'key:test' });
    const close = applyOrderAction(db, merchant.id, closing, 'close', { actor: 'key:test' });
    await waitersOnLocks(2);
    release();
    await blocker;
    const [r, c] = await Promise.allSettled([refund, close]);
    expect([r.status, c.status, r.status === 'rejected' ? String(r.reason) : '', c.status === 'rejected' ? String(c.reason) : '']).toEqual(['fulfilled', 'fulfilled', '', '']);

    // Both gave everything back: the redemptions, and every unit of stock.
    const p = (await sql<{ redemptions: number; spent_minor: string }>`select redemptions, spent_minor::text from promotion where merchant_id = ${merchant.id} and id = ${promo.body.id as string}`.execute(db)).rows[0]!;
    expect(p).toEqual({ redemptions: 0, spent_minor: '0' });
    expect(await stockOf(merchant, item)).toMatchObject({ on_hand: 10, reserved: 0, available: 10 });
  });
});
