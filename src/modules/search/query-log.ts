import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { FlushTimer } from '../../kernel/flush-timer.js';

/** Distinct queries recorded per brand and day; beyond, a day's new queries are not recorded. */
export const queries_per_day_max = 10_000;
/** Days of query counts kept. */
export const query_days_kept = 400;

/** How long a search's count waits in the process before it is written. */
export const query_log_flush_ms = 1_000;
/** Distinct (brand, day, query) counts waiting at most; beyond, new ones are dropped and counted. */
export const query_log_waiting_max = 20_000;
/** Counts written per statement. */
const query_log_batch_max = 1_000;

interface Count {
  merchant_id: string;
  day: string;
  query: string;
  searches: number;
  zero_results: number;
  last_at: string;
}

/**
 * Searches are counted in process and written in batches (every `query_log_flush_ms`, or as soon
 * as `query_log_batch_max` distinct queries wait): one statement adds a whole batch of counts, the
 * answer never waits for it. The query log is analytics: counts waiting are written before the
 * database closes on shutdown (`stopQueryLog`), and whoever reads the log in this process
 * (`zeroResultQueries`, `topQueries`, `zeroResultSummary`) writes them first; a process that
 * crashes loses at most its last second of counts. A batch that fails is kept and tried again.
 */
class QueryLog {
  private waiting = new Map<string, Count>();
  private readonly timer = new FlushTimer(() => this.flush());
  private writing: Promise<void> | undefined;
  written = 0;
  dropped = 0;
  failures = 0;

  constructor(private readonly db: AnyDb) {}

  add(merchant_id: string, query: string, zero: number): void {
    const now = new Date().toISOString();
    const day = now.slice(0, 10);
    const key = `${merchant_id}\u0000${day}\u0000${query}`;
    const count = this.waiting.get(key);
    if (count !== undefined) {
      count.searches += 1;
      count.zero_results += zero;
      count.last_at = now;
    } else if (this.waiting.size >= query_log_waiting_max) {
      this.dropped += 1;
      return;
    } else this.waiting.set(key, { merchant_id, day, query, searches: 1, zero_results: zero, last_at: now });
    this.timer.kick(this.waiting.size >= query_log_batch_max ? 0 : query_log_flush_ms);
  }

  /** Writes what waits now, batch by batch, after any write in flight; stops at a failed batch. */
  async flush(): Promise<void> {
    for (;;) {
      while (this.writing !== undefined) await this.writing;
      if (this.waiting.size === 0) return;
      const batch: Count[] = [];
      for (const [key, count] of this.waiting) {
        batch.push(count);
        this.waiting.delete(key);
        if (batch.length >= query_log_batch_max) break;
      }
      let failed = false;
      this.writing = writeCounts(this.db, batch)
        .then(() => {
          this.written += batch.length;
        })
        .catch(() => {
          failed = true;
          this.failures += 1;
          // Back in, merged with what came meanwhile, to be tried with the next batch.
          for (const c of batch) {
            const key = `${c.merchant_id}\u0000${c.day}\u0000${c.query}`;
            const now = this.waiting.get(key);
            if (now !== undefined) {
              now.searches += c.searches;
              now.zero_results += c.zero_results;
            } else if (this.waiting.size < query_log_waiting_max) this.waiting.set(key, c);
            else this.dropped += c.searches;
          }
        })
        .finally(() => {
          this.writing = undefined;
        });
      await this.writing;
      if (failed) {
        this.timer.kick(query_log_flush_ms);
        return;
      }
    }
  }

  stop(): void {
    this.timer.cancel();
  }

  get size(): number {
    return this.waiting.size;
  }
}

/**
 * One statement per batch: each count is added to its (brand, day, query) row. A query new that
 * day is recorded only while the brand's day has fewer than `queries_per_day_max` queries (the
 * batch's new queries are taken in order up to that bound).
 */
