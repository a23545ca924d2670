import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { loadConfig } from '../kernel/config.js';
import { openApiConfig } from '../kernel/http/app.js';
import { createLogger } from '../kernel/logger.js';
import { buildApp, version } from './app.js';
import { registry } from './modules.js';
import { buyerWalkthrough } from './walkthrough.js';

/**
 * The OpenAPI document of the whole API, built from the route declarations without a database:
 * the pool below is never connected, because building routes runs no query. The SDK's types are
 * generated from this document.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const pool = new pg.Pool({ max: 1 });
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  try {
    const { app } = buildApp({ db, config: loadConfig({}, registry.settings), logger: createLogger('silent'), registry });
    return app.getOpenAPI31Document(openApiConfig(version, buyerWalkthrough)) as unknown as Record<string, unknown>;
  } finally {
    await db.destroy();
  }
}
