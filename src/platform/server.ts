import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import type { Config } from '../kernel/config.js';
import { OutboxDispatcher, type EventSink } from '../kernel/events/dispatcher.js';
import { connectNatsSink } from '../kernel/events/nats-sink.js';
import { createLogger, type Logger } from '../kernel/logger.js';
import { migrateToLatest } from '../kernel/migrations.js';
import type { DemoCredentials, ModuleContext } from '../kernel/module.js';
import { pruneIdempotencyKeys } from '../kernel/http/idempotency.js';
import { pruneRateLimits } from '../kernel/http/shared-limiter.js';
import { serverSealer } from '../kernel/sealed.js';
import { markDemoActivityDone, markDemoActivityPending, seedDemo } from '../kernel/seed.js';
import { runDueJobs } from '../kernel/jobs.js';
import { buildApp } from './app.js';
import { runDemoActivity } from './demo-activity.js';
import { runFulfilmentDemo } from './demo-fulfilment.js';
import { runPromotionsDemo } from './demo-promotions.js';
import { runMarketingDemo, seedMarketingShoppers } from './demo-marketing.js';
import { startDemoMailbox, type DemoMailbox } from './demo-mailbox.js';
import { findMerchantByHandle } from '../modules/merchants/index.js';
import { stopQueryLog } from '../modules/search/index.js';
import { setReachSettings } from '../modules/reach/index.js';
import { transportFromConfig } from '../modules/mail/index.js';
import { bitmapPath, setBitmapPath } from '../modules/audiences/index.js';
import { platformCampaignPorts, setCampaignPorts } from '../modules/campaigns/index.js';
import { runCampaignsDemo } from './demo-campaigns.js';
import { runStoresDemo } from './demo-stores.js';
import { runRecsDemo } from './demo-recs.js';
import { runForecastDemo } from './demo-forecast.js';
import { shipping } from '../modules/logistics/index.js';
import { runPayouts } from '../modules/payments/index.js';
import { stopServedRecorder } from '../modules/attribution/index.js';
import { RecsListener } from '../modules/recs/index.js';
import { openDatabase, type OpenedDatabase } from './database.js';
import { allMigrations, eventHandlers, jobHandlers, maintenanceTasks, modules, registry } from './modules.js';

export interface RunningPlatform {
  readonly url: string;
  readonly port: number;
  readonly database: OpenedDatabase;
  readonly dispatcher: OutboxDispatcher;
  stop(): Promise<void>;
}

export interface PreparedDatabase {
  database: OpenedDatabase;
  /** Set when this start seeded the demo platform. */
  seeded: DemoCredentials | undefined;
}

