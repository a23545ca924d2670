import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/kernel/checks.js';
import { inTransaction } from '../src/kernel/db.js';
import { Problem } from '../src/kernel/problem.js';
import { acceptConsumerCode, code_guesses_per_device_max, code_guesses_per_store_max, consumerCodeKeys, issueConsumerCode, membershipModule, type AcceptCodeInput } from '../src/modules/membership/index.js';
import { aLocation } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(async () => platform.close());

const db = () => platform.database.db;
const keys = () => consumerCodeKeys(db(), platform.ctx.config);
let people = 0;
let devices = 0;

async function aConsumer(m: TestMerchant, name = 'Code Shopper'): Promise<{ token: string; id: string; name: string }> {
  const email = `code-${process.pid}-${++people}@example.com`;
  const res = await m.call('POST', '/v1/account', { key: m.publishableKey, body: { email, name, password: 'correct horse battery' } });
  expect(res.status, res.text).toBe(201);
  return { token: res.body.token as string, id: res.body.account.id as string, name };
}

/** A store of the brand and a device in it: each test its own, so throttles never meet. */
async function aStore(m: TestMerchant): Promise<{ location_id: string; device_id: string }> {
  return { location_id: await aLocation(m, 'store'), device_id: `till-${++devices}` };
}

const codeOf = async (m: TestMerchant, token: string) => {
  const res = await m.call('GET', '/v1/account/consumer-code', { key: m.publishableKey, headers: { 'x-consumer-token': token } });
  expect(res.status, res.text).toBe(200);
  return res.body as { code: string; qr_payload: string; qr_svg: string; period_s: number; refresh_at: string; expires_at: string };
};

const verify = (m: TestMerchant, at: { location_id: string; device_id: string }, code: string, purpose = 'pay') => m.call('POST', '/v1/consumer-codes/verify', { body: { code, ...at, purpose } });

/** Accepts in process, with the clock given; answers the problem's code on refusal. */
async function acceptAt(input: AcceptCodeInput): Promise<{ consumer_id: string } | string> {
  try {
    return await inTransaction(db(), (trx) => acceptConsumerCode(trx, input));
  } catch (error) {
    if (error instanceof Problem) return error.code;
    throw error;
  }
}

const uses = async (consumer_id: string) => Number((await sql<{ n: string }>`select count(*)::text as n from consumer_code_use where consumer_id = ${consumer_id}`.execute(db())).rows[0]!.n);

async function membershipChecks(): Promise<string[]> {
  const reports = await runChecks(db(), membershipModule.checks);
  return reports.flatMap((r) => r.violations);
}

