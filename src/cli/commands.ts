import { loadConfig, ConfigError, describeConfig, type Config } from '../kernel/config.js';
import { countOf, type CliContext } from '../kernel/cli.js';
import { runChecks, kernelChecks } from '../kernel/checks.js';
import { databaseVersion } from '../kernel/db.js';
import { outboxStats, retryDeadEvents } from '../kernel/events/outbox.js';
import { createLogger, type Logger } from '../kernel/logger.js';
import { migrateToLatest, pendingMigrations } from '../kernel/migrations.js';
import { readDemoCredentials, seedDemo } from '../kernel/seed.js';
import { testProviderEnabled } from '../modules/payments/index.js';
import { openDatabase, type OpenedDatabase } from '../platform/database.js';
import { allMigrations, modules, registry } from '../platform/modules.js';
import cluster from 'node:cluster';
import { startCluster } from '../platform/cluster.js';
import { startPlatform } from '../platform/server.js';
import { ensureConsoleBuilt } from '../platform/console.js';

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

async function withDatabase<T>(config: Config, work: (db: OpenedDatabase, logger: Logger) => Promise<T>): Promise<T> {
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, 'bos', 2, config.OPENBOS_LOG_FORMAT);
  const database = await openDatabase(config, logger, 'cli');
  try {
    return await work(database, logger);
  } finally {
    await database.close();
  }
}

/** What a module's command gets from the command line (kernel/cli.ts). */
export function cliContext(config: () => Config): CliContext {
  return {
    config,
    withDatabase: (work, options) =>
      withDatabase(config(), async ({ db }, logger) => {
        if (options?.migrate === true) await migrateToLatest(db, allMigrations);
        return work({ db, config: config(), logger, registry });
      }),
    out,
    err,
    exit(code) {
      process.exitCode = code;
    },
  };
}

