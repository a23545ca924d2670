import { sql } from 'kysely';
import type pg from 'pg';
import type { Logger } from 'pino';
import { tablesOf, type AnyDb } from '../db.js';
import type { DomainEvent, EventHandler } from './event.js';
import { outboxChannel, type OutboxRow, type OutboxTables } from './outbox.js';

/** Somewhere outside the process that every event is also sent to (NATS JetStream). */
export interface EventSink {
  readonly name: string;
  deliver(event: DomainEvent): Promise<void>;
  close(): Promise<void>;
}

export interface DispatcherOptions {
  db: AnyDb;
  pool: pg.Pool;
  handlers: readonly EventHandler[];
  sinks?: readonly EventSink[];
  logger: Logger;
  poll_ms: number;
  batch_size_max?: number;
  attempts_max?: number;
  /** A claimed event that is not finished within this time is offered again (its process died). */
  lease_ms?: number;
  backoff_base_ms?: number;
  backoff_max_ms?: number;
  /** Delivered events are kept this long for inspection, then deleted. */
  retention_ms?: number;
}

const defaults = {
  batch_size_max: 100,
  attempts_max: 8,
  lease_ms: 30_000,
  backoff_base_ms: 1_000,
  backoff_max_ms: 600_000,
  retention_ms: 7 * 24 * 3_600_000,
};

const prune_interval_ms = 3_600_000;

/**
 * Delivers outbox events at least once to in-process handlers and sinks. Several processes may
 * run dispatchers against one database: claims use FOR UPDATE SKIP LOCKED and a lease, so each
 * event is worked on by one process at a time, and a dead process's claims expire.
 *
 * Each handler's success is recorded on the event, so a retry offers the event only to the
 * handlers that failed. After `attempts_max` tries the event is parked as a dead letter.
 */
export class OutboxDispatcher {
  private readonly options: Required<Omit<DispatcherOptions, 'sinks'>> & { sinks: readonly EventSink[] };
  private readonly byType = new Map<string, EventHandler[]>();
  private running = false;
  private wake: (() => void) | undefined;
  /** A notification that arrived while a batch was being processed, not while sleeping. */
  private woken = false;
  private loop: Promise<void> | undefined;
  private listener: pg.PoolClient | undefined;
  private lastPrune = 0;

  constructor(options: DispatcherOptions) {
    this.options = { ...defaults, sinks: [], ...options };
    for (const handler of options.handlers) {
      const list = this.byType.get(handler.event.type) ?? [];
      if (list.some((h) => h.name === handler.name)) throw new Error(`two handlers named ${handler.name} for ${handler.event.type}`);
      list.push(handler);
      this.byType.set(handler.event.type, list);
    }
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.listen();
    this.loop = this.run();
  }

  /** Finishes the batch in hand, then stops. Undelivered events stay in the outbox. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    if (this.listener !== undefined) {
      this.listener.removeAllListeners('notification');
      await this.listener.query(`unlisten ${outboxChannel}`).catch(() => undefined);
      this.listener.release();
      this.listener = undefined;
    }
  }

  /** Processes due events until none is left; returns how many were handled. For tests and CLI. */
  async drain(max_rounds = 1_000): Promise<number> {
    let total = 0;
    for (let round = 0; round < max_rounds; round++) {
      const handled = await this.processBatch();
      total += handled;
      if (handled === 0) break;
    }
    return total;
  }

