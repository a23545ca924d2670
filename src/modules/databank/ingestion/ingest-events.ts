import { sql } from 'kysely';
import type { AnyTrx } from '../../../kernel/db.js';
import type { Sealer } from '../../../kernel/sealed.js';
import { moveContactPoints, saveContactPoints } from '../contact-points.js';
import type { Batch } from './batch.js';
import type { IncomingEvent, IngestOutcome } from './incoming-event.js';
import { deleteInsertedEvents, insertEvents } from './insert-events.js';
import { loadGraph, type GraphView } from './load-graph.js';
import { lockIdentityGraphs } from './lock-graph.js';
import { resolveEvents, type Resolved } from './resolve-events.js';
import { writeGraph } from './write-graph.js';

/**
 * Ingestion of a batch of events (already parsed and validated), in one transaction. For each
 * brand in the batch, under the brand's identity-graph lock, the business steps in order:
 *
 * 1. load the part of the brand's graph the events touch (`loadGraph`);
 * 2. resolve the events in memory, in arrival order: find each one's profile, merge the profiles
 *    it shows to be one person, apply it to its profile (`resolveEvents`);
 * 3. insert the events, which also finds retried ones already stored (`insertEvents`);
 * 4. write the profiles, identities, merges and consent the batch changed (`writeGraph`).
 *
 * How the batch reaches the graphs (the lock's turn, a cached copy of the graph, resolving before
 * the lock on what the batch ahead will leave) is the caller's `GraphAccess`: the group committer
 * passes its own (`pipeline.ts`); everyone else takes the locks and reads the database.
 */
export async function ingestEvents(trx: AnyTrx, events: readonly IncomingEvent[], graphs: GraphAccess = uncachedGraphs, contacts?: Sealer): Promise<IngestOutcome[]> {
  const brands = byBrand(events);
  // A batch of one brand may do steps 1 to 3 before it takes the lock, on what its graph is
  // expected to be then; that holds only if the lock confirms it.
  const early = brands.length === 1 ? await resolveBeforeLock(trx, brands[0]!, graphs) : undefined;
  // Every brand's lock first, in a global order, before any work: two batches never deadlock.
  const versions = await graphs.lock(trx, brands.map((b) => b.merchant_id));
  const outcomes = new Array<IngestOutcome>(events.length);
  for (const brand of brands) {
    const version = versions.get(brand.merchant_id)!;
    const resolved = (await keepIfConfirmed(trx, early, version, graphs)) ?? (await resolveUnderLock(trx, brand, graphs.known(brand.merchant_id, version)));
    graphs.resolved(brand.merchant_id, version, resolved.batch);
    await writeGraph(trx, resolved.batch);
    if (contacts !== undefined) await writeContactPoints(trx, contacts, resolved.batch);
    brand.indexes.forEach((index, k) => (outcomes[index] = resolved.outcomes[k]!));
  }
  // Processes that keep a brand's consumers in memory (the audience bitmaps) hear of the change
  // when this transaction commits, and catch up from the events received since they last looked.
  await sql`select pg_notify(${databank_changed_channel}, m) from unnest(${brands.map((b) => b.merchant_id)}::text[]) m`.execute(trx);
  return outcomes;
}

/**
 * 5. With a sealer, the contact points the stored events carried are sealed and kept (events of
 * erased consumers were suppressed and carry none), and those of profiles merged away follow the
 * merge. Without one (an import, another module's events), contact points are not kept.
 */
async function writeContactPoints(trx: AnyTrx, sealer: Sealer, b: Batch): Promise<void> {
  if (b.contacts.length > 0) {
    const bySource = new Map<string, Batch['contacts']>();
    for (const c of b.contacts) bySource.set(c.source, [...(bySource.get(c.source) ?? []), c]);
    for (const [source, points] of bySource) await saveContactPoints(trx, sealer, b.merchant_id, points, source);
  }
  if (b.merges.length > 0) await moveContactPoints(trx, sealer, b.merchant_id, b.merges);
}

/** The LISTEN/NOTIFY channel on which a committed change to a brand's data bank names the brand. */
export const databank_changed_channel = 'cdp_changed';

/** What a brand's graph is expected to be once the batch holds its lock, at which version. */
export interface Expected {
  view: GraphView;
  version: number;
}

