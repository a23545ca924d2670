import { sql } from 'kysely';
import type { Logger } from 'pino';
import { inTransaction, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { GroupCommitter, type LockTurn } from '../../kernel/group-commit.js';
import { GraphCache, type GraphChanges } from './graph-cache.js';
import { identifiersOf, ingestEvents, insertEvents, liveView, load, lockIdentityGraph, resolveAll, viewAfter, write, type Batch, type GraphView, type IncomingEvent, type IngestOutcome } from './ingest.js';

/**
 * Group commit for ingestion, pipelined. Each request's events join the next batch, and each
 * request is answered 200 only after its batch commits.
 *
 * One brand's graph is written by one transaction at a time, under the brand's lock. To keep
 * that serial part short, a batch does most of its work before it takes the lock, on the
 * assumption that the batch ahead of it (still in flight) will commit exactly what it resolved.
 * It resolves its events over that batch's result and inserts them. Then it takes the lock and
 * checks the assumption: the batch ahead committed as resolved, and the graph's version is the
 * one expected (no other process wrote in between), and none of its events was already stored.
 * If all three hold, only the profile and identity writes remain under the lock. If any fails,
 * the batch rolls its insert back and starts over under the lock, from the database.
 *
 * So one batch's event insert overlaps the previous batch's profile writes and commit, and the
 * database works on two batches at once.
 */
interface Offer {
  merchant_id: string;
  /** The graph version this batch will commit at if its assumption holds. */
  version: number;
  view: GraphView;
}

class Stage {
  readonly offered: Promise<Offer | undefined>;
  /** true once the batch committed exactly what it offered. */
  readonly committed: Promise<boolean>;
  /** Whether the batch offered a view (only its first offer, or refusal, counts). */
  madeOffer = false;
  private resolveOffer!: (offer: Offer | undefined) => void;
  settle!: (committedAsOffered: boolean) => void;

  constructor() {
    this.offered = new Promise((resolve) => (this.resolveOffer = resolve));
    this.committed = new Promise((resolve) => (this.settle = resolve));
  }

  private decided = false;

  offer(offer: Offer | undefined): void {
    if (this.decided) return;
    this.decided = true;
    this.madeOffer = offer !== undefined;
    this.resolveOffer(offer);
  }

  static done(): Stage {
    const stage = new Stage();
    stage.offer(undefined);
    stage.settle(false);
    return stage;
  }
}

const deadlock = '40P01';
const noTurn: LockTurn = { wait: Promise.resolve(), done: () => undefined };

export class IngestCommitter extends GroupCommitter<readonly IncomingEvent[], IngestOutcome[]> {
  /** How many batches committed what they resolved before taking the lock; for tests and metrics. */
  pipelined = 0;

  constructor(db: AnyDb, logger: Logger, cache = new GraphCache()) {
    let last = Stage.done();
    super(
      'ingestion',
      async (requests, turn) => {
        const flat = requests.flat();
        const previous = last;
        const mine = new Stage();
        last = mine;
        const changes: GraphChanges[] = [];
        let outcomes: IngestOutcome[];
        try {
          const result = await inTransaction(db, (trx) => ingestPipelined(trx, flat, cache, turn, previous, mine, changes));
          for (const c of changes) cache.apply(c);
          if (result.pipelined) this.pipelined++;
          mine.offer(undefined);
          // Whatever path it took, a batch that offered a view committed exactly that view.
          mine.settle(mine.madeOffer);
          outcomes = result.outcomes;
        } catch (error) {
          mine.offer(undefined);
          mine.settle(false);
          // A batch that inserted before locking can deadlock with the batch ahead when both carry
          // the same retried messageId; PostgreSQL aborts one. It runs again, alone and locked.
          if ((error as { code?: string }).code !== deadlock) throw error;
          // Give up this batch's place first: the batch behind may otherwise have inserted its
          // events early and wait for this turn while the retry waits on those rows.
          turn.done();
          changes.length = 0;
          outcomes = await inTransaction(db, (trx) => ingestEvents(trx, flat, { cache, turn: noTurn, previous: Promise.resolve(), changes }));
          for (const c of changes) cache.apply(c);
        }
        let offset = 0;
        return requests.map((r) => {
          const slice = outcomes.slice(offset, offset + r.length);
          offset += r.length;
          return slice;
        });
      },
      logger,
      { batches_in_flight_max: 2, batch_size_max: 50 },
    );
  }
}

async function ingestPipelined(
  trx: AnyTrx,
  events: readonly IncomingEvent[],
  cache: GraphCache,
  turn: LockTurn,
  previous: Stage,
  mine: Stage,
  changes: GraphChanges[],
): Promise<{ outcomes: IngestOutcome[]; pipelined: boolean }> {
  const merchants = [...new Set(events.map((e) => e.merchant_id))];
  const merchant_id = merchants[0]!;
  // A batch offers what it will leave behind only once it holds the lock and knows it will write
  // it, so a batch that builds on an offer fails only if that write fails or another process
  // writes the same brand in between.
  const offer = (version: number, batch: Batch) => mine.offer({ merchant_id, version, view: viewAfter(batch, liveView(cache, merchant_id)) });
  const locked = async (version?: number) =>
    ingestEvents(trx, events, { cache, turn: version === undefined ? turn : noTurn, previous: version === undefined ? previous.committed.then(() => undefined) : Promise.resolve(), changes, resolved: (_, v, batch) => offer(v, batch), ...(version === undefined ? {} : { locked: new Map([[merchant_id, version]]) }) });
  if (merchants.length !== 1) {
    mine.offer(undefined);
    return { outcomes: await ingestEvents(trx, events, { cache, turn, previous: previous.committed.then(() => undefined), changes }), pipelined: false };
  }
  // What the graph will be once the batch ahead commits: what it offered, or the cache once it
  // has settled. Without either, the batch resolves under the lock.
  const ahead = await previous.offered;
  let base: { view: GraphView; version: number; needsAhead: boolean } | undefined;
  if (ahead !== undefined && ahead.merchant_id === merchant_id) base = { view: ahead.view, version: ahead.version + 1, needsAhead: true };
  else {
    await previous.committed;
    const graph = cache.peek(merchant_id);
    if (graph !== undefined) base = { view: liveView(cache, merchant_id), version: graph.version + 1, needsAhead: false };
  }
  if (base === undefined) return { outcomes: await locked(), pipelined: false };

  const list = [...events];
  const outcomes = new Array<IngestOutcome>(list.length);
  const loaded = await load(trx, merchant_id, identifiersOf(list), base.view);
  const batch: Batch = resolveAll(merchant_id, loaded, list, new Set(), outcomes);
  const inserted = await insertEvents(trx, batch);

  await turn.wait;
  const version = await lockIdentityGraph(trx, merchant_id);
  turn.done();
  const aheadCommitted = await previous.committed;
  if (version === base.version && (!base.needsAhead || aheadCommitted) && inserted.size === batch.events.length) {
    offer(version, batch);
    await write(trx, batch);
    changes.push({ merchant_id, version, owner: batch.owner, held: batch.held, profiles: batch.profiles });
    return { outcomes, pipelined: true };
  }
  // The assumption failed: remove the events inserted early and start over under the lock, which
  // this transaction keeps. (Rolling back to a savepoint taken before the insert would release
  // the lock, and the batch behind, which waits for this one to settle, could take it first.)
  // Only the rows this batch inserted: an event already stored before it keeps its row.
  await sql`delete from cdp_event where merchant_id = ${merchant_id} and message_id = any(${[...inserted]}::text[])`.execute(trx);
  return { outcomes: await locked(version), pipelined: false };
}
