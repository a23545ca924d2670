import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueJobs } from '../src/kernel/jobs.js';
import { runChecks } from '../src/kernel/checks.js';
import { pruneAccountTokens } from '../src/modules/accounts/index.js';
import { createConsoleUser, pruneConsolePasswordResets } from '../src/modules/merchants/index.js';
import { jobHandlers, modules } from '../src/platform/modules.js';
import { createTestPlatform, silentLogger, type CallOptions, type TestMerchant, type TestPlatform } from './support/platform.js';
import { startSmtpServer, tokenIn, type ReceivedMail, type TestSmtpServer } from './support/smtp.js';

/**
 * Forgotten passwords are recovered by email, for console users and for consumers. The rules:
 * the request is silent about whether the account exists, the link works once and not after it
 * expires, requests are throttled, and a reset ends every session of the account.
 */
let smtp: TestSmtpServer;
let platform: TestPlatform;
let shop: TestMerchant;

beforeAll(async () => {
  smtp = await startSmtpServer();
  // Behind one trusted proxy, so each test can call from its own client address.
  platform = await createTestPlatform({ OPENBOS_SMTP_URL: smtp.url, OPENBOS_PUBLIC_URL: 'https://console.shop.example', OPENBOS_TRUSTED_PROXIES: '1' });
  shop = await platform.merchant();
  await shop.call('PATCH', `/v1/api-keys/${await publishableKeyId(shop)}`, { body: { allowed_origins: ['https://shop.example'] } });
});
afterAll(async () => {
  await platform.close();
  await smtp.close();
});

async function publishableKeyId(m: TestMerchant): Promise<string> {
  const keys = await m.call('GET', '/v1/api-keys?limit=100');
  return (keys.body.data as { id: string; kind: string }[]).find((k) => k.kind === 'publishable')!.id;
}

let addressCounter = 0;
const anAddress = () => `203.0.113.${++addressCounter}`;
const unique = (tag: string) => `${tag}-${Math.random().toString(36).slice(2, 10)}`;
const from = (address: string, options: CallOptions = {}): CallOptions => ({ ...options, headers: { 'x-forwarded-for': address, ...options.headers } });

/** Runs the jobs (the lookup, then the mail it queued) and returns the messages that arrived. */
async function deliver(): Promise<ReceivedMail[]> {
  const before = smtp.received.length;
  for (let i = 0; i < 3; i++) await runDueJobs(platform.database.db, jobHandlers(platform.ctx), silentLogger);
  await new Promise((r) => setTimeout(r, 50));
  return smtp.received.slice(before);
}

async function aConsoleUser(role: 'owner' | 'staff' = 'staff') {
  const email = `${unique('person')}@${shop.handle}.example`;
  const password = 'the first password';
  const user = await createConsoleUser(platform.database.db, { merchant_id: shop.id, email, name: 'Pat Person', role, password }, 'test');
  return { id: user.id, email, password };
}

const consoleSignIn = (email: string, password: string, address = anAddress()) => shop.call('POST', '/v1/console/sessions', from(address, { key: null, body: { merchant: shop.handle, email, password } }));
const requestConsoleReset = (email: string, address = anAddress(), merchant = shop.handle) => shop.call('POST', '/v1/console/password-resets', from(address, { key: null, body: { merchant, email } }));
const confirmConsoleReset = (token: string, password: string, address = anAddress()) => shop.call('POST', '/v1/console/password-resets/confirm', from(address, { key: null, body: { token, password } }));

