import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/kernel/checks.js';
import { newId } from '../src/kernel/ids.js';
import { instoreModule } from '../src/modules/instore/index.js';
import { aLocation, aStockedItem } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';
import { anOpenSession, anUnattendedStore, shelfEvent, type UnattendedStore } from './support/unattended.js';

/**
 * Unattended stores without the money: the store's flag, devices and their health, shelf events
 * (all or nothing, idempotent, only for sessions of the shelf's store), sessions (one open per
 * member per store) and the exit's decisions that charge nothing (review, empty), once.
 * The charged path, with membership's codes and the sale, is in unattended-pay.test.ts.
 */
let platform: TestPlatform;
let m: TestMerchant;
let other: TestMerchant;
let store: UnattendedStore;
const db = () => platform.database.db;

/** Opens a session as the entry gate does once the member's code was accepted. */
const aSession = (s: UnattendedStore, consumer_id = newId('cons')) => anOpenSession(db(), m, s, consumer_id);

const events = (list: Record<string, unknown>[], merchant: TestMerchant = m) => merchant.call('POST', '/v1/shelf-events', { body: { events: list } });
const exit = (session_id: string, gate = store.exit, merchant: TestMerchant = m) => merchant.call('POST', `/v1/gates/${gate}/exits`, { body: { session_id } });
const count = async (table: string, where = sql`true`) => (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${where}`.execute(db())).rows[0]!.n;

beforeAll(async () => {
  platform = await createTestPlatform();
  m = await platform.merchant();
  other = await platform.merchant();
  store = await anUnattendedStore(m);
});
afterAll(async () => platform.close());

describe('unattended stores: the flag and devices', () => {
  it('only a store of the merchant that is unattended takes devices', async () => {
    const attended = await aLocation(m, 'store');
    const res = await m.call('POST', '/v1/store-devices', { body: { location_id: attended, kind: 'shelf', name: 'Shelf 1' } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('store_not_unattended');
    const warehouse = await aLocation(m, 'warehouse');
    const flag = await m.call('PUT', `/v1/unattended-stores/${warehouse}`, { body: { unattended: true } });
    expect(flag.status).toBe(400);
    expect(flag.body.errors[0].field).toBe('location_id');
    expect((await other.call('PUT', `/v1/unattended-stores/${store.location_id}`, { body: { unattended: false } })).status).toBe(404);
    expect((await m.call('GET', `/v1/unattended-stores/${store.location_id}`)).body).toMatchObject({ location_id: store.location_id, unattended: true });
    expect((await m.call('GET', `/v1/unattended-stores/${attended}`)).body).toMatchObject({ unattended: false, updated_at: null });
    expect((await m.call('POST', '/v1/store-devices', { body: { location_id: store.location_id, kind: 'robot', name: 'R' } })).status).toBe(400);
    expect(await count('store_device', sql`location_id = ${attended}`)).toBe(0);
  });

  it('reports health: seen within a minute is online, events in the last minute, errors the device reported', async () => {
    const s = await anUnattendedStore(m);
    const list = async () => (await m.call('GET', `/v1/store-devices?location_id=${s.location_id}&limit=100`)).body.data as { id: string; health: Record<string, unknown> }[];
    expect((await list()).map((d) => d.id).sort()).toEqual([s.entry, s.exit, s.shelf].sort());
    expect((await list()).every((d) => d.health.online === false && d.health.last_seen_at === null)).toBe(true);

    const beat = await m.call('POST', `/v1/store-devices/${s.shelf}/heartbeat`, { body: { errors: [{ message: 'camera 2 lost focus' }, { message: 'weight sensor drift' }] } });
    expect(beat.status, beat.text).toBe(200);
    expect(beat.body.health).toMatchObject({ online: true, errors: 2, last_error: 'weight sensor drift' });
    const session_id = await aSession(s);
    const item = await aStockedItem(m, { location_id: s.location_id });
    expect((await events([shelfEvent(s.shelf, item.variant_id, session_id), shelfEvent(s.shelf, item.variant_id, session_id)])).status).toBe(200);
    const shelf = (await list()).find((d) => d.id === s.shelf)!;
    expect(shelf.health).toMatchObject({ online: true, errors: 2, events_last_minute: 2 });
    expect((await list()).find((d) => d.id === s.entry)!.health).toMatchObject({ events_last_minute: 1 });

    // Seen 61 s ago: offline.
    await sql`update store_device set last_seen_at = now() - interval '61 seconds' where id = ${s.shelf}`.execute(db());
    expect((await list()).find((d) => d.id === s.shelf)!.health.online).toBe(false);

    expect((await other.call('POST', `/v1/store-devices/${s.shelf}/heartbeat`, { body: {} })).status).toBe(404);
    expect((await other.call('GET', `/v1/store-devices?location_id=${s.location_id}`)).body.data).toEqual([]);
  });

  it('a device calls only its own kind of route, and only while its store is unattended', async () => {
    const s = await anUnattendedStore(m);
    const session_id = await aSession(s);
    const wrong = await m.call('POST', `/v1/gates/${s.shelf}/exits`, { body: { session_id } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.code).toBe('device_kind_mismatch');
    const asShelf = await events([shelfEvent(s.entry, newId('var'), session_id)]);
    expect(asShelf.status).toBe(400);
    expect(asShelf.body.errors[0]).toMatchObject({ field: 'events.0.device_id' });

    expect((await m.call('PUT', `/v1/unattended-stores/${s.location_id}`, { body: { unattended: false } })).status).toBe(200);
    const closed = await exit(session_id, s.exit);
    expect(closed.status).toBe(422);
    expect(closed.body.code).toBe('store_not_unattended');
    expect((await m.call('GET', `/v1/store-sessions/${session_id}`)).body.status).toBe('open');
  });
});

describe('unattended stores: sessions and shelf events', () => {
  it('one open session per member per store: a second entry answers the open one', async () => {
    const consumer = newId('cons');
    const first = await aSession(store, consumer);
    expect(await aSession(store, consumer)).toBe(first);
    const elsewhere = await anUnattendedStore(m);
    expect(await aSession(elsewhere, consumer)).not.toBe(first);
    expect((await exit(first)).body.outcome).toBe('empty');
    expect(await aSession(store, consumer)).not.toBe(first);
  });

  it('stores shelf events once by event_id and folds them into the session’s lines', async () => {
    const session_id = await aSession(store);
    const item = await aStockedItem(m, { location_id: store.location_id });
    const pick = shelfEvent(store.shelf, item.variant_id, session_id, { quantity: 2 });
    const first = await events([pick, shelfEvent(store.shelf, item.variant_id, session_id, { kind: 'put_back' })]);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ accepted: 2, duplicates: 0, sessions_updated: 1 });
    const again = await events([pick, pick]);
    expect(again.body).toEqual({ accepted: 0, duplicates: 2, sessions_updated: 0 });
    const detail = await m.call('GET', `/v1/store-sessions/${session_id}`);
    expect(detail.body.lines).toEqual([expect.objectContaining({ variant_id: item.variant_id, quantity: 1, uncertain: false })]);
    expect(detail.body.shelf_events).toHaveLength(2);
  });

  it('refuses a whole batch with a candidate of another store, another merchant’s device, or more than 500 events: nothing written', async () => {
    const session_id = await aSession(store);
    const elsewhere = await anUnattendedStore(m);
    const theirs = await aSession(elsewhere);
    const before = await count('shelf_event');
    const mixed = await events([shelfEvent(store.shelf, newId('var'), session_id), shelfEvent(store.shelf, newId('var'), theirs)]);
    expect(mixed.status).toBe(400);
    expect(mixed.body.errors).toEqual([expect.objectContaining({ field: 'events.1.candidates.0.session_id', message: expect.stringContaining('another store') })]);
    const unknown = await events([shelfEvent(store.shelf, newId('var'), newId('sess'))]);
    expect(unknown.status).toBe(400);
    const foreign = await events([shelfEvent(store.shelf, newId('var'), session_id)], other);
    expect(foreign.status).toBe(404);
    const many = Array.from({ length: 501 }, () => shelfEvent(store.shelf, newId('var'), session_id));
    expect((await events(many)).status).toBe(400);
    expect((await events(many.slice(0, 500))).body.accepted).toBe(500);
    expect(await count('shelf_event')).toBe(before + 500);
  });
});

describe('unattended stores: the exit decides once', () => {
  it('a low-confidence pick sends the session to review with its evidence, and charges nothing; a repeated exit answers the same', async () => {
    const session_id = await aSession(store);
    const item = await aStockedItem(m, { location_id: store.location_id });
    const unsure = shelfEvent(store.shelf, item.variant_id, session_id, { candidates: [{ session_id, confidence: 0.55 }] });
    expect((await events([unsure])).status).toBe(200);
    const res = await exit(session_id);
    expect(res.status, res.text).toBe(200);
    expect(res.body.outcome).toBe('review');
    expect(res.body.review_reasons).toEqual([{ variant_id: item.variant_id, reason: 'low_confidence', event_ids: [unsure.event_id] }]);
    const again = await exit(session_id);
    expect(again.body).toEqual(res.body);
    const left = await sql<{ n: number }>`select count(*)::int as n from bos_outbox_event where type = 'instore.left' and payload->>'session_id' = ${session_id}`.execute(db());
    expect(left.rows[0]!.n).toBe(1);
    const queue = await m.call('GET', `/v1/store-sessions?location_id=${store.location_id}&status=review&limit=100`);
    expect(queue.body.data.map((s: { id: string }) => s.id)).toContain(session_id);
    const detail = await m.call('GET', `/v1/store-sessions/${session_id}`);
    expect(detail.body.lines[0].evidence[0]).toMatchObject({ event_id: unsure.event_id, status: 'uncertain', reason: 'low_confidence', confidence: 0.55 });
    expect(detail.body.sale_id).toBeNull();
  });

  it('shelf events arriving after the exit do not change the closed basket', async () => {
    const session_id = await aSession(store);
    expect((await exit(session_id)).body.outcome).toBe('empty');
    const late = await events([shelfEvent(store.shelf, newId('var'), session_id)]);
    expect(late.body).toMatchObject({ accepted: 1, sessions_updated: 0 });
    expect((await m.call('GET', `/v1/store-sessions/${session_id}`)).body).toMatchObject({ status: 'empty', lines: [] });
    expect((await exit(session_id)).body.outcome).toBe('empty');
  });

  it('an exit gate of another store, or of another merchant, does not find the session', async () => {
    const session_id = await aSession(store);
    const elsewhere = await anUnattendedStore(m);
    expect((await exit(session_id, elsewhere.exit)).status).toBe(404);
    expect((await exit(session_id, store.exit, other)).status).toBe(404);
    expect((await m.call('GET', `/v1/store-sessions/${session_id}`)).body.status).toBe('open');
  });

  it('only a session on review can be resolved', async () => {
    const session_id = await aSession(store);
    const res = await m.call('POST', `/v1/store-sessions/${session_id}/resolve`, { body: { lines: [] } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('session_not_on_review');
  });

  it('a review resolved with no units closes the session empty', async () => {
    const session_id = await aSession(store);
    await events([shelfEvent(store.shelf, newId('var'), session_id, { kind: 'put_back' })]);
    expect((await exit(session_id)).body.outcome).toBe('review');
    const res = await m.call('POST', `/v1/store-sessions/${session_id}/resolve`, { body: { lines: [{ variant_id: newId('var'), quantity: 0 }] } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.outcome).toBe('empty');
    expect(res.body.session.resolved_by).toMatch(/^key:/);
  });
});

describe('unattended stores: bos check', () => {
  it('holds for what the tests did, and names a stale open session and a charged session without its sale', async () => {
    const checks = instoreModule.checks.filter((c) => c.name.startsWith('instore.session'));
    expect(checks.length).toBeGreaterThan(0);
    const clean = await runChecks(db(), checks);
    expect(clean.flatMap((r) => r.violations)).toEqual([]);

    const stale = await aSession(store);
    await sql`update store_session set opened_at = now() - interval '25 hours' where id = ${stale}`.execute(db());
    const staleReport = (await runChecks(db(), checks)).flatMap((r) => r.violations);
    expect(staleReport.join('\n')).toContain(stale);
    await instoreModule.maintenance.find((t) => t.name === 'instore.flag_stale_sessions')!.run(platform.ctx);
    expect((await runChecks(db(), checks)).flatMap((r) => r.violations)).toEqual([]);
    expect((await m.call('GET', `/v1/store-sessions/${stale}`)).body.stale).toBe(true);
  });
});
