import type { AnyTrx } from '../../../kernel/db.js';
import type { LockTurn } from '../../../kernel/group-commit.js';
import type { Batch } from './batch.js';
import type { GraphCache, GraphChanges } from './graph-cache.js';
import type { Expected, GraphAccess } from './ingest-events.js';
import type { GraphView } from './load-graph.js';
import { lockIdentityGraphs } from './lock-graph.js';

/**
 * How the group committer's batches reach the identity graphs: with the process's `GraphCache`,
 * in the order the batches were formed, and pipelined.
 *
 * One brand's graph is written by one transaction at a time, under the brand's lock. To keep
 * that serial part short, a batch does most of its work before it takes the lock, on the
 * assumption that the batch ahead of it (still in flight) will commit exactly what it resolved.
 * It resolves its events over that batch's result and inserts them. Then it takes the lock and
 * checks the assumption: the batch ahead committed as resolved, and the graph's version is the
 * one expected (no other process wrote in between), and none of its events was already stored.
 * If all three hold, only the profile and identity writes remain under the lock. If any fails,
 * the batch deletes its events and starts over under the lock, from the cache if it is current.
 *
 * So one batch's event insert overlaps the previous batch's profile writes and commit, and the
 * database works on two batches at once.
 */

/** The cache and nothing more: a batch that runs alone (the committer's retry). */
export class CachedGraphs implements GraphAccess {
  /** What to apply to the cache once the batch has committed. */
  private readonly changes: GraphChanges[] = [];

  constructor(protected readonly cache: GraphCache) {}

  expect(_merchant_id: string): Promise<Expected | undefined> {
    return Promise.resolve(undefined);
  }

  lock(trx: AnyTrx, merchant_ids: readonly string[]): Promise<ReadonlyMap<string, number>> {
    return lockIdentityGraphs(trx, merchant_ids);
  }

  confirms(_expected: Expected, _version: number): boolean {
    return false;
  }

  /** The cache's copy, if it is current; `current` drops it otherwise. */
  known(merchant_id: string, version: number): GraphView | undefined {
    return this.cache.current(merchant_id, version) !== undefined ? this.cache.live(merchant_id) : undefined;
  }

  resolved(merchant_id: string, version: number, batch: Batch): void {
    this.changes.push({ merchant_id, version, owner: batch.owner, held: batch.held, profiles: batch.profiles });
  }

  /** Call once the batch's transaction has committed. */
  committed(): void {
    for (const c of this.changes) this.cache.apply(c);
  }
}

/** One batch among those in flight: it locks in its turn, and builds on what the batch ahead offers. */
export class PipelinedGraphs extends CachedGraphs {
  /** Whether what the batch resolved before the lock was confirmed. */
  pipelined = false;
  /** Whether the expected graph is the one the batch ahead offered (rather than the cache). */
  private expectsAhead = false;
  private aheadCommitted = false;

  constructor(
    cache: GraphCache,
    private readonly turn: LockTurn,
    private readonly ahead: Stage,
    private readonly mine: Stage,
  ) {
    super(cache);
  }

  /** What the offer of the batch ahead, or the cache once that batch has settled, says the graph will be. */
  override async expect(merchant_id: string): Promise<Expected | undefined> {
    const offer = await this.ahead.offered;
    if (offer !== undefined && offer.merchant_id === merchant_id) {
      this.expectsAhead = true;
      return { view: offer.view, version: offer.version + 1 };
    }
    await this.ahead.committed;
    const graph = this.cache.peek(merchant_id);
    return graph === undefined ? undefined : { view: this.cache.live(merchant_id), version: graph.version + 1 };
  }

  /** Locks in turn, then waits for the batch ahead to settle, so that it knows whether that batch committed. */
  override async lock(trx: AnyTrx, merchant_ids: readonly string[]): Promise<ReadonlyMap<string, number>> {
    // Only a batch of one brand offers what it will leave behind.
    if (merchant_ids.length !== 1) this.mine.offer(undefined);
    await this.turn.wait;
    const versions = await lockIdentityGraphs(trx, merchant_ids);
    this.turn.done();
    this.aheadCommitted = await this.ahead.committed;
    return versions;
  }

  override confirms(expected: Expected, version: number): boolean {
    this.pipelined = version === expected.version && (!this.expectsAhead || this.aheadCommitted);
    return this.pipelined;
  }

  /**
   * A batch offers what it will leave behind only once it holds the lock and knows it will write
   * it, so a batch that builds on an offer fails only if that write fails or another process
   * writes the same brand in between.
   */
  override resolved(merchant_id: string, version: number, batch: Batch): void {
    this.mine.offer({ merchant_id, version, view: viewAfter(batch, this.cache.live(merchant_id)) });
    super.resolved(merchant_id, version, batch);
  }

  override committed(): void {
    super.committed();
    this.mine.offer(undefined);
    // Whatever path it took, a batch that offered a view committed exactly that view.
    this.mine.settle(this.mine.madeOffer);
  }

  /** Call if the batch's transaction failed: nothing it offered was committed. */
  failed(): void {
    this.mine.offer(undefined);
    this.mine.settle(false);
  }
}

/** What a batch leaves behind, seen over what it was resolved on. */
function viewAfter(batch: Batch, under: GraphView): GraphView {
  return {
    owner: (k) => batch.owner.get(k) ?? under.owner(k),
    held: (p) => batch.held.get(p) ?? under.held(p),
    profile: (p) => batch.profiles.get(p) ?? under.profile(p),
    users: (d) => batch.deviceUsers.get(d) ?? under.users(d),
  };
}

/** What a batch offers the batch behind it: the graph it will commit, at which version. */
interface Offer {
  merchant_id: string;
  version: number;
  view: GraphView;
}

/** A batch in flight as the batch behind it sees it: what it offers, and whether it committed that. */
export class Stage {
  readonly offered: Promise<Offer | undefined>;
  /** true once the batch committed exactly what it offered. */
  readonly committed: Promise<boolean>;
  /** Whether the batch offered a view (only its first offer, or refusal, counts). */
  madeOffer = false;
  private decided = false;
  private resolveOffer!: (offer: Offer | undefined) => void;
  settle!: (committedAsOffered: boolean) => void;

  constructor() {
    this.offered = new Promise((resolve) => (this.resolveOffer = resolve));
    this.committed = new Promise((resolve) => (this.settle = resolve));
  }

  offer(offer: Offer | undefined): void {
    if (this.decided) return;
    this.decided = true;
    this.madeOffer = offer !== undefined;
    this.resolveOffer(offer);
  }

  /** The stage before the first batch: nothing offered, nothing to build on. */
  static done(): Stage {
    const stage = new Stage();
    stage.offer(undefined);
    stage.settle(false);
    return stage;
  }
}
