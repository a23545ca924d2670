import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Idempotency records keep responses for a day so a client may retry. A response that carries a
 * secret (an API key's token, a webhook secret, a cart or session token) must never sit in that
 * table, and a replay must never hand one buyer what another was given.
 */
let platform: TestPlatform;
let shop: TestMerchant;

beforeAll(async () => {
  platform = await createTestPlatform();
  shop = await platform.merchant();
});
afterAll(async () => platform.close());

async function storedResponses(): Promise<string> {
  const rows = await sql<{ body: string | null }>`select response_body as body from bos_idempotency_key`.execute(platform.database.db);
  return rows.rows.map((r) => r.body ?? '').join('\n');
}

describe('idempotency keeps no secret', () => {
  it('stores a key creation without its token, and a replay to the secret key withholds it', async () => {
    const headers = { 'idempotency-key': 'key-create-1' };
    const first = await shop.call('POST', '/v1/api-keys', { headers, body: { kind: 'secret', name: 'ci' } });
    expect(first.status).toBe(201);
    const token = first.body.token as string;
    expect(token).toMatch(/^sk_/);
    expect(await storedResponses()).not.toContain(token);
    const replay = await shop.call('POST', '/v1/api-keys', { headers, body: { kind: 'secret', name: 'ci' } });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('idempotent-redacted')).toBe('token');
    expect(replay.body).toMatchObject({ id: first.body.id, token: null });
  });

  it('never hands one guest another guest’s cart through a shared storefront key', async () => {
    const headers = { 'idempotency-key': 'cart-1' };
    const a = await shop.call('POST', '/v1/carts', { key: shop.publishableKey, headers, body: { currency: 'CNY' } });
    expect(a.status).toBe(201);
    const b = await shop.call('POST', '/v1/carts', { key: shop.publishableKey, headers, body: { currency: 'CNY' } });
    expect(b.status).toBe(409);
    expect(b.body.code).toBe('idempotent_replay_withheld');
    expect(b.text).not.toContain(a.body.token as string);
    expect(b.text).not.toContain(a.body.id as string);
    expect(await storedResponses()).not.toContain(a.body.token as string);
  });

  it('keeps no webhook signing secret or consumer session token', async () => {
    const hook = await shop.call('POST', '/v1/webhook-endpoints', { headers: { 'idempotency-key': 'hook-1' }, body: { url: 'https://example.com/hooks', events: ['order.placed'] } });
    expect(hook.status, hook.text).toBe(201);
    const signUp = await shop.call('POST', '/v1/account', { key: shop.publishableKey, headers: { 'idempotency-key': 'signup-1' }, body: { email: `idem-${Date.now()}@example.com`, name: 'Idem', password: 'a long password 1' } });
    expect(signUp.status, signUp.text).toBe(201);
    const stored = await storedResponses();
    expect(stored).not.toContain(hook.body.secret as string);
    expect(stored).not.toContain(signUp.body.token as string);
  });
});