describe('console password reset', () => {
  it('answers the same for an unknown email, an unknown store and a known user, and mails only the known user a link on the public URL', async () => {
    const user = await aConsoleUser();
    const known = await requestConsoleReset(user.email, anAddress(), shop.handle);
    const unknownEmail = await requestConsoleReset(`${unique('nobody')}@example.com`);
    const unknownStore = await requestConsoleReset(user.email, anAddress(), 'no-such-store');
    // A forged Host must not end up in the link.
    const forgedHost = await shop.call('POST', '/v1/console/password-resets', from(anAddress(), { key: null, headers: { host: 'attacker.example' }, body: { merchant: shop.handle, email: user.email.toUpperCase() } }));
    for (const res of [known, unknownEmail, unknownStore, forgedHost]) {
      expect(res.status).toBe(202);
      expect(res.body).toEqual(known.body);
    }
    const mails = await deliver();
    expect(mails.map((m) => m.to)).toEqual([[user.email], [user.email]]);
    const jobs = await sql<{ payload: unknown }>`select payload from bos_job where kind = 'merchants.password_reset_request'`.execute(platform.database.db);
    expect(JSON.stringify(jobs.rows), 'the addresses people typed do not stay in the job table').not.toContain('@');
    expect(mails[0]!.body).toContain(`https://console.shop.example/console/reset-password?token=${tokenIn(mails[0]!, 'pwr_')}`);
    expect(mails[1]!.body).not.toContain('attacker.example');
    const stored = await sql<{ token_hash: string }>`select token_hash from console_password_reset where user_id = ${user.id}`.execute(platform.database.db);
    expect(stored.rows.map((r) => r.token_hash)).toContain(createHash('sha256').update(tokenIn(mails[0]!, 'pwr_')).digest('hex'));
    expect(JSON.stringify(stored.rows)).not.toContain(tokenIn(mails[0]!, 'pwr_'));
  });

  it('sets the new password once: the link then stops working, every session ends, and the old password no longer signs in', async () => {
    const user = await aConsoleUser();
    const signedIn = await consoleSignIn(user.email, user.password);
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    const session = () => shop.call('GET', '/v1/console/session', { key: null, headers: { cookie } });
    expect((await session()).status).toBe(200);

    await requestConsoleReset(user.email);
    const token = tokenIn((await deliver())[0]!, 'pwr_');
    const tooShort = await confirmConsoleReset(token, 'short');
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.code).toBe('validation_failed');
    // Refusing the password did not use the link up.
    const reset = await confirmConsoleReset(token, 'a brand new password');
    expect(reset.status, reset.text).toBe(200);

    expect((await session()).status).toBe(401);
    expect((await consoleSignIn(user.email, user.password)).status).toBe(401);
    expect((await consoleSignIn(user.email, 'a brand new password')).status).toBe(201);
    const again = await confirmConsoleReset(token, 'yet another password');
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('reset_token_invalid');
    expect((await consoleSignIn(user.email, 'a brand new password')).status).toBe(201);
  });

  it('refuses an expired link, and a link once a newer one was used', async () => {
    const user = await aConsoleUser();
    await requestConsoleReset(user.email);
    await requestConsoleReset(user.email);
    const [older, newer] = (await deliver()).map((m) => tokenIn(m, 'pwr_'));
    await sql`update console_password_reset set expires_at = now() - interval '1 second' where user_id = ${user.id} and used_at is null and created_at = (select min(created_at) from console_password_reset where user_id = ${user.id})`.execute(platform.database.db);
    const expired = await confirmConsoleReset(older!, 'a password set too late');
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe('reset_token_invalid');
    expect((await consoleSignIn(user.email, user.password)).status).toBe(201);

    await requestConsoleReset(user.email);
    const third = tokenIn((await deliver())[0]!, 'pwr_');
    expect((await confirmConsoleReset(newer!, 'the newer link password')).status).toBe(200);
    expect((await confirmConsoleReset(third, 'the third link password')).body.code, 'other open links end with the reset').toBe('reset_token_invalid');
  });

  it('sends nothing to a disabled user', async () => {
    const user = await aConsoleUser();
    await sql`update console_user set disabled_at = now() where id = ${user.id}`.execute(platform.database.db);
    expect((await requestConsoleReset(user.email)).status).toBe(202);
    expect(await deliver()).toEqual([]);
  });

  it('throttles requests per store and email from anywhere, and per client address, whether or not the account exists', async () => {
    const email = `${unique('nobody')}@example.com`;
    for (let i = 0; i < 5; i++) expect((await requestConsoleReset(email)).status).toBe(202);
    const blocked = await requestConsoleReset(email);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);

    const address = anAddress();
    for (let i = 0; i < 30; i++) expect((await requestConsoleReset(`${unique('many')}@example.com`, address)).status).toBe(202);
    expect((await requestConsoleReset(`${unique('many')}@example.com`, address)).status).toBe(429);
    expect((await requestConsoleReset(`${unique('many')}@example.com`)).status, 'another address is not blocked').toBe(202);
    await deliver();
  });
});

const storefront = (method: string, path: string, options: { body?: unknown; token?: string; address?: string } = {}) =>
  shop.call(method, path, from(options.address ?? anAddress(), { key: shop.publishableKey, headers: options.token === undefined ? {} : { 'x-consumer-token': options.token }, ...(options.body === undefined ? {} : { body: options.body }) }));

async function aConsumer() {
  const email = `${unique('buyer')}@example.com`;
  const password = 'the first password';
  const res = await storefront('POST', '/v1/account', { body: { email, name: 'Mei Buyer', password } });
  expect(res.status, res.text).toBe(201);
  await deliver(); // the verification mail sent at sign-up
  return { email, password, session: res.body.token as string };
}

