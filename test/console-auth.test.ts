import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aStockedItem, buy } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;
let a: TestMerchant;
let b: TestMerchant;

beforeAll(async () => {
  platform = await createTestPlatform();
  a = await platform.merchant();
  b = await platform.merchant();
});
afterAll(async () => platform.close());

const signInBody = (m: TestMerchant, email: string, password: string) => ({ key: null, body: { merchant: m.handle, email, password } });

describe('console sign-in', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie and answers with the person, the merchant and an anti-forgery token', async () => {
    const session = await a.signIn('staff');
    const res = await a.call('POST', '/v1/console/sessions', signInBody(a, session.email, session.password));
    expect(res.status).toBe(201);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^bos_session=cs_/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(res.body).toMatchObject({ user: { email: session.email, role: 'staff' }, merchant: { id: a.id, handle: a.handle } });
    expect(res.body.scopes).toContain('orders:write');
    expect(res.body.scopes).not.toContain('keys:write');
    // The token itself never appears in the body, where scripts could read it.
    expect(res.text).not.toContain(cookie.split(';')[0]!.split('=')[1]);
  });

  it('marks the cookie Secure behind a trusted HTTPS proxy, and ignores the header from anyone else', async () => {
    const behindProxy = await createTestPlatform({ OPENBOS_TRUSTED_PROXIES: '1' });
    try {
      const shop = await behindProxy.merchant();
      const person = await shop.signIn('staff');
      const signIn = (app: typeof platform.app, headers: Record<string, string>) =>
        app.request('/v1/console/sessions', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ merchant: shop.handle, email: person.email, password: person.password }) });
      expect((await signIn(behindProxy.app, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' })).headers.get('set-cookie')).toMatch(/;\s*Secure/i);
      expect((await signIn(behindProxy.app, { 'x-forwarded-proto': 'http' })).headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
    } finally {
      await behindProxy.close();
    }
    const user = await a.signIn('staff');
    const direct = await platform.app.request('/v1/console/sessions', { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }, body: JSON.stringify({ merchant: a.handle, email: user.email, password: user.password }) });
    expect(direct.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
  });

  it('refuses a wrong password, an unknown email or another merchant’s handle alike, with no cookie', async () => {
    const session = await a.signIn('staff');
    for (const attempt of [signInBody(a, session.email, 'wrong password'), signInBody(a, 'nobody@example.com', session.password), signInBody(b, session.email, session.password)]) {
      const res = await a.call('POST', '/v1/console/sessions', attempt);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_credentials');
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('stops guessing: after ten failures the next sign-in is refused with 429 even with the right password', async () => {
    const session = await a.signIn('viewer');
    for (let i = 0; i < 10; i++) expect((await a.call('POST', '/v1/console/sessions', signInBody(a, session.email, `guess ${i}`))).status).toBe(401);
    const res = await a.call('POST', '/v1/console/sessions', signInBody(a, session.email, session.password));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('locks out the address that guesses, not the user: the right password still works from elsewhere, and one address cannot spray many accounts', async () => {
    const proxied = await createTestPlatform({ OPENBOS_TRUSTED_PROXIES: '1' });
    try {
      const shop = await proxied.merchant();
      const user = await shop.signIn('staff');
      const from = (address: string, email: string, password: string) =>
        shop.call('POST', '/v1/console/sessions', { key: null, headers: { 'x-forwarded-for': `10.9.9.9, ${address}` }, body: { merchant: shop.handle, email, password } });
      for (let i = 0; i < 10; i++) expect((await from('203.0.113.9', user.email, `guess ${i}`)).status).toBe(401);
      expect((await from('203.0.113.9', user.email, user.password)).status).toBe(429);
      // Only the entry the trusted proxy added counts: a forged entry further left changes nothing.
      const forged = await shop.call('POST', '/v1/console/sessions', { key: null, headers: { 'x-forwarded-for': `198.51.100.7, 203.0.113.9` }, body: { merchant: shop.handle, email: user.email, password: user.password } });
      expect(forged.status).toBe(429);
      expect((await from('198.51.100.7', user.email, user.password)).status).toBe(201);

      // Fifty failures on fifty accounts from one address close that address to every account.
      for (let i = 0; i < 50; i++) expect((await from('203.0.113.50', `nobody-${i}@example.com`, 'Spring2026!')).status).toBe(401);
      expect((await from('203.0.113.50', user.email, user.password)).status).toBe(429);
      expect((await from('198.51.100.8', user.email, user.password)).status).toBe(201);
    } finally {
      await proxied.close();
    }
  });

  it('rejects a bad sign-in body with the fields named', async () => {
    const res = await a.call('POST', '/v1/console/sessions', { key: null, body: { merchant: a.handle } });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'password']);
  });
});

describe('a console session', () => {
  it('reads the session back, and an API key cannot pose as one', async () => {
    const session = await a.signIn('admin');
    const me = await session.call('GET', '/v1/console/session');
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(session.user_id);
    expect(me.body.csrf_token).toBe(session.csrf_token);
    expect((await a.call('GET', '/v1/console/session')).status).toBe(403);
  });

  it('tells a browser whether it is signed in with a 200 either way, so the console logs no error when it loads signed out', async () => {
    const signedOut = await a.call('GET', '/v1/console/session/state', { key: null });
    expect(signedOut.status).toBe(200);
    expect(signedOut.body).toEqual({ signed_in: false, session: null });
    // Only the browser's cookie counts: an API key is no console session.
    expect((await a.call('GET', '/v1/console/session/state')).body).toEqual({ signed_in: false, session: null });
    const session = await a.signIn('staff');
    const state = await session.call('GET', '/v1/console/session/state', { csrf: false });
    expect(state.status).toBe(200);
    expect(state.body.signed_in).toBe(true);
    expect(state.body.session.user.id).toBe(session.user_id);
    expect(state.body.session.csrf_token).toBe(session.csrf_token);
    expect(state.body.session.scopes).toEqual((await session.call('GET', '/v1/console/session')).body.scopes);
    await session.call('DELETE', '/v1/console/session');
    expect((await session.call('GET', '/v1/console/session/state', { csrf: false })).body).toEqual({ signed_in: false, session: null });
  });

  it('refuses a change sent with the cookie but without the anti-forgery token, and changes nothing', async () => {
    const session = await a.signIn('owner');
    const body = { kind: 'store', code: 'CSRF-1', name: 'Forged store', address: { line1: '1 Road', city: 'Hangzhou', country: 'CN' }, latitude: 30.2, longitude: 120.1, timezone: 'Asia/Shanghai' };
    const forged = await session.call('POST', '/v1/locations', { body, csrf: false });
    expect(forged.status).toBe(403);
    expect(forged.body.code).toBe('csrf_token_invalid');
    const wrong = await session.call('POST', '/v1/locations', { body, headers: { 'x-csrf-token': 'x'.repeat(43) } });
    expect(wrong.status).toBe(403);
    expect((await a.call('GET', '/v1/locations?limit=100')).text).not.toContain('CSRF-1');
    const real = await session.call('POST', '/v1/locations', { body });
    expect(real.status).toBe(201);
  });

  it('limits a person to the role’s scopes: a viewer looks but cannot change', async () => {
    const viewer = await a.signIn('viewer');
    expect((await viewer.call('GET', '/v1/orders')).status).toBe(200);
    const res = await viewer.call('POST', '/v1/products', { body: { title: 'Viewer product', variants: [{ sku: 'VIEW-1', prices: [] }] } });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('insufficient_scope');
    expect((await viewer.call('GET', '/v1/api-keys')).status).toBe(403);
  });

  it('never hands out more than the caller holds: an admin cannot mint a key that manages people', async () => {
    const admin = await a.signIn('admin');
    const res = await admin.call('POST', '/v1/api-keys', { body: { kind: 'secret', scopes: ['orders:read', 'users:write'] } });
    expect(res.status).toBe(403);
    expect(res.body.detail).toContain('users:write');
    const plain = await admin.call('POST', '/v1/api-keys', { body: { kind: 'secret', name: 'admin default' } });
    expect(plain.status).toBe(201);
    expect(plain.body.scopes).not.toContain('users:write');
    expect(plain.body.scopes).toContain('orders:write');
  });

  it('records the person, not a key, on what they do', async () => {
    const staff = await a.signIn('staff');
    const item = await aStockedItem(a);
    const order = (await buy(a, [{ variant_id: item.variant_id, quantity: 1 }])).body.orders[0];
    const cancelled = await staff.call('POST', `/v1/orders/${order.id}/cancel`, { body: { reason: 'buyer called' } });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.transitions.at(-1)).toMatchObject({ to_status: 'closed', actor: `user:${staff.user_id}`, reason: 'buyer called' });
  });

  it('ends at sign-out: the cookie no longer works', async () => {
    const session = await a.signIn('staff');
    const out = await session.call('DELETE', '/v1/console/session');
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/bos_session=;/);
    expect((await session.call('GET', '/v1/orders')).status).toBe(401);
  });
});

