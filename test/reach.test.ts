import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseConsumer } from '../src/modules/databank/index.js';
import { checks } from '../src/modules/reach/checks.js';
import { closeReachTransports, inQuietHours, markInterruptedSends, reachSignatureHeader, sendMessages, setReachSettings, type ReachLinks, type SendRequest } from '../src/modules/reach/index.js';
import { verifyWebhookSignature } from '../src/modules/webhooks/index.js';
import { aLocation } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';
import { seedConsumers } from './support/reach.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';

/**
 * Reach: every message passes the send-time checks, each suppression keeps its reason, the
 * channels deliver for real (an SMTP server, an HTTP provider), a repeated request sends nothing,
 * and two campaigns sending at once never take a consumer past a cap.
 */
let platform: TestPlatform;
let smtp: TestSmtpServer;
let people = 0;

beforeAll(async () => {
  smtp = await startSmtpServer();
  platform = await createTestPlatform({ OPENBOS_SMTP_URL: smtp.url, OPENBOS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
});
afterAll(async () => {
  closeReachTransports();
  await smtp.close();
  await platform.close();
});

const db = () => platform.database.db;
const ctx = () => ({ config: platform.ctx.config });
const email = () => `reach-${process.pid}-${++people}@example.com`;

/** Local HH:MM in a time zone, `minutes` from now. */
function localTime(tz: string, minutes: number): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(Date.now() + minutes * 60_000));
}

const request = (merchant_id: string, profile_ids: string[], over: Partial<SendRequest> = {}): SendRequest => ({
  merchant_id,
  channel: 'email',
  purpose: 'marketing',
  campaign_id: 'cmp_main',
  step_id: 'stp_1',
  dedupe_key: `cmp_main:stp_1:${people}`,
  profile_ids,
  message: { subject: 'Autumn tea', text: 'Hi {{name}}, the new harvest is in.', url: 'https://shop.example/tea' },
  ...over,
});

async function runChecks(): Promise<string[]> {
  return (await Promise.all(checks.map((c) => c.run(db())))).flat();
}

