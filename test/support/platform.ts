import path from 'node:path';
import os from 'node:os';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/kernel/config.js';
import type { ModuleContext } from '../../src/kernel/module.js';
import { createApiKey, createConsoleUser, createMerchant, type ConsoleRole, type MerchantKind } from '../../src/modules/merchants/index.js';
import { buildApp, type PlatformApp } from '../../src/platform/app.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { registry } from '../../src/platform/modules.js';

/** The HTTP API over a fresh database, called in process through `app.request()`. */
export interface TestPlatform extends PlatformApp {
  readonly database: TestDatabase;
  readonly ctx: ModuleContext;
  merchant(handle?: string, kind?: MerchantKind): Promise<TestMerchant>;
  close(): Promise<void>;
}

export interface TestMerchant {
  readonly id: string;
  readonly handle: string;
  readonly secretKey: string;
  readonly publishableKey: string;
  call(method: string, path: string, options?: CallOptions): Promise<TestResponse>;
  /** Creates a console user with this role and signs in as a browser would: cookie plus anti-forgery header. */
  signIn(role?: ConsoleRole): Promise<TestConsoleSession>;
}

export interface TestConsoleSession {
  readonly user_id: string;
  readonly email: string;
  readonly password: string;
  readonly cookie: string;
  readonly csrf_token: string;
  /** Calls with the session cookie and, unless `csrf: false`, the anti-forgery header. */
  call(method: string, path: string, options?: CallOptions & { csrf?: boolean }): Promise<TestResponse>;
}

export interface CallOptions {
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  key?: string | null;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;  
  text: string;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ OPENBOS_DATA_DIR: path.join(os.tmpdir(), 'openbos-test'), LOG_LEVEL: 'silent', OPENBOS_RATE_LIMIT_PER_S: '0', ...overrides }, registry.settings);
}

export const silentLogger: Logger = pino({ level: 'silent' });

let handleCounter = 0;

export async function createTestPlatform(overrides: Record<string, string> = {}, logger: Logger = silentLogger): Promise<TestPlatform> {
  const database = await createTestDatabase();
  const config = testConfig(overrides);
  const ctx: ModuleContext = { db: database.db, config, logger, registry };
  const platform = buildApp(ctx);

  async function call(defaultKey: string, method: string, urlPath: string, options: CallOptions = {}): Promise<TestResponse> {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? defaultKey : options.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await platform.app.request(urlPath, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON (metrics, HTML): callers read `text`.
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }

  return {
    ...platform,
    database,
    ctx,
    async merchant(handle, kind = 'brand') {
      const merchant = await createMerchant(database.db, { handle: handle ?? `test-merchant-${process.pid}-${++handleCounter}`, name: 'Test merchant', kind, default_currency: 'EUR', country: 'DE' });
      const secret = await createApiKey(database.db, { merchant_id: merchant.id, kind: 'secret' }, 'test', registry.scopes);
      const publishable = await createApiKey(database.db, { merchant_id: merchant.id, kind: 'publishable' }, 'test', registry.scopes);
      return {
        id: merchant.id,
        handle: merchant.handle,
        secretKey: secret.token,
        publishableKey: publishable.token,
        call: (method, p, options) => call(secret.token, method, p, options),
        async signIn(role = 'owner') {
          const email = `${role}-${++handleCounter}@${merchant.handle}.example`;
          const password = `pw-${Math.random().toString(36).slice(2)}-long`;
          const user = await createConsoleUser(database.db, { merchant_id: merchant.id, email, name: `Test ${role}`, role, password }, 'test');
          const res = await call('', 'POST', '/v1/console/sessions', { key: null, body: { merchant: merchant.handle, email, password } });
          if (res.status !== 201) throw new Error(`sign-in failed: ${res.status} ${res.text}`);
          const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
          const csrf_token = res.body.csrf_token as string;
          return {
            user_id: user.id,
            email,
            password,
            cookie,
            csrf_token,
            call: (method, p, options = {}) =>
              call('', method, p, { ...options, key: null, headers: { cookie, ...(options.csrf === false ? {} : { 'x-csrf-token': csrf_token }), ...options.headers } }),
          };
        },
      };
    },
    close: () => database.drop(),
  };
}