async function writeCounts(db: AnyDb, batch: readonly Count[]): Promise<void> {
  await sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb)
        as r(merchant_id text, day date, query text, searches int, zero_results int, last_at timestamptz)
    ), known as (
      select i.*, exists (select 1 from search_query_day s where s.merchant_id = i.merchant_id and s.day = i.day and s.query = i.query) as known from input i
    ), room as (
      select d.merchant_id, d.day, ${queries_per_day_max} - (select count(*) from (select 1 from search_query_day s where s.merchant_id = d.merchant_id and s.day = d.day limit ${queries_per_day_max}) x) as room
        from (select distinct merchant_id, day from input) d
    ), chosen as (
      select k.*, row_number() over (partition by k.merchant_id, k.day, k.known order by k.query) as n from known k
    )
    insert into search_query_day as t (merchant_id, day, query, searches, zero_results, last_at)
    select c.merchant_id, c.day, c.query, c.searches, c.zero_results, c.last_at
      from chosen c join room r on r.merchant_id = c.merchant_id and r.day = c.day
     where c.known or c.n <= r.room
     order by c.merchant_id, c.day, c.query
    on conflict (merchant_id, day, query) do update
      set searches = t.searches + excluded.searches, zero_results = t.zero_results + excluded.zero_results, last_at = greatest(t.last_at, excluded.last_at)`.execute(db);
}

const logs = new Map<AnyDb, QueryLog>();

function logOf(db: AnyDb): QueryLog {
  let log = logs.get(db);
  if (log === undefined) {
    log = new QueryLog(db);
    logs.set(db, log);
  }
  return log;
}

/**
 * Counts a search under its normalised query and the UTC day: how often, and how often it found
 * nothing. No consumer identity is stored with it. Returns at once: the count is written with the
 * next batch.
 */
export function recordQuery(db: AnyDb, merchant_id: string, query: string, found: number): void {
  if (query === '') return;
  logOf(db).add(merchant_id, query, found === 0 ? 1 : 0);
}

/** Writes the counts waiting in this process (readers of the log call it first). */
export async function flushQueryLog(db: AnyDb): Promise<void> {
  await logs.get(db)?.flush();
}

/** Writes what waits and forgets the log; the server calls it on shutdown, before the database closes. */
export async function stopQueryLog(db: AnyDb): Promise<void> {
  const log = logs.get(db);
  if (log === undefined) return;
  await log.flush();
  log.stop();
  logs.delete(db);
}

/** Counts written, waiting, dropped (too many waiting), failed batches. */
export function queryLogStats(db: AnyDb): { written: number; waiting: number; dropped: number; failures: number } {
  const log = logs.get(db);
  return { written: log?.written ?? 0, waiting: log?.size ?? 0, dropped: log?.dropped ?? 0, failures: log?.failures ?? 0 };
}

export interface ZeroResultDay {
  day: string;
  query: string;
  count: number;
  searches: number;
  last_at: Date;
}

/** Queries that found nothing, per day, latest day first then by query (a keyset page). */
export async function zeroResultQueries(db: AnyDb, merchant_id: string, range: { from: string; to: string }, page: { after?: [string, string] | undefined; limit: number }): Promise<ZeroResultDay[]> {
  await flushQueryLog(db);
  const rows = await sql<ZeroResultDay>`
    select to_char(day, 'YYYY-MM-DD') as day, query, zero_results as count, searches, last_at from search_query_day
     where merchant_id = ${merchant_id} and zero_results > 0 and day between ${range.from}::date and ${range.to}::date
       ${page.after === undefined ? sql`` : sql`and (day < ${page.after[0]}::date or (day = ${page.after[0]}::date and query > ${page.after[1]}))`}
     order by day desc, query limit ${page.limit}`.execute(db);
  return rows.rows;
}

export interface TopQuery {
  query: string;
  searches: number;
  zero_results: number;
  days: number;
}

/** The most searched queries of a period. */
export async function topQueries(db: AnyDb, merchant_id: string, range: { from: string; to: string }, limit: number): Promise<TopQuery[]> {
  await flushQueryLog(db);
  const rows = await sql<TopQuery>`
    select query, sum(searches)::int as searches, sum(zero_results)::int as zero_results, count(*)::int as days from search_query_day
     where merchant_id = ${merchant_id} and day between ${range.from}::date and ${range.to}::date
     group by query order by 2 desc, 1 limit ${limit}`.execute(db);
  return rows.rows;
}

export async function pruneQueryDays(db: AnyDb): Promise<number> {
  const res = await sql`delete from search_query_day where day < (now() at time zone 'utc')::date - ${query_days_kept}::int`.execute(db);
  return Number(res.numAffectedRows ?? 0n);
}

export interface ZeroResultQuery {
  query: string;
  /** Searches of the period that found nothing. */
  zero_results: number;
  /** All searches of the period for it (a later catalogue change may have answered some). */
  searches: number;
  /** Distinct days it found nothing. */
  days: number;
  last_at: Date;
}

/** The period's queries that found nothing, most often first (the product-insight report's first finding). */
export async function zeroResultSummary(db: AnyDb, merchant_id: string, range: { from: string; to: string }, options: { min_zero_results: number; limit: number }): Promise<ZeroResultQuery[]> {
  await flushQueryLog(db);
  const rows = await sql<ZeroResultQuery>`
    select query, sum(zero_results)::int as zero_results, sum(searches)::int as searches, count(*) filter (where zero_results > 0)::int as days, max(last_at) as last_at
      from search_query_day
     where merchant_id = ${merchant_id} and day between ${range.from}::date and ${range.to}::date
     group by query having sum(zero_results) >= ${options.min_zero_results}
     order by 2 desc, 1 limit ${options.limit}`.execute(db);
  return rows.rows;
}
