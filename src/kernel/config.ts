import path from 'node:path';
import { z } from 'zod';

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
  OPENBOS_UNPAID_ORDER_TTL_S: positiveInt.max(30 * 24 * 3_600).default(1_800).describe('seconds an order may stay unpaid before it closes and releases its stock'),
  OPENBOS_AUTO_CONFIRM_AFTER_S: positiveInt.default(10 * 24 * 3_600).describe('seconds after shipment when an order confirms receipt by itself and its escrow is released'),
  OPENBOS_COMMISSION_BPS: z.coerce.number().int().min(0).max(10_000).default(500).describe('platform commission in basis points of each order (500 = 5%)'),
  OPENBOS_JOB_POLL_MS: positiveInt.default(1_000).describe('how often durable timers are checked'),
  OPENBOS_TEST_PROVIDER_SECRET: z.string().min(16).default('whsec_openbos_test_provider_secret').describe('signing secret of the built-in test payment provider'),
  OPENBOS_OUTBOX_POLL_MS: positiveInt.default(1_000).describe('how often the outbox is polled when idle'),
  OPENBOS_CONSOLE_DIR: z.string().min(1).optional().describe('folder of the built console; packages/console/dist by default'),
  OPENBOS_CONSOLE_BUILD: z.enum(['auto', 'never']).default('auto').describe('auto: `bos start` builds the console first when its sources changed; never: serve what is built'),
  OPENBOS_SEALING_KEY: z.string().regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9_+/-]{43}=?)$/, 'must be 32 bytes in hex (64 digits) or base64').optional().describe('key that seals stored secrets (TOTP); when unset, $OPENBOS_DATA_DIR/sealing.key, created on first start'),
  OPENBOS_CONSOLE_SESSION_TTL_S: positiveInt.min(60).max(30 * 24 * 3_600).default(12 * 3_600).describe('seconds a console sign-in lasts before the person must sign in again'),
  OPENBOS_OUTBOX_LEASE_MS: positiveInt.min(1_000).default(30_000).describe('how long a claimed event may take before another process offers it again (its claimer died)'),
  OPENBOS_SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000).describe('how long a shutdown waits for requests to drain'),
});

export type Config = z.infer<typeof envSchema> & { dataDir: string };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(envSchema.shape).map((key) => [key, emptyToUndefined(env[key])]),
  );
  const result = envSchema.safeParse(relevant);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '?');
        return `${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message} (${describeVariable(name)})`;
      }),
    );
  }
  return { ...result.data, dataDir: path.resolve(result.data.OPENBOS_DATA_DIR) };
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function describeVariable(name: string): string {
  const schema = envSchema.shape[name as keyof typeof envSchema.shape];
  return schema?.description ?? 'unknown variable';
}

/** Name, meaning and default of every variable, for `bos doctor` and the README. */
export function describeConfig(): { name: string; description: string }[] {
  return Object.entries(envSchema.shape).map(([name, schema]) => ({
    name,
    description: schema.description ?? '',
  }));
}
