import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { runDueJobs } from '../src/kernel/jobs.js';
import { appHttp, invariantViolations, prepareWorld, runShoppers, type PhaseFigures, type SimWorld } from '../src/modules/instore/index.js';
import { TestPaymentProvider } from '../src/modules/payments/index.js';
import { eventHandlers, jobHandlers } from '../src/platform/modules.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * The unattended-store simulator (issue 18) against the real API on real PostgreSQL: shoppers
 * walk in with their consumer codes, pick and put back, stand close to one another and walk out.
 * On a clean run every charged basket is exactly what the shopper took, nobody is charged for a
 * unit they did not take, nothing goes to review, the stored orders are the charged baskets, and
 * every invariant holds. A bounded number of visits, not a time: the figures do not depend on
 * the machine's speed.
 */
const secret = 'whsec_test_secret_for_stores_simulator';
let platform: TestPlatform;
let seller: TestMerchant;
let world: SimWorld;
let clean: PhaseFigures;
let noisy: PhaseFigures;

async function settle(): Promise<void> {
  const provider = new TestPaymentProvider(platform.database.db, { secret, deliver: async (body, headers) => (await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body })).status });
  const dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
  const jobs = jobHandlers(platform.ctx);
  for (let round = 0; round < 5; round++) {
    await provider.deliverDue();
    await dispatcher.drain();
    await runDueJobs(platform.database.db, jobs, silentLogger);
  }
}

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_TEST_PROVIDER_SECRET: secret });
  seller = await platform.merchant(undefined, 'retailer');
  for (const [i, price] of [450, 1_200, 3_900].entries()) {
    const product = await seller.call('POST', '/v1/products', { body: { title: `Shelf item ${i + 1}`, status: 'published', variants: [{ sku: `SIM-${i + 1}`, prices: [{ currency: 'EUR', amount_minor: price }] }] } });
    expect(product.status, product.text).toBe(201);
  }
  const http = appHttp(platform.app);
  world = await prepareWorld({ http, secret_key: seller.secretKey, publishable_key: seller.publishableKey, stores: 2, consumers: 24, restock_to: 200, tag: 'test' });
  clean = await runShoppers(world, { shoppers: 6, seconds: 600, visits: 18, noise: 0, seed: 7, think_ms: [0, 5], max_actions: 6, close_share: 0.5 });
  await settle();
  noisy = await runShoppers(world, { shoppers: 6, seconds: 600, visits: 6, noise: 0.5, seed: 8, think_ms: [0, 5], max_actions: 6, close_share: 0.5 });
  await settle();
}, 240_000);
afterAll(async () => platform.close());

describe('the stores simulator on a clean run', () => {
  it('set up two unattended stores with gates and shelves, and shoppers with payment authorisations', async () => {
    expect(world.stores).toHaveLength(2);
    for (const store of world.stores) {
      const devices = await seller.call('GET', `/v1/store-devices?location_id=${store.location_id}`);
      expect(devices.status, devices.text).toBe(200);
      expect((devices.body.data as { kind: string }[]).map((d) => d.kind).sort()).toEqual(['entry_gate', 'exit_gate', 'shelf', 'shelf']);
    }
    expect(world.consumers).toHaveLength(24);
  });

  it('charges every basket exactly as taken: accuracy 1, no wrong charge, nothing on review', () => {
    expect(clean.first_errors).toEqual([]);
    expect(clean.visits).toBe(18);
    expect(clean.charged).toBeGreaterThan(0);
    expect(clean.basket_accuracy).toBe(1);
    expect(clean.wrong_charges).toBe(0);
    expect(clean.undercharged).toBe(0);
    expect(clean.sessions_on_review).toBe(0);
    expect(clean.missed_baskets).toBe(0);
    expect(clean.code_verifications).toBe(18);
  });

  it('stores each charged basket as one order of its store with exactly the charged lines', async () => {
    for (const s of clean.sessions.filter((x) => x.outcome === 'charged')) {
      expect(s.order_id).not.toBeNull();
      const lines = await sql<{ variant_id: string; quantity: number }>`
        select variant_id, quantity from order_line where merchant_id = ${seller.id} and order_id = ${s.order_id}`.execute(platform.database.db);
      const stored: Record<string, number> = {};
      for (const l of lines.rows) stored[l.variant_id] = (stored[l.variant_id] ?? 0) + l.quantity;
      expect(stored).toEqual(s.truth);
    }
  });

  it('leaves every invariant holding', async () => {
    const checked = await invariantViolations(platform.ctx);
    expect(checked.first).toEqual([]);
    expect(checked.violations).toBe(0);
  });
});

describe('the stores simulator with noise', () => {
  it('never charges a shopper for a unit they did not take, whatever the shelves got wrong', () => {
    expect(noisy.visits).toBe(6);
    expect(noisy.noise_applied.missed + noisy.noise_applied.duplicated_same_id + noisy.noise_applied.duplicated_new_id + noisy.noise_applied.confused).toBeGreaterThan(0);
    expect(noisy.wrong_charges).toBe(0);
    expect(noisy.charged + noisy.sessions_on_review + noisy.empty).toBe(noisy.visits);
  });
});
