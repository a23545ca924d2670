import { sql } from 'kysely';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/kernel/db.js';
import { OutboxDispatcher, type DispatcherOptions } from '../src/kernel/events/dispatcher.js';
import { defineEvent, onEvent, onEvents, type DomainEvent, type EventHandler } from '../src/kernel/events/event.js';
import { InvalidEventError, outboxStats, publish, retryDeadEvents } from '../src/kernel/events/outbox.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { silentLogger } from './support/platform.js';

const stockMoved = defineEvent('test.stock_moved', z.object({ sku: z.string() }));
const stockCounted = defineEvent('test.stock_counted', z.object({ sku: z.string(), units: z.number().int() }));

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

function dispatcher(handlers: EventHandler[], options: Partial<DispatcherOptions> = {}): OutboxDispatcher {
  return new OutboxDispatcher({
    db: database.db,
    pool: database.pool,
    handlers,
    logger: silentLogger,
    poll_ms: 50,
    backoff_base_ms: 1,
    backoff_max_ms: 5,
    ...options,
  });
}

async function clearOutbox(): Promise<void> {
  await sql`delete from bos_outbox_event`.execute(database.db);
}

async function waitFor(predicate: () => boolean | Promise<boolean>, timeout_ms = 5_000): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('transactional outbox', () => {
  it('writes no event when the transaction that published it rolls back', async () => {
    await clearOutbox();
    await expect(
      inTransaction(database.db, async (trx) => {
        await publish(trx, stockCounted, 'mer_x', { sku: 'A', units: 1 });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect((await outboxStats(database.db)).pending).toBe(0);
  });

  it('refuses an event whose payload does not match its schema', async () => {
    await expect(inTransaction(database.db, (trx) => publish(trx, stockCounted, null, { sku: 'A', units: 1.5 }))).rejects.toBeInstanceOf(InvalidEventError);
  });

  it('delivers a committed event to its handler, woken by the commit rather than the poll', async () => {
    await clearOutbox();
    const seen: DomainEvent<{ sku: string; units: number }>[] = [];
    const d = dispatcher([onEvent(stockCounted, 'test.collect', async (e) => void seen.push(e))], { poll_ms: 60_000 });
    await d.start();
    try {
      await inTransaction(database.db, (trx) => publish(trx, stockCounted, 'mer_1', { sku: 'SKU-1', units: 7 }));
      await waitFor(() => seen.length === 1);
      expect(seen[0]).toMatchObject({ type: 'test.stock_counted', merchant_id: 'mer_1', payload: { sku: 'SKU-1', units: 7 } });
      await waitFor(async () => (await outboxStats(database.db)).delivered === 1);
    } finally {
      await d.stop();
    }
  });

  it('retries a failing handler with backoff without re-running the handlers that succeeded', async () => {
    await clearOutbox();
    let flakyCalls = 0;
    let steadyCalls = 0;
    const d = dispatcher([
      onEvent(stockCounted, 'test.flaky', async () => {
        flakyCalls++;
        if (flakyCalls < 3) throw new Error('downstream unavailable');
      }),
      onEvent(stockCounted, 'test.steady', async () => void steadyCalls++),
    ]);
    await inTransaction(database.db, (trx) => publish(trx, stockCounted, null, { sku: 'B', units: 1 }));
    await d.start();
    try {
      await waitFor(async () => (await outboxStats(database.db)).delivered === 1);
    } finally {
      await d.stop();
    }
    expect(flakyCalls).toBe(3);
    expect(steadyCalls).toBe(1);
  });

  it('parks an event as a dead letter after attempts_max failures, and can retry it', async () => {
    await clearOutbox();
    let calls = 0;
    let healthy = false;
    const handler = onEvent(stockCounted, 'test.broken', async () => {
      calls++;
      if (!healthy) throw new Error('always fails');
    });
    await inTransaction(database.db, (trx) => publish(trx, stockCounted, null, { sku: 'C', units: 1 }));
    const d = dispatcher([handler], { attempts_max: 3 });
    await d.drain();
    await waitFor(async () => {
      await d.drain();
      return (await outboxStats(database.db)).dead === 1;
    });
    expect(calls).toBe(3);
    const row = await sql<{ last_error: string }>`select last_error from bos_outbox_event`.execute(database.db);
    expect(row.rows[0]?.last_error).toContain('always fails');

    healthy = true;
    expect(await retryDeadEvents(database.db)).toBe(1);
    await d.drain();
    expect(await outboxStats(database.db)).toMatchObject({ dead: 0, delivered: 1 });
  });

  it('delivers after a restart the events written before a crash', async () => {
    await clearOutbox();
    // Written while no dispatcher runs, as if the process died right after committing.
    await inTransaction(database.db, (trx) => publish(trx, stockCounted, null, [{ sku: 'D', units: 1 }, { sku: 'E', units: 2 }]));
    const seen: string[] = [];
    const d = dispatcher([onEvent(stockCounted, 'test.after_restart', async (e) => void seen.push(e.payload.sku))]);
    await d.start();
    try {
      await waitFor(() => seen.length === 2);
    } finally {
      await d.stop();
    }
    expect(seen.sort()).toEqual(['D', 'E']);
  });

  it('re-offers an event claimed by a process that died mid-delivery once its lease expires', async () => {
    await clearOutbox();
    await inTransaction(database.db, (trx) => publish(trx, stockCounted, null, { sku: 'F', units: 1 }));
    // A claim whose process died: attempts counted, lease running, never finished.
    await sql`update bos_outbox_event set attempts = 1, next_attempt_at = now() + interval '200 milliseconds'`.execute(database.db);
    const seen: string[] = [];
    const d = dispatcher([onEvent(stockCounted, 'test.lease', async (e) => void seen.push(e.payload.sku))]);
    expect(await d.drain()).toBe(0);
    await new Promise((r) => setTimeout(r, 250));
    expect(await d.drain()).toBe(1);
    expect(seen).toEqual(['F']);
  });

  it('lets two dispatchers share the outbox without delivering an event twice at once', async () => {
    await clearOutbox();
    const counts = new Map<string, number>();
    const handler = onEvent(stockCounted, 'test.shared', async (e) => {
      counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
    });
    await inTransaction(database.db, (trx) =>
      publish(trx, stockCounted, null, Array.from({ length: 300 }, (_, i) => ({ sku: `S${i}`, units: i }))),
    );
    const one = dispatcher([handler], { batch_size_max: 20 });
    const two = dispatcher([handler], { batch_size_max: 20 });
    await Promise.all([one.drain(), two.drain()]);
    expect(counts.size).toBe(300);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('hands a run of consecutive events of one type to a batch handler in one call, in outbox order', async () => {
    await clearOutbox();
    const calls: string[][] = [];
    await inTransaction(database.db, async (trx) => {
      await publish(trx, stockCounted, 'mer_1', [1, 2, 3].map((n) => ({ sku: `S${n}`, units: n })));
      await publish(trx, stockMoved, 'mer_1', { sku: 'S1' });
      await publish(trx, stockCounted, 'mer_1', { sku: 'S4', units: 4 });
    });
    const d = dispatcher([
      onEvents(stockCounted, 'test.batch', async (events) => void calls.push(events.map((e) => e.payload.sku))),
      onEvents(stockMoved, 'test.moved', async (events) => void calls.push(events.map((e) => `moved ${e.payload.sku}`))),
    ]);
    expect(await d.drain()).toBe(5);
    // The moved event splits the counted ones into two runs, so no handler sees them out of order.
    expect(calls).toEqual([['S1', 'S2', 'S3'], ['moved S1'], ['S4']]);
    expect(await outboxStats(database.db)).toMatchObject({ pending: 0, delivered: 5 });
  });

  it('offers the events of a failed batch one at a time, so only the bad one is retried', async () => {
    await clearOutbox();
    const stored: string[] = [];
    const handler = onEvents(stockCounted, 'test.picky', async (events) => {
      if (events.some((e) => e.payload.units < 0)) throw new Error('negative count');
      stored.push(...events.map((e) => e.payload.sku));
    });
    await inTransaction(database.db, (trx) => publish(trx, stockCounted, 'mer_1', [{ sku: 'A', units: 1 }, { sku: 'B', units: -1 }, { sku: 'C', units: 2 }]));
    await dispatcher([handler]).drain(1);
    expect(stored).toEqual(['A', 'C']);
    const rows = await sql<{ payload: { sku: string }; status: string; last_error: string | null }>`select payload, status, last_error from bos_outbox_event order by id`.execute(database.db);
    expect(rows.rows.map((r) => [r.payload.sku, r.status])).toEqual([['A', 'delivered'], ['B', 'pending'], ['C', 'delivered']]);
    expect(rows.rows[1]!.last_error).toContain('negative count');
  });
});
