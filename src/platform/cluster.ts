import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import type { Config } from '../kernel/config.js';
import type { Logger } from '../kernel/logger.js';
import type { ModuleContext } from '../kernel/module.js';
import type { OpenedDatabase } from './database.js';
import { registry } from './modules.js';
import { perProcessBudget } from '../kernel/http/rate-limit.js';
import { placeDemoOrders, prepareDatabase } from './server.js';

/**
 * `bos start` on several cores (`OPENBOS_WORKERS` > 1). This primary process opens the database
 * (starting the embedded PostgreSQL if needed), migrates and seeds once, then forks the workers.
 * Each worker is a whole platform process, as one started by itself would be: HTTP on the shared
 * port (Node's cluster hands each new connection to the next worker), event delivery and
 * maintenance, all already safe with several processes (leases, locks, the data bank's graph
 * version). The primary serves nothing; it restarts a worker that dies, stops them all on
 * SIGTERM or SIGINT, and then the embedded PostgreSQL. A worker stops when the primary is gone.
 */
export interface RunningCluster {
  readonly url: string;
  readonly port: number;
  readonly database: OpenedDatabase;
  stop(): Promise<void>;
}

export async function startCluster(config: Config, logger: Logger): Promise<RunningCluster> {
  const { database, seeded } = await prepareDatabase(config, logger);
  // Workers connect to the database this process opened and find it migrated and seeded.
  const env = {
    DATABASE_URL: database.embedded?.url ?? config.DATABASE_URL ?? '',
    OPENBOS_SEED_DEMO: 'never',
    OPENBOS_CONSOLE_BUILD: 'never',
    OPENBOS_WORKERS: '1',
    // Per-key rate limits count in each process: each worker gets its share of the budget.
    OPENBOS_RATE_LIMIT_PER_S: String(perProcessBudget(config.OPENBOS_RATE_LIMIT_PER_S, config.OPENBOS_WORKERS)),
    OPENBOS_RATE_LIMIT_BURST: String(perProcessBudget(config.OPENBOS_RATE_LIMIT_BURST, config.OPENBOS_WORKERS)),
  };
  let stopping = false;
  const workers = new Set<Worker>();
  let port: number | undefined;

  const fork = () =>
    new Promise<void>((resolve, reject) => {
      const worker = cluster.fork(env);
      workers.add(worker);
      let listening = false;
      worker.once('listening', (address: AddressInfo) => {
        listening = true;
        port = address.port;
        resolve();
      });
      worker.once('exit', (code, signal) => {
        workers.delete(worker);
        if (!listening) return reject(new Error(`worker ${worker.id} exited before it served (code ${code}, signal ${signal})`));
        if (stopping) return;
        logger.error({ worker: worker.id, code, signal }, 'worker died; starting another');
        fork().catch((error: unknown) => logger.error({ err: error }, 'could not replace a worker'));
      });
    });

  cluster.setupPrimary({ exec: process.argv[1]!, args: process.argv.slice(2) });
  const stopWorkers = () =>
    Promise.all(
      [...workers].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
          }),
      ),
    );
  try {
    await Promise.all(Array.from({ length: config.OPENBOS_WORKERS }, fork));
  } catch (error) {
    stopping = true;
    await stopWorkers();
    await database.close();
    throw error;
  }
  logger.info({ workers: config.OPENBOS_WORKERS }, 'workers serving');
  if (seeded !== undefined) {
    const ctx: ModuleContext = { db: database.db, config, logger, registry };
    await placeDemoOrders(ctx, seeded);
  }
  const listeningPort = port!;
  return {
    url: config.OPENBOS_PUBLIC_URL ?? `http://localhost:${listeningPort}`,
    port: listeningPort,
    database,
    async stop() {
      if (stopping) return;
      stopping = true;
      await stopWorkers();
      await database.close();
    },
  };
}
