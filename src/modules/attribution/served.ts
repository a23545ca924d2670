import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { localDay } from '../../kernel/time-zone.js';
import { merchantTimeZone } from '../merchants/index.js';
import type { AttributionClaim } from './token.js';
import { FlushTimer } from '../../kernel/flush-timer.js';

/**
 * Every answer served (a recommendation placement's or a search's) is recorded, buffered in
 * process: `recordServed` only appends to a buffer and returns, and a batch is written every
 * `flush_ms` or as soon as `batch_max` rows wait, in one statement per table (the raw answers and
 * the daily rollup). The answer never waits for the database. On shutdown `stopServedRecorder()`
 * writes what is left (the server calls it before the database closes).
 *
 * A batch that fails to write is kept and tried again with the next one, up to `buffer_max`
 * rows waiting; beyond that the oldest are dropped and counted (`servedRecorderStats`).
 */
export const flush_ms = 200;
export const batch_max = 500;
export const buffer_max = 20_000;
/** Items recorded per answer at most (an answer lists at most 100). */
export const served_items_max = 100;

export interface ServedDetail {
  product_ids: string[];
  profile_id?: string | null;
  query?: string | null;
}

interface Pending {
  claim: AttributionClaim;
  product_ids: string[];
  profile_id: string | null;
  query: string | null;
}

const zone_ttl_ms = 60_000;

class ServedRecorder {
  private buffer: Pending[] = [];
  private readonly timer = new FlushTimer(() => this.flush());
  private writing: Promise<void> | undefined;
  private readonly zones = new Map<string, { zone: string; until: number }>();
  written = 0;
  dropped = 0;
  failures = 0;
  lastError: unknown;

  constructor(private readonly db: AnyDb) {}

  add(p: Pending): void {
    this.buffer.push(p);
    if (this.buffer.length > buffer_max) {
      const over = this.buffer.length - buffer_max;
      this.buffer.splice(0, over);
      this.dropped += over;
    }
    if (this.buffer.length >= batch_max) this.timer.kick(0);
    else this.timer.kick(flush_ms);
  }

  /** Writes everything buffered now (and waits for a write in progress first). */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer.splice(0, batch_max);
    this.writing = this.write(batch)
      .then(() => {
        this.written += batch.length;
      })
      .catch((error: unknown) => {
        this.failures += 1;
        this.lastError = error;
        // Back to the front, to be tried with the next batch.
        this.buffer.unshift(...batch);
        if (this.buffer.length > buffer_max) {
          const over = this.buffer.length - buffer_max;
          this.buffer.splice(0, over);
          this.dropped += over;
        }
      })
      .finally(() => {
        this.writing = undefined;
      });
    await this.writing;
    if (this.buffer.length >= batch_max) this.timer.kick(0);
    else if (this.buffer.length > 0) this.timer.kick(this.failures > 0 ? 1_000 : flush_ms);
  }

  /** Writes what is left, as long as each batch succeeds, and waits for writes in flight. */
  async drain(): Promise<void> {
    for (;;) {
      this.timer.cancel();
      while (this.writing !== undefined) await this.writing;
      if (this.buffer.length === 0) break;
      const failed = this.failures;
      await this.flush();
      if (this.failures > failed) break;
    }
    this.timer.cancel();
  }

  get waiting(): number {
    return this.buffer.length;
  }

  private async zoneOf(merchant_id: string): Promise<string> {
    const cached = this.zones.get(merchant_id);
    if (cached !== undefined && cached.until > Date.now()) return cached.zone;
    const zone = await merchantTimeZone(this.db, merchant_id);
    this.zones.set(merchant_id, { zone, until: Date.now() + zone_ttl_ms });
    return zone;
  }

  private async write(batch: Pending[]): Promise<void> {
    const rows: { merchant_id: string; id: string; source: string; placement: string; served_at: Date; day: string; product_ids: string[]; profile_id: string | null; query: string | null }[] = [];
    for (const p of batch) {
      const day = localDay(p.claim.served_at, await this.zoneOf(p.claim.merchant_id));
      rows.push({ merchant_id: p.claim.merchant_id, id: p.claim.served_id, source: p.claim.source, placement: p.claim.placement, served_at: p.claim.served_at, day, product_ids: p.product_ids, profile_id: p.profile_id, query: p.query });
    }
    // One statement: the answers not yet recorded go in, and only those are added to the day's
    // rollup (a batch retried after a lost reply counts nothing twice).
    await sql`
      with input as (
        select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as r(merchant_id text, id text, source text, placement text, served_at timestamptz, day date, product_ids text[], profile_id text, query text)
      ), inserted as (
        insert into attr_served (merchant_id, id, source, placement, served_at, day, product_ids, profile_id, query)
        select merchant_id, id, source, placement, served_at, day, product_ids, profile_id, query from input
        order by merchant_id, id
        on conflict do nothing
        returning merchant_id, day, placement, cardinality(product_ids) as items
      ), per_day as (
        select merchant_id, day, placement, count(*) as answers, sum(items) as items from inserted group by 1, 2, 3
      )
      insert into attr_daily (merchant_id, day, placement, answers, items)
      select merchant_id, day, placement, answers, items from per_day
      order by merchant_id, day, placement
      on conflict (merchant_id, day, placement) do update
        set answers = attr_daily.answers + excluded.answers, items = attr_daily.items + excluded.items
    `.execute(this.db);
  }
}

const recorders = new Map<AnyDb, ServedRecorder>();

function recorderOf(db: AnyDb): ServedRecorder {
  let r = recorders.get(db);
  if (r === undefined) {
    r = new ServedRecorder(db);
    recorders.set(db, r);
  }
  return r;
}

/**
 * Records an answer served, in the background: returns at once, never throws, never waits for
 * the database. Call it with the claim `issueToken` returned and the product IDs the answer
 * shows, in order.
 */
export function recordServed(db: AnyDb, claim: AttributionClaim, detail: ServedDetail): void {
  recorderOf(db).add({
    claim,
    product_ids: detail.product_ids.slice(0, served_items_max),
    profile_id: detail.profile_id ?? null,
    query: detail.query === undefined || detail.query === null ? null : detail.query.slice(0, 200),
  });
}

/** Writes every answer buffered so far (tests, and before reading the figures in a demo). */
export async function flushServed(db?: AnyDb): Promise<void> {
  const targets = db === undefined ? [...recorders.values()] : [recorders.get(db)].filter((r) => r !== undefined);
  for (const r of targets) await r.drain();
}

/** Writes what is buffered and forgets the recorders; the server calls it on shutdown, before the database closes. */
export async function stopServedRecorder(db?: AnyDb): Promise<void> {
  await flushServed(db);
  if (db === undefined) recorders.clear();
  else recorders.delete(db);
}

/** How the recorder is doing: rows written, waiting, dropped (buffer full), failed writes. */
export function servedRecorderStats(db: AnyDb): { written: number; waiting: number; dropped: number; failures: number } {
  const r = recorders.get(db);
  return { written: r?.written ?? 0, waiting: r?.waiting ?? 0, dropped: r?.dropped ?? 0, failures: r?.failures ?? 0 };
}