  private async listen(): Promise<void> {
    const client = await this.options.pool.connect();
    client.on('notification', () => {
      this.woken = true;
      this.wake?.();
    });
    client.on('error', (error) => this.options.logger.warn({ err: error }, 'outbox listener connection lost; polling only'));
    await client.query(`listen ${outboxChannel}`);
    this.listener = client;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let handled = 0;
      this.woken = false;
      try {
        handled = await this.processBatch();
        await this.pruneIfDue();
      } catch (error) {
        this.options.logger.error({ err: error }, 'outbox dispatch failed; retrying after the poll interval');
      }
      if (handled === 0 && this.running) await this.sleep(this.options.poll_ms);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        this.woken = false;
        this.wake = undefined;
        resolve();
      };
      timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async claim(): Promise<OutboxRow[]> {
    const db = tablesOf<OutboxTables>(this.options.db);
    const due = db
      .selectFrom('bos_outbox_event')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', sql<Date>`now()`)
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(this.options.batch_size_max)
      .forUpdate()
      .skipLocked();
    return db
      .updateTable('bos_outbox_event')
      .set({
        attempts: sql`attempts + 1`,
        next_attempt_at: sql`now() + ${`${this.options.lease_ms} milliseconds`}::interval`,
      })
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  private async processBatch(): Promise<number> {
    const claimed = await this.claim();
    if (claimed.length === 0) return 0;
    claimed.sort((a, b) => (a.id < b.id ? -1 : 1));
    const progress = new Map(claimed.map((row) => [row.id, { completed: [...row.completed_handlers], failed: [] as string[], error: undefined as string | undefined }]));
    // Consecutive events of one type form a run that each handler takes at once (handleBatch), so
    // a checkout batch's hundreds of order events cost each subscriber one call, not hundreds.
    // Runs keep outbox order, so one aggregate's events still reach a handler in order.
    for (const run of runsOfOneType(claimed)) {
      for (const handler of this.byType.get(run[0]!.type) ?? []) {
        const todo = run.filter((row) => !progress.get(row.id)!.completed.includes(handler.name));
        if (todo.length === 0) continue;
        if (handler.handleBatch !== undefined && todo.length > 1) {
          try {
            await handler.handleBatch(todo.map(domainEvent), { db: this.options.db, attempt: Math.max(...todo.map((r) => r.attempts)) - 1 });
            for (const row of todo) progress.get(row.id)!.completed.push(handler.name);
            continue;
          } catch (err) {
            this.options.logger.warn({ err, handler: handler.name, events: todo.length }, 'batch event handler failed; offering the events one at a time');
          }
        }
        for (const row of todo) await this.attempt(row, progress.get(row.id)!, handler.name, () => handler.handle(domainEvent(row), { db: this.options.db, attempt: row.attempts - 1 }));
      }
      for (const row of run) {
        for (const sink of this.options.sinks) {
          const name = `sink:${sink.name}`;
          if (!progress.get(row.id)!.completed.includes(name)) await this.attempt(row, progress.get(row.id)!, name, () => sink.deliver(domainEvent(row)));
        }
      }
    }
    const finished: string[] = [];
    for (const row of claimed) {
      const outcome = progress.get(row.id)!;
      if (outcome.failed.length === 0) finished.push(row.id);
      else await this.reschedule(row, outcome.completed, outcome.error);
    }
    if (finished.length > 0) {
      await tablesOf<OutboxTables>(this.options.db)
        .updateTable('bos_outbox_event')
        .set({ status: 'delivered', delivered_at: sql`now()`, last_error: null })
        .where('id', 'in', finished)
        .execute();
    }
    return claimed.length;
  }

  private async attempt(row: OutboxRow, outcome: { completed: string[]; failed: string[]; error: string | undefined }, name: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
      outcome.completed.push(name);
    } catch (err) {
      outcome.failed.push(name);
      outcome.error = `${name}: ${err instanceof Error ? err.message : String(err)}`;
      this.options.logger.warn({ err, event_id: row.id, event_type: row.type, handler: name, attempt: row.attempts }, 'event handler failed');
    }
  }

  private async reschedule(row: OutboxRow, completed: string[], error: string | undefined): Promise<void> {
    const dead = row.attempts >= this.options.attempts_max;
    const delay_ms = this.backoff(row.attempts);
    await tablesOf<OutboxTables>(this.options.db)
      .updateTable('bos_outbox_event')
      .set({
        status: dead ? 'dead' : 'pending',
        completed_handlers: completed,
        last_error: error ?? null,
        next_attempt_at: sql`now() + ${`${delay_ms} milliseconds`}::interval`,
      })
      .where('id', '=', row.id)
      .execute();
    if (dead) this.options.logger.error({ event_id: row.id, event_type: row.type, attempts: row.attempts, error }, 'event parked as a dead letter');
  }

  /** Exponential backoff with equal jitter (half fixed, half random), so failures do not retry in lockstep. */
  private backoff(attempts: number): number {
    const ceiling = Math.min(this.options.backoff_max_ms, this.options.backoff_base_ms * 2 ** Math.max(0, attempts - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private async pruneIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < prune_interval_ms) return;
    this.lastPrune = now;
    await sql`delete from bos_outbox_event where id in (
        select id from bos_outbox_event
        where status = 'delivered' and delivered_at < now() - ${`${this.options.retention_ms} milliseconds`}::interval
        limit 10000)`.execute(this.options.db);
  }
}

function domainEvent(row: OutboxRow): DomainEvent {
  return { id: row.id, type: row.type, merchant_id: row.merchant_id, payload: row.payload, occurred_at: row.occurred_at };
}

function runsOfOneType(rows: readonly OutboxRow[]): OutboxRow[][] {
  const runs: OutboxRow[][] = [];
  for (const row of rows) {
    const last = runs.at(-1);
    if (last !== undefined && last[0]!.type === row.type) last.push(row);
    else runs.push([row]);
  }
  return runs;
}
