import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/kernel/db.js';
import { runChecks } from '../src/kernel/checks.js';
import { checks as databankChecks } from '../src/modules/databank/checks.js';
import { sealerFromKey } from '../src/kernel/sealed.js';
import { contactKeyringFrom, contactPointsOf, contactSealer } from '../src/modules/databank/index.js';
import { resealContactPoints, unopenableContactPoints } from '../src/modules/databank/contact-points.js';
import { recordConversions, trackingLinks } from '../src/modules/reach/index.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

const keyA = randomBytes(32).toString('base64url');
const keyB = randomBytes(32).toString('base64url');

let platform: TestPlatform;
let brand: TestMerchant;

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_CONTACT_KEYS: `a:${keyA}`, OPENBOS_PUBLIC_URL: 'https://shop.example' });
  brand = await platform.merchant(undefined, 'brand');
});
afterAll(async () => {
  await platform.close();
});

const unique = (tag: string) => `${tag}${Math.random().toString(36).slice(2, 10)}`;

async function identify(m: TestMerchant, body: Record<string, unknown>) {
  const res = await m.call('POST', '/v1/identify', { key: null, body: { writeKey: m.publishableKey, ...body } });
  expect(res.status).toBe(200);
}

async function profileOf(m: TestMerchant, userId: string): Promise<string> {
  const list = await m.call('GET', `/v1/consumers?user_id=${encodeURIComponent(userId)}`);
  return list.body.data[0].id as string;
}