/** Opens the database (starting the embedded one if needed), migrates, and seeds on first start. */
export async function prepareDatabase(config: Config, logger: Logger): Promise<PreparedDatabase> {
  const database = await openDatabase(config, logger, 'server');
  const ctx: ModuleContext = { db: database.db, config, logger, registry };
  let seeded: DemoCredentials | undefined;
  try {
    // The key that seals stored secrets: created on first start (mode 0600), checked on every one.
    serverSealer({ data_dir: config.dataDir, key_text: config.OPENBOS_SEALING_KEY });
    const applied = await migrateToLatest(database.db, allMigrations);
    if (applied.length > 0) logger.info({ applied }, `applied ${applied.length} migrations`);
    if (config.OPENBOS_SEED_DEMO === 'auto') {
      seeded = await seedDemo(ctx, modules);
      if (seeded !== undefined) {
        logger.info('seeded the demo platform');
        await markDemoActivityPending(database.db);
      } else if (await markDemoActivityDone(database.db, { stale_only: true })) {
        // Only the process that seeds places the demo orders; an earlier one stopped before it
        // had placed them all. The platform serves without them rather than never being ready.
        logger.warn('an earlier start stopped before it placed all the demo orders; the demo goes on without them');
      }
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  return { database, seeded };
}

/** Places the demo orders on a freshly seeded platform, through the API as a shop would. */
export async function placeDemoOrders(ctx: ModuleContext, seeded: DemoCredentials): Promise<void> {
  // Its own app instance, logging only warnings, so a hundred demo requests do not bury the banner.
  const quiet = buildApp({ ...ctx, logger: ctx.logger.child({ component: 'demo' }, { level: 'warn' }) });
  try {
    const placed = await runDemoActivity(quiet.app, seeded, ctx.logger, () => runPayouts(ctx.db));
    // A simulated hour a second for the demo's parcel: at the door within a minute or two.
    const omnichannel = await runFulfilmentDemo(quiet.app, seeded, ctx.logger, { hurry: async (tracking_number) => void (await shipping(ctx).simulated?.hurry(tracking_number, 1_000)) });
    const promoted = await runPromotionsDemo(quiet.app, seeded, ctx.logger);
    // The store chain's shoppers, an audience, a campaign with a control group, a sampling campaign (issue 17).
    const mart = seeded.merchants.find((m) => m.handle === 'demo-mart');
    if (mart !== undefined) {
      await seedMarketingShoppers(ctx.db, ctx.config);
      const marketing = await runMarketingDemo(quiet.app, ctx.db, mart.secret_key, ctx.logger);
      ctx.logger.info({ campaign_emails: marketing.sent }, 'ran the marketing demo');
      // People's Square runs unattended: a guide's answer, a scan-and-pay basket, simulated shoppers (issue 18).
      const stores = await runStoresDemo(quiet.app, seeded, ctx.logger);
      ctx.logger.info({ simulated_visits: stores.simulation?.clean.visits ?? 0 }, 'ran the stores demo');
    }
    await runCampaignsDemo(quiet.app, seeded, ctx.logger);
    // The tea brand's wider range, shoppers' tastes, trained models and a week of recommendation and search traffic (issue 19).
    const recsStarted = Date.now();
    const recs = await runRecsDemo(quiet.app, ctx, seeded, ctx.logger);
    ctx.logger.info({ products: recs.products_added, history_events: recs.history_events, model: recs.training?.model ?? null, ms: Date.now() - recsStarted }, 'ran the recommendations demo');
    // The store chain's sales history, a forecast, suppliers, suggestions to approve, markdowns, the product-insight report (issue 20).
    const forecastStarted = Date.now();
    await runForecastDemo(quiet.app, ctx, seeded, ctx.logger);
    ctx.logger.info({ ms: Date.now() - forecastStarted }, 'ran the forecasting demo');
    ctx.logger.info({ orders: placed + omnichannel + promoted.orders }, 'placed the demo orders');
  } finally {
    // Ready even when placing them failed (the error goes on up): a half-placed demo is still a platform.
    await markDemoActivityDone(ctx.db);
  }
}

/** Opens the database, migrates, seeds on first start, starts event delivery, then serves HTTP. */
export async function startPlatform(config: Config, logger: Logger = createLogger(config.LOG_LEVEL, 'openbos', 1, config.OPENBOS_LOG_FORMAT)): Promise<RunningPlatform> {
  const { database, seeded } = await prepareDatabase(config, logger);
  const ctx: ModuleContext = { db: database.db, config, logger, registry };

  const sinks: EventSink[] = [];
  if (config.NATS_URL !== undefined) sinks.push(await connectNatsSink(config.NATS_URL));
  const dispatcher = new OutboxDispatcher({
    db: database.db,
    pool: database.pool,
    handlers: eventHandlers(ctx),
    sinks,
    logger: logger.child({ component: 'outbox' }),
    poll_ms: config.OPENBOS_OUTBOX_POLL_MS,
    lease_ms: config.OPENBOS_OUTBOX_LEASE_MS,
    // Handlers take a type's run of events at once (handleBatch): bigger claims cost them less per
    // event, so the outbox keeps up with a checkout peak.
    batch_size_max: 500,
  });
  await dispatcher.start();
  // Audiences answer from in-memory bitmaps of each brand's consumers, loaded on first use and
  // kept current from the data bank's change notifications; PostgreSQL answers meanwhile.
  const audienceBitmaps = bitmapPath(database, { onError: (error, merchant_id) => logger.warn({ err: error, merchant_id }, 'audience bitmaps could not catch up') });
  setBitmapPath(audienceBitmaps);
  // Recommendations answer from each brand's serving state in memory, caught up on the data bank's
  // and the trainings' notifications (without them, on a short re-check per request).
  const recsListener = new RecsListener(database, (error) => logger.warn({ err: error }, 'recommendations could not catch up'));
  await recsListener.start();
  // Campaigns send through the reach module and enrol the audiences module's members.
  setCampaignPorts(platformCampaignPorts(config));
  const maintenance = startMaintenance(ctx);

  let shuttingDown = false;
  const { app } = buildApp(ctx, () => shuttingDown);
  const server = await listen(app.fetch, config.PORT, config.HOST);
  const port = (server.address() as AddressInfo).port;
  // Without an SMTP server configured, the demo store chain's campaign mail goes to a local one.
  const mailbox = await demoMailbox(ctx);
  if (seeded !== undefined) await placeDemoOrders(ctx, seeded);
  const url = config.OPENBOS_PUBLIC_URL ?? `http://localhost:${port}`;

  return {
    url,
    port,
    database,
    dispatcher,
    async stop() {
      if (shuttingDown) return;
      shuttingDown = true;
      maintenance.stopStarting();
      await closeServer(server as Server, config.OPENBOS_SHUTDOWN_TIMEOUT_MS);
      // Runs in flight finish before the database closes under them, within the same grace.
      await maintenance.finished(config.OPENBOS_SHUTDOWN_TIMEOUT_MS);
      await dispatcher.stop();
      // Answers served still buffered (attribution) are written before the database closes.
      await stopServedRecorder(database.db).catch((error: unknown) => logger.warn({ err: error }, 'answers served could not be written'));
      // So are the search query counts (search module).
      await stopQueryLog(database.db).catch((error: unknown) => logger.warn({ err: error }, 'search query counts could not be written'));
      await mailbox?.close();
      setBitmapPath(undefined);
      await audienceBitmaps.stop();
      await recsListener.stop();
      for (const sink of sinks) await sink.close();
      await database.close();
    },
  };
}

function listen(fetch: Parameters<typeof serve>[0]['fetch'], port: number, hostname: string): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server));
    server.once('error', reject);
  });
}