describe('the send-time checks', () => {
  let brand: TestMerchant;
  beforeAll(async () => {
    brand = await platform.merchant();
    await setReachSettings(db(), platform.ctx.config, brand.id, { cap_across_channels: 2, cap_window_days: 7, dedupe_window_hours: 24, quiet_hours: null, email_from_name: 'Tea House' });
  });

  it('sends to the consenting, suppresses everyone else with the reason, records both on the timeline, and sends nothing twice', async () => {
    const ny = { timezone: 'America/New_York' };
    const addr = Array.from({ length: 10 }, email);
    const [ok, noRecord, refused, channelRefused, noContact, erased, capped, quiet, duplicate, serviceOnly] = await seedConsumers(db(), platform.ctx.config, brand.id, [
      { email: addr[0], marketing: true, traits: { ...ny, first_name: 'Mei' } },
      { email: addr[1], traits: ny },
      { email: addr[2], marketing: false, traits: ny },
      { email: addr[3], marketing: true, refused: ['email'], traits: ny },
      { email: addr[4], marketing: true, no_contact: true, traits: ny },
      { email: addr[5], marketing: true, traits: ny },
      { email: addr[6], marketing: true, traits: ny },
      { email: addr[7], marketing: true, traits: { timezone: 'Asia/Tokyo' } },
      { email: addr[8], marketing: true, traits: ny },
      { email: addr[9], marketing: false, traits: ny },
    ]);
    // Two marketing messages this week (the feed, no campaign): the cap of 2 across channels is reached.
    for (const k of [1, 2]) await sendMessages(db(), ctx(), request(brand.id, [capped!], { channel: 'feed', campaign_id: null, dedupe_key: `earlier:${k}` }));
    // Another campaign's message an hour ago, within the 24-hour de-duplication window.
    await sendMessages(db(), ctx(), request(brand.id, [duplicate!], { channel: 'feed', campaign_id: 'cmp_other', dedupe_key: 'other:1' }));
    await eraseConsumer(db(), brand.id, erased!, 'test');
    // Quiet hours around now in Tokyo (far from New York's time).
    await setReachSettings(db(), platform.ctx.config, brand.id, { quiet_hours: { from: localTime('Asia/Tokyo', -60), to: localTime('Asia/Tokyo', 60) } });
    const links: ReachLinks = { unsubscribe: (s) => ({ url: `https://shop.example/u/${s.send_id}`, one_click_url: `https://api.example/v1/reach/unsubscribe/${s.send_id}` }) };
    const before = smtp.received.length;

    const req = request(brand.id, [ok!, noRecord!, refused!, channelRefused!, noContact!, erased!, capped!, quiet!, duplicate!]);
    const outcomes = await sendMessages(db(), { ...ctx(), links }, req);
    expect(outcomes.map((o) => [o.status, o.reason])).toEqual([
      ['sent', null],
      ['suppressed', 'no_consent'],
      ['suppressed', 'no_consent'],
      ['suppressed', 'no_consent'],
      ['suppressed', 'no_contact'],
      ['suppressed', 'erased'],
      ['suppressed', 'capped'],
      ['suppressed', 'quiet_hours'],
      ['suppressed', 'duplicate'],
    ]);
    const mail = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.to).toEqual([addr[0]]);
    expect(mail[0]!.body).toContain('Hi Mei, the new harvest is in.');
    expect(mail[0]!.raw).toMatch(new RegExp(`^Message-ID: <${outcomes[0]!.send_id}@`, 'mi'));
    const headers = mail[0]!.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
    expect(headers).toContain(`List-Unsubscribe: <https://api.example/v1/reach/unsubscribe/${outcomes[0]!.send_id}>`);
    expect(headers).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(headers).toContain('From: Tea House <');

    // A service message skips marketing consent (and quiet hours), not erasure.
    const service = await sendMessages(db(), ctx(), request(brand.id, [serviceOnly!, erased!], { purpose: 'service', campaign_id: null, dedupe_key: 'order-update:1' }));
    expect(service.map((o) => [o.status, o.reason])).toEqual([['sent', null], ['suppressed', 'erased']]);
    await smtp.waitFor(before + 2);

    // The same request again: every outcome is the first one, repeated, and nothing is sent.
    const again = await sendMessages(db(), { ...ctx(), links }, req);
    expect(again.map((o) => [o.send_id, o.status, o.reason, o.repeated])).toEqual(outcomes.map((o) => [o.send_id, o.status, o.reason, true]));
    expect(smtp.received.length).toBe(before + 2);

    // The timeline: delivered and suppressed, with campaign, step, channel and send.
    const events = await sql<{ profile_id: string; event: string; properties: Record<string, unknown> }>`
      select profile_id, event, properties from cdp_event where merchant_id = ${brand.id} and event in ('Message Delivered', 'Message Suppressed') and properties->>'campaign_id' = 'cmp_main'`.execute(db());
    const byProfile = new Map(events.rows.map((e) => [e.profile_id, e]));
    expect(byProfile.get(ok!)).toMatchObject({ event: 'Message Delivered', properties: { campaign_id: 'cmp_main', step_id: 'stp_1', channel: 'email', send_id: outcomes[0]!.send_id } });
    expect(byProfile.get(capped!)).toMatchObject({ event: 'Message Suppressed', properties: { reason: 'capped', send_id: outcomes[6]!.send_id } });
    expect(byProfile.get(quiet!)?.properties.reason).toBe('quiet_hours');
    expect(byProfile.has(erased!)).toBe(false);
    expect(events.rows).toHaveLength(8);
    expect(await runChecks()).toEqual([]);
  });

  it('quiet hours are local to the consumer and may span midnight', () => {
    const at = new Date('2026-12-06T13:30:00Z'); // 22:30 in Shanghai, 08:30 in New York
    const night = { from: '21:00', to: '08:00' };
    expect(inQuietHours(at, 'Asia/Shanghai', 'UTC', night)).toBe(true);
    expect(inQuietHours(at, 'America/New_York', 'UTC', night)).toBe(false);
    expect(inQuietHours(at, null, 'Asia/Shanghai', night)).toBe(true);
    expect(inQuietHours(at, 'Not/AZone', 'America/New_York', night)).toBe(false);
    expect(inQuietHours(at, 'UTC', 'UTC', { from: '13:00', to: '14:00' })).toBe(true);
    expect(inQuietHours(at, 'UTC', 'UTC', { from: '14:00', to: '13:00' })).toBe(false);
  });
});

