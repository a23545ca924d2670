import type { RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import type { CliCommand } from './cli.js';
import type { Config, Settings } from './config.js';
import type { AnyDb } from './db.js';
import type { EventDefinition, EventHandler } from './events/event.js';
import type { AppEnv } from './http/context.js';
import type { ApiRoute } from './http/route.js';
import type { ScopeDefinition } from './http/scopes.js';
import type { JobHandler } from './jobs.js';
import type { Migration } from './migrations.js';
import type { Registry } from './registry.js';

/**
 * The module contract. A module is a folder under src/modules with one public entry file,
 * `index.ts`, which exports its `BosModule` value, its event definitions and its public service
 * functions. Nothing else of a module may be imported from outside it (test/module-boundaries).
 */
export interface ModuleContext {
  readonly db: AnyDb;
  readonly config: Config;
  readonly logger: Logger;
  /** What every module declared (scopes, webhook events, settings, commands), gathered once. */
  readonly registry: Registry;
}

/** What the demo seed hands out: keys and passwords, written to the data folder for the user. */
export interface DemoCredentials {
  merchants: {
    handle: string;
    merchant_id: string;
    secret_key: string;
    publishable_key: string;
    console_email: string;
    console_password: string;
  }[];
  /** Demo consumers who can sign in to any storefront (`POST /v1/account/sessions`). */
  consumers?: { email: string; password: string }[];
  /** The platform operator's console sign-in (every seller's balance, disputes). */
  operator?: { handle: string; console_email: string; console_password: string };
}

/** Seeds run inside one transaction: `db` is that transaction, so a failed seed leaves nothing. */
export interface SeedContext extends ModuleContext {
  readonly credentials: DemoCredentials;
}

/** A check of a business invariant; returns one line per violation, empty when it holds. */
export interface InvariantCheck {
  readonly name: string;
  readonly description: string;
  /** `config`: the settings the platform runs with, for checks that depend on one; absent, the defaults apply. */
  run(db: AnyDb, config?: Config): Promise<string[]>;
}

/** Work a module needs done periodically (expiries, clean-up); runs in every server process. */
export interface MaintenanceTask {
  readonly name: string;
  readonly interval_ms: number;
  run(ctx: ModuleContext): Promise<void>;
}

export interface ModuleRouter {
  route<R extends RouteConfig>(route: ApiRoute<R>, handler: RouteHandler<R, AppEnv>): void;
}

export interface BosModule {
  readonly name: string;
  readonly migrations: readonly Migration[];
  /**
   * The name this module's migrations are recorded under, when the module was renamed after they
   * were first applied (their recorded names include the module's name).
   */
  readonly migrationsRecordedAs?: string;
  readonly routes?: (router: ModuleRouter, ctx: ModuleContext) => void;
  readonly handlers?: (ctx: ModuleContext) => readonly EventHandler[];
  readonly checks?: readonly InvariantCheck[];
  readonly maintenance?: readonly MaintenanceTask[];
  /** Durable timers this module handles, one handler per job kind (`onJob`, kernel/jobs.ts). */
  readonly jobs?: (ctx: ModuleContext) => readonly JobHandler[];
  /** Adds this module's part of the demo platform; runs once, in module order, on first start. */
  readonly seedDemo?: (ctx: SeedContext) => Promise<void>;
  /**
   * What the module adds to the platform's lists, gathered by `buildRegistry` (kernel/registry.ts):
   * the API scopes its routes require, the events of its own that merchants may receive by
   * webhook, its environment variables (`defineSettings`), and its `bos` commands.
   */
  readonly scopes?: readonly ScopeDefinition[];
  readonly webhookEvents?: readonly EventDefinition[];
  readonly settings?: Settings;
  readonly commands?: readonly CliCommand[];
}

export function defineModule<M extends BosModule>(module: M): M {
  if (!/^[a-z][a-z0-9-]*$/.test(module.name)) throw new Error(`module name must be kebab-case: ${module.name}`);
  return module;
}
