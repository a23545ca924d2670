import { connectDatabase, databaseVersion, type Database } from '../kernel/db.js';
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
  if (url === undefined) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.OPENBOS_PG_PORT,
      database: 'openbos',
      owner: role === 'server',
      log: (line) => logger.info(line),
    });
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
  return {
    ...database,
    embedded,
    async close() {
      await database.close();
      await embedded?.stop();
    },
  };
}
