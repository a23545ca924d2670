import { connectDatabase, databaseVersion, pingDatabase, type Database } from '../kernel/db.js';
import type { Config } from '../kernel/config.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../kernel/embedded-postgres.js';
import type { Logger } from '../kernel/logger.js';

export interface OpenedDatabase extends Database {
  readonly embedded: EmbeddedPostgres | undefined;
}

const postgres_version_min = 150_000;

/** Connects to DATABASE_URL, or starts the embedded PostgreSQL when it is unset. */
export async function openDatabase(config: Config, logger: Logger, role: 'server' | 'cli'): Promise<OpenedDatabase> {
  const application_name = role === 'server' ? 'openbos' : 'openbos-cli';
  let embedded: EmbeddedPostgres | undefined;
  let url = config.DATABASE_URL;
  const embeddedOptions = { dataDir: config.dataDir, port: config.OPENBOS_PG_PORT, database: 'openbos', owner: role === 'server', log: (line: string) => logger.info(line) };
  if (url === undefined) {
    embedded = await startEmbeddedPostgres(embeddedOptions);
    url = embedded.url;
  }
  const database = connectDatabase({ url, pool_max: config.OPENBOS_DB_POOL_MAX, application_name });
  try {
    const version = await databaseVersion(database.db);
    if (version < postgres_version_min) throw new Error(`PostgreSQL ${Math.floor(version / 10_000)} is too old; OpenBOS needs 15 or newer`);
  } catch (error) {
    await database.close();
    await embedded?.stop();
    throw error;
  }
  const supervisor = embedded !== undefined && role === 'server' ? superviseEmbedded(database, () => startEmbeddedPostgres(embeddedOptions), logger) : undefined;
  return {
    ...database,
    embedded,
    async close() {
      supervisor?.stop();
      await database.close();
      await embedded?.stop();
    },
  };
}

const supervise_every_ms = 2_000;
const failures_before_restart = 2;
const restarts_max = 5;

/**
 * The server owns the embedded PostgreSQL, so it keeps it running: when the database stops
 * answering (it was killed, or crashed), the server starts it again from its data folder, where
 * PostgreSQL recovers from its write-ahead log; requests meanwhile answer 503 with Retry-After.
 * If it cannot be started again, the server exits with a clear message rather than serving
 * errors forever.
 */
function superviseEmbedded(database: Database, restart: () => Promise<unknown>, logger: Logger): { stop(): void } {
  let failures = 0;
  let restarts = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      try {
        await pingDatabase(database.db);
        failures = 0;
        restarts = 0;
      } catch (error) {
        if (++failures < failures_before_restart) return;
        if (++restarts > restarts_max) {
          logger.fatal({ err: error }, `the embedded PostgreSQL could not be kept running (${restarts_max} restarts); stopping the server`);
          process.exit(70);
        }
        logger.error({ err: error }, 'the embedded PostgreSQL stopped answering; starting it again');
        try {
          await restart();
          logger.warn('the embedded PostgreSQL is running again');
          failures = 0;
        } catch (restartError) {
          logger.fatal({ err: restartError }, 'the embedded PostgreSQL could not be started again; stopping the server');
          process.exit(70);
        }
      } finally {
        busy = false;
      }
    })();
  }, supervise_every_ms);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
