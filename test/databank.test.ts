import { existsSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { serve, type ServerType } from '@hono/node-server';
import { Analytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { hashValue, importTaobao, snapshotStages } from '../src/modules/databank/index.js';
import { eventHandlers, modules } from '../src/platform/modules.js';
import { aStockedItem, buy } from './support/commerce.js';
import { freePort } from './support/process.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;
let brand: TestMerchant;
let other: TestMerchant;
let server: ServerType;
let base: string;

beforeAll(async () => {
  platform = await createTestPlatform();
  brand = await platform.merchant(undefined, 'brand');
  other = await platform.merchant(undefined, 'brand');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve) => {
    server = serve({ fetch: platform.app.fetch, port, hostname: '127.0.0.1' }, () => resolve());
  });
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await platform.close();
});

const unique = (tag: string) => `${tag}-${Math.random().toString(36).slice(2, 10)}`;

async function profileOfUser(m: TestMerchant, userId: string) {
  const list = await m.call('GET', `/v1/consumers?user_id=${encodeURIComponent(userId)}`);
  expect(list.status).toBe(200);
  const id = list.body.data[0]?.id as string | undefined;
  if (id === undefined) return undefined;
  return (await m.call('GET', `/v1/consumers/${id}`)).body;
}

async function send(pathname: string, body: unknown, options: { key?: string; gzip?: boolean; contentType?: string } = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  if (options.key !== undefined) headers.authorization = `Basic ${Buffer.from(`${options.key}:`).toString('base64')}`;
  let payload: Uint8Array | string = raw;
  if (options.gzip === true) {
    payload = new Uint8Array(gzipSync(raw));
    headers['content-encoding'] = 'gzip';
  }
  const res = await fetch(`${base}${pathname}`, { method: 'POST', headers, body: payload });
  return { status: res.status, body: (await res.json()) as any };
}