/** Stops accepting, lets requests in flight finish, and cuts what is left after the timeout. */
function closeServer(server: Server, timeout_ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), timeout_ms);
    // Keep-alive connections that finish their request during the drain become idle; close
    // them as they do rather than waiting for the keep-alive timeout.
    const sweeper = setInterval(() => server.closeIdleConnections(), 50);
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweeper);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function startMaintenance(ctx: ModuleContext): { stopStarting(): void; finished(within_ms: number): Promise<void> } {
  const jobs = jobHandlers(ctx);
  const tasks = [
    { name: 'kernel.jobs', interval_ms: ctx.config.OPENBOS_JOB_POLL_MS, run: async () => void (await runDueJobs(ctx.db, jobs, ctx.logger)) },
    { name: 'kernel.idempotency_expiry', interval_ms: 600_000, run: async () => void (await pruneIdempotencyKeys(ctx.db)) },
    { name: 'kernel.rate_limit_expiry', interval_ms: 600_000, run: async () => void (await pruneRateLimits(ctx.db)) },
    ...maintenanceTasks().map((t) => ({ name: t.name, interval_ms: t.interval_ms, run: () => t.run(ctx) })),
  ];
  const inFlight = new Set<Promise<void>>();
  // A run that outlasts its interval is not joined by another: overlapping runs of one task
  // would take the same rows twice.
  const timers = tasks.map((task) => {
    let running = false;
    return setInterval(() => {
      if (running) return;
      running = true;
      const run = task
        .run()
        .catch((error: unknown) => ctx.logger.error({ err: error, task: task.name }, 'maintenance task failed'))
        .finally(() => {
          running = false;
          inFlight.delete(run);
        });
      inFlight.add(run);
    }, task.interval_ms).unref();
  });
  return {
    stopStarting: () => timers.forEach((t) => clearInterval(t)),
    finished: async (within_ms) => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, within_ms)))]);
      clearTimeout(timer);
    },
  };
}

/**
 * The demo's local SMTP server (demo-mailbox.ts), started when no SMTP server is configured and
 * the demo store chain exists; the chain's reach settings point at it (a new port each start).
 */
async function demoMailbox(ctx: ModuleContext): Promise<DemoMailbox | undefined> {
  if (ctx.config.OPENBOS_SEED_DEMO === 'never' || transportFromConfig(ctx.config).kind !== 'none') return undefined;
  const mart = await findMerchantByHandle(ctx.db, 'demo-mart');
  if (mart === undefined) return undefined;
  const mailbox = await startDemoMailbox(ctx.config.dataDir);
  await setReachSettings(ctx.db, ctx.config, mart.id, { smtp_url: mailbox.url });
  ctx.logger.info({ folder: mailbox.folder }, 'the demo store chain’s campaign mail goes to a local SMTP server');
  return mailbox;
}
