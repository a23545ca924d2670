import type { Logger } from 'pino';
import { isUnavailable } from './db.js';
import { problems } from './problem.js';

/**
 * Group commit: requests for hot rows queue in arrival order and are applied in batches, one
 * transaction per batch, so a hot row costs one lock and one commit per batch rather than per
 * request. Each request's promise settles only after the transaction holding it committed, or
 * with its own error: a failed batch is bisected until the request at fault is alone.
 *
 * Up to `batches_in_flight_max` batches run at once so one batch's queries overlap another's
 * commit; a batch that locks rows awaits `turn.wait` first and calls `turn.done` once it holds its
 * locks, so batches lock strictly in the order they were formed: first come, first served.
 */
export interface LockTurn {
  /** Resolves when the batch before this one holds its locks. */
  wait: Promise<void>;
  /** Call once this batch holds its locks (calling it again is harmless). */
  done: () => void;
}

export interface GroupCommitOptions {
  batch_size_max?: number;
  batches_in_flight_max?: number;
  /** Requests waiting beyond this are refused with 503 at once rather than queued unboundedly. */
  queue_length_max?: number;
}

interface Pending<Req, Res> {
  request: Req;
  queued_at: number;
  resolve: (result: Res) => void;
  reject: (error: unknown) => void;
}

/** What a committer has done so far, for metrics and benchmarks. */
export interface GroupCommitStats {
  name: string;
  batches: number;
  requests: number;
  /** Seconds spent applying batches (their transactions), summed. */
  busy_s: number;
  /** Seconds requests waited in the queue before their batch started, summed. */
  queued_s: number;
  queue_length: number;
}

/** Every live committer of this process, for `/metrics` (openbos_group_commit_*). */
export const groupCommitters = new Set<WeakRef<{ stats(): GroupCommitStats }>>();

export class GroupCommitter<Req, Res> {
  private readonly queue: Pending<Req, Res>[] = [];
  private inFlight = 0;
  private lastLocked: Promise<void> = Promise.resolve();
  private readonly batch_size_max: number;
  private readonly batches_in_flight_max: number;
  private readonly queue_length_max: number;
  /** Batches committed so far, for benchmarks and metrics. */
  batches = 0;
  /** Parts of failed batches tried again to find the request at fault; for tests and metrics. */
  isolations = 0;
  private requests = 0;
  private busy_ms = 0;
  private queued_ms = 0;

  constructor(
    private readonly name: string,
    /** `turn` is undefined for a part of a failed batch tried again: it runs alone, outside the lock order. */
    private readonly applyBatch: (batch: readonly Req[], turn: LockTurn | undefined) => Promise<Res[]>,
    private readonly logger: Logger,
    options: GroupCommitOptions = {},
  ) {
    this.batch_size_max = options.batch_size_max ?? 500;
    this.batches_in_flight_max = options.batches_in_flight_max ?? 2;
    this.queue_length_max = options.queue_length_max ?? 50_000;
    groupCommitters.add(new WeakRef(this));
  }

  stats(): GroupCommitStats {
    return { name: this.name, batches: this.batches, requests: this.requests, busy_s: this.busy_ms / 1_000, queued_s: this.queued_ms / 1_000, queue_length: this.queue.length };
  }

  submit(request: Req): Promise<Res> {
    if (this.queue.length >= this.queue_length_max) return Promise.reject(problems.unavailable(`${this.name} is at capacity; retry in a moment`));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject, queued_at: performance.now() });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.batches_in_flight_max) {
      const batch = this.queue.splice(0, this.batch_size_max);
      let done!: () => void;
      const locked = new Promise<void>((resolve) => (done = resolve));
      const turn: LockTurn = { wait: this.lastLocked, done };
      this.lastLocked = locked;
      this.inFlight++;
      void this.run(batch, turn).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async run(batch: Pending<Req, Res>[], turn: LockTurn): Promise<void> {
    const started = performance.now();
    for (const p of batch) this.queued_ms += started - p.queued_at;
    this.requests += batch.length;
    try {
      this.settle(batch, await this.applyBatch(batch.map((p) => p.request), turn));
    } catch (error) {
      // Nothing of the batch committed. Its place in the lock order is given up first, so the
      // batches behind go on while the culprit is found.
      turn.done();
      this.logger.warn({ err: error, batch_size: batch.length, committer: this.name }, 'group commit batch failed');
      await this.isolate(batch, error);
    } finally {
      turn.done();
      this.busy_ms += performance.now() - started;
    }
  }

  /**
   * One request's fault must never fail another's request, whoever's they are: a failed batch
   * is split in halves and each half is tried alone, down to the single request at fault, which
   * alone hears the error. Log2(n) extra transactions per culprit. When the database itself is
   * unreachable no request is at fault, and every caller hears so at once.
   */
  private async isolate(batch: Pending<Req, Res>[], error: unknown): Promise<void> {
    if (batch.length === 1 || isUnavailable(error)) {
      if (batch.length === 1) this.logger.error({ err: error, committer: this.name }, 'group commit request failed');
      for (const p of batch) p.reject(error);
      return;
    }
    const half = Math.ceil(batch.length / 2);
    for (const part of [batch.slice(0, half), batch.slice(half)]) {
      this.isolations++;
      try {
        this.settle(part, await this.applyBatch(part.map((p) => p.request), undefined));
      } catch (partError) {
        await this.isolate(part, partError);
      }
    }
  }

  private settle(batch: Pending<Req, Res>[], results: Res[]): void {
    this.batches++;
    batch.forEach((p, i) => p.resolve(results[i]!));
  }
}
