import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perAccount, perAccountAndAddress, SignInThrottle } from '../src/kernel/http/sign-in-throttle.js';
import { perProcessBudget } from '../src/kernel/http/rate-limit.js';
import { pruneRateLimits } from '../src/kernel/http/shared-limiter.js';
import { Problem } from '../src/kernel/problem.js';
import { buildApp } from '../src/platform/app.js';
import { registry } from '../src/platform/modules.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { createTestPlatform, silentLogger, testConfig, type TestPlatform } from './support/platform.js';

/**
 * Sign-in throttles count in PostgreSQL, so every server process shares one count. Each
 * "process" here is an independent throttle or a whole app over the same database, as two
 * workers of `bos start` are.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

async function refusal(work: Promise<unknown>): Promise<Problem | undefined> {
  try {
    await work;
    return undefined;
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
}

describe('a sign-in throttle shared by every process', () => {
  it('locks an account after five failures even when they are split across two processes', async () => {
    const processA = new SignInThrottle(database.db, 'shared_test', [perAccount(5)], 900);
    const processB = new SignInThrottle(database.db, 'shared_test', [perAccount(5)], 900);
    for (const [i, throttle] of [processA, processB, processA, processB, processA].entries()) {
      expect(await refusal(throttle.check('shop:ana@example.com', `198.51.100.${i}`))).toBeUndefined();
      await throttle.failed('shop:ana@example.com', `198.51.100.${i}`);
    }
    for (const throttle of [processA, processB]) {
      const problem = await refusal(throttle.check('shop:ana@example.com', '203.0.113.1'));
      expect(problem?.status).toBe(429);
      expect(problem?.code).toBe('rate_limited');
    }
    // Another account is untouched.
    expect(await refusal(processB.check('shop:bo@example.com', '198.51.100.1'))).toBeUndefined();
  });

  it('a success in one process clears the per-account-and-address count the other process sees', async () => {
    const processA = new SignInThrottle(database.db, 'shared_clear', [perAccountAndAddress(3)], 900);
    const processB = new SignInThrottle(database.db, 'shared_clear', [perAccountAndAddress(3)], 900);
    await processA.failed('shop:cy@example.com', '198.51.100.9');
    await processA.failed('shop:cy@example.com', '198.51.100.9');
    await processB.succeeded('shop:cy@example.com', '198.51.100.9');
    await processA.failed('shop:cy@example.com', '198.51.100.9');
    await processA.failed('shop:cy@example.com', '198.51.100.9');
    expect(await refusal(processB.check('shop:cy@example.com', '198.51.100.9'))).toBeUndefined();
  });

  it('counts run out after the window, and expired counters are pruned', async () => {
    const throttle = new SignInThrottle(database.db, 'shared_window', [perAccount(1)], 1);
    await throttle.failed('shop:di@example.com', '198.51.100.1');
    expect((await refusal(throttle.check('shop:di@example.com', '198.51.100.1')))?.status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await refusal(throttle.check('shop:di@example.com', '198.51.100.1'))).toBeUndefined();
    // Pruning removes only what expired over an hour ago: this one stays until then.
    expect(await pruneRateLimits(database.db)).toBe(0);
  });
});

describe('console sign-in over two server processes', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await createTestPlatform();
  });
  afterAll(async () => platform.close());

  it('ten wrong passwords split between two apps on one database refuse the right password on both', async () => {
    const shop = await platform.merchant();
    const user = await shop.signIn('staff');
    // A second app over the same database: a second worker of `bos start`.
    const second = buildApp({ db: platform.database.db, config: testConfig(), logger: silentLogger, registry });
    const attempt = (app: typeof second.app, password: string) =>
      app.request('/v1/console/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ merchant: shop.handle, email: user.email, password }) });
    for (let i = 0; i < 10; i++) expect((await attempt(i % 2 === 0 ? platform.app : second.app, `guess ${i}`)).status).toBe(401);
    expect((await attempt(platform.app, user.password)).status).toBe(429);
    expect((await attempt(second.app, user.password)).status).toBe(429);
  });
});

describe('the per-key API rate limit stays in each process', () => {
  it('gives each of N workers an even share of the budget, never more in total, never zero', () => {
    expect(perProcessBudget(200, 1)).toBe(200);
    expect(perProcessBudget(200, 4)).toBe(50);
    expect(perProcessBudget(400, 3)).toBe(133);
    expect(perProcessBudget(2, 4)).toBe(1);
    expect(perProcessBudget(0, 4)).toBe(0);
  });
});
