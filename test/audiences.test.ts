import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/kernel/checks.js';
import { inTransaction } from '../src/kernel/db.js';
import { evaluateRule, profileIdsOf, refreshAudiences, type Rule } from '../src/modules/audiences/index.js';
import { ingestEvents, storedIdentifier, type IncomingEvent } from '../src/modules/databank/index.js';
import { verifyWebhookSignature } from '../src/modules/webhooks/index.js';
import { modules } from '../src/platform/modules.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * The audiences' PostgreSQL path against a hand-built data bank: four consumers whose traits,
 * events, facts, consent and places are chosen so that each leaf kind, and and / or / not, has
 * one right answer per docs/AUDIENCES.md. Then saved audiences over HTTP: bad input, membership
 * changes published as events, the CSV export and a signed webhook sync.
 */
let platform: TestPlatform;
let brand: TestMerchant;
let other: TestMerchant;
let n = 0;
const day = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * day);
const store = { latitude: 31.2304, longitude: 121.4737 };
/** About `km` kilometres north of the store. */
const north = (km: number) => ({ latitude: store.latitude + km / 111.195, longitude: store.longitude });
let storeId: string;
let farStoreId: string;
let otherStoreId: string;
const ids = new Map<string, string>();
const names = new Map<string, string>();

function event(e: { user?: string; anon?: string; type?: IncomingEvent['type']; event?: string; traits?: Record<string, unknown>; properties?: Record<string, unknown>; context?: Record<string, unknown>; at?: Date; consent?: IncomingEvent['consent'] }): IncomingEvent {
  const at = e.at ?? new Date();
  return {
    merchant_id: brand.id,
    message_id: `aud-${++n}`,
    type: e.type ?? 'track',
    event: e.type === 'identify' ? null : (e.event ?? 'Product Viewed'),
    user_id: e.user ?? null,
    anonymous_id: e.anon ?? null,
    traits: e.traits ?? {},
    properties: e.properties ?? {},
    context: e.context ?? {},
    occurred_at: at,
    received_at: new Date(),
    identifiers: [...(e.user === undefined ? [] : [storedIdentifier('user_id', e.user)!]), ...(e.anon === undefined ? [] : [storedIdentifier('anonymous_id', e.anon)!])],
    ...(e.consent === undefined ? {} : { consent: e.consent }),
  };
}

const ingest = (events: IncomingEvent[]) => inTransaction(platform.database.db, (trx) => ingestEvents(trx, events));

