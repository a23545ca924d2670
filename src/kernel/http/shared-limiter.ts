import { CompiledQuery } from 'kysely';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { AnyDb } from '../db.js';
import { sqlMigration, type Migration } from '../migrations.js';

/**
 * Counters that every server process shares: rate-limiter-flexible's PostgreSQL store over the
 * platform's own database. With `OPENBOS_WORKERS` processes (or several machines behind a load
 * balancer) a guesser spreading attempts across processes meets one count, not one per process.
 *
 * The table belongs to the kernel's migrations, not to the library: it never runs DDL at run
 * time (`tableCreated: true`). Two deviations from the library's own table, both deliberate:
 * - `key` is `text`: keys hold a store handle, an email and an address, which can pass 255;
 * - `expire` is `double precision` (milliseconds since the epoch, exact in a double): the
 *   platform reads `bigint` as a JavaScript BigInt (kernel/db.ts), which the library's
 *   arithmetic (`expire - Date.now()`) cannot mix with numbers.
 * Expiry is the writing process's clock, so machines sharing the database need synchronised
 * clocks (NTP), as they do for session expiry anyway.
 */
export const rate_limit_table = 'bos_rate_limit';

export const rateLimitMigrations: readonly Migration[] = [
  sqlMigration(
    '20261205T1900_create_rate_limit',
    `create table ${rate_limit_table} (
       key text primary key,
       points integer not null default 0,
       expire double precision
     );
     create index ${rate_limit_table}_expire on ${rate_limit_table} (expire);`,
  ),
];

interface StoreQuery {
  text: string;
  values?: unknown[];
}

/**
 * The library talks to a pg-style client (`query({ text, values })` → `{ rows, rowCount }`);
 * this one runs its statements through Kysely, so they use the platform's pool, or a test's
 * database, without the library holding a pool of its own. Statements are not named (not
 * prepared per connection), which keeps them working behind a transaction-mode pooler.
 */
function kyselyStoreClient(db: AnyDb): { query(q: StoreQuery): Promise<{ rows: unknown[]; rowCount: number }> } {
  return {
    async query(q) {
      const result = await db.executeQuery(CompiledQuery.raw(q.text, q.values ?? []));
      return { rows: result.rows, rowCount: result.numAffectedRows === undefined ? result.rows.length : Number(result.numAffectedRows) };
    },
  };
}

export interface SharedLimiterOptions {
  keyPrefix: string;
  points: number;
  duration_s: number;
}

export function sharedLimiter(db: AnyDb, options: SharedLimiterOptions): RateLimiterPostgres {
  return new RateLimiterPostgres({
    storeClient: kyselyStoreClient(db),
    storeType: 'pool',
    tableName: rate_limit_table,
    tableCreated: true,
    // Expired rows are deleted by the kernel's maintenance (`pruneRateLimits`), once for all
    // limiters, instead of by a timer in every limiter of every process.
    clearExpiredByTimeout: false,
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.duration_s,
  });
}

/** Deletes counters that expired over an hour ago; they count nothing any more. */
export async function pruneRateLimits(db: AnyDb): Promise<number> {
  const result = await db.executeQuery(CompiledQuery.raw(`delete from ${rate_limit_table} where expire < $1`, [Date.now() - 3_600_000]));
  return Number(result.numAffectedRows ?? 0);
}
