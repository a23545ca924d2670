import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupCommitter } from '../src/kernel/group-commit.js';
import { inTransaction } from '../src/kernel/db.js';
import { aStockedItem, buy } from './support/commerce.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Group commit puts many buyers' requests into one transaction. One request the database refuses
 * must fail alone: never another request, and never another merchant's. The refusals here come
 * from PostgreSQL itself (a constraint, a trigger), past every validation, the way an unforeseen
 * value would.
 */
let platform: TestPlatform;
let victim: TestMerchant;
let attacker: TestMerchant;

beforeAll(async () => {
  platform = await createTestPlatform();
  victim = await platform.merchant(undefined, 'brand');
  attacker = await platform.merchant(undefined, 'brand');
});
afterAll(async () => platform.close());

describe('group commit isolates the request at fault', () => {
  it('commits every good request of a batch and fails only the refused ones', async () => {
    const db = platform.database.db;
    await sql`create table isolation_probe (id int primary key, value int not null check (value >= 0))`.execute(db);
    const committer = new GroupCommitter<{ id: number; value: number }, number>(
      'probe',
      (batch) =>
        inTransaction(db, async (trx) => {
          for (const r of batch) await sql`insert into isolation_probe (id, value) values (${r.id}, ${r.value})`.execute(trx);
          return batch.map((r) => r.id);
        }),
      silentLogger,
      { batch_size_max: 64, batches_in_flight_max: 1 },
    );
    const requests = Array.from({ length: 200 }, (_, id) => ({ id, value: id % 37 === 5 ? -1 : id }));
    const settled = await Promise.allSettled(requests.map((r) => committer.submit(r)));
    const refused = requests.filter((r) => r.value < 0).map((r) => r.id);
    expect(settled.filter((s) => s.status === 'rejected').length).toBe(refused.length);
    settled.forEach((s, i) => expect(s.status, `request ${i}`).toBe(requests[i]!.value < 0 ? 'rejected' : 'fulfilled'));
    const stored = await sql<{ id: number }>`select id from isolation_probe order by id`.execute(db);
    expect(stored.rows.map((r) => r.id)).toEqual(requests.filter((r) => r.value >= 0).map((r) => r.id));
    // The requests did share batches (fewer transactions than requests), and the culprits were found by splitting.
    expect(committer.isolations).toBeGreaterThan(0);
    expect(committer.batches).toBeLessThan(requests.length);
  });

  it('one merchant’s checkouts that the database refuses fail no other merchant’s checkout', async () => {
    const db = platform.database.db;
    const good = await aStockedItem(victim, { units: 1_000, price_minor: 500 });
    const bad = await aStockedItem(attacker, { units: 1_000, price_minor: 500 });
    await sql`create function refuse_poisoned_order() returns trigger language plpgsql as $$
      begin
        if new.buyer_email like '%@poison.test' then raise exception 'refused by the database'; end if;
        return new;
      end $$`.execute(db);
    await sql`create trigger refuse_poisoned_order before insert on sales_order for each row execute function refuse_poisoned_order()`.execute(db);
    try {
      const calls = Array.from({ length: 150 }, (_, i) =>
        i % 10 === 3
          ? { poisoned: true, run: () => buy(attacker, [{ variant_id: bad.variant_id, quantity: 1 }], { buyer_email: `x${i}@poison.test` }) }
          : { poisoned: false, run: () => buy(victim, [{ variant_id: good.variant_id, quantity: 1 }], { buyer_email: `buyer${i}@example.com` }) },
      );
      const responses = await Promise.all(calls.map((c) => c.run()));
      const goodStatuses = responses.filter((_, i) => !calls[i]!.poisoned).map((r) => r.status);
      expect(goodStatuses.every((s) => s === 201), JSON.stringify(goodStatuses)).toBe(true);
      expect(responses.filter((_, i) => calls[i]!.poisoned).every((r) => r.status === 500)).toBe(true);
      const orders = await sql<{ n: number }>`select count(*)::int as n from sales_order where merchant_id = ${victim.id}`.execute(db);
      expect(orders.rows[0]!.n).toBe(goodStatuses.length);
    } finally {
      await sql`drop trigger refuse_poisoned_order on sales_order`.execute(db);
    }
  });

  it('one brand’s events that the database refuses fail no other brand’s ingestion', async () => {
    const db = platform.database.db;
    await sql`create function refuse_poisoned_event() returns trigger language plpgsql as $$
      begin
        if new.properties ->> 'poison' = 'yes' then raise exception 'refused by the database'; end if;
        return new;
      end $$`.execute(db);
    await sql`create trigger refuse_poisoned_event before insert on cdp_event for each row execute function refuse_poisoned_event()`.execute(db);
    try {
      const send = (m: TestMerchant, i: number, poison: boolean) =>
        m.call('POST', '/v1/batch', { key: null, headers: { authorization: `Basic ${Buffer.from(`${m.publishableKey}:`).toString('base64')}` }, body: { batch: [{ type: 'track', userId: `u-${m.id}-${i}`, event: 'Product Viewed', properties: poison ? { poison: 'yes' } : { sku: `s${i}` } }] } });
      const calls = Array.from({ length: 200 }, (_, i) => ({ poisoned: i % 9 === 4, i }));
      const responses = await Promise.all(calls.map((c) => send(c.poisoned ? attacker : victim, c.i, c.poisoned)));
      const goodStatuses = responses.filter((_, i) => !calls[i]!.poisoned).map((r) => r.status);
      expect(goodStatuses.every((s) => s === 200), JSON.stringify(goodStatuses)).toBe(true);
      expect(responses.filter((_, i) => calls[i]!.poisoned).every((r) => r.status === 500)).toBe(true);
      const stored = await sql<{ n: number }>`select count(*)::int as n from cdp_event where merchant_id = ${victim.id}`.execute(db);
      expect(stored.rows[0]!.n).toBe(goodStatuses.length);
    } finally {
      await sql`drop trigger refuse_poisoned_event on cdp_event`.execute(db);
    }
  });
});

