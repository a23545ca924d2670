import path from 'node:path';
import { z } from 'zod';
import { logFormats } from './logger.js';

/**
 * Every setting OpenBOS reads, validated once at start. A bad value stops the start with a
 * message that names the variable and what it allows; nothing else reads process.env.
 */
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = z.coerce.number().int().min(1).max(65_535);
const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  PORT: port.default(8080).describe('HTTP port of the API server'),
  HOST: z.string().min(1).default('0.0.0.0').describe('interface the API server listens on'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional()
    .describe('external PostgreSQL 15+; when unset an embedded PostgreSQL is started'),
  OPENBOS_DATA_DIR: z.string().min(1).default('.openbos').describe('folder for the embedded PostgreSQL data'),
  OPENBOS_PG_PORT: port.default(54_320).describe('port of the embedded PostgreSQL'),
  OPENBOS_DB_POOL_MAX: positiveInt.max(500).default(20).describe('connections in the pool'),
  OPENBOS_WORKERS: positiveInt.max(64).default(1).describe('server processes sharing the port (`bos start`); each has its own pool of OPENBOS_DB_POOL_MAX connections'),
  OPENBOS_BODY_LIMIT_BYTES: positiveInt.default(1_048_576).describe('largest request body accepted'),
  OPENBOS_RATE_LIMIT_PER_S: z.coerce.number().int().min(0).default(200).describe('requests per second per API key; 0 turns limiting off'),
  OPENBOS_RATE_LIMIT_BURST: positiveInt.default(400).describe('requests an API key may send in one burst'),
  OPENBOS_SEED_DEMO: z.enum(['auto', 'never']).default('auto').describe('seed the demo platform on first start'),
  OPENBOS_PUBLIC_URL: z.string().url().optional().describe('base URL printed and used in links'),
  OPENBOS_TRUSTED_PROXIES: z.coerce.number().int().min(0).max(10).default(0).describe('reverse proxies in front of the server whose X-Forwarded-For entries name the client; 0 takes the socket address'),
  NATS_URL: z.string().min(1).optional().describe('NATS server; when set, domain events are also published to JetStream'),
  LOG_LEVEL: z.enum(logLevels).default('info').describe('pino log level'),
  OPENBOS_LOG_FORMAT: z.enum(logFormats).default('auto').describe('auto: readable lines on a terminal, JSON lines otherwise; json or pretty: always that'),
  OPENBOS_JOB_POLL_MS: positiveInt.default(1_000).describe('how often durable timers are checked'),
  OPENBOS_METRICS_TOKEN: z.string().min(16).optional().describe('bearer token Prometheus sends to read /metrics; unset, /metrics is open in development and off in production'),
  NODE_ENV: z.string().optional().describe('`production` turns development-only features off unless enabled explicitly'),
  OPENBOS_OUTBOX_POLL_MS: positiveInt.default(1_000).describe('how often the outbox is polled when idle'),
  OPENBOS_CONSOLE_DIR: z.string().min(1).optional().describe('folder of the built console; packages/console/dist by default'),
  OPENBOS_CONSOLE_BUILD: z.enum(['auto', 'never']).default('auto').describe('auto: `bos start` builds the console first when its sources changed; never: serve what is built'),
  OPENBOS_SEALING_KEY: z.string().regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9_+/-]{43}=?)$/, 'must be 32 bytes in hex (64 digits) or base64').optional().describe('key that seals stored secrets (TOTP); when unset, $OPENBOS_DATA_DIR/sealing.key, created on first start'),
  OPENBOS_CONTACT_KEYS: z
    .string()
    .regex(/^\s*([A-Za-z0-9_-]+:)?([0-9a-fA-F]{64}|[A-Za-z0-9_+/-]{43}=?)\s*(,\s*([A-Za-z0-9_-]+:)?([0-9a-fA-F]{64}|[A-Za-z0-9_+/-]{43}=?)\s*)*$/, 'must be keys (32 bytes in hex or base64), each optionally named (`name:key`), separated by commas')
    .optional()
    .describe('keys that seal consumers’ contact points: the first seals, all open (rotation: put the new key first, run `bos databank rotate-contact-keys`, then drop the old); when unset, the sealing key'),
  OPENBOS_IDEMPOTENCY_LEASE_MS: positiveInt.min(1_000).default(60_000).describe('how long a request in progress holds its Idempotency-Key without its process renewing it; after that (the process died) the same key runs again'),
  OPENBOS_OUTBOX_LEASE_MS: positiveInt.min(1_000).default(30_000).describe('how long a claimed event may take before another process offers it again (its claimer died)'),
  OPENBOS_STORAGE: z.enum(['filesystem', 's3']).default('filesystem').describe('where uploaded files (product images) are kept: a folder, or an S3-compatible bucket (docs/CATALOG.md)'),
  OPENBOS_STORAGE_DIR: z.string().min(1).optional().describe('folder for uploaded files with OPENBOS_STORAGE=filesystem; $OPENBOS_DATA_DIR/objects by default'),
  OPENBOS_S3_BUCKET: z.string().min(3).max(63).optional().describe('bucket for uploaded files with OPENBOS_STORAGE=s3'),
  OPENBOS_S3_REGION: z.string().min(1).default('us-east-1').describe('region of the bucket'),
  OPENBOS_S3_ENDPOINT: z.string().url().optional().describe('endpoint of an S3-compatible service (MinIO, Ceph, R2, OSS); AWS when unset'),
  OPENBOS_S3_ACCESS_KEY_ID: z.string().min(1).optional().describe('access key of the bucket; the AWS SDK’s default credential chain when unset'),
  OPENBOS_S3_SECRET_ACCESS_KEY: z.string().min(1).optional().describe('secret of that access key'),
  OPENBOS_S3_PUBLIC_URL: z.string().url().optional().describe('public base URL of the bucket (a CDN) that clients fetch images from; unset, the server serves them'),
  OPENBOS_SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000).describe('how long a shutdown waits for requests to drain'),
});