/** How a batch reaches the identity graphs of its brands. */
export interface GraphAccess {
  /** What the brand's graph will be once this batch holds its lock, if the batch may resolve before taking it. */
  expect(merchant_id: string): Promise<Expected | undefined>;
  /** Takes the brands' locks in the order given (this batch's turn); the version each lock took. */
  lock(trx: AnyTrx, merchant_ids: readonly string[]): Promise<ReadonlyMap<string, number>>;
  /** Whether the graph locked at `version` is the one expected; if so, the batch writes what it resolved before the lock. */
  confirms(expected: Expected, version: number): boolean;
  /** What is known of the brand's graph at `version`, once locked; undefined: nothing, read it all from the database. */
  known(merchant_id: string, version: number): GraphView | undefined;
  /** Called under the lock, before the writes, with what the batch will leave at `version`. */
  resolved(merchant_id: string, version: number, batch: Batch): void;
}

/** A transaction of its own (the platform's events, an import, the seed): locks and reads the database. */
const uncachedGraphs: GraphAccess = {
  expect: () => Promise.resolve(undefined),
  lock: lockIdentityGraphs,
  confirms: () => false,
  known: () => undefined,
  resolved: () => undefined,
};

interface BrandEvents {
  merchant_id: string;
  events: IncomingEvent[];
  /** Where each event sits in the whole batch. */
  indexes: number[];
}

/** The batch's events by brand, brands in sorted order (the order their locks are taken in). */
function byBrand(events: readonly IncomingEvent[]): BrandEvents[] {
  const byMerchant = new Map<string, number[]>();
  events.forEach((e, i) => byMerchant.set(e.merchant_id, [...(byMerchant.get(e.merchant_id) ?? []), i]));
  return [...byMerchant]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([merchant_id, indexes]) => ({ merchant_id, indexes, events: indexes.map((i) => events[i]!) }));
}

interface EarlyResolved extends Resolved {
  expected: Expected;
  /** The message IDs its insert stored. */
  inserted: Set<string>;
}

async function resolveBeforeLock(trx: AnyTrx, brand: BrandEvents, graphs: GraphAccess): Promise<EarlyResolved | undefined> {
  const expected = await graphs.expect(brand.merchant_id);
  if (expected === undefined) return undefined;
  const loaded = await loadGraph(trx, brand.merchant_id, brand.events, expected.view);
  const resolved = resolveEvents(brand.merchant_id, loaded, brand.events, new Set());
  return { ...resolved, expected, inserted: await insertEvents(trx, resolved.batch) };
}

/**
 * What was resolved before the lock holds if none of its events was stored before and the lock
 * confirms the graph it was resolved on. Otherwise the events it inserted are deleted, and the
 * batch starts over under the lock, which the transaction keeps (rolling back to a savepoint taken
 * before the insert would release the lock, and the batch behind could take it first).
 */
async function keepIfConfirmed(trx: AnyTrx, early: EarlyResolved | undefined, version: number, graphs: GraphAccess): Promise<Resolved | undefined> {
  if (early === undefined) return undefined;
  if (early.inserted.size === early.batch.events.length && graphs.confirms(early.expected, version)) return early;
  await deleteInsertedEvents(trx, early.batch.merchant_id, early.inserted);
  return undefined;
}

/**
 * Steps 1 to 3 under the lock. Duplicates (a retried messageId) are rare, so the batch is resolved
 * as if there were none and the event insert tells which ones were already stored; only then is
 * the batch resolved again without them, after rolling the insert back.
 */
async function resolveUnderLock(trx: AnyTrx, brand: BrandEvents, known: GraphView | undefined): Promise<Resolved> {
  const loaded = await loadGraph(trx, brand.merchant_id, brand.events, known);
  const first = resolveEvents(brand.merchant_id, loaded, brand.events, new Set());
  await sql`savepoint ingest_events`.execute(trx);
  const inserted = await insertEvents(trx, first.batch);
  if (inserted.size === first.batch.events.length) return first;
  await sql`rollback to savepoint ingest_events`.execute(trx);
  const stored = new Set(first.batch.events.filter((x) => !inserted.has(x.e.message_id)).map((x) => x.e.message_id));
  const again = resolveEvents(brand.merchant_id, loaded, brand.events, stored);
  await insertEvents(trx, again.batch);
  return again;
}
