import type { Logger } from 'pino';
import type { Sealer } from '../../../kernel/sealed.js';
import { inTransaction, type AnyDb } from '../../../kernel/db.js';
import { GroupCommitter, type LockTurn } from '../../../kernel/group-commit.js';
import { GraphCache } from './graph-cache.js';
import type { IncomingEvent, IngestOutcome } from './incoming-event.js';
import { ingestEvents } from './ingest-events.js';
import { CachedGraphs, PipelinedGraphs, Stage } from './pipeline.js';

const deadlock = '40P01';

/**
 * Group commit for ingestion. Each request's events join the next batch, one transaction per
 * batch, and each request is answered only after its batch commits. Two batches are in flight at
 * once, pipelined (`pipeline.ts`).
 */
export class IngestCommitter extends GroupCommitter<readonly IncomingEvent[], IngestOutcome[]> {
  /** How many batches committed what they resolved before taking the lock; for tests and metrics. */
  pipelined = 0;

  /** `contacts`: the sealer for the contact points events carry (without it none are kept). */
  constructor(db: AnyDb, logger: Logger, cache = new GraphCache(), contacts?: Sealer) {
    let last = Stage.done();
    super(
      'ingestion',
      async (requests, turn) => {
        let outcomes: IngestOutcome[];
        if (turn === undefined) {
          // A part of a failed batch, tried again alone: it must not build on, nor wait for, a
          // batch formed after it (that batch may wait for this one's graph lock).
          outcomes = await ingestAlone(db, cache, requests.flat(), contacts);
        } else {
          const ahead = last;
          last = new Stage();
          outcomes = await this.ingestInTurn(db, cache, requests.flat(), turn, ahead, last, contacts);
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

  private async ingestInTurn(db: AnyDb, cache: GraphCache, events: readonly IncomingEvent[], turn: LockTurn, ahead: Stage, mine: Stage, contacts: Sealer | undefined): Promise<IngestOutcome[]> {
    const graphs = new PipelinedGraphs(cache, turn, ahead, mine);
    try {
      const outcomes = await inTransaction(db, (trx) => ingestEvents(trx, events, graphs, contacts));
      graphs.committed();
      if (graphs.pipelined) this.pipelined++;
      return outcomes;
    } catch (error) {
      graphs.failed();
      // A batch that inserted before locking can deadlock with the batch ahead when both carry
      // the same retried messageId; PostgreSQL aborts one. It runs again, alone and locked.
      if ((error as { code?: string }).code !== deadlock) throw error;
      // Give up this batch's place first: the batch behind may otherwise have inserted its
      // events early and wait for this turn while the retry waits on those rows.
      turn.done();
      return ingestAlone(db, cache, events, contacts);
    }
  }
}

/** Ingests events in a transaction of their own, building on the cache alone. */
async function ingestAlone(db: AnyDb, cache: GraphCache, events: readonly IncomingEvent[], contacts: Sealer | undefined): Promise<IngestOutcome[]> {
  const alone = new CachedGraphs(cache);
  const outcomes = await inTransaction(db, (trx) => ingestEvents(trx, events, alone, contacts));
  alone.committed();
  return outcomes;
}