describe('ingestion with real analytics SDKs', () => {
  it('takes events from @segment/analytics-node unchanged and resolves them onto one profile', async () => {
    const userId = unique('seg-user');
    const anonymousId = unique('seg-anon');
    const analytics = new Analytics({ writeKey: brand.publishableKey, host: base, flushInterval: 50, maxEventsInBatch: 10 });
    analytics.page({ anonymousId, name: 'Home' });
    analytics.track({ anonymousId, event: 'Product Viewed', properties: { product_id: 'p1' } });
    analytics.identify({ userId, anonymousId, traits: { name: 'Li Wei', email: 'Li.Wei@Example.com', tier: 'gold' } });
    analytics.track({ userId, event: 'Order Completed', properties: { revenue: 128, currency: 'CNY' } });
    await analytics.closeAndFlush({ timeout: 10_000 });
    const profile = await profileOfUser(brand, userId);
    expect(profile).toBeDefined();
    expect(profile.events_count).toBe(4);
    expect(profile.traits).toMatchObject({ name: 'Li Wei', tier: 'gold' });
    expect(profile.traits.email).toBeUndefined();
    expect(profile.orders_count).toBe(1);
    expect(profile.amount_spent_minor).toBe(12_800);
    const email = profile.identities.find((i: { type: string }) => i.type === 'email');
    expect(email.value).toBe(hashValue('li.wei@example.com'));
    const timeline = await brand.call('GET', `/v1/consumers/${profile.id}/timeline`);
    expect(timeline.body.data.map((e: { event: string | null }) => e.event)).toEqual(['Order Completed', null, 'Product Viewed', 'Home']);
  });

  it('takes gzipped batches from @rudderstack/rudder-sdk-node', async () => {
    const userId = unique('rs-user');
    const client = new RudderAnalytics(brand.publishableKey, { dataPlaneUrl: base, flushAt: 5, flushInterval: 100, logLevel: 'error' });
    expect((client as unknown as { gzip: boolean }).gzip).toBe(true);
    client.identify({ userId, traits: { city: 'Hangzhou' } });
    client.track({ userId, event: 'Product Added', properties: { sku: 'LJ-100' } });
    client.track({ userId, event: 'Product Added to Wishlist', properties: { sku: 'OO-GIFT' } });
    await new Promise<void>((resolve, reject) => {
      void client.flush((error?: unknown) => {
        if (error === undefined || error === null) resolve();
        else reject(new Error(JSON.stringify(error)));
      });
    });
    const profile = await profileOfUser(brand, userId);
    expect(profile.events_count).toBe(3);
    expect(profile.traits.city).toBe('Hangzhou');
  });

  it('serves the settings the browser SDK loads, for a valid write key only', async () => {
    const ok = await fetch(`${base}/v1/projects/${brand.publishableKey}/settings`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { integrations: Record<string, unknown> }).integrations['Segment.io']).toBeDefined();
    expect((await fetch(`${base}/v1/projects/pk_nope_not_a_key_at_all_0000/settings`)).status).toBe(404);
    // A secret key pasted as a write key is neither accepted nor echoed back.
    const secret = await fetch(`${base}/v1/projects/${brand.secretKey}/settings`);
    expect(secret.status).toBe(404);
    expect(await secret.text()).not.toContain(brand.secretKey);
  });

  it('accepts the short paths, text/plain bodies and writeKey in the body', async () => {
    const userId = unique('short');
    const res = await send('/v1/t', { writeKey: brand.publishableKey, userId, event: 'Product Clicked' }, { contentType: 'text/plain' });
    expect(res.status).toBe(200);
    expect((await profileOfUser(brand, userId)).events_count).toBe(1);
  });

  it('stores an event once however often its messageId arrives', async () => {
    const userId = unique('dedupe');
    const event = { userId, event: 'Product Viewed', messageId: unique('msg') };
    for (let i = 0; i < 3; i++) expect((await send('/v1/track', event, { key: brand.publishableKey })).status).toBe(200);
    expect((await profileOfUser(brand, userId)).events_count).toBe(1);
  });

  it('stores the new events of a batch that also repeats an earlier one, each once, on the right profile', async () => {
    const known = unique('rerun');
    const fresh = unique('rerun-new');
    const earlier = { type: 'track', userId: known, event: 'Product Viewed', messageId: unique('msg') };
    expect((await send('/v1/batch', { batch: [earlier] }, { key: brand.publishableKey })).status).toBe(200);
    const batch = [earlier, { type: 'track', userId: fresh, anonymousId: `${fresh}-anon`, event: 'Product Added', messageId: unique('msg') }, { type: 'page', anonymousId: `${fresh}-anon`, name: 'Cart', messageId: unique('msg') }];
    expect((await send('/v1/batch', { batch }, { key: brand.publishableKey })).status).toBe(200);
    expect((await profileOfUser(brand, known)).events_count).toBe(1);
    const profile = await profileOfUser(brand, fresh);
    expect(profile.events_count).toBe(2);
    const timeline = await brand.call('GET', `/v1/consumers/${profile.id}/timeline`);
    expect(timeline.body.data.map((e: { type: string }) => e.type).sort()).toEqual(['page', 'track']);
  });

  it('corrects the device clock with sentAt, as the spec says', async () => {
    const userId = unique('clock');
    // The device clock is 2 hours fast: the event happened 10 s before it was sent.
    const fast = Date.now() + 2 * 3_600_000;
    await send('/v1/batch', { sentAt: new Date(fast).toISOString(), batch: [{ type: 'track', userId, event: 'Product Viewed', timestamp: new Date(fast - 10_000).toISOString() }] }, { key: brand.publishableKey });
    const profile = await profileOfUser(brand, userId);
    const timeline = await brand.call('GET', `/v1/consumers/${profile.id}/timeline`);
    const at = new Date(timeline.body.data[0].occurred_at).getTime();
    expect(Math.abs(at - (Date.now() - 10_000))).toBeLessThan(5_000);
  });
});