/**
 * The settings of modules: each module declares its environment variables as a zod shape
 * (`settings` in `defineModule`, made with `defineSettings`), and `loadConfig` validates them
 * with the kernel's. Their values sit in `config.settings`; the module reads them typed with its
 * `Settings.of(config)`.
 */
export type SettingsShape = Record<string, z.ZodType>;

export type Config = z.infer<typeof envSchema> & { dataDir: string; settings: Readonly<Record<string, unknown>> };

export interface Settings<S extends SettingsShape = SettingsShape> {
  readonly shape: S;
  /** This module's values; a config loaded without this module's shape gets the defaults. */
  of(config: Config): z.infer<z.ZodObject<S>>;
}

export function defineSettings<S extends SettingsShape>(shape: S): Settings<S> {
  const schema = z.object(shape);
  const parsed = new WeakMap<Config, z.infer<z.ZodObject<S>>>();
  return {
    shape,
    of(config) {
      let values = parsed.get(config);
      if (values === undefined) {
        values = schema.parse(config.settings ?? {});
        parsed.set(config, values);
      }
      return values;
    },
  };
}

/** The names of the kernel's own variables, which no module may declare again. */
export const kernelSettingNames: readonly string[] = Object.keys(envSchema.shape);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the environment: the kernel's variables and those of `modules` (the merged
 * shape of every module's settings, `registry.settings`); throws ConfigError naming each bad one.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, modules: SettingsShape = {}): Config {
  const schema = fullSchema(modules);
  const relevant = Object.fromEntries(Object.keys(schema.shape).map((key) => [key, emptyToUndefined(env[key])]));
  const result = schema.safeParse(relevant);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '?');
        return `${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message} (${describeVariable(schema.shape, name)})`;
      }),
    );
  }
  const values = result.data as Record<string, unknown>;
  const kernel = Object.fromEntries(kernelSettingNames.map((name) => [name, values[name]])) as z.infer<typeof envSchema>;
  const settings = Object.fromEntries(Object.keys(modules).map((name) => [name, values[name]]));
  return { ...kernel, dataDir: path.resolve(kernel.OPENBOS_DATA_DIR), settings };
}

function fullSchema(modules: SettingsShape) {
  const clash = Object.keys(modules).filter((name) => kernelSettingNames.includes(name));
  if (clash.length > 0) throw new Error(`module settings may not redeclare kernel variables: ${clash.join(', ')}`);
  return z.object({ ...envSchema.shape, ...modules });
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function describeVariable(shape: SettingsShape, name: string): string {
  return shape[name]?.description ?? 'unknown variable';
}

/** Name and meaning of every variable, the kernel's and the modules', for `bos doctor` and the README. */
export function describeConfig(modules: SettingsShape = {}): { name: string; description: string }[] {
  return Object.entries(fullSchema(modules).shape).map(([name, schema]) => ({
    name,
    description: schema.description ?? '',
  }));
}