async function location(m: TestMerchant, code: string, at: { latitude: number; longitude: number }): Promise<string> {
  const res = await m.call('POST', '/v1/locations', { body: { kind: 'store', code, name: `Store ${code}`, address: { line1: '1 Road', city: 'Shanghai', country: 'CN' }, ...at, timezone: 'Asia/Shanghai' } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

async function profileOf(user: string): Promise<string> {
  const { rows } = await sql<{ id: string }>`select coalesce(p.merged_into, p.id) as id from cdp_identity i join cdp_profile p on p.merchant_id = i.merchant_id and p.id = i.profile_id
    where i.merchant_id = ${brand.id} and i.type = 'user_id' and i.value = ${user}`.execute(platform.database.db);
  return rows[0]!.id;
}

/** Who a rule selects, by first name, sorted. */
async function who(rule: Rule): Promise<string[]> {
  const evaluation = await evaluateRule(platform.database.db, brand.id, rule, { sql_only: true });
  expect(evaluation.path).toBe('sql');
  const profiles = await profileIdsOf(platform.database.db, brand.id, evaluation.members.toArray());
  return [...profiles.values()].map((id) => names.get(id) ?? id).sort();
}

async function checksHold(): Promise<void> {
  const reports = await runChecks(platform.database.db, modules.flatMap((m) => m.checks ?? []).filter((c) => c.name.startsWith('audiences.')));
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
  brand = await platform.merchant(undefined, 'brand');
  other = await platform.merchant(undefined, 'brand');
  storeId = await location(brand, 'PEOPLE', store);
  farStoreId = await location(brand, 'NORTH15', north(1.5));
  otherStoreId = await location(other, 'OTHER', store);

  await ingest([
    event({ user: 'alice', type: 'identify', traits: { name: 'Alice', city: 'Shanghai', age: 34, tags: ['tea', 'vip'], address: { city: 'Pudong' }, home_latitude: north(0.5).latitude, home_longitude: north(0.5).longitude }, consent: { marketing: true } }),
    ...[1, 2, 3].map((d) => event({ user: 'alice', properties: { category: 'tea' }, at: ago(d) })),
    event({ user: 'bob', type: 'identify', traits: { name: 'Bob', city: 'Beijing', age: 'unknown', tags: 'Tea lover' }, consent: { marketing: true } }),
    event({ user: 'bob', event: 'product viewed', properties: { category: 'coffee', location_id: farStoreId }, at: ago(5) }),
    event({ user: 'bob', properties: { category: 'tea' }, at: ago(100) }),
    event({ user: 'carol', type: 'identify', traits: { name: 'Carol', city: 'Shanghai', age: 25 }, consent: { marketing: false, analytics: false } }),
    // Dave browsed anonymously on one device, signed in on another, then signed in on the first: one consumer.
    event({ anon: 'anon-dave', properties: { category: 'tea' }, at: ago(4) }),
    event({ anon: 'anon-dave', properties: { category: 'tea' }, at: ago(3) }),
    event({ user: 'dave', type: 'identify', traits: { name: 'Dave', city: null } }),
    event({ user: 'dave', anon: 'anon-dave', event: 'Store Visited', context: { location: north(0.3) }, at: ago(2) }),
  ]);
  for (const name of ['alice', 'bob', 'carol', 'dave']) {
    const id = await profileOf(name);
    ids.set(name, id);
    names.set(id, name);
  }
  const db = platform.database.db;
  const facts = (name: string, set: Record<string, unknown>) =>
    db.updateTable('cdp_profile').set(set).where('merchant_id', '=', brand.id).where('id', '=', ids.get(name)!).execute();
  await facts('alice', { last_purchase_at: ago(5), previous_purchase_at: ago(40), orders_count: 2, amount_spent_minor: 50_000 });
  await facts('bob', { last_purchase_at: ago(200), orders_count: 1, amount_spent_minor: 9_000 });
  await facts('carol', { last_interest_at: ago(2) });
  await facts('dave', { last_interest_at: ago(3), last_purchase_at: null, orders_count: 0, amount_spent_minor: 0 });
  await sql`insert into cdp_channel_consent (merchant_id, profile_id, channel, granted, source) values (${brand.id}, ${ids.get('alice')}, 'sms', false, 'test')`.execute(db);
  await sql`insert into cdp_stage_daily (merchant_id, day, profile_id, stage) values (${brand.id}, (now() at time zone 'UTC')::date - 7, ${ids.get('alice')}, 'purchased')`.execute(db);
});
afterAll(async () => platform.close());

describe('the PostgreSQL path, leaf by leaf', () => {
  it('sees the merged consumer as one live profile', async () => {
    expect(await who({ kind: 'trait', trait: 'name', op: 'exists' })).toEqual(['alice', 'bob', 'carol', 'dave']);
  });

  it('compares traits as text, numbers as numbers, and knows presence', async () => {
    const t = (trait: string, op: string, value?: unknown) => who({ kind: 'trait', trait, op, ...(value === undefined ? {} : { value }) } as Rule);
    expect(await t('city', 'eq', 'Shanghai')).toEqual(['alice', 'carol']);
    expect(await t('city', 'neq', 'Shanghai')).toEqual(['bob']); // Dave's city is null: no trait, no neq
    expect(await t('city', 'in', ['Beijing', 'Pudong'])).toEqual(['bob']);
    expect(await t('city', 'not_in', ['Shanghai'])).toEqual(['bob']);
    expect(await t('address.city', 'eq', 'Pudong')).toEqual(['alice']);
    expect(await t('age', 'eq', 34)).toEqual(['alice']);
    expect(await t('age', 'gt', 30)).toEqual(['alice']); // Bob's “unknown” is not a number
    expect(await t('age', 'lte', 25)).toEqual(['carol']);
    expect(await t('city', 'exists', true)).toEqual(['alice', 'bob', 'carol']);
    expect(await t('city', 'exists', false)).toEqual(['dave']);
    expect(await t('tags', 'contains', 'tea')).toEqual(['alice', 'bob']); // an array element, a string case-insensitively
  });

  it('counts events of merged profiles for their consumer, by name case-insensitively, in the window, with filters', async () => {
    expect(await who({ kind: 'event', event: 'Product Viewed', did: true, min_count: 2, within_days: 30, where: [{ property: 'category', op: 'eq', value: 'tea' }] })).toEqual(['alice', 'dave']);
    expect(await who({ kind: 'event', event: 'PRODUCT VIEWED', did: true, min_count: 1, within_days: 30, where: [] })).toEqual(['alice', 'bob', 'dave']);
    expect(await who({ kind: 'event', event: 'Product Viewed', did: false, min_count: 1, within_days: 30, where: [] })).toEqual(['carol']);
    expect(await who({ kind: 'event', event: 'Product Viewed', did: true, min_count: 1, within_days: 365, where: [{ property: 'category', op: 'in', value: ['coffee'] }] })).toEqual(['bob']);
  });

  it('takes the stage from the facts, and none for a consumer who refused analytics', async () => {
    expect(await who({ kind: 'stage', stages: ['loyal'] })).toEqual(['alice']);
    expect(await who({ kind: 'stage', stages: ['purchased'] })).toEqual(['bob']);
    expect(await who({ kind: 'stage', stages: ['interested'] })).toEqual(['dave']);
    expect(await who({ kind: 'stage_change', from: 'purchased', to: 'loyal', within_days: 7 })).toEqual(['alice']);
    expect(await who({ kind: 'stage_change', from: 'none', to: 'purchased', within_days: 7 })).toEqual(['bob']);
  });

  it('bounds recency, frequency and money', async () => {
    expect(await who({ kind: 'purchase', recency_days: { max: 30 } })).toEqual(['alice']);
    expect(await who({ kind: 'purchase', recency_days: { min: 100 } })).toEqual(['bob']);
    expect(await who({ kind: 'purchase', frequency: { min: 1 } })).toEqual(['alice', 'bob']);
    expect(await who({ kind: 'purchase', frequency: { min: 1 }, monetary_minor: { min: 40_000 } })).toEqual(['alice']);
  });

  it('finds who lives or was seen near a store, by named location or by coordinates', async () => {
    expect(await who({ kind: 'near', location_id: storeId, radius_km: 1, how: 'lives', within_days: 90 })).toEqual(['alice']);
    expect(await who({ kind: 'near', location_id: storeId, radius_km: 0.4, how: 'lives', within_days: 90 })).toEqual([]);
    expect(await who({ kind: 'near', location_id: storeId, radius_km: 2, how: 'seen', within_days: 90 })).toEqual(['bob', 'dave']);
    expect(await who({ kind: 'near', location_id: storeId, radius_km: 1, how: 'seen', within_days: 90 })).toEqual(['dave']);
    expect(await who({ kind: 'near', location_id: storeId, radius_km: 2, how: 'seen', within_days: 1 })).toEqual([]);
    expect(await who({ kind: 'near', location_id: storeId, radius_km: 2, how: 'either', within_days: 90 })).toEqual(['alice', 'bob', 'dave']);
  });

  it('asks consent for the purpose, and no refusal of the channel', async () => {
    expect(await who({ kind: 'consent', purpose: 'marketing' })).toEqual(['alice', 'bob']);
    expect(await who({ kind: 'consent', purpose: 'marketing', channel: 'sms' })).toEqual(['bob']);
    expect(await who({ kind: 'consent', purpose: 'marketing', channel: 'email' })).toEqual(['alice', 'bob']);
  });

  it('combines with and, or and not', async () => {
    const shanghai: Rule = { kind: 'trait', trait: 'city', op: 'eq', value: 'Shanghai' };
    expect(await who({ kind: 'and', rules: [shanghai, { kind: 'consent', purpose: 'marketing' }] })).toEqual(['alice']);
    expect(await who({ kind: 'or', rules: [{ kind: 'stage', stages: ['loyal'] }, { kind: 'stage', stages: ['purchased'] }] })).toEqual(['alice', 'bob']);
    expect(await who({ kind: 'not', rule: shanghai })).toEqual(['bob', 'dave']);
    expect(await who({ kind: 'and', rules: [{ kind: 'not', rule: shanghai }, { kind: 'or', rules: [{ kind: 'consent', purpose: 'marketing' }, { kind: 'stage', stages: ['interested'] }] }] })).toEqual(['bob', 'dave']);
  });

  it('evaluates a saved audience inside a rule', async () => {
    const saved = await brand.call('POST', '/v1/audiences', { body: { name: 'Shanghai', rule: { kind: 'trait', trait: 'city', op: 'eq', value: 'Shanghai' } } });
    expect(saved.status, saved.text).toBe(201);
    expect(saved.body).toMatchObject({ size: 2, summary: 'city is “Shanghai”' });
    expect(await who({ kind: 'audience', audience_id: saved.body.id })).toEqual(['alice', 'carol']);
    expect(await who({ kind: 'not', rule: { kind: 'audience', audience_id: saved.body.id } })).toEqual(['bob', 'dave']);
    expect((await brand.call('DELETE', `/v1/audiences/${saved.body.id}`)).status).toBe(200);
  });
});

describe('saved audiences over HTTP', () => {
  it('estimates a rule while it is edited, saying which path answered', async () => {
    const res = await brand.call('POST', '/v1/audience-estimates', { body: { rule: { kind: 'and', rules: [{ kind: 'trait', trait: 'city', op: 'eq', value: 'Shanghai' }, { kind: 'near', location_id: storeId, radius_km: 1, how: 'lives' }] } } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ size: 1, path: 'sql', summary: `city is “Shanghai” and lives within 1 km of Store PEOPLE` });
    expect(typeof res.body.sql_reason).toBe('string');
    const traits = await brand.call('GET', '/v1/audience-traits');
    expect(traits.body.traits).toEqual(expect.arrayContaining(['city', 'age', 'tags', 'address', 'home_latitude', 'home_longitude']));
  });

  it('refuses bad rules with a problem naming the field, and writes nothing', async () => {
    const count = async () => Number((await sql<{ n: string }>`select count(*) as n from audience where merchant_id = ${brand.id}`.execute(platform.database.db)).rows[0]!.n);
    const before = await count();
    const create = (rule: unknown) => brand.call('POST', '/v1/audiences', { body: { name: 'Bad', rule } });
    const unknownTrait = await create({ kind: 'and', rules: [{ kind: 'consent', purpose: 'marketing' }, { kind: 'trait', trait: 'shoe_size', op: 'gt', value: 40 }] });
    expect(unknownTrait.status).toBe(422);
    expect(unknownTrait.headers.get('content-type')).toContain('application/problem+json');
    expect(unknownTrait.body).toMatchObject({ code: 'unknown_trait', errors: [{ field: 'rule.rules.1.trait' }] });
    const foreignStore = await create({ kind: 'near', location_id: otherStoreId, radius_km: 3 });
    expect(foreignStore.body).toMatchObject({ status: 422, code: 'unknown_location', errors: [{ field: 'rule.location_id' }] });
    const theirs = await other.call('POST', '/v1/audiences', { body: { name: 'Theirs', rule: { kind: 'consent', purpose: 'marketing' } } });
    expect(theirs.status, theirs.text).toBe(201);
    const foreignAudience = await create({ kind: 'not', rule: { kind: 'audience', audience_id: theirs.body.id } });
    expect(foreignAudience.body).toMatchObject({ status: 422, code: 'unknown_audience', errors: [{ field: 'rule.rule.audience_id' }] });
    const wide = { kind: 'or', rules: [0, 1, 2].map(() => ({ kind: 'or', rules: Array.from({ length: 11 }, () => ({ kind: 'consent', purpose: 'marketing' })) })) };
    expect((await create(wide)).body).toMatchObject({ status: 422, code: 'rule_too_large' });
    expect((await create({ kind: 'trait', trait: 'city', op: 'gt', value: 'x' })).status).toBe(400);
    expect((await create({ kind: 'event', event: 'x', within_days: 100_000 })).status).toBe(400);
    let deep: unknown = { kind: 'consent', purpose: 'marketing' };
    for (let i = 0; i < 7; i++) deep = { kind: 'not', rule: deep };
    expect((await create(deep)).status).toBe(400);
    expect((await brand.call('POST', '/v1/audience-estimates', { body: { rule: { kind: 'trait', trait: 'nope', op: 'exists' } } })).body.code).toBe('unknown_trait');
    expect(await count()).toBe(before);
  });

  it('refuses a cycle among saved audiences and leaves the rule as it was', async () => {
    const a = await brand.call('POST', '/v1/audiences', { body: { name: 'A', rule: { kind: 'consent', purpose: 'marketing' } } });
    const b = await brand.call('POST', '/v1/audiences', { body: { name: 'B', rule: { kind: 'audience', audience_id: a.body.id } } });
    expect(b.status, b.text).toBe(201);
    const loop = await brand.call('PATCH', `/v1/audiences/${a.body.id}`, { body: { rule: { kind: 'or', rules: [{ kind: 'consent', purpose: 'marketing' }, { kind: 'audience', audience_id: b.body.id }] } } });
    expect(loop.status).toBe(422);
    expect(loop.body).toMatchObject({ code: 'audience_cycle', errors: [{ field: 'rule.rules.1.audience_id' }] });
    const self = await brand.call('PATCH', `/v1/audiences/${a.body.id}`, { body: { rule: { kind: 'audience', audience_id: a.body.id } } });
    expect(self.body.code).toBe('audience_cycle');
    expect((await brand.call('GET', `/v1/audiences/${a.body.id}`)).body.rule).toEqual({ kind: 'consent', purpose: 'marketing' });
    const inUse = await brand.call('DELETE', `/v1/audiences/${a.body.id}`);
    expect(inUse.status).toBe(409);
    expect((await brand.call('DELETE', `/v1/audiences/${b.body.id}`)).status).toBe(200);
    expect((await brand.call('DELETE', `/v1/audiences/${a.body.id}`)).status).toBe(200);
    await checksHold();
  });

  it('refuses a rule that would run too long', async () => {
    const big = await platform.merchant(undefined, 'brand');
    await sql`insert into cdp_profile (merchant_id, id, num, traits, first_seen_at, last_seen_at)
      select ${big.id}, 'big-' || g, g, jsonb_build_object('bio', repeat('x', 100) || g), now(), now() from generate_series(1, 60000) g`.execute(platform.database.db);
    const rule: Rule = { kind: 'or', rules: [0, 1, 2, 3].map((i) => ({ kind: 'trait', trait: 'bio', op: 'contains', value: `y${i}` })) };
    await expect(evaluateRule(platform.database.db, big.id, rule, { sql_only: true, timeout_ms: 5 })).rejects.toMatchObject({ status: 422, code: 'rule_too_expensive' });
  });

  it('lists members with their names, pages them, and exports them as CSV', async () => {
    const audience = await brand.call('POST', '/v1/audiences', { body: { name: 'Tea drinkers, Shanghai', description: 'for the autumn tasting', rule: { kind: 'or', rules: [{ kind: 'trait', trait: 'city', op: 'eq', value: 'Shanghai' }, { kind: 'stage', stages: ['interested'] }] } } });
    expect(audience.status, audience.text).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { profile_id: string; name: string }[]; next_cursor: string | null } } = await brand.call('GET', `/v1/audiences/${audience.body.id}/members?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      seen.push(...page.body.data.map((m) => m.name));
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    expect(seen.sort()).toEqual(['Alice', 'Carol', 'Dave']);
    const csv = await brand.call('GET', `/v1/audiences/${audience.body.id}/export`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('profile_id,consumer_number,name,email,phone');
    expect(lines.slice(1).map((l) => l.split(',')[2]).sort()).toEqual(['Alice', 'Carol', 'Dave']);
    expect(lines.slice(1).map((l) => l.split(',')[0]).sort()).toEqual([ids.get('alice'), ids.get('carol'), ids.get('dave')].sort());
    const detail = await brand.call('GET', `/v1/audiences/${audience.body.id}`);
    expect(detail.body).toMatchObject({ size: 3, sizes: [expect.objectContaining({ size: 3, path: 'sql' })] });
    expect((await brand.call('DELETE', `/v1/audiences/${audience.body.id}`)).status).toBe(200);
  });

  it('publishes who entered and left a tracked audience, records its size, and syncs the change to a signed webhook', async () => {
    const received: { body: string; signature: string | undefined }[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ body, signature: req.headers['openbos-signature'] as string | undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const audience = await brand.call('POST', '/v1/audiences', { body: { name: 'Shanghai tracked', track_membership: true, rule: { kind: 'trait', trait: 'city', op: 'eq', value: 'Shanghai' } } });
      expect(audience.status, audience.text).toBe(201);
      const id = audience.body.id as string;
      const refused = await brand.call('POST', `/v1/audiences/${id}/syncs`, { body: { url: 'http://10.0.0.1/hook' } });
      expect(refused.status).toBe(400);
      const sync = await brand.call('POST', `/v1/audiences/${id}/syncs`, { body: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/audience` } });
      expect(sync.status, sync.text).toBe(201);
      const secret = sync.body.secret as string;

      // The first round: the members become the baseline (no one "entered"), and the destination gets them all.
      const first = await refreshAudiences(platform.database.db, platform.ctx.config, { merchant_id: brand.id });
      expect(first.ran).toBe(true);
      expect(first.audiences.find((a) => a.audience_id === id)).toMatchObject({ size: 2, entered: 0, left: 0 });
      expect(received).toHaveLength(1);
      expect(verifyWebhookSignature(secret, received[0]!.signature, received[0]!.body)).toBe(true);
      const push = JSON.parse(received[0]!.body) as { added: { profile_id: string }[]; removed: unknown[] };
      expect(push.added.map((m) => m.profile_id).sort()).toEqual([ids.get('alice'), ids.get('carol')].sort());
      expect(push.removed).toEqual([]);

      // Bob moves to Shanghai, Carol leaves it.
      await ingest([event({ user: 'bob', type: 'identify', traits: { city: 'Shanghai' } }), event({ user: 'carol', type: 'identify', traits: { city: 'Hangzhou' } })]);
      const second = await refreshAudiences(platform.database.db, platform.ctx.config, { merchant_id: brand.id });
      expect(second.audiences.find((a) => a.audience_id === id)).toMatchObject({ size: 2, entered: 1, left: 1 });
      const { rows } = await sql<{ type: string; payload: { audience_id: string; profile_id: string } }>`select type, payload from bos_outbox_event
        where merchant_id = ${brand.id} and type in ('audience.entered', 'audience.left') order by type`.execute(platform.database.db);
      expect(rows.map((r) => [r.type, r.payload.audience_id, r.payload.profile_id])).toEqual([
        ['audience.entered', id, ids.get('bob')],
        ['audience.left', id, ids.get('carol')],
      ]);
      expect(received).toHaveLength(2);
      const delta = JSON.parse(received[1]!.body) as { added: { profile_id: string }[]; removed: { profile_id: string }[] };
      expect([delta.added.map((m) => m.profile_id), delta.removed.map((m) => m.profile_id)]).toEqual([[ids.get('bob')], [ids.get('carol')]]);

      // A round with no change publishes nothing and posts nothing.
      await refreshAudiences(platform.database.db, platform.ctx.config, { merchant_id: brand.id });
      expect(received).toHaveLength(2);
      const syncs = await brand.call('GET', `/v1/audiences/${id}/syncs`);
      expect(syncs.body.data).toEqual([expect.objectContaining({ size: 2, last_error: null })]);
      expect(JSON.stringify(syncs.body)).not.toContain(secret);
      await checksHold();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('lets one process at a time run the round', async () => {
    // Another process holds the round: this one skips it.
    const report = await inTransaction(platform.database.db, async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext('audiences.refresh'))`.execute(trx);
      return refreshAudiences(platform.database.db, platform.ctx.config, { merchant_id: brand.id });
    });
    expect(report).toEqual({ ran: false, audiences: [], syncs: [] });
  });
});
