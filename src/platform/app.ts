import type { OpenAPIHono } from '@hono/zod-openapi';
import { pendingMigrations } from '../kernel/migrations.js';
import { pingDatabase } from '../kernel/db.js';
import { demoActivityPending } from '../kernel/seed.js';
import { createApiApp } from '../kernel/http/app.js';
import type { AppEnv } from '../kernel/http/context.js';
import { gauge, createMetrics, groupCommitMetrics, type Metrics } from '../kernel/http/metrics.js';
import { rateLimitPerKey } from '../kernel/http/rate-limit.js';
import { moduleRouter, type RouteEntry } from '../kernel/http/router.js';
import type { LargeBodyRoute } from '../kernel/http/route.js';
import { outboxStats } from '../kernel/events/outbox.js';
import type { ModuleContext } from '../kernel/module.js';
import { keyAuthenticator } from '../modules/merchants/index.js';
import { allMigrations } from './modules.js';
import { mountConsole } from './console.js';
import { buyerWalkthrough } from './walkthrough.js';

export const version = '0.1.0';

export interface PlatformApp {
  app: OpenAPIHono<AppEnv>;
  routes: readonly RouteEntry[];
  metrics: Metrics;
}

/** The whole HTTP API over one database, without listening: tests call `app.request()`. */
export function buildApp(ctx: ModuleContext, isShuttingDown: () => boolean = () => false): PlatformApp {
  const metrics = createMetrics();
  const large_bodies: LargeBodyRoute[] = [];
  const app = createApiApp({
    large_bodies,
    logger: ctx.logger,
    metrics,
    body_limit_bytes: ctx.config.OPENBOS_BODY_LIMIT_BYTES,
    version,
    guide: buyerWalkthrough,
    metricsAccess: ctx.config.OPENBOS_METRICS_TOKEN !== undefined ? { kind: 'token', token: ctx.config.OPENBOS_METRICS_TOKEN } : ctx.config.NODE_ENV === 'production' ? { kind: 'closed' } : { kind: 'open' },
    async isReady() {
      const checks: Record<string, string> = {};
      try {
        await pingDatabase(ctx.db);
        checks.database = 'ok';
        const pending = await pendingMigrations(ctx.db, allMigrations);
        checks.migrations = pending.length === 0 ? 'ok' : `${pending.length} pending`;
        // A load balancer or a script that waits for /ready finds the demo orders in place.
        if (pending.length === 0) checks.demo_data = (await demoActivityPending(ctx.db)) ? 'the demo orders are being placed' : 'ok';
      } catch (error) {
        checks.database = `unreachable: ${error instanceof Error ? error.message : String(error)}`;
      }
      checks.process = isShuttingDown() ? 'shutting down' : 'ok';
      return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
    },
  });
  gauge(metrics, 'openbos_outbox_pending_events', 'Domain events waiting for delivery', async () => (await outboxStats(ctx.db)).pending);
  gauge(metrics, 'openbos_outbox_dead_events', 'Domain events parked as dead letters', async () => (await outboxStats(ctx.db)).dead);
  groupCommitMetrics(metrics);

  const table: RouteEntry[] = [];
  const deps = {
    app,
    db: ctx.db,
    authenticator: keyAuthenticator(ctx.db, ctx.registry.scopes),
    rateLimit: rateLimitPerKey(ctx.config.OPENBOS_RATE_LIMIT_PER_S, ctx.config.OPENBOS_RATE_LIMIT_BURST),
    table,
    scopes: ctx.registry.scopes,
    idempotency_lease_ms: ctx.config.OPENBOS_IDEMPOTENCY_LEASE_MS,
    large_bodies,
  };
  for (const part of ctx.registry.parts) part.routes?.(moduleRouter(part.name, deps), ctx);
  mountConsole(app, ctx.config.OPENBOS_CONSOLE_DIR);
  return { app, routes: table, metrics };
}
