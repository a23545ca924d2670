import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distance_m } from '../src/modules/locations/index.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;
let m: TestMerchant;

// Three stores around People's Square, Shanghai, and one far away in Hangzhou.
const place = (code: string, latitude: number, longitude: number, kind = 'store') => ({
  kind,
  code,
  name: code,
  address: { line1: '1 Road', city: 'Shanghai', country: 'CN' },
  latitude,
  longitude,
  timezone: 'Asia/Shanghai',
  opening_hours: { '1': [{ opens: '09:00', closes: '21:00' }] },
});

beforeAll(async () => {
  platform = await createTestPlatform();
  m = await platform.merchant('loc-test', 'retailer');
  for (const p of [place('PEOPLE', 31.2336, 121.4726), place('JINGAN', 31.2231, 121.4453), place('LUJIAZUI', 31.2397, 121.4998), place('HZ', 30.2741, 120.1551), place('WH', 31.2035, 121.5906, 'warehouse')]) {
    expect((await m.call('POST', '/v1/locations', { body: p })).status).toBe(201);
  }
});
afterAll(async () => platform.close());

describe('locations: warehouses and stores with coordinates', () => {
  it('computes great-circle distances correctly', () => {
    // People's Square to a point near the Bund is about 1.7 km.
    expect(distance_m({ latitude: 31.2336, longitude: 121.4726 }, { latitude: 31.2400, longitude: 121.4900 })).toBeGreaterThan(1_500);
    expect(distance_m({ latitude: 31.2336, longitude: 121.4726 }, { latitude: 31.2400, longitude: 121.4900 })).toBeLessThan(1_900);
    expect(distance_m({ latitude: 0, longitude: 0 }, { latitude: 0, longitude: 0 })).toBe(0);
  });

  it('finds the stores within 3 km, nearest first, and none beyond', async () => {
    const res = await m.call('GET', '/v1/locations?kind=store&near=31.2336,121.4726&radius_m=3000');
    expect(res.status).toBe(200);
    const codes = res.body.data.map((l: { code: string }) => l.code);
    expect(codes).toEqual(['PEOPLE', 'LUJIAZUI', 'JINGAN']);
    const distances = res.body.data.map((l: { distance_m: number }) => l.distance_m);
    expect(distances[0]).toBe(0);
    expect([...distances].sort((a, b) => a - b)).toEqual(distances);
    expect(Math.max(...distances)).toBeLessThanOrEqual(3_000);
  });

  it('pages through a listing with a cursor, every location once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await m.call('GET', `/v1/locations?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((l: { id: string }) => l.id));
      cursor = res.body.next_cursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    const forged = await m.call('GET', '/v1/locations?cursor=not-a-cursor');
    expect(forged.status).toBe(400);
  });

  it('refuses a duplicate code with 409 and keeps one location', async () => {
    const res = await m.call('POST', '/v1/locations', { body: place('PEOPLE', 1, 1) });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('location_code_taken');
  });

  it('updates a location, closes it, and emits a typed event for each change', async () => {
    const list = await m.call('GET', '/v1/locations?kind=warehouse');
    const id = list.body.data[0].id as string;
    const res = await m.call('PATCH', `/v1/locations/${id}`, { body: { name: 'Pudong DC', active: false } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Pudong DC', active: false, kind: 'warehouse' });
    const events = await sql<{ type: string; payload: { location_id: string; changed: string[] } }>`
      select type, payload from bos_outbox_event where merchant_id = ${m.id} and type = 'location.updated'`.execute(platform.database.db);
    expect(events.rows).toEqual([{ type: 'location.updated', payload: { location_id: id, changed: ['name', 'active'] } }]);
    const created = await sql<{ count: number }>`select count(*)::int as count from bos_outbox_event where merchant_id = ${m.id} and type = 'location.created'`.execute(platform.database.db);
    expect(created.rows[0]?.count).toBe(5);
  });

  it('refuses unknown fields in an update, and a kind change, changing nothing', async () => {
    const list = await m.call('GET', '/v1/locations?kind=store&limit=1');
    const id = list.body.data[0].id as string;
    const res = await m.call('PATCH', `/v1/locations/${id}`, { body: { kind: 'warehouse' } });
    expect(res.status).toBe(400);
    expect((await m.call('GET', `/v1/locations/${id}`)).body.kind).toBe('store');
  });

  it('lets a storefront find stores with a publishable key but not create them', async () => {
    expect((await m.call('GET', '/v1/locations?kind=store', { key: m.publishableKey })).status).toBe(200);
    expect((await m.call('POST', '/v1/locations', { key: m.publishableKey, body: place('PK', 1, 1) })).status).toBe(403);
  });
});
