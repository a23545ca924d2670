import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';

/**
 * The data layer: Kysely over a `pg` pool. Each module types its own tables (`Kysely<TheirTables>`)
 * through `tablesOf`, so a module's queries cannot name another module's tables by accident.
 */

// bigint columns (money, counters) are read as BigInt, never as a lossy double or a string.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => BigInt(value));
// numeric stays a string: it is only used where exact decimals matter and are parsed explicitly.

// Any Kysely instance or transaction, whatever its table types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDb = Kysely<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTrx = Transaction<any>;

export interface Database {
  readonly db: AnyDb;
  readonly pool: pg.Pool;
  readonly url: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  pool_max: number;
  application_name?: string;
}

export function connectDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.pool_max,
    application_name: options.application_name ?? 'openbos',
    // A statement that runs for half a minute is a bug or a lock pile-up; fail it loudly.
    statement_timeout: 30_000,
    idle_in_transaction_session_timeout: 60_000,
    // With the database gone a request must fail fast (503, retry later), not wait forever.
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => undefined);
  // Nor a checked-out one: pg-pool listens for errors only while a client is idle, and a client
  // in a transaction that waits between statements (a group commit awaiting its lock turn) emits
  // its lost connection as an 'error' event, which with no listener kills the process. The
  // transaction's next statement fails instead ("not queryable"), which `isUnavailable` maps to 503.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) }) as AnyDb;
  let closed = false;
  return {
    db,
    pool,
    url: options.url,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/** Views a database handle or transaction with the tables of one module. */
export function tablesOf<Tables>(db: AnyDb): Kysely<Tables> {
  return db as Kysely<Tables>;
}

/**
 * Runs `work` in one transaction. Functions that must run inside a transaction take the
 * transaction as their first parameter, so the signature says so.
 */
export async function inTransaction<T>(
  db: AnyDb,
  work: (trx: AnyTrx) => Promise<T>,
  isolation: 'read committed' | 'repeatable read' | 'serializable' = 'read committed',
): Promise<T> {
  if (db.isTransaction) return work(db as AnyTrx);
  return db.transaction().setIsolationLevel(isolation).execute(work);
}

export async function databaseVersion(db: AnyDb): Promise<number> {
  const result = await sql<{ server_version_num: string }>`show server_version_num`.execute(db);
  return Number(result.rows[0]?.server_version_num ?? 0);
}

export async function pingDatabase(db: AnyDb): Promise<void> {
  await sql`select 1`.execute(db);
}

/**
 * Errors no request causes: the database is unreachable or going away (SQLSTATE classes 08, 53
 * and 57, socket errors, the pool's own connect timeout) or the platform sheds load (a 503
 * problem). The HTTP layer answers these with 503 and Retry-After.
 */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^(08|53|57)/.test(code)) return true;
  if (typeof code === 'string' && /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NOTFOUND)$/.test(code)) return true;
  if ((error as { status?: unknown } | undefined)?.status === 503) return true;
  return error instanceof Error && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(error.message);
}
