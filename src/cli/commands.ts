import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Presets, SingleBar } from 'cli-progress';
import { sql } from 'kysely';
import { loadConfig, ConfigError, describeConfig, type Config } from '../kernel/config.js';
import { runChecks, kernelChecks } from '../kernel/checks.js';
import { databaseVersion } from '../kernel/db.js';
import { outboxStats, retryDeadEvents } from '../kernel/events/outbox.js';
import { createLogger, type Logger } from '../kernel/logger.js';
import { migrateToLatest, pendingMigrations } from '../kernel/migrations.js';
import { Problem } from '../kernel/problem.js';
import { readDemoCredentials, seedDemo } from '../kernel/seed.js';
import { createApiKey, findMerchantByHandle, listApiKeys, revokeApiKey } from '../modules/merchants/index.js';
import { applyOrderAction } from '../modules/orders/index.js';
import { runPayouts, testProviderEnabled } from '../modules/payments/index.js';
import { importTaobao } from '../modules/databank/index.js';
import { openDatabase, type OpenedDatabase } from '../platform/database.js';
import { allMigrations, modules } from '../platform/modules.js';
import cluster from 'node:cluster';
import { startCluster } from '../platform/cluster.js';
import { startPlatform } from '../platform/server.js';
import { ensureConsoleBuilt } from '../platform/console.js';

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

async function withDatabase<T>(config: Config, work: (db: OpenedDatabase, logger: Logger) => Promise<T>): Promise<T> {
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, 'bos', 2);
  const database = await openDatabase(config, logger, 'cli');
  try {
    return await work(database, logger);
  } finally {
    await database.close();
  }
}

