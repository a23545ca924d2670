import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { runDueJobs } from '../src/kernel/jobs.js';
import type { DemoCredentials } from '../src/kernel/module.js';
import { seedDemo } from '../src/kernel/seed.js';
import { invariantViolations } from '../src/modules/instore/index.js';
import { TestPaymentProvider } from '../src/modules/payments/index.js';
import { buildApp } from '../src/platform/app.js';
import { demo_simulated_shoppers, runStoresDemo, type StoresDemo } from '../src/platform/demo-stores.js';
import { eventHandlers, jobHandlers, modules, registry } from '../src/platform/modules.js';
import { createTestPlatform, silentLogger, testConfig, type TestPlatform } from './support/platform.js';

/**
 * Issue 18's demo, as a new user finds it after the first start: demo-mart's People's Square
 * store runs unattended (gates and shelves), a shopper's question to a guide was answered, the
 * demo consumer paid a scanned basket with their consumer code and a wallet coupon the
 * self-checkout applied by itself, and simulated shoppers left charged sessions with receipts.
 */
const secret = 'whsec_test_secret_for_stores_demo';
const overrides = { OPENBOS_DATA_DIR: `/tmp/openbos-stores-demo-${process.pid}`, OPENBOS_TEST_PROVIDER_SECRET: secret };
let platform: TestPlatform;
let demo: DemoCredentials;
let outcome: StoresDemo;
const mart = () => demo.merchants.find((m) => m.handle === 'demo-mart')!;
const asMart = async (path: string) => {
  const res = await platform.app.request(path, { headers: { authorization: `Bearer ${mart().secret_key}` } });
  return { status: res.status, body: (await res.json()) as any };
};

beforeAll(async () => {
  platform = await createTestPlatform(overrides);
  const ctx = { db: platform.database.db, config: testConfig(overrides), logger: silentLogger, registry };
  demo = (await seedDemo(ctx, modules))!;
  const { app } = buildApp(ctx);
  outcome = await runStoresDemo(app, demo, silentLogger, { shoppers: demo_simulated_shoppers, seconds: 3 });
  // What the server's background work does after the demo: the provider's webhooks, events, jobs.
  const provider = new TestPaymentProvider(platform.database.db, { secret, deliver: async (body, headers) => (await app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body })).status });
  const dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(ctx), logger: silentLogger, poll_ms: 50 });
  for (let round = 0; round < 5; round++) {
    await provider.deliverDue();
    await dispatcher.drain();
    await runDueJobs(platform.database.db, jobHandlers(ctx), silentLogger);
  }
}, 240_000);
afterAll(async () => platform.close());

describe('the stores demo', () => {
  it('makes People’s Square an unattended store with gates and shelves', async () => {
    expect(outcome.location_id).toBeDefined();
    const devices = await asMart(`/v1/store-devices?location_id=${outcome.location_id!}`);
    expect(devices.status).toBe(200);
    const kinds = (devices.body.data as { kind: string }[]).map((d) => d.kind);
    expect(kinds).toEqual(expect.arrayContaining(['entry_gate', 'exit_gate', 'shelf']));
  });

  it('has a shopper’s question to the store’s guide, answered', async () => {
    expect(outcome.answered).toBe(true);
    const thread = await asMart(`/v1/store-threads/${outcome.thread_id!}`);
    expect(thread.status).toBe(200);
    const authors = (thread.body.messages as { author: string }[]).map((m) => m.author);
    expect(authors[0]).toBe('consumer');
    expect(authors).toContain('guide');
    expect(thread.body.status).toBe('answered');
  });

  it('has the demo consumer’s scanned basket paid with their consumer code, a wallet coupon applied by itself', async () => {
    expect(outcome.basket_order_id).toBeDefined();
    expect(outcome.basket_coupons).toBe(1);
    const order = await sql<{ status: string; discount_minor: string; buyer_email: string | null }>`
      select status, discount_minor::text, buyer_email from sales_order where merchant_id = ${mart().merchant_id} and id = ${outcome.basket_order_id!}`.execute(platform.database.db);
    expect(order.rows[0]!.discount_minor).toBe('100');
    expect(order.rows[0]!.buyer_email).toBe(demo.consumers![0]!.email);
    const coupon = await sql<{ status: string }>`
      select w.status from wallet_coupon w join promotion p on p.merchant_id = w.merchant_id and p.id = w.promotion_id
      where w.merchant_id = ${mart().merchant_id} and p.name = 'Members: ¥1 off spring water in store'`.execute(platform.database.db);
    expect(coupon.rows).toEqual([{ status: 'used' }]);
  });

  it('leaves simulated shoppers’ sessions charged exactly as taken, with receipts', async () => {
    const report = outcome.simulation!;
    expect(report.clean.first_errors).toEqual([]);
    expect(report.clean.charged).toBeGreaterThan(0);
    expect(report.basket_accuracy_clean).toBe(1);
    expect(report.wrong_charges).toBe(0);
    const sessions = await asMart(`/v1/store-sessions?location_id=${outcome.location_id!}&limit=100`);
    expect(sessions.status).toBe(200);
    expect((sessions.body.data as unknown[]).length).toBeGreaterThan(0);
    expect(outcome.simulated_orders.length).toBe(report.clean.charged);
    for (const order_id of [outcome.basket_order_id!, ...outcome.simulated_orders.slice(0, 5)]) {
      const receipt = await asMart(`/v1/receipts/${order_id}`);
      expect(receipt.status, JSON.stringify(receipt.body)).toBe(200);
    }
  });

  it('leaves every invariant holding', async () => {
    const checked = await invariantViolations(platform.ctx);
    expect(checked.first).toEqual([]);
  });
});