/** Every row of every table of the database, as text, that contains `needle`. */
async function rowsContaining(needle: string): Promise<string[]> {
  const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(platform.database.db);
  const found: string[] = [];
  for (const t of tables.rows) {
    const rows = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t.table_name)} x where x::text ilike ${`%${needle}%`}`.execute(platform.database.db);
    if ((rows.rows[0]?.n ?? 0) > 0) found.push(t.table_name);
  }
  return found;
}

async function consumer(userId: string) {
  const email = `${unique('cp')}@example.com`;
  const phone = `+86138${Math.floor(10_000_000 + Math.random() * 89_999_999)}`;
  const token = `tok_${unique('push')}${unique('x')}`;
  await identify(brand, { userId, traits: { email, phone, name: 'Li Wei' }, context: { device: { id: unique('dev'), token } } });
  return { email, phone, token, profile_id: await profileOf(brand, userId) };
}

describe('contact points', () => {
  it('are captured at ingestion, sealed: never in clear in the database nor in a route, masked in the profile', async () => {
    const userId = unique('u');
    const c = await consumer(userId);
    const local = c.email.split('@')[0]!;
    for (const needle of [local, c.phone.slice(3), c.token]) expect(await rowsContaining(needle)).toEqual([]);
    const profile = await brand.call('GET', `/v1/consumers/${c.profile_id}`);
    expect(profile.status).toBe(200);
    expect(profile.body.contact_points.map((p: { kind: string }) => p.kind).sort()).toEqual(['email', 'phone', 'push_token']);
    for (const p of profile.body.contact_points) expect(p.masked).toContain('*'.repeat(p.kind === 'push_token' ? 0 : 1));
    const timeline = await brand.call('GET', `/v1/consumers/${c.profile_id}/timeline`);
    const list = await brand.call('GET', `/v1/consumers?q=${encodeURIComponent(c.email)}`);
    for (const res of [profile, timeline, list]) for (const needle of [local, c.phone.slice(3), c.token]) expect(res.text).not.toContain(needle);
    // Opened only to send: the keyring opens what ingestion sealed.
    const opened = await contactPointsOf(platform.database.db, contactSealer(platform.ctx.config), brand.id, [c.profile_id], 'email');
    expect(opened.get(c.profile_id)).toBe(c.email);
  });

  it('survive a key change: rotation re-seals under the new key, resumably, and they still open', async () => {
    const c = await consumer(unique('u'));
    const before = await sql<{ key_id: string }>`select distinct key_id from cdp_contact_point where merchant_id = ${brand.id}`.execute(platform.database.db);
    expect(before.rows.map((r) => r.key_id)).toEqual([sealerFromKey(Buffer.from(keyA, 'base64url')).key_id]);
    const fallback = () => sealerFromKey(randomBytes(32));
    const rotated = contactKeyringFrom(`b:${keyB},a:${keyA}`, fallback);
    // One row per batch: an interrupted run is a run that stopped after any batch.
    const first = await inTransaction(platform.database.db, (trx) => resealContactPoints(trx, rotated, 1));
    expect(first.resealed).toBe(1);
    let after = first.last;
    for (;;) {
      const step = await inTransaction(platform.database.db, (trx) => resealContactPoints(trx, rotated, 2, after));
      if (step.last === undefined) break;
      after = step.last;
    }
    const keys = await sql<{ key_id: string }>`select distinct key_id from cdp_contact_point`.execute(platform.database.db);
    expect(keys.rows.map((r) => r.key_id)).toEqual([rotated.key_id]);
    // The old key dropped: everything still opens under the new one alone.
    const onlyB = contactKeyringFrom(`b:${keyB}`, fallback);
    expect((await contactPointsOf(platform.database.db, onlyB, brand.id, [c.profile_id], 'phone')).get(c.profile_id)).toBe(c.phone);
    expect(await unopenableContactPoints(platform.database.db, onlyB, 1_000)).toEqual([]);
    // And `bos check`'s invariant names rows a keyring cannot open.
    expect((await unopenableContactPoints(platform.database.db, contactKeyringFrom(`a:${keyA}`, fallback), 1_000)).length).toBeGreaterThan(0);
    // Back under key A, which the platform is configured with, for the tests that follow.
    const back = contactKeyringFrom(`a:${keyA},b:${keyB}`, fallback);
    while ((await inTransaction(platform.database.db, (trx) => resealContactPoints(trx, back, 500))).last !== undefined);
  });

  it('are in the consumer’s export in clear; erasure deletes them and the channel consent, and they are not stored again', async () => {
    const userId = unique('u');
    const c = await consumer(userId);
    const consent = await brand.call('PUT', `/v1/consumers/${c.profile_id}/consent`, { body: { marketing: true, channels: { sms: false, email: true } } });
    expect(consent.status).toBe(200);
    expect(consent.body.channels).toEqual({ sms: false, email: true });
    const exported = await brand.call('GET', `/v1/consumers/${c.profile_id}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body.contact_points.map((p: { kind: string; value: string }) => `${p.kind}=${p.value}`).sort()).toEqual([`email=${c.email}`, `phone=${c.phone}`, `push_token=${c.token}`]);
    expect(exported.body.consent.channels).toEqual({ sms: false, email: true });
    expect((await brand.call('DELETE', `/v1/consumers/${c.profile_id}`)).status).toBe(200);
    const left = await sql<{ n: number }>`select (select count(*) from cdp_contact_point where merchant_id = ${brand.id} and profile_id = ${c.profile_id})
      + (select count(*) from cdp_channel_consent where merchant_id = ${brand.id} and profile_id = ${c.profile_id}) as n`.execute(platform.database.db);
    expect(Number(left.rows[0]!.n)).toBe(0);
    // The erased email comes back on a new event: suppressed, no contact point kept.
    await identify(brand, { anonymousId: unique('anon'), traits: { email: c.email } });
    const again = await sql<{ n: number }>`select count(*)::int as n from cdp_contact_point c join cdp_suppression s on s.merchant_id = c.merchant_id and s.type = c.kind
      and s.value = encode(sha256(convert_to(c.value_hash, 'UTF8')), 'hex') where c.merchant_id = ${brand.id}`.execute(platform.database.db);
    expect(again.rows[0]!.n).toBe(0);
    // `bos check`: nothing of the erased consumer is held; a contact point or a channel decision
    // left on a profile that no longer exists is named.
    const clean = await runChecks(platform.database.db, databankChecks, platform.ctx.config);
    expect(clean.flatMap((r) => r.violations)).toEqual([]);
    await sql`insert into cdp_channel_consent (merchant_id, profile_id, channel, granted, source) values (${brand.id}, ${c.profile_id}, 'email', false, 'test')`.execute(platform.database.db);
    const dirty = await runChecks(platform.database.db, databankChecks, platform.ctx.config);
    expect(dirty.find((r) => r.name === 'databank.erased_contact_points')!.violations).toEqual([`channel consent of a missing profile: ${brand.id}/${c.profile_id}`]);
    await sql`delete from cdp_channel_consent where merchant_id = ${brand.id} and profile_id = ${c.profile_id}`.execute(platform.database.db);
  });

  it('follow a merge: re-sealed for the profile the consumer is now', async () => {
    const anonymousId = unique('anon');
    const userId = unique('u');
    const early = `${unique('early')}@example.com`;
    const later = `${unique('later')}@example.com`;
    await identify(brand, { anonymousId, traits: { email: early } });
    await identify(brand, { userId, traits: { email: later } });
    await identify(brand, { userId, anonymousId });
    const profile_id = await profileOf(brand, userId);
    const emails = await sql<{ profile_id: string }>`select profile_id from cdp_contact_point where merchant_id = ${brand.id} and kind = 'email'
      and profile_id in (select id from cdp_profile where merchant_id = ${brand.id} and (id = ${profile_id} or merged_into = ${profile_id}))`.execute(platform.database.db);
    expect(emails.rows.map((r) => r.profile_id)).toEqual([profile_id, profile_id]);
    const exported = await brand.call('GET', `/v1/consumers/${profile_id}/export`);
    expect(exported.body.contact_points.map((p: { value: string }) => p.value).sort()).toEqual([early, later].sort());
  });

  it('take channel consent from Segment’s consent context', async () => {
    const userId = unique('u');
    await identify(brand, { userId, traits: { email: `${unique('seg')}@example.com` }, context: { consent: { categoryPreferences: { marketing: true, email_marketing: false, push: true } } } });
    const profile = await brand.call('GET', `/v1/consumers/${await profileOf(brand, userId)}`);
    expect(profile.body.consent.marketing).toBe(true);
    expect(profile.body.consent.channels).toEqual({ email: false, push: true });
  });
});

