import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSealingKey, sealerFromKey, serverSealer } from '../src/kernel/sealed.js';
import { createTestPlatform, type TestConsoleSession, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Two-factor sign-in for console users. Codes are made here the way an authenticator app makes
 * them (otpauth, 30-second steps). A code is accepted one step either side of now, and each step
 * once per user, so each test uses the current step and the next one, never a third.
 */
let platform: TestPlatform;
let shop: TestMerchant;

beforeAll(async () => {
  platform = await createTestPlatform();
  shop = await platform.merchant();
});
afterAll(async () => platform.close());

const codeFor = (secret: string, steps_ahead = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: Date.now() + steps_ahead * 30_000 });
const wrongCodeFor = (secret: string) => (codeFor(secret) === '123456' || codeFor(secret, 1) === '123456' || codeFor(secret, -1) === '123456' ? '654321' : '123456');

async function enrol(session: TestConsoleSession): Promise<{ secret: string; recovery_codes: string[] }> {
  const started = await session.call('POST', '/v1/console/two-factor/enrolment');
  expect(started.status, started.text).toBe(200);
  expect(started.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\//);
  const confirmed = await session.call('POST', '/v1/console/two-factor/enrolment/confirm', { body: { code: codeFor(started.body.secret) } });
  expect(confirmed.status, confirmed.text).toBe(200);
  return { secret: started.body.secret, recovery_codes: confirmed.body.recovery_codes };
}

const passwordStep = (m: TestMerchant, user: { email: string; password: string }) => m.call('POST', '/v1/console/sessions', { key: null, body: { merchant: m.handle, email: user.email, password: user.password } });
const secondStep = (m: TestMerchant, body: Record<string, string>) => m.call('POST', '/v1/console/sessions/second-factor', { key: null, body });

async function auditActions(m: TestMerchant): Promise<{ action: string; actor: string; target: string; details: Record<string, unknown> }[]> {
  const res = await m.call('GET', '/v1/audit-events?limit=100');
  expect(res.status).toBe(200);
  return res.body.data;
}

describe('enrolment', () => {
  it('turns the factor on only once a valid code confirms the secret, then shows ten recovery codes', async () => {
    const user = await shop.signIn('staff');
    const started = await user.call('POST', '/v1/console/two-factor/enrolment');
    expect(started.status).toBe(200);
    expect(started.body.otpauth_uri).toContain(`secret=${started.body.secret}`);
    expect((await user.call('GET', '/v1/console/two-factor')).body.enabled).toBe(false);

    const wrong = await user.call('POST', '/v1/console/two-factor/enrolment/confirm', { body: { code: wrongCodeFor(started.body.secret) } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.code).toBe('invalid_code');
    expect((await user.call('GET', '/v1/console/two-factor')).body.enabled).toBe(false);
    // Without the second factor on, the password alone still signs in.
    expect((await passwordStep(shop, user)).status).toBe(201);

    const confirmed = await user.call('POST', '/v1/console/two-factor/enrolment/confirm', { body: { code: codeFor(started.body.secret) } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recovery_codes).toHaveLength(10);
    expect(new Set(confirmed.body.recovery_codes).size).toBe(10);
    expect((await user.call('GET', '/v1/console/two-factor')).body).toMatchObject({ enabled: true, recovery_codes_left: 10, required_by_merchant: false });
    expect((await auditActions(shop)).some((e) => e.action === 'console_user.two_factor_enable' && e.target === user.user_id)).toBe(true);
  });

  it('keeps the secret sealed at rest: not in clear, not openable with another key or on another row', async () => {
    const user = await shop.signIn('viewer');
    const { secret, recovery_codes } = await enrol(user);
    const row = await platform.database.db.selectFrom('console_two_factor').selectAll().where('user_id', '=', user.user_id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(JSON.stringify(row)).not.toContain(Buffer.from(Secret.fromBase32(secret).bytes).toString('base64'));
    expect(row.secret_sealed).toMatch(/^v1\./);
    const sealer = serverSealer({ data_dir: platform.ctx.config.dataDir });
    expect(sealer.open(row.secret_sealed, `console_two_factor:${shop.id}:${user.user_id}`)).toBe(secret);
    expect(() => sealer.open(row.secret_sealed, `console_two_factor:${shop.id}:usr_someone_else`)).toThrow();
    expect(() => sealerFromKey(Buffer.alloc(32, 7)).open(row.secret_sealed, `console_two_factor:${shop.id}:${user.user_id}`)).toThrow(/another key/);
    // Recovery codes are stored hashed.
    const codes = await platform.database.db.selectFrom('console_recovery_code').select('code_hash').where('user_id', '=', user.user_id).execute();
    expect(codes).toHaveLength(10);
    for (const code of recovery_codes) expect(JSON.stringify(codes)).not.toContain(code.replace('-', ''));
  });
});

describe('signing in with a second factor', () => {
  it('asks for a code after the password, and issues the session only for a valid code', async () => {
    const user = await shop.signIn('staff');
    const { secret } = await enrol(user);
    const first = await passwordStep(shop, user);
    expect(first.status).toBe(202);
    expect(first.headers.get('set-cookie')).toBeNull();
    expect(first.body.second_factor).toMatchObject({ purpose: 'verify' });

    const wrong = await secondStep(shop, { challenge_token: first.body.second_factor.challenge_token, code: wrongCodeFor(secret) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_code');
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const done = await secondStep(shop, { challenge_token: first.body.second_factor.challenge_token, code: codeFor(secret, 1) });
    expect(done.status, done.text).toBe(201);
    expect(done.headers.get('set-cookie')).toMatch(/^bos_session=cs_/);
    expect(done.body).toMatchObject({ user: { id: user.user_id }, recovery_codes: null });
    const cookie = done.headers.get('set-cookie')!.split(';')[0]!;
    expect((await shop.call('GET', '/v1/console/session', { key: null, headers: { cookie } })).status).toBe(200);
    // The challenge is single-use, even with another valid proof.
    expect((await secondStep(shop, { challenge_token: first.body.second_factor.challenge_token, code: codeFor(secret, 1) })).body.code).toBe('challenge_expired');
  });

  it('refuses a replayed code: a code that signed in once never signs in again', async () => {
    const user = await shop.signIn('staff');
    const { secret } = await enrol(user);
    const code = codeFor(secret, 1);
    const first = await passwordStep(shop, user);
    expect((await secondStep(shop, { challenge_token: first.body.second_factor.challenge_token, code })).status).toBe(201);
    const second = await passwordStep(shop, user);
    const replay = await secondStep(shop, { challenge_token: second.body.second_factor.challenge_token, code });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('invalid_code');
    // The code that confirmed enrolment is spent as well.
    expect((await secondStep(shop, { challenge_token: second.body.second_factor.challenge_token, code: codeFor(secret) })).status).toBe(401);
  });

  it('accepts each recovery code once, typed with or without its dash, in any case', async () => {
    const user = await shop.signIn('staff');
    const { recovery_codes } = await enrol(user);
    const first = await passwordStep(shop, user);
    expect((await secondStep(shop, { challenge_token: first.body.second_factor.challenge_token, recovery_code: recovery_codes[0]! })).status).toBe(201);
    const second = await passwordStep(shop, user);
    expect((await secondStep(shop, { challenge_token: second.body.second_factor.challenge_token, recovery_code: recovery_codes[0]! })).status).toBe(401);
    const typed = recovery_codes[1]!.replace('-', '').toUpperCase();
    expect((await secondStep(shop, { challenge_token: second.body.second_factor.challenge_token, recovery_code: typed })).status).toBe(201);
    expect((await user.call('GET', '/v1/console/two-factor')).body.recovery_codes_left).toBe(8);
    const signIns = (await auditActions(shop)).filter((e) => e.action === 'console_session.sign_in' && e.actor === `user:${user.user_id}`);
    expect(signIns.some((e) => e.details.second_factor === 'recovery_code')).toBe(true);
  });

  it('regenerating recovery codes retires the old ones; turning the factor off needs a current code', async () => {
    const user = await shop.signIn('staff');
    const { secret, recovery_codes } = await enrol(user);
    expect((await user.call('POST', '/v1/console/two-factor/recovery-codes', { body: { code: wrongCodeFor(secret) } })).status).toBe(422);
    const fresh = await user.call('POST', '/v1/console/two-factor/recovery-codes', { body: { code: codeFor(secret, 1) } });
    expect(fresh.status).toBe(200);
    expect(fresh.body.recovery_codes).toHaveLength(10);
    const challenge = (await passwordStep(shop, user)).body.second_factor.challenge_token;
    expect((await secondStep(shop, { challenge_token: challenge, recovery_code: recovery_codes[0]! })).status).toBe(401);
    expect((await user.call('POST', '/v1/console/two-factor/disable', { body: { code: wrongCodeFor(secret) } })).status).toBe(422);
    expect((await user.call('GET', '/v1/console/two-factor')).body.enabled).toBe(true);
  });

  it('throttles failed codes: after five, even the right code is refused with 429', async () => {
    const user = await shop.signIn('staff');
    const { secret } = await enrol(user);
    const challenge = (await passwordStep(shop, user)).body.second_factor.challenge_token;
    for (let i = 0; i < 5; i++) expect((await secondStep(shop, { challenge_token: challenge, code: wrongCodeFor(secret) })).status).toBe(401);
    const locked = await secondStep(shop, { challenge_token: challenge, code: codeFor(secret, 1) });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('the owner’s powers', () => {
  it('requires a second factor of everyone: a user without one must set it up before getting a session', async () => {
    const store = await platform.merchant();
    const owner = await store.signIn('owner');
    const staff = await store.signIn('staff');
    expect((await staff.call('PUT', '/v1/two-factor-policy', { body: { required: true } })).status).toBe(403);
    const set = await owner.call('PUT', '/v1/two-factor-policy', { body: { required: true } });
    expect(set.status).toBe(200);
    expect((await owner.call('GET', '/v1/two-factor-policy')).body).toEqual({ merchant_id: store.id, required: true });

    const first = await passwordStep(store, staff);
    expect(first.status).toBe(202);
    expect(first.body.second_factor.purpose).toBe('enrol');
    const challenge_token = first.body.second_factor.challenge_token as string;
    // No code can pass before a secret exists.
    expect((await secondStep(store, { challenge_token, code: '123456' })).status).toBe(409);
    const started = await store.call('POST', '/v1/console/sessions/second-factor/enrolment', { key: null, body: { challenge_token } });
    expect(started.status, started.text).toBe(200);
    expect((await secondStep(store, { challenge_token, code: wrongCodeFor(started.body.secret) })).status).toBe(401);
    const done = await secondStep(store, { challenge_token, code: codeFor(started.body.secret) });
    expect(done.status, done.text).toBe(201);
    expect(done.body.recovery_codes).toHaveLength(10);
    expect(done.headers.get('set-cookie')).toMatch(/^bos_session=cs_/);

    // While required, nobody turns it off.
    const refused = await staff.call('POST', '/v1/console/two-factor/disable', { body: { code: codeFor(started.body.secret, 1) } });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('two_factor_required');
    expect((await auditActions(store)).some((e) => e.action === 'merchant.two_factor_policy' && e.actor === `user:${owner.user_id}` && e.details.required === true)).toBe(true);
  });

  it('resets another person’s factor, recorded in the audit log; that person then signs in with the password', async () => {
    const store = await platform.merchant();
    const owner = await store.signIn('owner');
    const admin = await store.signIn('admin');
    const staff = await store.signIn('staff');
    await enrol(staff);
    const listed = await owner.call('GET', '/v1/console-users');
    expect(listed.body.data.find((u: { id: string }) => u.id === staff.user_id).two_factor_enabled).toBe(true);
    expect((await passwordStep(store, staff)).status).toBe(202);

    expect((await admin.call('DELETE', `/v1/console-users/${staff.user_id}/two-factor`)).status).toBe(403);
    expect((await owner.call('DELETE', `/v1/console-users/${owner.user_id}/two-factor`)).body.code).toBe('cannot_reset_self');
    const reset = await owner.call('DELETE', `/v1/console-users/${staff.user_id}/two-factor`);
    expect(reset.status).toBe(200);
    const audit = (await auditActions(store)).find((e) => e.action === 'console_user.two_factor_reset');
    expect(audit).toMatchObject({ actor: `user:${owner.user_id}`, target: staff.user_id, details: { was_enabled: true } });
    expect((await passwordStep(store, staff)).status).toBe(201);
    expect((await owner.call('DELETE', `/v1/console-users/usr_nobody/two-factor`)).status).toBe(404);
  });
});

describe('the sealing key', () => {
  it('is created once with mode 0600 in the data folder, and OPENBOS_SEALING_KEY takes its place when set', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openbos-seal-'));
    const sealed = serverSealer({ data_dir: dir }).seal('JBSWY3DPEHPK3PXP', 'ctx');
    const file = path.join(dir, 'sealing.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(sealerFromKey(parseSealingKey(fs.readFileSync(file, 'utf8'))).open(sealed, 'ctx')).toBe('JBSWY3DPEHPK3PXP');
    const hex = 'ab'.repeat(32);
    expect(serverSealer({ data_dir: dir, key_text: hex }).open(serverSealer({ data_dir: '/nonexistent', key_text: hex }).seal('x', 'c'), 'c')).toBe('x');
    // A key file others can read is refused, not used.
    const exposed = path.join(dir, 'exposed');
    fs.mkdirSync(exposed);
    fs.writeFileSync(path.join(exposed, 'sealing.key'), hex, { mode: 0o644 });
    fs.chmodSync(path.join(exposed, 'sealing.key'), 0o644);
    expect(() => serverSealer({ data_dir: exposed })).toThrow(/chmod 600/);
    fs.rmSync(dir, { recursive: true });
  });
});
