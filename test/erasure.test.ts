import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { eventHandlers } from '../src/platform/modules.js';
import { aStockedItem, buy } from './support/commerce.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Erasing a consumer leaves nothing personal behind: the data bank's records go, orders stay for
 * the accounts with a pseudonym in place of the person, copies of the email in stored events and
 * webhook deliveries become that pseudonym, and the suppression list keeps hashes only. Proved by
 * searching every text and JSON column of every table afterwards.
 */
let platform: TestPlatform;
let brand: TestMerchant;
let dispatcher: OutboxDispatcher;

beforeAll(async () => {
  platform = await createTestPlatform();
  brand = await platform.merchant();
  dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
});
afterAll(async () => platform.close());

/** Every (table, column) in which the value appears, in any text, JSON or text-array column. */
async function whereFound(value: string): Promise<string[]> {
  const columns = await sql<{ table_name: string; column_name: string; data_type: string }>`
    select table_name, column_name, data_type from information_schema.columns
    where table_schema = 'public' and data_type in ('text', 'jsonb', 'json', 'ARRAY', 'character varying')`.execute(platform.database.db);
  const found: string[] = [];
  for (const c of columns.rows) {
    const hit = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(c.table_name)} where ${sql.ref(c.column_name)}::text ilike ${`%${value}%`}`.execute(platform.database.db);
    if (hit.rows[0]!.n > 0) found.push(`${c.table_name}.${c.column_name}`);
  }
  return found;
}

const segment = (body: unknown) => brand.call('POST', '/v1/batch', { key: null, headers: { authorization: `Basic ${Buffer.from(`${brand.publishableKey}:`).toString('base64')}` }, body });

describe('erasing a consumer', () => {
  it('leaves no email, user ID or device ID of the person in any table, and keeps the orders under a pseudonym', async () => {
    const email = 'Erase.Me@Example.com';
    const userId = `erase-user-${Date.now()}`;
    const anonymousId = `erase-anon-${Date.now()}`;
    const hook = await brand.call('POST', '/v1/webhook-endpoints', { body: { url: 'https://hooks.example.invalid/orders', events: ['order.placed'] } });
    expect(hook.status, hook.text).toBe(201);
    const item = await aStockedItem(brand, { price_minor: 4_200 });
    const placed = await buy(brand, [{ variant_id: item.variant_id, quantity: 1 }], { buyer_email: email });
    expect(placed.status, placed.text).toBe(201);
    const cart = await brand.call('POST', '/v1/carts', { key: brand.publishableKey, body: { currency: 'CNY', buyer_email: email } });
    expect(cart.status).toBe(201);
    expect((await segment({ batch: [{ type: 'identify', userId, anonymousId, traits: { email, name: 'Erase Me' } }, { type: 'track', userId, event: 'Product Viewed', properties: { sku: 'x' } }] })).status).toBe(200);
    await dispatcher.drain();
    expect(await whereFound('erase.me@example.com')).not.toEqual([]);

    const profiles = await brand.call('GET', `/v1/consumers?email=${encodeURIComponent(email)}`);
    expect(profiles.body.data).toHaveLength(1);
    const erased = await brand.call('DELETE', `/v1/consumers/${profiles.body.data[0].id as string}`);
    expect(erased.status, erased.text).toBe(200);
    await dispatcher.drain();

    expect(await whereFound('erase.me@example.com')).toEqual([]);
    expect(await whereFound(userId)).toEqual([]);
    expect(await whereFound(anonymousId)).toEqual([]);
    // The order is kept for the accounts, under a pseudonym, with its money unchanged.
    const order = await brand.call('GET', `/v1/orders/${placed.body.orders[0].id as string}`);
    expect(order.body).toMatchObject({ total_minor: 4_200, buyer_email: expect.stringMatching(/^erased-[0-9a-f]{16}@erased\.invalid$/) });
    // The suppression list still holds the person off: their events are dropped, not stored again.
    expect((await segment({ batch: [{ type: 'track', userId, event: 'Product Viewed' }] })).status).toBe(200);
    expect((await brand.call('GET', `/v1/consumers?user_id=${encodeURIComponent(userId)}`)).body.data).toEqual([]);
    expect(await whereFound(userId)).toEqual([]);
  });
});