describe('the consumer code', () => {
  it('is 18 digits bound to its owner, with a QR code, and a store accepts it once', async () => {
    const brand = await platform.merchant();
    const shopper = await aConsumer(brand, 'Wang Fang');
    const store = await aStore(brand);
    const shown = await codeOf(brand, shopper.token);
    expect(shown.code).toMatch(/^[1-9][0-9]{17}$/);
    expect(shown.qr_payload).toBe(shown.code);
    expect(shown.qr_svg).toContain('<svg');
    expect(shown.period_s).toBe(30);
    expect(Date.parse(shown.expires_at)).toBeGreaterThan(Date.now());
    expect(Date.parse(shown.expires_at) - Date.parse(shown.refresh_at)).toBe(30_000);
    // The same consumer gets the same number every time; the rest changes with the step.
    expect((await codeOf(brand, shopper.token)).code.slice(0, 9)).toBe(shown.code.slice(0, 9));

    const first = await verify(brand, store, shown.code);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ consumer_id: shopper.id, name: 'Wang Fang', points: 0, code_use_id: expect.stringMatching(/^ccu_/) });
    const replay = await verify(brand, store, shown.code);
    expect(replay.status).toBe(422);
    expect(replay.headers.get('content-type')).toContain('application/problem+json');
    expect(replay.body.code).toBe('code_replayed');
    // Replayed at another brand's store: still used up.
    const other = await platform.merchant();
    const elsewhere = await verify(other, await aStore(other), shown.code);
    expect(elsewhere.body.code).toBe('code_replayed');
    expect(await uses(shopper.id)).toBe(1);

    // Once used, the app shows the next step's code, which stores already accept: pay, then walk out through a gate.
    const next = await codeOf(brand, shopper.token);
    expect(next.code).not.toBe(shown.code);
    const gate = await verify(brand, { ...store, device_id: 'gate-1' }, next.code, 'enter');
    expect(gate.status, gate.text).toBe(200);
    expect(await uses(shopper.id)).toBe(2);
    expect(await membershipChecks()).toEqual([]);
  });

  it('names its owner: another person showing it is shown as the owner, and the owner joins the brand', async () => {
    const brand = await platform.merchant();
    const owner = await aConsumer(brand, 'Owner Person');
    const store = await aStore(brand);
    const code = (await codeOf(brand, owner.token)).code;
    const res = await verify(brand, store, code, 'identify');
    expect(res.status, res.text).toBe(200);
    expect(res.body.consumer_id).toBe(owner.id);
    expect(res.body.name).toBe('Owner Person');
    const member = await brand.call('GET', `/v1/members/${owner.id}`);
    expect(member.status, member.text).toBe(200);
    expect(member.body.consumer_id).toBe(owner.id);
    // Two consumers never share a number.
    const someoneElse = await aConsumer(brand);
    expect((await codeOf(brand, someoneElse.token)).code.slice(0, 9)).not.toBe(code.slice(0, 9));
  });

  it('is accepted one step either side of its own and answers code_expired after (clock injected)', async () => {
    const brand = await platform.merchant();
    const shopper = await aConsumer(brand);
    const store = await aStore(brand);
    const t0 = new Date(Math.floor(Date.now() / 30_000) * 30_000 + 5_000);
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const base = { merchant_id: brand.id, ...store, purpose: 'pay' as const };

    const late = await issueConsumerCode(db(), keys(), shopper.id, t0);
    expect(await acceptAt({ ...base, code: late.code, now: at(60_000) })).toBe('code_expired');
    expect(await acceptAt({ ...base, code: late.code, now: at(10 * 60_000) })).toBe('code_expired');
    expect(await acceptAt({ ...base, code: late.code, now: at(30_000) })).toMatchObject({ consumer_id: shopper.id });
    expect(late.expires_at.getTime()).toBe(t0.getTime() - 5_000 + 60_000);

    const early = await issueConsumerCode(db(), keys(), shopper.id, at(90_000));
    expect(await acceptAt({ ...base, code: early.code, now: at(60_000) })).toMatchObject({ consumer_id: shopper.id });
    const tooEarly = await issueConsumerCode(db(), keys(), shopper.id, at(180_000));
    expect(await acceptAt({ ...base, code: tooEarly.code, now: at(60_000) })).toBe('code_forged');
    // Expired codes are not guesses: the device is not throttled by them.
    const old = await issueConsumerCode(db(), keys(), shopper.id, at(-300_000));
    for (let i = 0; i < code_guesses_per_device_max + 1; i++) expect(await acceptAt({ ...base, code: old.code })).toBe('code_expired');
    const now = await issueConsumerCode(db(), keys(), shopper.id);
    expect(await acceptAt({ ...base, code: now.code })).toMatchObject({ consumer_id: shopper.id });
  });

  it('refuses forged codes: a changed digit, a secret without the platform’s signature, an unknown number, not a code', async () => {
    const brand = await platform.merchant();
    const shopper = await aConsumer(brand);
    const store = await aStore(brand);
    const { code } = await codeOf(brand, shopper.token);
    const flip = (s: string, i: number) => s.slice(0, i) + String((Number(s[i]) + 1) % 10) + s.slice(i + 1);
    expect((await verify(brand, store, flip(code, 17))).body.code).toBe('code_forged'); // the platform's signature
    expect((await verify(brand, store, flip(code, 11))).body.code).toBe('code_forged'); // the one-time password
    // The consumer's own secret (say, read off a phone) without the platform's signing secret.
    const withoutPlatform = await issueConsumerCode(db(), { ...keys(), secret: () => 'not-the-platform-secret-0123456789abcdef' }, shopper.id);
    expect((await verify(brand, store, withoutPlatform.code)).body.code).toBe('code_forged');
    expect((await verify(brand, store, `999999999${code.slice(9)}`)).body.code).toBe('code_unknown');
    const notACode = await verify(brand, store, 'hello');
    expect(notACode.status).toBe(422);
    expect(notACode.body.code).toBe('code_unknown');
    expect(await uses(shopper.id)).toBe(0);
    // The genuine code still works once (typed with spaces).
    const typed = await verify(brand, store, `${code.slice(0, 6)} ${code.slice(6, 12)} ${code.slice(12)}`);
    expect(typed.status, typed.text).toBe(200);
    // A store of another brand's location is not this brand's.
    const other = await platform.merchant();
    expect((await verify(other, store, code)).status).toBe(404);
  });

  it('accepts a code shown twice at once exactly once', async () => {
    const brand = await platform.merchant();
    const shopper = await aConsumer(brand);
    const store = await aStore(brand);
    const { code } = await codeOf(brand, shopper.token);
    const answers = await Promise.all([verify(brand, store, code), verify(brand, { ...store, device_id: 'till-b' }, code), verify(brand, { ...store, device_id: 'till-c' }, code)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 422, 422]);
    expect(answers.filter((a) => a.status === 422).map((a) => a.body.code)).toEqual(['code_replayed', 'code_replayed']);
    expect(await uses(shopper.id)).toBe(1);
  });

  it('throttles guessing per device, then per store, before looking at the code', async () => {
    const brand = await platform.merchant();
    const shopper = await aConsumer(brand);
    const store = await aStore(brand);
    const bad = (n: number) => `1000${String(n).padStart(14, '0')}`;
    for (let i = 0; i < code_guesses_per_device_max; i++) expect((await verify(brand, store, bad(i))).body.code).toMatch(/^code_(unknown|forged)$/);
    const { code } = await codeOf(brand, shopper.token);
    const throttled = await verify(brand, store, code);
    expect(throttled.status).toBe(429);
    expect(throttled.body.code).toBe('code_guesses_throttled');
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await uses(shopper.id)).toBe(0);
    // Another till in the same store still works, until the store as a whole has seen too many.
    const till2 = { ...store, device_id: `${store.device_id}-2` };
    expect((await verify(brand, till2, code)).status).toBe(200);
    let device = 3;
    for (let failures = code_guesses_per_device_max; failures < code_guesses_per_store_max; failures++) {
      const at = { ...store, device_id: `${store.device_id}-${device}` };
      expect((await verify(brand, at, bad(failures))).status).toBe(422);
      if ((failures + 1) % code_guesses_per_device_max === 0) device++;
    }
    const fresh = { ...store, device_id: `${store.device_id}-fresh` };
    const next = await codeOf(brand, shopper.token);
    expect((await verify(brand, fresh, next.code)).body.code).toBe('code_guesses_throttled');
    // Another store of the brand is not affected.
    expect((await verify(brand, await aStore(brand), next.code)).status).toBe(200);
  });

  it('the check finds a code accepted twice', async () => {
    const brand = await platform.merchant();
    const shopper = await aConsumer(brand);
    const store = await aStore(brand);
    const { code } = await codeOf(brand, shopper.token);
    expect((await verify(brand, store, code)).status).toBe(200);
    expect(await membershipChecks()).toEqual([]);
    // Only by removing the unique key can a code be used twice; the check then says so.
    await sql`alter table consumer_code_use drop constraint consumer_code_use_consumer_id_counter_key`.execute(db());
    try {
      await sql`insert into consumer_code_use (id, consumer_id, counter, merchant_id, location_id, device_id, purpose)
        select 'ccu_dup', consumer_id, counter, merchant_id, location_id, device_id, purpose from consumer_code_use where consumer_id = ${shopper.id}`.execute(db());
      expect(await membershipChecks()).toEqual([expect.stringContaining(`consumer ${shopper.id}`)]);
    } finally {
      await sql`delete from consumer_code_use where id = 'ccu_dup'`.execute(db());
      await sql`alter table consumer_code_use add constraint consumer_code_use_consumer_id_counter_key unique (consumer_id, counter)`.execute(db());
    }
  });

  it('needs a signed-in consumer to show a code, and instore:write to verify one', async () => {
    const brand = await platform.merchant();
    const res = await brand.call('GET', '/v1/account/consumer-code', { key: brand.publishableKey });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('consumer_unauthenticated');
    const publishable = await brand.call('POST', '/v1/consumer-codes/verify', { key: brand.publishableKey, body: { code: '1', location_id: 'x', device_id: 'y' } });
    expect([401, 403]).toContain(publishable.status);
  });
});
