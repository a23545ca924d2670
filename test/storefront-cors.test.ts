import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBrowserRoute } from '../src/kernel/http/route.js';
import { createApiKey, merchantsModule } from '../src/modules/merchants/index.js';

const merchantChecks = merchantsModule.checks ?? [];
import { aStockedItem } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';
import { registry } from '../src/platform/modules.js';

/**
 * Browsers reach the storefront API from the merchant's own domain (CORS): preflights are
 * answered for the routes a publishable key may call and no others, and an actual request from
 * another origin gets through only with a publishable key that lists that origin.
 */
let platform: TestPlatform;
let m: TestMerchant;
let other: TestMerchant;
/** A publishable key for https://shop.example and local development. */
let shopKey: { id: string; token: string };

const shop = 'https://shop.example';
const evil = 'https://evil.example';

beforeAll(async () => {
  platform = await createTestPlatform();
  m = await platform.merchant();
  other = await platform.merchant();
  const res = await m.call('POST', '/v1/api-keys', { body: { kind: 'publishable', name: 'web shop', allowed_origins: [shop, 'http://localhost:*'] } });
  expect(res.status, res.text).toBe(201);
  shopKey = { id: res.body.id, token: res.body.token };
});
afterAll(async () => platform.close());

const preflight = (path: string, method: string, origin = shop) =>
  platform.app.request(path, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type, idempotency-key' } });

async function cartCount(): Promise<number> {
  const res = await sql<{ count: number }>`select count(*)::int as count from cart`.execute(platform.database.db);
  return res.rows[0]!.count;
}

describe('preflights', () => {
  it('answers a preflight for storefront routes, for any origin, without credentials', async () => {
    for (const [path, method] of [
      ['/v1/carts', 'POST'],
      ['/v1/carts/cart_123/items', 'POST'],
      ['/v1/checkouts', 'POST'],
      ['/v1/products', 'GET'],
      ['/v1/account/sessions', 'POST'],
      ['/v1/t', 'POST'],
      ['/v1/batch', 'POST'],
      ['/v1/projects/pk_whatever/settings', 'GET'],
    ] as const) {
      const res = await preflight(path, method, evil);
      expect(res.status, path).toBe(204);
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(res.headers.get('access-control-allow-methods')?.split(', '), path).toContain(method);
      expect(res.headers.get('access-control-allow-credentials'), path).toBeNull();
    }
    const headers = (await preflight('/v1/carts/cart_123/checkout', 'POST')).headers.get('access-control-allow-headers')!.split(', ');
    expect(headers).toEqual(expect.arrayContaining(['authorization', 'content-type', 'idempotency-key', 'x-consumer-token', 'x-cart-token', 'x-retry-count']));
    expect(Number((await preflight('/v1/carts', 'POST')).headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  it('lists only the methods a publishable key may use at a path', async () => {
    // POST /v1/products needs a secret key, so a page may only read products.
    for (const path of ['/v1/products', '/v1/locations']) {
      const res = await preflight(path, 'POST');
      expect(res.headers.get('access-control-allow-methods'), path).toBe('GET');
    }
  });

  it('answers no preflight for console and secret-key routes: they stay same-origin', async () => {
    for (const path of ['/v1/console/sessions', '/v1/console/session', '/v1/api-keys', '/v1/api-keys/key_123', '/v1/stock', '/v1/orders', '/v1/consumers', '/v1/webhooks/payments/test']) {
      const res = await preflight(path, 'POST');
      expect(res.status, path).toBe(404);
      expect(res.headers.get('access-control-allow-origin'), path).toBeNull();
    }
  });
});

describe('actual requests from another origin', () => {
  it('marks the answer for an origin the publishable key lists, and exposes the headers a storefront reads', async () => {
    const res = await m.call('GET', '/v1/products', { key: shopKey.token, headers: { origin: shop } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(shop);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/origin/i);
    expect(res.headers.get('access-control-expose-headers')?.split(', ')).toEqual(expect.arrayContaining(['retry-after', 'x-request-id', 'idempotent-replayed']));
  });

  it('allows any port of localhost with the wildcard-port entry, and nothing else by it', async () => {
    for (const origin of ['http://localhost:5173', 'http://localhost:3000', 'http://localhost']) {
      // The API on its own host, so that http://localhost is another origin.
      const res = await m.call('GET', 'http://api.example/v1/merchant', { key: shopKey.token, headers: { origin } });
      expect(res.headers.get('access-control-allow-origin'), origin).toBe(origin);
    }
    for (const origin of ['https://localhost:5173', 'http://localhost.evil.example', 'http://localhost:5173.evil.example', 'http://127.0.0.1:5173', 'https://shop.example:8443', 'http://shop.example', 'null']) {
      const res = await m.call('GET', '/v1/merchant', { key: shopKey.token, headers: { origin } });
      expect(res.status, origin).toBe(403);
      expect(res.body.code, origin).toBe('origin_not_allowed');
    }
  });

  it('refuses an origin the key does not list before doing anything: no cart is opened', async () => {
    const before = await cartCount();
    const res = await m.call('POST', '/v1/carts', { key: shopKey.token, headers: { origin: evil }, body: { currency: 'CNY' } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'origin_not_allowed', detail: expect.stringContaining(evil) });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(await cartCount()).toBe(before);
  });

  it('opens a cart, adds an item and checks out from the allowed origin, each answer readable by the page', async () => {
    const item = await aStockedItem(m);
    const headers = { origin: shop };
    const cart = await m.call('POST', '/v1/carts', { key: shopKey.token, headers, body: { currency: 'CNY', buyer_email: 'buyer@example.com' } });
    expect(cart.status, cart.text).toBe(201);
    expect(cart.headers.get('access-control-allow-origin')).toBe(shop);
    const withToken = { ...headers, 'x-cart-token': cart.body.token as string };
    const added = await m.call('POST', `/v1/carts/${cart.body.id}/items`, { key: shopKey.token, headers: withToken, body: { variant_id: item.variant_id, quantity: 2 } });
    expect(added.status, added.text).toBe(200);
    expect(added.headers.get('access-control-allow-origin')).toBe(shop);
    const placed = await m.call('POST', `/v1/carts/${cart.body.id}/checkout`, { key: shopKey.token, headers: { ...withToken, 'idempotency-key': 'checkout-1' }, body: {} });
    expect(placed.status, placed.text).toBe(201);
    expect(placed.headers.get('access-control-allow-origin')).toBe(shop);
    // A retry after a lost answer is replayed, and the page can read the replay too.
    const replay = await m.call('POST', `/v1/carts/${cart.body.id}/checkout`, { key: shopKey.token, headers: { ...withToken, 'idempotency-key': 'checkout-1' }, body: {} });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('access-control-allow-origin')).toBe(shop);
    expect(replay.body.orders[0].id).toBe(placed.body.orders[0].id);
    const order = await m.call('GET', `/v1/orders/${placed.body.orders[0].id}`);
    expect(order.status).toBe(200);
  });

  it('lets the page read problems, so a storefront can show what was wrong', async () => {
    const res = await m.call('POST', '/v1/carts', { key: shopKey.token, headers: { origin: shop }, body: { currency: 'not-a-currency' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('access-control-allow-origin')).toBe(shop);
  });

  it('never gives a secret key or a console session CORS headers, and refuses them from other origins', async () => {
    const secret = await m.call('GET', '/v1/products', { headers: { origin: shop } });
    expect(secret.status).toBe(403);
    expect(secret.body.code).toBe('origin_not_allowed');
    expect(secret.headers.get('access-control-allow-origin')).toBeNull();
    const session = await m.signIn('owner');
    const fromElsewhere = await session.call('GET', '/v1/products', { headers: { origin: shop } });
    expect(fromElsewhere.status).toBe(403);
    expect(fromElsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('leaves requests without a cross-origin Origin alone: servers, apps, and the server’s own pages', async () => {
    expect((await m.call('GET', '/v1/products')).status).toBe(200);
    expect((await m.call('GET', '/v1/products', { key: m.publishableKey })).status).toBe(200);
    const ownPage = await m.call('GET', '/v1/products', { key: m.publishableKey, headers: { origin: 'http://openbos.internal', 'sec-fetch-site': 'same-origin' } });
    expect(ownPage.status).toBe(200);
    expect(ownPage.headers.get('access-control-allow-origin')).toBeNull();
    // app.request's URLs are on http://localhost; a browser without Sec-Fetch-Site still sends its own origin.
    const olderBrowser = await m.call('POST', '/v1/carts', { key: m.publishableKey, headers: { origin: 'http://localhost' }, body: { currency: 'CNY' } });
    expect(olderBrowser.status).toBe(201);
  });

  it('refuses every origin for a publishable key that lists none', async () => {
    const res = await m.call('GET', '/v1/products', { key: m.publishableKey, headers: { origin: shop } });
    expect(res.status).toBe(403);
    expect(res.body.detail).toContain('allowed_origins');
  });
});

describe('the Segment browser SDK’s routes', () => {
  const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  const track = (origin: string, userId: string, auth?: string) =>
    platform.app.request('/v1/t', {
      method: 'POST',
      headers: { origin, 'content-type': 'text/plain', ...(auth === undefined ? {} : { authorization: auth }) },
      body: JSON.stringify({ type: 'track', event: 'Viewed Tea', userId, ...(auth === undefined ? { writeKey: shopKey.token } : {}) }),
    });
  const profiles = async (userId: string) => (await m.call('GET', `/v1/consumers?user_id=${userId}`)).body.data.length as number;

  it('stores events from an allowed origin (write key in the body or as Basic auth) and lets the SDK read the answer', async () => {
    for (const [userId, auth] of [['web-1', undefined], ['web-2', basic(shopKey.token)]] as const) {
      const res = await track(shop, userId, auth);
      expect(res.status, await res.clone().text()).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(shop);
      expect(await profiles(userId)).toBe(1);
    }
  });

  it('refuses and stores nothing from an origin the key does not list, even without a preflight', async () => {
    const res = await track(evil, 'web-evil');
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(await profiles('web-evil')).toBe(0);
  });

  it('every public route a browser may call checks the origin itself (its key is not known before the handler)', async () => {
    const routes = platform.routes.filter((r) => r.access.scope === 'public' && isBrowserRoute(r.access));
    expect(routes.map((r) => r.path).sort()).toEqual([...['track', 'identify', 'page', 'screen', 'group', 'alias', 'batch', 't', 'i', 'p', 's', 'g', 'a', 'b'].map((p) => `/v1/${p}`), '/v1/projects/{writeKey}/settings'].sort());
    for (const r of routes) {
      const event = { userId: 'guard', event: 'Guarded' };
      const body = /\/(batch|b)$/.test(r.path) ? { batch: [{ type: 'track', ...event }] } : event;
      const res = await platform.app.request(r.path.replace('{writeKey}', shopKey.token), {
        method: r.method,
        headers: { origin: evil, authorization: basic(shopKey.token), 'content-type': 'text/plain' },
        ...(r.method === 'POST' ? { body: JSON.stringify(body) } : {}),
      });
      expect(res.status, r.path).toBe(403);
    }
    expect(await profiles('guard')).toBe(0);
  });

  it('serves the SDK settings to an allowed origin only', async () => {
    const ok = await platform.app.request(`/v1/projects/${shopKey.token}/settings`, { headers: { origin: shop } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(shop);
    const refused = await platform.app.request(`/v1/projects/${shopKey.token}/settings`, { headers: { origin: evil } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('allowed origins of a key', () => {
  it('bos check reports an origin the API would refuse, written past it', async () => {
    const key = await m.call('POST', '/v1/api-keys', { body: { kind: 'publishable', name: 'checked', allowed_origins: ['https://shop.example'] } });
    expect(key.status).toBe(201);
    const check = merchantChecks.find((c) => c.name === 'merchants.key_origins_valid')!;
    expect(await check.run(platform.database.db)).toEqual([]);
    await sql`update api_key set allowed_origins = array['https://*.example'] where id = ${key.body.id as string}`.execute(platform.database.db);
    expect(await check.run(platform.database.db)).toEqual([`key ${key.body.id as string} allows an origin the API would refuse: https://*.example`]);
    await sql`update api_key set allowed_origins = array['https://shop.example'] where id = ${key.body.id as string}`.execute(platform.database.db);
  });

  it('normalises origins as browsers send them', async () => {
    const res = await m.call('POST', '/v1/api-keys', { body: { kind: 'publishable', allowed_origins: ['HTTPS://Shop.Example:443/', 'http://LOCALHOST:*', 'http://shop.example:8080'] } });
    expect(res.status, res.text).toBe(201);
    expect(res.body.allowed_origins).toEqual(['https://shop.example', 'http://localhost:*', 'http://shop.example:8080']);
  });

  it('rejects what is not an origin with 400 naming each bad entry', async () => {
    const bad = ['https://shop.example/cart', 'ftp://shop.example', '*', 'https://*.example.com', 'http://shop.example:*', 'shop.example', 'https://user@shop.example', 'https://shop.example?x=1'];
    const res = await m.call('POST', '/v1/api-keys', { body: { kind: 'publishable', allowed_origins: bad } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(bad.map((_, i) => `allowed_origins.${i}`).sort());
  });

  it('holds keys made outside HTTP (the CLI, the seed) to the same rules', async () => {
    const db = platform.database.db;
    await expect(createApiKey(db, { merchant_id: m.id, kind: 'publishable', allowed_origins: ['https://shop.example/cart'] }, 'test', registry.scopes)).rejects.toMatchObject({ status: 400, errors: [{ field: 'allowed_origins.0' }] });
    await expect(createApiKey(db, { merchant_id: m.id, kind: 'secret', allowed_origins: [shop] }, 'test', registry.scopes)).rejects.toMatchObject({ status: 400 });
    const { key } = await createApiKey(db, { merchant_id: m.id, kind: 'publishable', allowed_origins: ['HTTPS://Shop.Example/', 'https://shop.example'] }, 'test', registry.scopes);
    expect(key.allowed_origins).toEqual([shop]);
  });

  it('bounds the number of origins', async () => {
    const many = Array.from({ length: 21 }, (_, i) => `https://shop${i}.example`);
    const res = await m.call('POST', '/v1/api-keys', { body: { kind: 'publishable', allowed_origins: many } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('allowed_origins');
  });

  it('gives a secret key no origins', async () => {
    const res = await m.call('POST', '/v1/api-keys', { body: { kind: 'secret', allowed_origins: [shop] } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('allowed_origins');
    const created = await m.call('POST', '/v1/api-keys', { body: { kind: 'secret', scopes: ['catalog:read'] } });
    const patched = await m.call('PATCH', `/v1/api-keys/${created.body.id}`, { body: { allowed_origins: [shop] } });
    expect(patched.status).toBe(400);
    expect(patched.body.errors[0].field).toBe('allowed_origins');
  });

  it('changes the origins with PATCH, effective at once, and records it in the audit log', async () => {
    const site = 'https://new-shop.example';
    expect((await m.call('GET', '/v1/merchant', { key: shopKey.token, headers: { origin: site } })).status).toBe(403);
    const res = await m.call('PATCH', `/v1/api-keys/${shopKey.id}`, { body: { allowed_origins: [shop, site, 'http://localhost:*'] } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.allowed_origins).toEqual([shop, site, 'http://localhost:*']);
    const now = await m.call('GET', '/v1/merchant', { key: shopKey.token, headers: { origin: site } });
    expect(now.headers.get('access-control-allow-origin')).toBe(site);
    const audit = await m.call('GET', '/v1/audit-events');
    expect(audit.body.data[0]).toMatchObject({ action: 'api_key.update', target: shopKey.id, details: { allowed_origins: [shop, site, 'http://localhost:*'] } });
    const renamed = await m.call('PATCH', `/v1/api-keys/${shopKey.id}`, { body: { name: 'web shop (new)' } });
    expect(renamed.body).toMatchObject({ name: 'web shop (new)', allowed_origins: [shop, site, 'http://localhost:*'] });
  });

  it('refuses an empty change, bad origins, another merchant’s key, a revoked key, and a caller without keys:write', async () => {
    expect((await m.call('PATCH', `/v1/api-keys/${shopKey.id}`, { body: {} })).status).toBe(400);
    const bad = await m.call('PATCH', `/v1/api-keys/${shopKey.id}`, { body: { allowed_origins: ['https://shop.example/path'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('allowed_origins.0');
    expect((await other.call('PATCH', `/v1/api-keys/${shopKey.id}`, { body: { name: 'mine now' } })).status).toBe(404);
    expect((await m.call('PATCH', `/v1/api-keys/${shopKey.id}`, { key: shopKey.token, body: { name: 'self' } })).status).toBe(403);
    const staff = await m.signIn('staff');
    expect((await staff.call('PATCH', `/v1/api-keys/${shopKey.id}`, { body: { name: 'staff' } })).status).toBe(403);
    const doomed = await m.call('POST', '/v1/api-keys', { body: { kind: 'publishable' } });
    await m.call('DELETE', `/v1/api-keys/${doomed.body.id}`);
    const revoked = await m.call('PATCH', `/v1/api-keys/${doomed.body.id}`, { body: { allowed_origins: [shop] } });
    expect(revoked.status).toBe(409);
    expect(revoked.body.code).toBe('key_revoked');
  });
});
