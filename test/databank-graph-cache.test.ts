import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphCache } from '../src/modules/databank/ingestion/graph-cache.js';
import { eraseConsumer, IngestCommitter, type IncomingEvent } from '../src/modules/databank/index.js';
import { createMerchant } from '../src/modules/merchants/index.js';
import { runChecks } from '../src/kernel/checks.js';
import { modules } from '../src/platform/modules.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { silentLogger } from './support/platform.js';

/**
 * Two committers with caches of their own stand for two server processes ingesting into one
 * brand. Each must notice what the other wrote, and never resolve from a stale copy.
 */
let database: TestDatabase;
let brand: string;
let n = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  brand = (await createMerchant(database.db, { handle: `cache-${Date.now()}`, name: 'Cache brand', kind: 'brand', default_currency: 'CNY', country: 'CN' })).id;
});
afterAll(async () => database.drop());

function event(ids: { user?: string; anon?: string }, name = 'Product Viewed'): IncomingEvent {
  const at = new Date();
  return {
    merchant_id: brand,
    message_id: `msg-${++n}-${Math.random().toString(36).slice(2)}`,
    type: 'track',
    event: name,
    user_id: ids.user ?? null,
    anonymous_id: ids.anon ?? null,
    traits: {},
    properties: {},
    context: {},
    occurred_at: at,
    received_at: at,
    identifiers: [...(ids.user === undefined ? [] : [{ type: 'user_id' as const, value: ids.user }]), ...(ids.anon === undefined ? [] : [{ type: 'anonymous_id' as const, value: ids.anon }])],
  };
}

async function profilesOf(value: string): Promise<{ profile_id: string; events_count: string }[]> {
  const rows = await sql<{ profile_id: string; events_count: string }>`select i.profile_id, p.events_count::text from cdp_identity i join cdp_profile p on p.merchant_id = i.merchant_id and p.id = i.profile_id
    where i.merchant_id = ${brand} and i.value = ${value}`.execute(database.db);
  return rows.rows;
}

async function invariantsHold(): Promise<void> {
  const reports = await runChecks(database.db, modules.flatMap((m) => m.checks ?? []).filter((c) => c.name.startsWith('databank.')));
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

describe('the identity graph cached in each process', () => {
  it('resolves from its copy, and notices what another process changed in between', async () => {
    const cacheA = new GraphCache();
    const a = new IngestCommitter(database.db, silentLogger, cacheA);
    const b = new IngestCommitter(database.db, silentLogger, new GraphCache());

    // Process A meets an anonymous visitor; its copy now knows them.
    await a.submit([event({ anon: 'anon-1' })]);
    expect(cacheA.size(brand)).toBe(1);

    // Process B sees the same visitor sign in: the anonymous ID joins user-1's profile.
    await b.submit([event({ user: 'user-1', anon: 'anon-1' }, 'Signed In')]);

    // Back in A, whose copy is one version behind (it still thinks anon-1's profile has no user
    // and one event). A must read the graph again: user-1's event counts on top of B's, and
    // user-2 may not join a profile that already belongs to user-1.
    await a.submit([event({ user: 'user-1', anon: 'anon-1' }, 'Product Added'), event({ user: 'user-2', anon: 'anon-1' }, 'Product Viewed')]);
    const [viaUser] = await profilesOf('user-1');
    const [viaAnon] = await profilesOf('anon-1');
    const [other] = await profilesOf('user-2');
    expect(viaUser!.profile_id).toBe(viaAnon!.profile_id);
    expect(viaUser!.events_count).toBe('3');
    expect(other!.profile_id).not.toBe(viaUser!.profile_id);
    expect(other!.events_count).toBe('1');
    expect(cacheA.size(brand)).toBe(3);
    await invariantsHold();
  });

  it('never feeds an erased consumer from a copy made before the erasure', async () => {
    const cache = new GraphCache();
    const committer = new IngestCommitter(database.db, silentLogger, cache);
    await committer.submit([event({ user: 'user-erased', anon: 'anon-erased' })]);
    const [before] = await profilesOf('user-erased');
    expect(await eraseConsumer(database.db, brand, before!.profile_id, 'test')).toBeDefined();

    // The copy still holds the erased identifiers; the erasure bumped the version, so it is dropped.
    const outcomes = await committer.submit([event({ user: 'user-erased' }), event({ anon: 'anon-erased' })]);
    expect(outcomes).toEqual(['suppressed', 'suppressed']);
    expect(await profilesOf('user-erased')).toEqual([]);
    await invariantsHold();
  });

  it('keeps one profile per person when two processes race on the same new people', async () => {
    const a = new IngestCommitter(database.db, silentLogger, new GraphCache());
    const b = new IngestCommitter(database.db, silentLogger, new GraphCache());
    const people = Array.from({ length: 40 }, (_, i) => `racer-${i}`);
    await Promise.all(
      Array.from({ length: 20 }, (_, round) => (round % 2 === 0 ? a : b).submit(people.map((p) => event({ user: p, anon: `${p}-anon-${round % 3}` })))),
    );
    for (const p of people) {
      const rows = await profilesOf(p);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.events_count).toBe('20');
      const anons = await sql<{ profile_id: string }>`select distinct profile_id from cdp_identity where merchant_id = ${brand} and value like ${`${p}-anon-%`}`.execute(database.db);
      expect(anons.rows.map((r) => r.profile_id)).toEqual([rows[0]!.profile_id]);
    }
    await invariantsHold();
  });

  it('pipelines batches of one process, each building on the one ahead, without losing or doubling anything', async () => {
    const committer = new IngestCommitter(database.db, silentLogger, new GraphCache());
    const people = Array.from({ length: 30 }, (_, i) => `piper-${i}`);
    await committer.submit([event({ user: 'piper-0' })]);
    // Thirty requests at once: the committer forms batches while others are in flight. Each person
    // has one event per request; every third request repeats an earlier request's events, the way
    // an SDK retries a request it never heard back from.
    const requests = Array.from({ length: 30 }, (_, r) => people.map((p) => event({ user: p, anon: `${p}-device-${r % 4}` })));
    const sent = requests.map((request, r) => (r % 3 === 2 ? [...request, ...requests[r - 1]!] : request));
    const outcomes = await Promise.all(sent.map((request) => committer.submit(request)));
    expect(committer.pipelined).toBeGreaterThan(0);
    expect(outcomes.flat().filter((o) => o === 'stored')).toHaveLength(30 * 30);
    for (const p of people) {
      const rows = await profilesOf(p);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.events_count).toBe(p === 'piper-0' ? '31' : '30');
    }
    await invariantsHold();
  });
});