describe('two campaigns at once', () => {
  it('never take a consumer past the cap across channels', async () => {
    const brand = await platform.merchant();
    await setReachSettings(db(), platform.ctx.config, brand.id, { cap_across_channels: 1, cap_window_days: 7, dedupe_window_hours: 0, quiet_hours: null });
    const ids = await seedConsumers(db(), platform.ctx.config, brand.id, Array.from({ length: 60 }, () => ({ email: email(), marketing: true })));
    const before = smtp.received.length;
    const [a, b] = await Promise.all([
      sendMessages(db(), { ...ctx(), batch_size: 7 }, request(brand.id, ids, { campaign_id: 'cmp_a', dedupe_key: 'cmp_a:s1' })),
      sendMessages(db(), { ...ctx(), batch_size: 11 }, request(brand.id, [...ids].reverse(), { channel: 'feed', campaign_id: 'cmp_b', dedupe_key: 'cmp_b:s1' })),
    ]);
    const sent = new Map<string, number>();
    for (const o of [...a, ...b]) if (o.status === 'sent') sent.set(o.profile_id, (sent.get(o.profile_id) ?? 0) + 1);
    expect(sent.size).toBe(60);
    expect([...sent.values()].every((n) => n === 1)).toBe(true);
    expect([...a, ...b].filter((o) => o.status === 'suppressed').every((o) => o.reason === 'capped')).toBe(true);
    const emailed = a.filter((o) => o.status === 'sent').length;
    await smtp.waitFor(before + emailed);
    await new Promise((r) => setTimeout(r, 100));
    expect(smtp.received.length).toBe(before + emailed);
    expect(await runChecks()).toEqual([]);
  });
});

