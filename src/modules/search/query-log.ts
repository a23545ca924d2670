import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';

/** Distinct queries recorded per brand and day; beyond, a day's new queries are not recorded. */
export const queries_per_day_max = 10_000;
/** Days of query counts kept. */
export const query_days_kept = 400;

/**
 * Counts a search under its normalised query and the UTC day: how often, and how often it found
 * nothing. No consumer identity is stored with it.
 */
export async function recordQuery(db: AnyDb, merchant_id: string, query: string, found: number): Promise<void> {
  if (query === '') return;
  const zero = found === 0 ? 1 : 0;
  await sql`
    insert into search_query_day as t (merchant_id, day, query, searches, zero_results, last_at)
    select ${merchant_id}, (now() at time zone 'utc')::date, ${query}, 1, ${zero}, now()
     where (select count(*) from (select 1 from search_query_day where merchant_id = ${merchant_id} and day = (now() at time zone 'utc')::date limit ${queries_per_day_max}) x) < ${queries_per_day_max}
        or exists (select 1 from search_query_day where merchant_id = ${merchant_id} and day = (now() at time zone 'utc')::date and query = ${query})
    on conflict (merchant_id, day, query) do update set searches = t.searches + 1, zero_results = t.zero_results + excluded.zero_results, last_at = now()`.execute(db);
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
  const rows = await sql<ZeroResultQuery>`
    select query, sum(zero_results)::int as zero_results, sum(searches)::int as searches, count(*) filter (where zero_results > 0)::int as days, max(last_at) as last_at
      from search_query_day
     where merchant_id = ${merchant_id} and day between ${range.from}::date and ${range.to}::date
     group by query having sum(zero_results) >= ${options.min_zero_results}
     order by 2 desc, 1 limit ${options.limit}`.execute(db);
  return rows.rows;
}