export const commands = {
  async start(config: Config, logger: Logger): Promise<void> {
    if (config.OPENBOS_CONSOLE_BUILD === 'auto' && config.OPENBOS_CONSOLE_DIR === undefined) await ensureConsoleBuilt(logger);
    const platform = config.OPENBOS_WORKERS > 1 ? await startCluster(config, logger) : await startPlatform(config, logger);
    const stopOnSignals = () => {
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down: draining requests');
        platform.stop().then(
          () => {
            logger.info('stopped cleanly');
            process.exit(0);
          },
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      // A worker of `bos start` with several workers stops when its primary is gone.
      if (cluster.isWorker) process.on('disconnect', () => shutdown('primary gone'));
    };
    if (cluster.isWorker) {
      stopOnSignals();
      return;
    }
    const credentials = await readDemoCredentials(config.dataDir);
    const demo = credentials?.merchants.find((m) => m.handle === 'demo-brand');
    out('');
    out(`OpenBOS is running.`);
    out(`  Console        ${platform.url}/console/`);
    out(`  API            ${platform.url}/v1`);
    out(`  API reference  ${platform.url}/docs   (OpenAPI document: ${platform.url}/openapi.json)`);
    out(`  Health         ${platform.url}/health  ${platform.url}/ready  ${platform.url}/metrics`);
    out(`  Database       ${platform.database.embedded === undefined ? 'DATABASE_URL' : `embedded PostgreSQL in ${config.dataDir}/pg (port ${config.OPENBOS_PG_PORT})`}`);
    out(
      testProviderEnabled(config)
        ? `  Payments       the TEST provider is on: fake cards, no real money${config.NODE_ENV === 'production' ? ' (enabled explicitly in production)' : ''}; OPENBOS_TEST_PROVIDER=disabled turns it off`
        : '  Payments       the test provider is off (production); no payment provider is enabled',
    );
    if (demo !== undefined) {
      out(`  Demo key       ${demo.secret_key}   (merchant demo-brand; all demo keys and console logins: ${config.dataDir}/demo-credentials.json)`);
      for (const m of credentials?.merchants ?? []) out(`  Console login  store ${m.handle.padEnd(15)} email ${m.console_email.padEnd(30)} password ${m.console_password}`);
      const operator = credentials?.operator;
      if (operator !== undefined) out(`  Operator login store ${operator.handle.padEnd(15)} email ${operator.console_email.padEnd(30)} password ${operator.console_password}   (every seller's balance, disputes)`);
      const buyer = credentials?.consumers?.[0];
      if (buyer !== undefined) out(`  Buyer login    email ${buyer.email.padEnd(30)} password ${buyer.password}   (any storefront: POST /v1/account/sessions)`);
      out(`  Try            curl -H "Authorization: Bearer ${demo.secret_key}" ${platform.url}/v1/merchant`);
      out(`  First order    README.md, "A buyer's first order, step by step" (also on ${platform.url}/docs)`);
    }
    if (config.OPENBOS_WORKERS > 1) out(`  Processes      ${config.OPENBOS_WORKERS} workers sharing port ${platform.port}`);
    out('Press Ctrl-C to stop.');
    stopOnSignals();
  },

  async migrate(config: Config): Promise<void> {
    await withDatabase(config, async ({ db }) => {
      const applied = await migrateToLatest(db, allMigrations);
      out(applied.length === 0 ? 'The schema is up to date.' : `Applied ${countOf(applied.length, 'migration')}:\n${applied.map((m) => `  ${m}`).join('\n')}`);
    });
  },

  async seed(config: Config): Promise<void> {
    await withDatabase(config, async ({ db }, logger) => {
      await migrateToLatest(db, allMigrations);
      const credentials = await seedDemo({ db, config, logger, registry }, modules);
      out(credentials === undefined ? 'The demo platform is already seeded.' : `Seeded the demo platform; keys and logins are in ${config.dataDir}/demo-credentials.json`);
    });
  },

  async check(config: Config, json: boolean): Promise<number> {
    return withDatabase(config, async ({ db }) => {
      const reports = await runChecks(db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])], config);
      const failed = reports.filter((r) => r.violations.length > 0);
      if (json) out(JSON.stringify({ ok: failed.length === 0, checks: reports }));
      else {
        for (const r of reports) {
          out(`${r.violations.length === 0 ? 'ok  ' : 'FAIL'} ${r.name}: ${r.description}`);
          for (const v of r.violations) out(`       ${v}`);
        }
        out(failed.length === 0 ? `All ${reports.length} invariants hold.` : `${failed.length} of ${countOf(reports.length, 'invariant')} ${failed.length === 1 ? 'is' : 'are'} violated.`);
      }
      return failed.length === 0 ? 0 : 1;
    });
  },

  async doctor(): Promise<number> {
    let config: Config;
    try {
      config = loadConfig(process.env, registry.settings);
      out('ok   configuration is valid');
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      out('FAIL configuration');
      for (const p of error.problems) out(`       ${p}`);
      out(`     Variables: ${describeConfig(registry.settings).map((v) => v.name).join(', ')}`);
      return 1;
    }
    try {
      return await withDatabase(config, async ({ db }) => {
        const version = await databaseVersion(db);
        out(`ok   database reachable (PostgreSQL ${Math.floor(version / 10_000)}.${version % 100}) via ${config.DATABASE_URL === undefined ? 'embedded server' : 'DATABASE_URL'}`);
        const pending = await pendingMigrations(db, allMigrations).catch(() => allMigrations.flatMap((m) => m.migrations.map((x) => x.id)));
        out(pending.length === 0 ? 'ok   migrations applied' : `WARN ${countOf(pending.length, 'migration')} pending: run \`npx bos migrate\` or start the server`);
        const stats = await outboxStats(db).catch(() => undefined);
        if (stats !== undefined) out(`${stats.dead === 0 ? 'ok  ' : 'WARN'} events: ${stats.pending} pending, ${countOf(stats.dead, 'dead letter')}`);
        return 0;
      });
    } catch (error) {
      out(`FAIL database: ${error instanceof Error ? error.message : String(error)}`);
      out(config.DATABASE_URL === undefined ? '     The embedded PostgreSQL did not start; see the log in the data folder.' : '     Check DATABASE_URL, that the server runs, and that it is PostgreSQL 15 or newer.');
      return 1;
    }
  },

  async eventStats(config: Config): Promise<void> {
    await withDatabase(config, async ({ db }) => {
      const stats = await outboxStats(db);
      out(`pending ${stats.pending}, delivered ${stats.delivered}, dead ${stats.dead}`);
    });
  },

  async retryEvents(config: Config, ids: string[]): Promise<void> {
    await withDatabase(config, async ({ db }) => {
      const moved = await retryDeadEvents(db, ids.length === 0 ? undefined : ids);
      out(`Moved ${countOf(moved, 'dead-letter event')} back to pending.`);
    });
  },
};