describe('consumer password reset', () => {
  it('answers an unknown email as a known one and mails only the known, with a link to the store’s own page', async () => {
    const me = await aConsumer();
    const known = await storefront('POST', '/v1/account/password-resets', { body: { email: me.email, link_url: 'https://shop.example/account/reset' } });
    const unknown = await storefront('POST', '/v1/account/password-resets', { body: { email: `${unique('nobody')}@example.com`, link_url: 'https://shop.example/account/reset' } });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    const mails = await deliver();
    expect(mails.map((m) => m.to)).toEqual([[me.email]]);
    expect(mails[0]!.body).toContain(`https://shop.example/account/reset?token=${tokenIn(mails[0]!, 'cpr_')}`);

    // A link to a page of someone else's choosing would hand them the token.
    const elsewhere = await storefront('POST', '/v1/account/password-resets', { body: { email: me.email, link_url: 'https://attacker.example/collect' } });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.errors[0].field).toBe('link_url');
    // Without a page, the email carries the token as a code.
    await storefront('POST', '/v1/account/password-resets', { body: { email: me.email } });
    expect(tokenIn((await deliver())[0]!, 'cpr_')).toMatch(/^cpr_/);
  });

  it('sets the new password once, ends every session, and refuses an expired link', async () => {
    const me = await aConsumer();
    const otherSession = (await storefront('POST', '/v1/account/sessions', { body: { email: me.email, password: me.password } })).body.token as string;
    await storefront('POST', '/v1/account/password-resets', { body: { email: me.email } });
    const token = tokenIn((await deliver())[0]!, 'cpr_');
    expect((await storefront('POST', '/v1/account/password-resets/confirm', { body: { token, password: 'short' } })).status).toBe(400);
    expect((await storefront('POST', '/v1/account/password-resets/confirm', { body: { token, password: 'my new long password' } })).status).toBe(200);
    for (const session of [me.session, otherSession]) expect((await storefront('GET', '/v1/account', { token: session })).status).toBe(401);
    expect((await storefront('POST', '/v1/account/sessions', { body: { email: me.email, password: me.password } })).status).toBe(401);
    expect((await storefront('POST', '/v1/account/sessions', { body: { email: me.email, password: 'my new long password' } })).status).toBe(201);
    const again = await storefront('POST', '/v1/account/password-resets/confirm', { body: { token, password: 'a third password' } });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('account_token_invalid');
    const events = await sql<{ n: number }>`select count(*)::int as n from bos_outbox_event where type = 'consumer.password_reset'`.execute(platform.database.db);
    expect(events.rows[0]!.n).toBeGreaterThanOrEqual(1);

    await storefront('POST', '/v1/account/password-resets', { body: { email: me.email } });
    const late = tokenIn((await deliver())[0]!, 'cpr_');
    await sql`update consumer_account_token set expires_at = now() - interval '1 second' where purpose = 'password_reset' and used_at is null`.execute(platform.database.db);
    expect((await storefront('POST', '/v1/account/password-resets/confirm', { body: { token: late, password: 'a password too late' } })).body.code).toBe('account_token_invalid');
    expect((await storefront('POST', '/v1/account/sessions', { body: { email: me.email, password: 'my new long password' } })).status).toBe(201);
  });

  it('throttles requests per email whether or not the account exists', async () => {
    const email = `${unique('nobody')}@example.com`;
    for (let i = 0; i < 5; i++) expect((await storefront('POST', '/v1/account/password-resets', { body: { email } })).status).toBe(202);
    expect((await storefront('POST', '/v1/account/password-resets', { body: { email } })).status).toBe(429);
    await deliver();
  });
});

describe('old links', () => {
  const violations = async () => (await runChecks(platform.database.db, modules.flatMap((m) => m.checks ?? []))).flatMap((r) => r.violations);

  it('are deleted a week after they were used or expired, and bos check says when one is kept longer', async () => {
    const user = await aConsoleUser();
    await requestConsoleReset(user.email);
    const consumer = await aConsumer();
    await storefront('POST', '/v1/account/password-resets', { body: { email: consumer.email } });
    await deliver();
    expect(await violations()).toEqual([]);
    await sql`update console_password_reset set expires_at = now() - interval '9 days' where user_id = ${user.id}`.execute(platform.database.db);
    await sql`update consumer_account_token set expires_at = now() - interval '9 days' where email = ${consumer.email}`.execute(platform.database.db);
    const found = (await violations()).join('\n');
    expect(found).toContain('password-reset link');
    expect(found).toContain('password_reset link');
    expect(found).toContain('email_verification link');
    expect(await pruneConsolePasswordResets(platform.database.db)).toBeGreaterThanOrEqual(1);
    expect(await pruneAccountTokens(platform.database.db)).toBeGreaterThanOrEqual(2);
    expect(await violations()).toEqual([]);
  });
});
