import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checks } from '../src/modules/reach/checks.js';
import { closeReachTransports, sendMessages, setReachSettings, type SendRequest } from '../src/modules/reach/index.js';
import { createTestPlatform, type TestPlatform } from './support/platform.js';
import { seedConsumers, type SeedConsumer } from './support/reach.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';

/**
 * 10,000 consumers through a real SMTP server: no one without consent gets anything, no one
 * passes the cap, and the same request again sends nothing. Prints the sends per second (the
 * figure in docs/BENCHMARKS.md); the 100,000-consumer campaign with a SIGKILL builds on this.
 */
const consumers_n = 10_000;
let platform: TestPlatform;
let smtp: TestSmtpServer;

beforeAll(async () => {
  smtp = await startSmtpServer();
  platform = await createTestPlatform({ OPENBOS_SMTP_URL: smtp.url });
});
afterAll(async () => {
  closeReachTransports();
  await smtp.close();
  await platform.close();
});

it(`sends a campaign step to ${consumers_n.toLocaleString('en')} consumers over SMTP: only the consenting, within caps, once`, { timeout: 600_000 }, async () => {
  const db = platform.database.db;
  const config = platform.ctx.config;
  const brand = await platform.merchant();
  await setReachSettings(db, config, brand.id, { cap_across_channels: 2, cap_window_days: 7, quiet_hours: null, dedupe_window_hours: 0 });
  const people: SeedConsumer[] = Array.from({ length: consumers_n }, (_, i) => ({
    email: `bulk-${process.pid}-${i}@example.com`,
    // Every 10th never consented, every 7th refused, every 31st refused email only.
    marketing: i % 10 === 0 ? undefined : i % 7 !== 0,
    refused: i % 31 === 0 ? ['email'] : [],
    traits: { first_name: `P${i}` },
  }));
  const ids = await seedConsumers(db, config, brand.id, people);
  const consenting = new Set(ids.filter((_, i) => i % 10 !== 0 && i % 7 !== 0 && i % 31 !== 0));
  // Every 13th has had 2 marketing messages this week (in the feed): capped.
  const cappedIds = ids.filter((id, i) => i % 13 === 0 && consenting.has(id));
  for (const k of [1, 2]) await sendMessages(db, { config }, { merchant_id: brand.id, channel: 'feed', purpose: 'marketing', campaign_id: null, step_id: null, dedupe_key: `warmup:${k}`, profile_ids: cappedIds, message: { subject: 'Earlier', text: 'Earlier' } });

  const request: SendRequest = {
    merchant_id: brand.id,
    channel: 'email',
    purpose: 'marketing',
    campaign_id: 'cmp_bulk',
    step_id: 'stp_1',
    dedupe_key: 'cmp_bulk:stp_1',
    profile_ids: ids,
    message: { subject: 'The new harvest', text: 'Hi {{name}}, the autumn harvest is in.', url: 'https://shop.example/harvest' },
  };
  const started = performance.now();
  const outcomes = await sendMessages(db, { config }, request);
  const seconds = (performance.now() - started) / 1_000;
  const sent = outcomes.filter((o) => o.status === 'sent');
  const expected = [...consenting].filter((id) => !cappedIds.includes(id));
  console.log(JSON.stringify({ consumers: consumers_n, sent: sent.length, suppressed: outcomes.length - sent.length, seconds: Number(seconds.toFixed(2)), sends_per_s: Math.round(consumers_n / seconds), delivered_per_s: Math.round(sent.length / seconds) }));

  expect(outcomes.filter((o) => o.status === 'failed')).toEqual([]);
  expect(sent.length).toBe(expected.length);
  await smtp.waitFor(sent.length, 30_000);
  // No one without consent got anything, and no one got two.
  const recipients = smtp.received.map((m) => m.to[0]!);
  expect(new Set(recipients).size).toBe(recipients.length);
  const emailOf = new Map(ids.map((id, i) => [id, people[i]!.email!]));
  const allowed = new Set(expected.map((id) => emailOf.get(id)));
  expect(recipients.every((r) => allowed.has(r))).toBe(true);
  const reasons = new Map<string, number>();
  for (const o of outcomes) if (o.reason !== null) reasons.set(o.reason, (reasons.get(o.reason) ?? 0) + 1);
  expect(reasons.get('capped')).toBe(cappedIds.length);
  expect(reasons.get('no_consent')).toBe(consumers_n - consenting.size);

  // The same request again: nothing more is sent.
  const again = await sendMessages(db, { config }, request);
  expect(again.every((o) => o.repeated)).toBe(true);
  await new Promise((r) => setTimeout(r, 200));
  expect(smtp.received.length).toBe(sent.length);

  // No one over the cap, per the rows.
  const over = await sql<{ n: number }>`
    select count(*)::int as n from (select profile_id from reach_send where merchant_id = ${brand.id} and purpose = 'marketing' and status = 'sent' group by profile_id having count(*) > 2) x`.execute(db);
  expect(over.rows[0]!.n).toBe(0);
  expect((await Promise.all(checks.map((c) => c.run(db)))).flat()).toEqual([]);
});