describe('values the database cannot store are refused before any batch', () => {
  it('answers 400 naming the field for a NUL byte or a lone surrogate, on checkout, sign-in and ingestion', async () => {
    const item = await aStockedItem(victim, { units: 10 });
    const nul = await buy(victim, [{ variant_id: `${item.variant_id}\u0000`, quantity: 1 }]);
    expect(nul.status).toBe(400);
    expect(nul.body.errors[0].field).toBe('items.0.variant_id');
    const signIn = await victim.call('POST', '/v1/console/sessions', { key: null, body: { merchant: victim.handle, email: 'a\u0000@example.com', password: 'x' } });
    expect(signIn.status).toBe(400);
    expect(signIn.body.errors.map((e: { field: string }) => e.field)).toContain('email');
    const surrogate = await victim.call('POST', '/v1/locations', { body: { kind: 'store', code: 'S1', name: 'Store', address: { line1: 'Road \ud800', city: 'X', country: 'CN' }, latitude: 1, longitude: 1, timezone: 'Asia/Shanghai' } });
    expect(surrogate.status).toBe(400);
    expect(surrogate.body.errors[0].field).toBe('address.line1');
    const ingest = await victim.call('POST', '/v1/batch', { key: null, headers: { authorization: `Basic ${Buffer.from(`${victim.publishableKey}:`).toString('base64')}` }, rawBody: JSON.stringify({ batch: [{ type: 'track', userId: 'u1', event: 'Viewed', properties: { 'k\u0000': 1 } }] }), });
    expect(ingest.status).toBe(400);
    expect(ingest.body.errors[0].field).toContain('batch.0.properties');
  });

  it('refuses impossible event times, order values and report days with 400', async () => {
    const key = { authorization: `Basic ${Buffer.from(`${victim.publishableKey}:`).toString('base64')}` };
    const track = (extra: Record<string, unknown>) => victim.call('POST', '/v1/batch', { key: null, headers: key, body: { batch: [{ type: 'track', userId: 'u2', event: 'Order Completed', ...extra }] } });
    for (const [extra, field] of [
      [{ timestamp: '+099999-01-01T00:00:00Z' }, 'batch.0.timestamp'],
      [{ timestamp: '0001-01-01T00:00:00Z' }, 'batch.0.timestamp'],
      [{ properties: { revenue: 1e308 } }, 'batch.0.properties.revenue'],
      [{ properties: { total: 1e20, currency: 'JPY' } }, 'batch.0.properties.total'],
    ] as const) {
      const res = await track(extra);
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.body.errors[0].field).toBe(field);
    }
    for (const day of ['2020-13-45', '2020-02-30', '0000-01-01']) {
      const res = await victim.call('GET', `/v1/lifecycle?day=${day}`);
      expect(res.status, day).toBe(400);
    }
    expect((await victim.call('GET', '/v1/lifecycle?day=2020-02-29')).status).toBe(200);
  });

  it('bounds prices and order totals so every sum stays exact', async () => {
    const tooDear = await victim.call('POST', '/v1/products', { body: { title: 'Dear', status: 'published', variants: [{ sku: `D-${Date.now()}`, prices: [{ currency: 'CNY', amount_minor: 2 ** 53 - 1 }] }] } });
    expect(tooDear.status).toBe(400);
    const dear = await aStockedItem(victim, { price_minor: 1_000_000_000_000, units: 100 });
    const big = await buy(victim, [{ variant_id: dear.variant_id, quantity: 11 }]);
    expect(big.status).toBe(422);
    expect(big.body.code).toBe('order_total_too_large');
    expect((await buy(victim, [{ variant_id: dear.variant_id, quantity: 10 }])).status).toBe(201);
  });
});
