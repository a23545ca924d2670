import type { Logger } from 'pino';
import { problems } from './problem.js';

/**
 * Group commit: requests for hot rows queue in arrival order and are applied in batches, one
 * transaction per batch, so a hot row costs one lock and one commit per batch rather than per
 * request. Each request's promise settles only after its batch committed (or failed as a whole).
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
  resolve: (result: Res) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter<Req, Res> {
  private readonly queue: Pending<Req, Res>[] = [];
  private inFlight = 0;
  private lastLocked: Promise<void> = Promise.resolve();
  private readonly batch_size_max: number;
  private readonly batches_in_flight_max: number;
  private readonly queue_length_max: number;
  /** Batches committed so far, for benchmarks and metrics. */
  batches = 0;

  constructor(
    private readonly name: string,
    private readonly applyBatch: (batch: readonly Req[], turn: LockTurn) => Promise<Res[]>,
    private readonly logger: Logger,
    options: GroupCommitOptions = {},
  ) {
    this.batch_size_max = options.batch_size_max ?? 500;
    this.batches_in_flight_max = options.batches_in_flight_max ?? 2;
    this.queue_length_max = options.queue_length_max ?? 50_000;
  }

  submit(request: Req): Promise<Res> {
    if (this.queue.length >= this.queue_length_max) return Promise.reject(problems.unavailable(`${this.name} is at capacity; retry in a moment`));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
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
    try {
      const results = await this.applyBatch(
        batch.map((p) => p.request),
        turn,
      );
      this.batches++;
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (error) {
      // Nothing of the batch committed; every caller in it hears so and may retry.
      this.logger.error({ err: error, batch_size: batch.length, committer: this.name }, 'group commit batch failed');
      for (const p of batch) p.reject(error);
    } finally {
      turn.done();
    }
  }
}