async function aSend(profile_id: string, campaign_id: string | null = null, sent_at = new Date()) {
  const id = unique('snd');
  await sql`insert into reach_send (merchant_id, id, profile_id, channel, campaign_id, step_id, dedupe_key, status, sent_at)
    values (${brand.id}, ${id}, ${profile_id}, 'email', ${campaign_id}, ${campaign_id === null ? null : 'step1'}, ${id}, 'sent', ${sent_at.toISOString()})`.execute(platform.database.db);
  return { merchant_id: brand.id, id };
}

async function eventsNamed(profile_id: string, name: string) {
  const rows = await sql<{ properties: Record<string, unknown> }>`select properties from cdp_event where merchant_id = ${brand.id} and event = ${name}
    and profile_id in (select id from cdp_profile where merchant_id = ${brand.id} and (id = ${profile_id} or merged_into = ${profile_id}))`.execute(platform.database.db);
  return rows.rows.map((r) => r.properties);
}

const path = (url: string) => new URL(url).pathname;

describe('unsubscribe and tracking', () => {
  it('unsubscribes: the GET page only asks, the one-click POST refuses the channel and the refusal is what consent rules read', async () => {
    const c = await consumer(unique('u'));
    await brand.call('PUT', `/v1/consumers/${c.profile_id}/consent`, { body: { marketing: true } });
    const send = await aSend(c.profile_id);
    const links = trackingLinks(platform.ctx.config, send);
    expect(links.unsubscribe_url.startsWith('https://shop.example/v1/reach/unsubscribe/')).toBe(true);
    const page = await brand.call('GET', path(links.unsubscribe_url), { key: null });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<form method="post">');
    expect(await eventsNamed(c.profile_id, 'Unsubscribed')).toEqual([]);
    const oneClick = await brand.call('POST', path(links.one_click_url), { key: null, rawBody: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(oneClick.status).toBe(200);
    expect(await eventsNamed(c.profile_id, 'Unsubscribed')).toEqual([{ campaign_id: null, step_id: null, channel: 'email', send_id: send.id }]);
    // The consent rule (docs/AUDIENCES.md): marketing granted, and the channel not refused.
    const rule = sql<{ id: string }>`select p.id from cdp_profile p where p.merchant_id = ${brand.id} and p.id = ${c.profile_id}
      and exists (select 1 from cdp_consent k where k.merchant_id = p.merchant_id and k.profile_id = p.id and k.purpose = 'marketing' and k.granted)
      and not exists (select 1 from cdp_channel_consent k where k.merchant_id = p.merchant_id and k.profile_id = p.id and k.channel = ${'email'} and not k.granted)`;
    expect((await rule.execute(platform.database.db)).rows).toEqual([]);
    const profile = await brand.call('GET', `/v1/consumers/${c.profile_id}`);
    expect(profile.body.consent.channels).toEqual({ email: false });
  });

  it('records an open with a signed token only; a tampered or malformed token records nothing', async () => {
    const c = await consumer(unique('u'));
    const send = await aSend(c.profile_id, null);
    const links = trackingLinks(platform.ctx.config, send);
    const token = path(links.open_pixel_url).split('/').at(-1)!;
    const [body, signature] = token.split('.') as [string, string];
    const forged = `${Buffer.from(JSON.stringify({ a: 'o', m: brand.id, s: 'snd_other' })).toString('base64url')}.${signature}`;
    expect((await brand.call('GET', `/v1/reach/open/${forged}`, { key: null })).status).toBe(404);
    expect((await brand.call('GET', `/v1/reach/open/${body}.${signature.slice(1)}x`, { key: null })).status).toBe(404);
    expect((await brand.call('GET', `/v1/reach/open/not-a-token`, { key: null })).status).toBe(400);
    // An unsubscribe token is no open token.
    expect((await brand.call('GET', `/v1/reach/open/${path(links.unsubscribe_url).split('/').at(-1)!}`, { key: null })).status).toBe(404);
    const untouched = await sql<{ opened_at: Date | null }>`select opened_at from reach_send where merchant_id = ${brand.id} and id = ${send.id}`.execute(platform.database.db);
    expect(untouched.rows[0]!.opened_at).toBeNull();
    expect(await eventsNamed(c.profile_id, 'Message Opened')).toEqual([]);
    const pixel = await brand.call('GET', path(links.open_pixel_url), { key: null });
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get('content-type')).toBe('image/gif');
    await brand.call('GET', path(links.open_pixel_url), { key: null });
    expect(await eventsNamed(c.profile_id, 'Message Opened')).toHaveLength(1);
  });

  it('redirects a click only to the URL signed into its token', async () => {
    const c = await consumer(unique('u'));
    const send = await aSend(c.profile_id);
    const links = trackingLinks(platform.ctx.config, send);
    const click = links.click_url('https://shop.example/p/tea?utm_source=reach');
    const res = await brand.call('GET', `${path(click)}?url=${encodeURIComponent('https://evil.example')}`, { key: null });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://shop.example/p/tea?utm_source=reach');
    const tampered = path(click).replace(/\/([^/.]+)\./, (_m, b: string) => `/${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(b, 'base64url').toString()), u: 'https://evil.example' })).toString('base64url')}.`);
    expect((await brand.call('GET', tampered, { key: null })).status).toBe(404);
    expect(() => links.click_url('javascript:alert(1)')).toThrow();
    const row = await sql<{ clicked_at: Date | null }>`select clicked_at from reach_send where merchant_id = ${brand.id} and id = ${send.id}`.execute(platform.database.db);
    expect(row.rows[0]!.clicked_at).not.toBeNull();
    expect(await eventsNamed(c.profile_id, 'Message Clicked')).toEqual([{ campaign_id: null, step_id: null, channel: 'email', send_id: send.id, url: 'https://shop.example/p/tea?utm_source=reach' }]);
  });

  it('records a campaign conversion once per campaign and order, only within the campaign’s conversion days', async () => {
    const c = await consumer(unique('u'));
    const campaign = unique('cmp');
    const stale = unique('cmp');
    for (const [id, days] of [[campaign, 7], [stale, 1]] as const) {
      await sql`insert into campaign (merchant_id, id, name, entry, steps, conversion_days) values (${brand.id}, ${id}, 'Tea week', '{}', '[]', ${days})`.execute(platform.database.db);
    }
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
    await aSend(c.profile_id, campaign, threeDaysAgo);
    await aSend(c.profile_id, stale, threeDaysAgo);
    const order = unique('ord');
    expect(await recordConversions(platform.database.db, brand.id, c.email.toUpperCase(), order, new Date())).toBe(1);
    expect(await recordConversions(platform.database.db, brand.id, c.email, order, new Date())).toBe(0);
    const converted = await eventsNamed(c.profile_id, 'Campaign Converted');
    expect(converted).toHaveLength(1);
    expect(converted[0]).toMatchObject({ campaign_id: campaign, order_id: order, channel: 'email' });
  });
});