async function merchantIdOf(database: OpenedDatabase, handle: string): Promise<string | undefined> {
  const merchant = await findMerchantByHandle(database.db, handle);
  if (merchant === undefined) err(`No merchant with the handle "${handle}".`);
  return merchant?.id;
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
      const buyer = credentials?.consumers?.[0];
      if (buyer !== undefined) out(`  Buyer login    email ${buyer.email.padEnd(30)} password ${buyer.password}   (any storefront: POST /v1/account/sessions)`);
      out(`  Try            curl -H "Authorization: Bearer ${demo.secret_key}" ${platform.url}/v1/merchant`);
    }
    if (config.OPENBOS_WORKERS > 1) out(`  Processes      ${config.OPENBOS_WORKERS} workers sharing port ${platform.port}`);
    out('Press Ctrl-C to stop.');
    stopOnSignals();
  },

  async migrate(config: Config): Promise<void> {
    await withDatabase(config, async ({ db }) => {
      const applied = await migrateToLatest(db, allMigrations);
      out(applied.length === 0 ? 'The schema is up to date.' : `Applied ${applied.length} migrations:\n${applied.map((m) => `  ${m}`).join('\n')}`);
    });
  },

  async seed(config: Config): Promise<void> {
    await withDatabase(config, async ({ db }, logger) => {
      await migrateToLatest(db, allMigrations);
      const credentials = await seedDemo({ db, config, logger }, modules);
      out(credentials === undefined ? 'The demo platform is already seeded.' : `Seeded the demo platform; keys and logins are in ${config.dataDir}/demo-credentials.json`);
    });
  },

  async check(config: Config, json: boolean): Promise<number> {
    return withDatabase(config, async ({ db }) => {
      const reports = await runChecks(db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
      const failed = reports.filter((r) => r.violations.length > 0);
      if (json) out(JSON.stringify({ ok: failed.length === 0, checks: reports }));
      else {
        for (const r of reports) {
          out(`${r.violations.length === 0 ? 'ok  ' : 'FAIL'} ${r.name}: ${r.description}`);
          for (const v of r.violations) out(`       ${v}`);
        }
        out(failed.length === 0 ? `All ${reports.length} invariants hold.` : `${failed.length} of ${reports.length} invariants are violated.`);
      }
      return failed.length === 0 ? 0 : 1;
    });
  },

  async doctor(): Promise<number> {
    let config: Config;
    try {
      config = loadConfig();
      out('ok   configuration is valid');
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      out('FAIL configuration');
      for (const p of error.problems) out(`       ${p}`);
      out(`     Variables: ${describeConfig().map((v) => v.name).join(', ')}`);
      return 1;
    }
    try {
      return await withDatabase(config, async ({ db }) => {
        const version = await databaseVersion(db);
        out(`ok   database reachable (PostgreSQL ${Math.floor(version / 10_000)}.${version % 100}) via ${config.DATABASE_URL === undefined ? 'embedded server' : 'DATABASE_URL'}`);
        const pending = await pendingMigrations(db, allMigrations).catch(() => allMigrations.flatMap((m) => m.migrations.map((x) => x.id)));
        out(pending.length === 0 ? 'ok   migrations applied' : `WARN ${pending.length} migrations pending: run \`npx bos migrate\` or start the server`);
        const stats = await outboxStats(db).catch(() => undefined);
        if (stats !== undefined) out(`${stats.dead === 0 ? 'ok  ' : 'WARN'} events: ${stats.pending} pending, ${stats.dead} dead letters`);
        return 0;
      });
    } catch (error) {
      out(`FAIL database: ${error instanceof Error ? error.message : String(error)}`);
      out(config.DATABASE_URL === undefined ? '     The embedded PostgreSQL did not start; see the log in the data folder.' : '     Check DATABASE_URL, that the server runs, and that it is PostgreSQL 15 or newer.');
      return 1;
    }
  },

  async createKey(config: Config, options: { merchant: string; kind: 'secret' | 'publishable'; scopes?: string; name?: string; json?: boolean }): Promise<number> {
    return withDatabase(config, async (database) => {
      const merchant_id = await merchantIdOf(database, options.merchant);
      if (merchant_id === undefined) return 1;
      const scopes = options.scopes?.split(',').map((s) => s.trim()).filter((s) => s !== '');
      try {
        const { key, token } = await createApiKey(database.db, { merchant_id, kind: options.kind, ...(options.name === undefined ? {} : { name: options.name }), ...(scopes === undefined ? {} : { scopes }) }, 'cli');
        if (options.json === true) out(JSON.stringify({ id: key.id, merchant: options.merchant, merchant_id, kind: key.kind, scopes: key.scopes, key: token }));
        else out(`Created ${key.kind} key ${key.id} for ${options.merchant} with scopes ${key.scopes.join(', ')}:\n\n  ${token}\n\nIt is shown only now; store it safely.`);
        return 0;
      } catch (error) {
        if (!(error instanceof Problem)) throw error;
        err(`${error.title}: ${error.detail ?? ''}`);
        for (const e of error.errors ?? []) err(`  ${e.field}: ${e.message}`);
        return 1;
      }
    });
  },

  async revokeKey(config: Config, handle: string, key_id: string): Promise<number> {
    return withDatabase(config, async (database) => {
      const merchant_id = await merchantIdOf(database, handle);
      if (merchant_id === undefined) return 1;
      const key = await revokeApiKey(database.db, merchant_id, key_id, 'cli');
      if (key === undefined) {
        err(`${handle} has no key ${key_id}.`);
        return 1;
      }
      out(`Revoked ${key.id} (${key.token_hint}).`);
      return 0;
    });
  },

  async listKeys(config: Config, handle: string): Promise<number> {
    return withDatabase(config, async (database) => {
      const merchant_id = await merchantIdOf(database, handle);
      if (merchant_id === undefined) return 1;
      const keys = await listApiKeys(database.db, merchant_id, undefined, 1_000);
      for (const k of keys) out(`${k.id}  ${k.kind.padEnd(11)} ${k.token_hint}  ${k.revoked_at === null ? 'active ' : 'revoked'}  ${k.scopes.join(',')}`);
      return 0;
    });
  },

  async importEvents(config: Config, handle: string, file: string): Promise<number> {
    if (!existsSync(file)) {
      err(`No file ${file}.`);
      return 1;
    }
    return withDatabase(config, async (database) => {
      const merchant_id = await merchantIdOf(database, handle);
      if (merchant_id === undefined) return 1;
      await migrateToLatest(database.db, allMigrations);
      const total = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '').length;
      const bar = new SingleBar({ format: 'importing |{bar}| {percentage}% {value}/{total} rows', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 2_000 }, Presets.shades_classic);
      bar.start(total, 0);
      const result = await importTaobao(database.db, merchant_id, file, (rows) => bar.update(rows));
      bar.update(result.rows);
      bar.stop();
      out(`Imported ${result.rows} rows into ${handle}'s data bank: ${result.stored} new events, ${result.rows - result.stored} already there, ${result.skipped} unreadable lines.`);
      out(`A-I-P-L on ${result.days.at(-1) ?? 'the last day'} (stages recorded for ${result.days.length} days):`);
      for (const stage of ['aware', 'interested', 'purchased', 'loyal'] as const) out(`  ${stage.padEnd(11)} ${result.counts[stage]}`);
      return 0;
    });
  },

  async runPayouts(config: Config): Promise<void> {
    await withDatabase(config, async ({ db }) => {
      const done = await runPayouts(db);
      if (done.length === 0) out('Nothing to pay out.');
      for (const p of done) out(`Paid ${p.amount_minor} ${p.currency} minor units to ${p.merchant_id} for ${p.orders} orders (payout ${p.payout_id}).`);
    });
  },

  async listDisputes(config: Config): Promise<void> {
    await withDatabase(config, async ({ db }) => {
      const rows = await sql<{ merchant_id: string; id: string; total_minor: bigint; currency: string; refund_amount_minor: bigint | null }>`
        select merchant_id, id, total_minor, currency, refund_amount_minor from sales_order where status = 'disputed' order by id`.execute(db);
      if (rows.rows.length === 0) out('No disputes are waiting.');
      for (const r of rows.rows) out(`${r.id}  seller ${r.merchant_id}  total ${r.total_minor} ${r.currency}  refund asked ${r.refund_amount_minor ?? r.total_minor}`);
    });
  },

  async decideDispute(config: Config, handle: string, order_id: string, outcome: 'refund' | 'reject', reason?: string): Promise<number> {
    return withDatabase(config, async (database) => {
      const merchant_id = await merchantIdOf(database, handle);
      if (merchant_id === undefined) return 1;
      try {
        const order = await applyOrderAction(database.db, merchant_id, order_id, outcome === 'refund' ? 'platform_refund' : 'platform_reject', { actor: 'platform:cli', reason });
        out(`Order ${order.id} is now ${order.status}.`);
        return 0;
      } catch (error) {
        if (!(error instanceof Problem)) throw error;
        err(`${error.title}: ${error.detail ?? ''}`);
        return 1;
      }
    });
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
      out(`Moved ${moved} dead-letter events back to pending.`);
    });
  },
};
