import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload, signatureHeader, testCards, testProviderSecret } from '../src/modules/payments/index.js';
import { aStockedItem, buy } from './support/commerce.js';
import { createTestPlatform, testConfig, type TestPlatform } from './support/platform.js';

/**
 * The test provider accepts fake cards, so its webhooks must be impossible to forge: no secret
 * in the source, none in production unless enabled explicitly, and an event's money must be the
 * payment's money before anything is stored.
 */
const builtIn = 'whsec_openbos_test_provider_secret';
let platform: TestPlatform;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'openbos-provider-'));
  platform = await createTestPlatform({ OPENBOS_DATA_DIR: dataDir });
});
afterAll(async () => {
  await platform.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function pendingCapture(): Promise<{ body: string; order_id: string }> {
  const seller = await platform.merchant();
  const item = await aStockedItem(seller, { price_minor: 5_000 });
  const placed = await buy(seller, [{ variant_id: item.variant_id, quantity: 1 }]);
  expect(placed.status, placed.text).toBe(201);
  const paid = await seller.call('POST', `/v1/checkouts/${placed.body.checkout_id}/payments`, { key: seller.publishableKey, body: { payment_method: testCards.succeeds } });
  expect(paid.status, paid.text).toBe(202);
  const pending = await sql<{ body: string }>`select body from test_provider_webhook where delivered_at is null and body like '%captured%' and body like ${`%${paid.body.payments[0].id}%`} limit 1`.execute(platform.database.db);
  return { body: pending.rows[0]!.body, order_id: placed.body.orders[0].id };
}

const deliver = (body: string, secret: string) => platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers: { 'content-type': 'application/json', [signatureHeader]: signPayload(secret, body) }, body });

describe('the test provider’s webhooks', () => {
  it('are signed with a random secret per installation, kept in the data folder, never the one once in the source', async () => {
    const secret = testProviderSecret(platform.ctx.config);
    expect(secret).not.toBe(builtIn);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const file = path.join(dataDir, 'test-provider-secret');
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(secret);
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'openbos-provider-'));
    try {
      expect(testProviderSecret(testConfig({ OPENBOS_DATA_DIR: other }))).not.toBe(secret);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }

    const { body, order_id } = await pendingCapture();
    const forged = await deliver(body, builtIn);
    expect(forged.status).toBe(401);
    const seller = (await sql<{ merchant_id: string }>`select merchant_id from sales_order where id = ${order_id}`.execute(platform.database.db)).rows[0]!;
    const order = await sql<{ status: string }>`select status from sales_order where merchant_id = ${seller.merchant_id} and id = ${order_id}`.execute(platform.database.db);
    expect(order.rows[0]!.status).toBe('awaiting_payment');
    expect((await deliver(body, secret)).status).toBe(200);
  });

  it('refuses, before storing it, an event whose amount or currency is not the payment’s', async () => {
    const secret = testProviderSecret(platform.ctx.config);
    const { body, order_id } = await pendingCapture();
    const event = JSON.parse(body) as { id: string; amount_minor: number; currency: string };
    for (const wrong of [{ ...event, id: `${event.id}-a`, amount_minor: event.amount_minor * 100 }, { ...event, id: `${event.id}-c`, currency: 'USD' }]) {
      const res = await deliver(JSON.stringify(wrong), secret);
      expect(res.status).toBe(422);
      expect(((await res.json()) as { code: string }).code).toBe('amount_mismatch');
      const stored = await sql<{ n: number }>`select count(*)::int as n from provider_event where event_id = ${wrong.id}`.execute(platform.database.db);
      expect(stored.rows[0]!.n).toBe(0);
    }
    const order = await sql<{ status: string }>`select status from sales_order where id = ${order_id}`.execute(platform.database.db);
    expect(order.rows[0]!.status).toBe('awaiting_payment');
  });

  it('is off in production unless enabled explicitly', async () => {
    const production = await createTestPlatform({ NODE_ENV: 'production' });
    try {
      const seller = await production.merchant();
      const item = await aStockedItem(seller, { price_minor: 5_000 });
      const placed = await buy(seller, [{ variant_id: item.variant_id, quantity: 1 }]);
      const paid = await seller.call('POST', `/v1/checkouts/${placed.body.checkout_id}/payments`, { key: seller.publishableKey, body: { payment_method: testCards.succeeds } });
      expect(paid.status).toBe(501);
      const hook = await production.app.request('/v1/webhooks/payments/test', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(hook.status).toBe(404);
    } finally {
      await production.close();
    }
    const enabled = await createTestPlatform({ NODE_ENV: 'production', OPENBOS_TEST_PROVIDER: 'enabled' });
    try {
      const seller = await enabled.merchant();
      const item = await aStockedItem(seller, { price_minor: 5_000 });
      const placed = await buy(seller, [{ variant_id: item.variant_id, quantity: 1 }]);
      const paid = await seller.call('POST', `/v1/checkouts/${placed.body.checkout_id}/payments`, { key: seller.publishableKey, body: { payment_method: testCards.succeeds } });
      expect(paid.status).toBe(202);
    } finally {
      await enabled.close();
    }
  });
});