describe('timeline', () => {
  it('pages newest first by when events happened, each event once, even when they arrive out of time order', async () => {
    const userId = unique('late-user');
    // Sent in this order, so their IDs run the other way from their times for two of them.
    const times = ['2026-03-05T10:00:00Z', '2026-03-01T10:00:00Z', '2026-03-09T10:00:00Z', '2026-03-03T10:00:00Z', '2026-03-07T10:00:00Z'];
    for (const [i, timestamp] of times.entries()) {
      expect((await send('/v1/track', { userId, event: `Step ${i}`, timestamp }, { key: brand.publishableKey })).status).toBe(200);
    }
    const profile = await profileOfUser(brand, userId);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res = await brand.call('GET', `/v1/consumers/${profile.id}/timeline?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((e: { occurred_at: string }) => e.occurred_at));
      cursor = res.body.next_cursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual([...times].sort().reverse().map((t) => new Date(t).toISOString()));
    const bad = await brand.call('GET', `/v1/consumers/${profile.id}/timeline?cursor=not-a-cursor`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('cursor');
  });
});

describe('identity resolution', () => {
  it('merges anonymous browsing into the user on identify, records the merge, and can undo it', async () => {
    const anon = unique('anon');
    const userId = unique('user');
    await send('/v1/track', { anonymousId: anon, event: 'Product Viewed' }, { key: brand.publishableKey });
    await send('/v1/track', { userId, event: 'Signed Up' }, { key: brand.publishableKey });
    await send('/v1/identify', { userId, anonymousId: anon, traits: { plan: 'free' } }, { key: brand.publishableKey });
    const profile = await profileOfUser(brand, userId);
    expect(profile.identities.map((i: { type: string }) => i.type).sort()).toEqual(['anonymous_id', 'user_id']);
    const timeline = await brand.call('GET', `/v1/consumers/${profile.id}/timeline`);
    expect(timeline.body.data).toHaveLength(3);
    const merge = await sql<{ id: string; from_profile_id: string }>`select id, from_profile_id from cdp_merge where merchant_id = ${brand.id} and into_profile_id = ${profile.id}`.execute(platform.database.db);
    expect(merge.rows).toHaveLength(1);
    expect(profile.events_count).toBe(3);
    expect((await brand.call('POST', `/v1/consumer-merges/${merge.rows[0]!.id}/undo`)).status).toBe(200);
    const after = await profileOfUser(brand, userId);
    expect(after.identities.map((i: { type: string }) => i.type)).toEqual(['user_id']);
    // The anonymous browsing's count goes back with it.
    expect(after.events_count).toBe(2);
    const restored = (await brand.call('GET', `/v1/consumers/${merge.rows[0]!.from_profile_id}`)).body;
    expect(restored).toMatchObject({ merged_into: null, events_count: 1 });
    expect(restored.identities.map((i: { type: string }) => i.type)).toEqual(['anonymous_id']);
    expect((await brand.call('GET', `/v1/consumers/${after.id}/timeline`)).body.data).toHaveLength(2);
  });

  it('undoes the middle of a chain of merges: the earlier merge follows the restored profile, and counts go back', async () => {
    const [a1, a2, userId] = [unique('chain-a1'), unique('chain-a2'), unique('chain-user')];
    const email = `${unique('chain')}@example.com`;
    const track = (body: Record<string, unknown>) => send('/v1/track', { event: 'Product Viewed', ...body }, { key: brand.publishableKey });
    await track({ anonymousId: a1 });
    await track({ anonymousId: a2 });
    await send('/v1/identify', { anonymousId: a1, traits: { email } }, { key: brand.publishableKey });
    // a2's profile shares the email and merges into a1's; then the user signs in on a1's device.
    await track({ anonymousId: a2, context: { traits: { email } } });
    await track({ userId });
    await send('/v1/identify', { userId, anonymousId: a1 }, { key: brand.publishableKey });
    const user = await profileOfUser(brand, userId);
    expect(user.events_count).toBe(6);
    const mergesInto = async (profile_id: string) =>
      (await sql<{ id: string; from_profile_id: string }>`select id, from_profile_id from cdp_merge where merchant_id = ${brand.id} and into_profile_id = ${profile_id}`.execute(platform.database.db)).rows;
    const [last] = await mergesInto(user.id);
    const [first] = await mergesInto(last!.from_profile_id);
    expect(first).toBeDefined();
    if (last === undefined || first === undefined) return;
    expect((await brand.call('POST', `/v1/consumer-merges/${last.id}/undo`)).status).toBe(200);

    const back = (await brand.call('GET', `/v1/consumers/${last.from_profile_id}`)).body;
    expect(back.merged_into).toBeNull();
    // a1's profile holds its three events and a2's one again; the user keeps its own two.
    expect(back.events_count).toBe(4);
    expect((await brand.call('GET', `/v1/consumers/${last.from_profile_id}/timeline`)).body.data).toHaveLength(4);
    expect((await brand.call('GET', `/v1/consumers/${first.from_profile_id}`)).body.merged_into).toBe(last.from_profile_id);
    const userAfter = await profileOfUser(brand, userId);
    expect(userAfter.events_count).toBe(2);
    expect(userAfter.identities.map((i: { type: string }) => i.type)).toEqual(['user_id']);
    const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
  });

  it('never merges two people with different user IDs, even when they share an email', async () => {
    const [a, b] = [unique('ua'), unique('ub')];
    await send('/v1/identify', { userId: a, traits: { email: 'family@example.com' } }, { key: other.publishableKey });
    await send('/v1/identify', { userId: b, traits: { email: 'family@example.com' } }, { key: other.publishableKey });
    const pa = await profileOfUser(other, a);
    const pb = await profileOfUser(other, b);
    expect(pa.id).not.toBe(pb.id);
  });

  it('never merges on placeholder values such as "anonymous" or "null"', async () => {
    const [a, b] = [unique('pa'), unique('pb')];
    await send('/v1/track', { userId: a, anonymousId: 'anonymous', event: 'Product Viewed' }, { key: brand.publishableKey });
    await send('/v1/track', { userId: b, anonymousId: 'anonymous', event: 'Product Viewed' }, { key: brand.publishableKey });
    await send('/v1/identify', { userId: a, traits: { email: 'null' } }, { key: brand.publishableKey });
    expect((await profileOfUser(brand, a)).id).not.toBe((await profileOfUser(brand, b)).id);
    expect((await profileOfUser(brand, a)).identities).toHaveLength(1);
  });

  it('stops merging through a device shared by more than a few users (an in-store tablet)', async () => {
    const tablet = unique('tablet');
    const users = Array.from({ length: 5 }, () => unique('shopper'));
    for (const u of users) await send('/v1/track', { userId: u, event: 'Product Viewed', context: { device: { id: tablet } } }, { key: brand.publishableKey });
    // An anonymous visitor on the same tablet is not fused into any of them.
    await send('/v1/track', { anonymousId: unique('walkin'), event: 'Product Viewed', context: { device: { id: tablet } } }, { key: brand.publishableKey });
    for (const u of users) expect((await profileOfUser(brand, u)).events_count).toBe(1);
  });
});

describe('bad input never half-writes an event', () => {
  const count = async () => (await sql<{ n: number }>`select count(*)::int as n from cdp_event where merchant_id = ${brand.id}`.execute(platform.database.db)).rows[0]!.n;

  it('refuses malformed JSON and bad gzip with 400', async () => {
    expect((await send('/v1/track', '{"userId": ', { key: brand.publishableKey })).status).toBe(400);
    const res = await fetch(`${base}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Basic ${Buffer.from(`${brand.publishableKey}:`).toString('base64')}` }, body: 'not gzip' });
    expect(res.status).toBe(400);
  });

  it('refuses a batch holding an event without any ID with 400, storing none of the batch', async () => {
    const before = await count();
    const res = await send('/v1/batch', { batch: [{ type: 'track', userId: unique('ok'), event: 'Product Viewed' }, { type: 'track', event: 'Product Viewed' }] }, { key: brand.publishableKey });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('batch.1.userId');
    expect(await count()).toBe(before);
  });

  it('refuses oversized events and batches with 413', async () => {
    const big = await send('/v1/track', { userId: 'x', event: 'Big', properties: { blob: 'x'.repeat(40_000) } }, { key: brand.publishableKey });
    expect(big.status).toBe(413);
    const many = await send('/v1/batch', { batch: Array.from({ length: 2_501 }, () => ({ type: 'track', userId: 'u', event: 'E' })) }, { key: brand.publishableKey, gzip: true });
    expect(many.status).toBe(413);
  });

  it('refuses unknown and revoked write keys with 401', async () => {
    expect((await send('/v1/track', { userId: 'u', event: 'E' }, { key: 'pk_unknownunknownunknown00' })).status).toBe(401);
    expect((await send('/v1/track', { userId: 'u', event: 'E' })).status).toBe(401);
    const key = await brand.call('POST', '/v1/api-keys', { body: { kind: 'publishable' } });
    await brand.call('DELETE', `/v1/api-keys/${key.body.id}`);
    expect((await send('/v1/track', { userId: 'u', event: 'E' }, { key: key.body.token })).status).toBe(401);
  });
});

describe('one brand never sees another’s consumers', () => {
  it('keeps the same person apart in two brands’ banks', async () => {
    const userId = unique('both');
    await send('/v1/track', { userId, event: 'Product Viewed' }, { key: brand.publishableKey });
    await send('/v1/track', { userId, event: 'Product Viewed' }, { key: other.publishableKey });
    await send('/v1/track', { userId, event: 'Product Viewed' }, { key: other.publishableKey });
    const mine = await profileOfUser(brand, userId);
    const theirs = await profileOfUser(other, userId);
    expect(mine.events_count).toBe(1);
    expect(theirs.events_count).toBe(2);
    expect((await other.call('GET', `/v1/consumers/${mine.id}`)).status).toBe(404);
  });

  it('files the platform’s own order events in the selling brand’s bank only', async () => {
    const item = await aStockedItem(brand, { price_minor: 5_000 });
    const email = `${unique('buyer')}@example.com`;
    const res = await buy(other, [{ variant_id: item.variant_id, quantity: 1 }], { buyer_email: email });
    expect(res.status).toBe(201);
    const dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
    await dispatcher.drain();
    const inBrand = await brand.call('GET', `/v1/consumers?email=${encodeURIComponent(email)}`);
    expect(inBrand.body.data).toHaveLength(1);
    const inOther = await other.call('GET', `/v1/consumers?email=${encodeURIComponent(email)}`);
    expect(inOther.body.data).toHaveLength(0);
  });
});

describe('A-I-P-L lifecycle', () => {
  it('counts consumers per stage per day and the flow between two days, dropouts included', async () => {
    const m = await platform.merchant(undefined, 'brand');
    const day = (d: number) => new Date(Date.UTC(2026, 0, d, 12)).toISOString();
    const events = [
      { userId: 'aware-only', type: 'page', name: 'Campaign', timestamp: day(1) },
      { userId: 'browser', type: 'track', event: 'Product Viewed', timestamp: day(1) },
      { userId: 'buyer', type: 'track', event: 'Order Completed', timestamp: day(1) },
      { userId: 'buyer', type: 'track', event: 'Order Completed', timestamp: day(20) },
      { userId: 'browser', type: 'track', event: 'Order Completed', timestamp: day(20) },
    ];
    expect((await send('/v1/batch', { batch: events }, { key: m.publishableKey })).status).toBe(200);
    expect(await snapshotStages(platform.database.db, m.id, '2026-01-01')).toEqual({ aware: 1, interested: 1, purchased: 1, loyal: 0 });
    expect(await snapshotStages(platform.database.db, m.id, '2026-01-20')).toEqual({ aware: 1, interested: 0, purchased: 1, loyal: 1 });
    // Forty-five days on: the exposure has faded; two purchases within a year still make a loyal buyer.
    expect(await snapshotStages(platform.database.db, m.id, '2026-02-15')).toEqual({ aware: 0, interested: 0, purchased: 1, loyal: 1 });
    const res = await m.call('GET', '/v1/lifecycle?day=2026-02-15&from=2026-01-20');
    const flow = Object.fromEntries(res.body.flow.map((f: { from: string; to: string; consumers: number }) => [`${f.from}>${f.to}`, f.consumers]));
    expect(flow).toEqual({ 'aware>none': 1, 'loyal>loyal': 1, 'purchased>purchased': 1 });
    // With a 30-day purchase window only the purchases of 20 January count: no one is loyal.
    const short = await m.call('GET', '/v1/lifecycle?day=2026-02-15&refresh=true&purchase_days=30');
    expect(short.body.counts).toEqual({ aware: 0, interested: 0, purchased: 2, loyal: 0 });
  });

  it('leaves out consumers who denied analytics consent', async () => {
    const m = await platform.merchant(undefined, 'brand');
    await send('/v1/batch', { batch: [{ type: 'track', userId: 'yes', event: 'Product Viewed' }, { type: 'track', userId: 'no', event: 'Product Viewed', context: { consent: { categoryPreferences: { analytics: false } } } }] }, { key: m.publishableKey });
    expect((await snapshotStages(platform.database.db, m.id, new Date().toISOString().slice(0, 10))).interested).toBe(1);
    const no = await profileOfUser(m, 'no');
    expect(no.consent).toMatchObject({ analytics: false });
  });

  it('keeps a refusal given before signing in, and lets the brand set a purpose back to not given', async () => {
    const m = await platform.merchant(undefined, 'brand');
    const [anon, userId] = [unique('anon'), unique('user')];
    const refuse = { consent: { categoryPreferences: { analytics: false } } };
    await send('/v1/track', { anonymousId: anon, event: 'Product Viewed', context: refuse }, { key: m.publishableKey });
    await send('/v1/track', { userId, event: 'Product Viewed' }, { key: m.publishableKey });
    const before = await profileOfUser(m, userId);
    expect(before.consent).toEqual({ analytics: null, personalisation: null, marketing: null, channels: {} });
    expect((await m.call('PUT', `/v1/consumers/${before.id}/consent`, { body: { marketing: true } })).body).toEqual({ analytics: null, personalisation: null, marketing: true, channels: {} });
    // Signing in merges the anonymous visitor into the user: the refusal goes with it.
    await send('/v1/identify', { userId, anonymousId: anon }, { key: m.publishableKey });
    const merged = await profileOfUser(m, userId);
    expect(merged.id).toBe(before.id);
    expect(merged.identities.map((i: { type: string }) => i.type).sort()).toEqual(['anonymous_id', 'user_id']);
    expect(merged.consent).toEqual({ analytics: false, personalisation: null, marketing: true, channels: {} });
    const today = new Date().toISOString().slice(0, 10);
    expect((await snapshotStages(platform.database.db, m.id, today)).interested).toBe(0);
    // Null takes a purpose back to "not given"; for analytics that means used again.
    const reset = await m.call('PUT', `/v1/consumers/${before.id}/consent`, { body: { analytics: null, marketing: null } });
    expect(reset.body).toEqual({ analytics: null, personalisation: null, marketing: null, channels: {} });
    expect((await snapshotStages(platform.database.db, m.id, today)).interested).toBe(1);
    expect((await m.call('PUT', `/v1/consumers/${before.id}/consent`, { body: { analytics: 'no' } })).status).toBe(400);
  });
});

describe('consumer rights', () => {
  it('exports everything held, then erases it, audits it, and drops later events from the same identifiers', async () => {
    const userId = unique('erase-me');
    await send('/v1/identify', { userId, traits: { email: 'erase.me@example.com', name: 'Erase Me' } }, { key: brand.publishableKey });
    await send('/v1/track', { userId, event: 'Product Viewed' }, { key: brand.publishableKey });
    const profile = await profileOfUser(brand, userId);
    const exported = await brand.call('GET', `/v1/consumers/${profile.id}/export`);
    expect(exported.body.events).toHaveLength(2);
    expect(exported.body.profile.traits.name).toBe('Erase Me');
    const erased = await brand.call('DELETE', `/v1/consumers/${profile.id}`);
    expect(erased.body).toMatchObject({ erased: true, events: 2 });
    expect((await brand.call('GET', `/v1/consumers/${profile.id}`)).status).toBe(404);
    const left = await sql<{ n: number }>`select count(*)::int as n from cdp_event where merchant_id = ${brand.id} and user_id = ${userId}`.execute(platform.database.db);
    expect(left.rows[0]!.n).toBe(0);
    const audit = await brand.call('GET', '/v1/audit-events');
    expect(audit.body.data.some((a: { action: string; target: string }) => a.action === 'consumer.erase' && a.target === profile.id)).toBe(true);
    expect((await send('/v1/track', { userId, event: 'Product Viewed' }, { key: brand.publishableKey })).status).toBe(200);
    expect((await send('/v1/identify', { anonymousId: unique('a'), traits: { email: 'ERASE.ME@example.com' } }, { key: brand.publishableKey })).status).toBe(200);
    expect(await profileOfUser(brand, userId)).toBeUndefined();
    const byEmail = await brand.call('GET', `/v1/consumers?email=${encodeURIComponent('erase.me@example.com')}`);
    expect(byEmail.body.data).toHaveLength(0);
    const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
  });
});

const taobao = path.resolve('../shared/data/taobao-user-behavior-sample.csv');
if (!existsSync(taobao)) console.warn(`[databank.test] SKIPPED the Taobao import: ${taobao} is not present`);

describe.skipIf(!existsSync(taobao))('importing the Taobao sample', () => {
  it('loads every row onto 815 consumers, each in a lifecycle stage, and a second import adds nothing', async () => {
    const m = await platform.merchant(undefined, 'brand');
    const first = await importTaobao(platform.database.db, m.id, taobao, { currency: 'CNY' });
    expect(first.rows).toBe(84_475);
    expect(first.stored).toBe(84_475);
    const profiles = await sql<{ n: number }>`select count(*)::int as n from cdp_profile where merchant_id = ${m.id} and merged_into is null`.execute(platform.database.db);
    expect(profiles.rows[0]!.n).toBe(815);
    const c = first.counts;
    expect(c.aware + c.interested + c.purchased + c.loyal).toBe(815);
    const buyers = await sql<{ n: number }>`select count(distinct user_id)::int as n from cdp_event where merchant_id = ${m.id} and event = 'Order Completed'`.execute(platform.database.db);
    expect(c.purchased + c.loyal).toBe(buyers.rows[0]!.n);
    const again = await importTaobao(platform.database.db, m.id, taobao, { currency: 'CNY' });
    expect(again.stored).toBe(0);
  }, 120_000);
});

describe('daily stage records', () => {
  it('records today and, once, yesterday for every brand without being asked', async () => {
    const { recordDailyStages } = await import('../src/modules/databank/index.js');
    const m = await platform.merchant(undefined, 'brand');
    await send('/v1/track', { userId: 'daily', event: 'Product Viewed' }, { key: m.publishableKey });
    expect(await recordDailyStages(platform.database.db)).toBeGreaterThanOrEqual(1);
    const days = await sql<{ day: string }>`select distinct day::text from cdp_stage_daily where merchant_id = ${m.id} order by 1`.execute(platform.database.db);
    const today = new Date().toISOString().slice(0, 10);
    expect(days.rows.map((r) => r.day)).toContain(today);
    const res = await m.call('GET', `/v1/lifecycle?day=${today}`);
    expect(res.body.counts.interested).toBe(1);
  });
});

describe('identity resolution under pressure', () => {
  it('never files one user’s event in another user’s profile', async () => {
    const m = await platform.merchant(undefined, 'brand');
    const [u, v, anon] = [unique('u'), unique('v'), unique('anon')];
    await send('/v1/identify', { userId: v, traits: { email: 'shared.inbox@example.com' } }, { key: m.publishableKey });
    await send('/v1/track', { anonymousId: anon, event: 'Product Viewed' }, { key: m.publishableKey });
    await send('/v1/identify', { userId: u, anonymousId: anon, traits: { email: 'shared.inbox@example.com' } }, { key: m.publishableKey });
    const pu = await profileOfUser(m, u);
    const pv = await profileOfUser(m, v);
    expect(pu).toBeDefined();
    expect(pu.id).not.toBe(pv.id);
    expect(pv.events_count).toBe(1);
    expect(pu.events_count).toBe(2);
  });

  it('gives a new person one profile even when two batches meet them at the same moment', async () => {
    const { ingestEvents, storedIdentifier } = await import('../src/modules/databank/index.js');
    const { inTransaction } = await import('../src/kernel/db.js');
    const m = await platform.merchant(undefined, 'brand');
    const user = unique('twin');
    const event = (message_id: string) => ({
      merchant_id: m.id, message_id, type: 'track' as const, event: 'Product Viewed', user_id: user, anonymous_id: null, traits: {}, properties: {}, context: {},
      occurred_at: new Date(), received_at: new Date(), identifiers: [storedIdentifier('user_id', user)!],
    });
    const outcomes = await Promise.all([
      inTransaction(platform.database.db, (trx) => ingestEvents(trx, [event('twin-1'), event('twin-shared')])),
      inTransaction(platform.database.db, (trx) => ingestEvents(trx, [event('twin-2'), event('twin-shared')])),
    ]);
    expect(outcomes.flat().filter((o) => o === 'stored')).toHaveLength(3);
    const profiles = await sql<{ n: number; events: bigint }>`select count(*)::int as n, sum(events_count)::bigint as events from cdp_profile where merchant_id = ${m.id} and merged_into is null`.execute(platform.database.db);
    expect(profiles.rows[0]).toEqual({ n: 1, events: 3n });
  });

  it('counts a wishlist add as interest, whatever the capitalisation of the event name', async () => {
    const m = await platform.merchant(undefined, 'brand');
    await send('/v1/batch', { batch: [{ type: 'track', userId: 'w1', event: 'Product Added to Wishlist' }, { type: 'track', userId: 'w2', event: 'product added to wishlist' }] }, { key: m.publishableKey });
    expect((await snapshotStages(platform.database.db, m.id, new Date().toISOString().slice(0, 10))).interested).toBe(2);
  });
});