describe('the channels', () => {
  it('the webhook channel POSTs a signed message with the phone to the merchant’s provider', async () => {
    const brand = await platform.merchant();
    const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(202, { 'x-message-id': 'prov-1' }).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const secret = 'whsec_reach_test_secret_0123456789';
      await setReachSettings(db(), platform.ctx.config, brand.id, { quiet_hours: null, webhook_url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`, webhook_secret: secret });
      const [p] = await seedConsumers(db(), platform.ctx.config, brand.id, [{ email: email(), phone: '+8613800138000', marketing: true }]);
      const [outcome] = await sendMessages(db(), ctx(), request(brand.id, [p!], { channel: 'sms', dedupe_key: 'sms:1' }));
      expect(outcome).toMatchObject({ status: 'sent', reason: null });
      expect(received).toHaveLength(1);
      const got = received[0]!;
      expect(verifyWebhookSignature(secret, got.headers[reachSignatureHeader.toLowerCase()] as string, got.body)).toBe(true);
      expect(verifyWebhookSignature('whsec_another_secret_0123456789', got.headers[reachSignatureHeader.toLowerCase()] as string, got.body)).toBe(false);
      expect(verifyWebhookSignature(secret, got.headers[reachSignatureHeader.toLowerCase()] as string, got.body.replace('harvest', 'HARVEST'))).toBe(false);
      expect(JSON.parse(got.body)).toMatchObject({ id: outcome!.send_id, channel: 'sms', to: { phone: '+8613800138000' }, text: 'Hi, the new harvest is in.' });
      const row = await sql<{ provider_id: string }>`select provider_id from reach_send where merchant_id = ${brand.id} and id = ${outcome!.send_id}`.execute(db());
      expect(row.rows[0]!.provider_id).toBe('prov-1');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('the feed: a signed-in consumer reads the brand’s messages, marked read once seen; no one else sees them', async () => {
    const brand = await platform.merchant();
    await setReachSettings(db(), platform.ctx.config, brand.id, { quiet_hours: null });
    const address = email();
    const signUp = await brand.call('POST', '/v1/account', { key: brand.publishableKey, body: { email: address, name: 'Feed Reader', password: 'correct horse battery' } });
    expect(signUp.status, signUp.text).toBe(201);
    const other = await brand.call('POST', '/v1/account', { key: brand.publishableKey, body: { email: email(), name: 'Someone Else', password: 'correct horse battery' } });
    const [p] = await seedConsumers(db(), platform.ctx.config, brand.id, [{ email: address, marketing: true, traits: { name: 'Lin' } }]);
    const [o] = await sendMessages(db(), ctx(), request(brand.id, [p!], { channel: 'feed', dedupe_key: 'feed:1' }));
    expect(o!.status).toBe('sent');
    const read = (token: string) => brand.call('GET', '/v1/account/messages', { key: brand.publishableKey, headers: { 'x-consumer-token': token } });
    const first = await read(signUp.body.token as string);
    expect(first.status, first.text).toBe(200);
    expect(first.body.data).toEqual([expect.objectContaining({ id: o!.send_id, subject: 'Autumn tea', text: 'Hi Lin, the new harvest is in.', read_at: null })]);
    const second = await read(signUp.body.token as string);
    expect(second.body.data[0].read_at).not.toBeNull();
    expect((await read(other.body.token as string)).body.data).toEqual([]);
    expect((await brand.call('GET', '/v1/account/messages', { key: brand.publishableKey })).status).toBe(401);
  });

  it('the screen channel queues a message for a store’s screens, which fetch it with their token', async () => {
    const brand = await platform.merchant();
    await setReachSettings(db(), platform.ctx.config, brand.id, { quiet_hours: null });
    const store = await aLocation(brand, 'store');
    const screen = await brand.call('POST', '/v1/screens', { body: { location_id: store, name: 'Entrance' } });
    expect(screen.status, screen.text).toBe(201);
    const [p] = await seedConsumers(db(), platform.ctx.config, brand.id, [{ email: email(), marketing: true, traits: { name: 'Bo' } }]);
    const [o] = await sendMessages(db(), ctx(), request(brand.id, [p!], { channel: 'screen', dedupe_key: 'screen:1', message: { subject: 'Tasting today', text: 'Hi {{name}}, free tasting at 3pm', location_id: store } }));
    expect(o!.status).toBe('sent');
    const res = await brand.call('GET', '/v1/reach/screen-messages', { key: brand.publishableKey, headers: { 'x-screen-token': screen.body.token as string } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual([expect.objectContaining({ id: o!.send_id, subject: 'Tasting today', text: 'Hi, free tasting at 3pm' })]);
    expect((await brand.call('GET', '/v1/reach/screen-messages', { key: brand.publishableKey, headers: { 'x-screen-token': 'scr_unknown' } })).status).toBe(401);
  });
});

describe('at most once', () => {
  it('a send left `sending` by a killed process is marked interrupted after the lease and never sent again', async () => {
    const brand = await platform.merchant();
    await setReachSettings(db(), platform.ctx.config, brand.id, { quiet_hours: null });
    const [p] = await seedConsumers(db(), platform.ctx.config, brand.id, [{ email: email(), marketing: true }]);
    // What a process killed between its commit and the SMTP server's answer leaves behind.
    await sql`insert into reach_send (merchant_id, id, profile_id, channel, purpose, campaign_id, step_id, dedupe_key, status, created_at)
      values (${brand.id}, 'rsend_01KINTERRUPTED0000000000001', ${p!}, 'email', 'marketing', 'cmp_k', 'stp_1', ${`cmp_k:stp_1:${p!}`}, 'sending', now() - interval '11 minutes')`.execute(db());
    await sql`insert into reach_send (merchant_id, id, profile_id, channel, purpose, campaign_id, step_id, dedupe_key, status, created_at)
      values (${brand.id}, 'rsend_01KSTILLSENDING00000000001', ${p!}, 'email', 'marketing', 'cmp_k', 'stp_2', ${`cmp_k:stp_2:${p!}`}, 'sending', now() - interval '1 minute')`.execute(db());
    expect(await markInterruptedSends(db())).toBeGreaterThanOrEqual(1);
    const rows = await sql<{ id: string; status: string; reason: string | null }>`select id, status, reason from reach_send where merchant_id = ${brand.id} order by id`.execute(db());
    expect(rows.rows.map((r) => [r.id, r.status, r.reason])).toEqual([
      ['rsend_01KINTERRUPTED0000000000001', 'failed', 'interrupted'],
      ['rsend_01KSTILLSENDING00000000001', 'sending', null],
    ]);
    const before = smtp.received.length;
    const [o] = await sendMessages(db(), ctx(), request(brand.id, [p!], { campaign_id: 'cmp_k', dedupe_key: 'cmp_k:stp_1' }));
    expect(o).toMatchObject({ send_id: 'rsend_01KINTERRUPTED0000000000001', status: 'failed', repeated: true });
    const [still] = await sendMessages(db(), ctx(), request(brand.id, [p!], { campaign_id: 'cmp_k', dedupe_key: 'cmp_k:stp_2' }));
    expect(still).toMatchObject({ status: 'sending', repeated: true });
    await new Promise((r) => setTimeout(r, 100));
    expect(smtp.received.length).toBe(before);
  });
});

describe('the routes', () => {
  it('settings: read, change, bad input refused with nothing written; secrets never shown', async () => {
    const brand = await platform.merchant();
    const initial = await brand.call('GET', '/v1/reach/settings');
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({ cap_across_channels: 2, cap_window_days: 7, quiet_hours: { from: '21:00', to: '08:00' }, updated_at: null });
    const put = await brand.call('PUT', '/v1/reach/settings', { body: { cap_per_channel: { email: 1 }, quiet_hours: { from: '22:00', to: '07:30' }, webhook_url: 'https://sms.example/hook', webhook_secret: 'a-secret-of-some-length', smtp_url: 'smtp://user:pw@mail.example:587' } });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ cap_per_channel: { email: 1 }, cap_across_channels: 2, quiet_hours: { from: '22:00', to: '07:30' }, webhook_secret_set: true, smtp_server: 'mail.example:587' });
    expect(put.text).not.toContain('a-secret-of-some-length');
    expect(put.text).not.toContain('pw@');
    for (const body of [{ quiet_hours: { from: '25:00', to: '07:00' } }, { cap_per_channel: { fax: 1 } }, { cap_window_days: 0 }, { webhook_secret: 'short' }, { unknown: 1 }]) {
      const bad = await brand.call('PUT', '/v1/reach/settings', { body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await brand.call('GET', '/v1/reach/settings')).body).toEqual(put.body);
  });

  it('test sends go through the same checks, and the sends log filters by reason', async () => {
    const brand = await platform.merchant();
    await brand.call('PUT', '/v1/reach/settings', { body: { quiet_hours: null } });
    const [yes, no] = await seedConsumers(db(), platform.ctx.config, brand.id, [{ email: email(), marketing: true }, { email: email() }]);
    const before = smtp.received.length;
    const sent = await brand.call('POST', '/v1/reach/test-sends', { body: { profile_id: yes, channel: 'email', subject: 'Test', text: 'Hello {{name}}' } });
    expect(sent.status, sent.text).toBe(201);
    expect(sent.body).toMatchObject({ status: 'sent', reason: null, repeated: false });
    await smtp.waitFor(before + 1);
    const refused = await brand.call('POST', '/v1/reach/test-sends', { body: { profile_id: no, channel: 'email', subject: 'Test', text: 'Hello' } });
    expect(refused.body).toMatchObject({ status: 'suppressed', reason: 'no_consent' });
    const service = await brand.call('POST', '/v1/reach/test-sends', { body: { profile_id: no, channel: 'email', purpose: 'service', subject: 'Your order', text: 'Shipped' } });
    expect(service.body).toMatchObject({ status: 'sent' });
    expect((await brand.call('POST', '/v1/reach/test-sends', { body: { profile_id: 'prf_nobody', channel: 'email', subject: 'x', text: 'y' } })).status).toBe(404);
    expect((await brand.call('POST', '/v1/reach/test-sends', { body: { profile_id: yes, channel: 'fax', subject: 'x', text: 'y' } })).status).toBe(400);
    const log = await brand.call('GET', '/v1/reach/sends?reason=no_consent');
    expect(log.status, log.text).toBe(200);
    expect(log.body.data.map((s: { id: string }) => s.id)).toEqual([refused.body.send_id]);
    const all = await brand.call('GET', '/v1/reach/sends?limit=2');
    expect(all.body.data.map((s: { id: string }) => s.id)).toEqual([service.body.send_id, refused.body.send_id]);
    const next = await brand.call('GET', `/v1/reach/sends?limit=2&cursor=${all.body.next_cursor as string}`);
    expect(next.body.data.map((s: { id: string }) => s.id)).toEqual([sent.body.send_id]);
  });
});
