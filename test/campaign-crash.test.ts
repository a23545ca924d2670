import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMerchant } from '../src/modules/merchants/index.js';
import { runCampaignCrash } from './support/campaign-crash.js';
import { createTestDatabase, urlFor, type TestDatabase } from './support/database.js';

/**
 * A campaign to 10,000 consumers run by a worker process that is SIGKILLed right after a send
 * request is recorded and before the batch's enrolments advance, then restarted: no consumer
 * without consent got anything, no one went over the frequency cap, the control arm has no send
 * row, no message was delivered twice, and the restarted worker found the interrupted batch's
 * sends already made. (100,000 consumers: `npm run bench:campaign`; docs/BENCHMARKS.md.)
 */
const consumers = 10_000;
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

describe('a campaign to 10,000 consumers across a SIGKILL', () => {
  it('sends each step once, only with consent, within the cap, nothing to control, and finishes after the restart', { timeout: 240_000 }, async () => {
    const merchant = await createMerchant(database.db, { handle: 'big-campaign', name: 'Big campaign', kind: 'brand', default_currency: 'CNY', country: 'CN' });
    // 9,000 treated consumers a step, in batches of 1,000: the 13th request is in the second step.
    const f = await runCampaignCrash(database.db, urlFor(database.name), merchant.id, consumers, 13);
    console.info(JSON.stringify(f));
    expect(f.killed).toBe(true);
    expect(f.repeated_after_crash).toBeGreaterThan(0);
    expect(f.duplicate_deliveries).toBe(0);
    expect(f.deliveries).toBe(f.sent);
    expect(f.sent_without_consent).toBe(0);
    expect(f.over_cap).toBe(0);
    expect(f.control).toBeGreaterThan(consumers * 0.07);
    expect(f.control_rows).toBe(0);
    expect(f.not_finished).toBe(0);
    // Three sends for each treated consumer: the third is over the cap of two for those who took the first two.
    expect(f.sends_requested).toBe(3 * (consumers - f.control));
    expect(f.suppressed.capped).toBeGreaterThan(0);
    expect(f.violations).toEqual([]);
  });
});