describe('console users', () => {
  it('an owner invites, lists, changes and disables people; disabling ends their sessions at once', async () => {
    const owner = await a.signIn('owner');
    const created = await owner.call('POST', '/v1/console-users', { body: { email: 'Clerk@Example.com', name: 'Clerk', role: 'staff', password: 'clerk password 1' } });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ email: 'clerk@example.com', role: 'staff', disabled_at: null });
    const clerk = await a.call('POST', '/v1/console/sessions', signInBody(a, 'clerk@example.com', 'clerk password 1'));
    expect(clerk.status).toBe(201);
    const clerkCookie = (clerk.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect((await a.call('GET', '/v1/orders', { key: null, headers: { cookie: clerkCookie } })).status).toBe(200);

    const disabled = await owner.call('PATCH', `/v1/console-users/${created.body.id}`, { body: { disabled: true } });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled_at).not.toBeNull();
    expect((await a.call('GET', '/v1/orders', { key: null, headers: { cookie: clerkCookie } })).status).toBe(401);
    expect((await a.call('POST', '/v1/console/sessions', signInBody(a, 'clerk@example.com', 'clerk password 1'))).status).toBe(401);
    expect((await owner.call('GET', '/v1/console-users')).body.data.map((u: { email: string }) => u.email)).toContain('clerk@example.com');
  });

  it('keeps at least one enabled owner', async () => {
    const m = await platform.merchant();
    const owner = await m.signIn('owner');
    const demote = await m.call('PATCH', `/v1/console-users/${owner.user_id}`, { body: { role: 'viewer' } });
    expect(demote.status).toBe(409);
    expect(demote.body.code).toBe('last_owner');
    const disable = await m.call('PATCH', `/v1/console-users/${owner.user_id}`, { body: { disabled: true } });
    expect(disable.body.code).toBe('last_owner');
    expect((await owner.call('GET', '/v1/console/session')).body.user.role).toBe('owner');
  });

  it('only owners manage people; an admin may look', async () => {
    const admin = await a.signIn('admin');
    expect((await admin.call('GET', '/v1/console-users')).status).toBe(200);
    const res = await admin.call('POST', '/v1/console-users', { body: { email: 'x@example.com', name: 'X', role: 'owner', password: 'a long password' } });
    expect(res.status).toBe(403);
  });

  it('lets nobody grant a role above their own powers, nor act on a person who holds more', async () => {
    const owner = await a.signIn('owner');
    const usersOnly = (await owner.call('POST', '/v1/api-keys', { body: { kind: 'secret', name: 'people only', scopes: ['users:read', 'users:write'] } })).body.token as string;
    const asKey = (method: string, path: string, body?: unknown) => a.call(method, path, { key: usersOnly, ...(body === undefined ? {} : { body }) });
    const escalate = await asKey('POST', '/v1/console-users', { email: 'climber@example.com', name: 'Climber', role: 'owner', password: 'a long password' });
    expect(escalate.status).toBe(403);
    expect(escalate.body.code).toBe('exceeds_your_powers');
    const ownerId = owner.user_id;
    for (const change of [{ password: 'taken over password' }, { disabled: true }, { role: 'viewer' }]) {
      const res = await asKey('PATCH', `/v1/console-users/${ownerId}`, change);
      expect(res.status, JSON.stringify(change)).toBe(403);
    }
    // The owner still signs in with the old password and was not demoted.
    expect((await platform.app.request('/v1/console/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ merchant: a.handle, email: owner.email, password: owner.password }) })).status).toBe(201);
    const people = (await owner.call('GET', '/v1/console-users')).body.data as { email: string; role: string }[];
    expect(people.find((p) => p.email === owner.email)?.role).toBe('owner');
    expect(people.map((p) => p.email)).not.toContain('climber@example.com');

    // A key that may manage keys cannot revoke or change a key that holds more than it does.
    const keysOnly = (await owner.call('POST', '/v1/api-keys', { body: { kind: 'secret', name: 'keys only', scopes: ['keys:read', 'keys:write'] } })).body.token as string;
    const full = (await owner.call('POST', '/v1/api-keys', { body: { kind: 'secret', name: 'full' } })).body;
    expect((await a.call('DELETE', `/v1/api-keys/${full.id as string}`, { key: keysOnly })).status).toBe(403);
    expect((await a.call('PATCH', `/v1/api-keys/${full.id as string}`, { key: keysOnly, body: { name: 'renamed' } })).status).toBe(403);
    expect((await a.call('GET', '/v1/merchant', { key: full.token as string })).status).toBe(200);
  });

  it('refuses a short password and a duplicate email, creating nothing', async () => {
    const owner = await a.signIn('owner');
    const short = await owner.call('POST', '/v1/console-users', { body: { email: 'short@example.com', name: 'S', role: 'staff', password: 'short' } });
    expect(short.status).toBe(400);
    const dup = await owner.call('POST', '/v1/console-users', { body: { email: owner.email, name: 'Again', role: 'staff', password: 'a long password' } });
    expect(dup.status).toBe(409);
    const emails = (await owner.call('GET', '/v1/console-users')).body.data.map((u: { email: string }) => u.email);
    expect(emails).not.toContain('short@example.com');
    expect(emails.filter((e: string) => e === owner.email)).toHaveLength(1);
  });
});
