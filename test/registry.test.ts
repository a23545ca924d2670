import { z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.js';
import type { CliContext } from '../src/kernel/cli.js';
import { ConfigError, defineSettings, describeConfig, loadConfig } from '../src/kernel/config.js';
import { inTransaction } from '../src/kernel/db.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { defineEvent } from '../src/kernel/events/event.js';
import { publish } from '../src/kernel/events/outbox.js';
import { defineRoute, jsonResponse } from '../src/kernel/http/route.js';
import { defineModule, type BosModule, type ModuleContext } from '../src/kernel/module.js';
import { buildRegistry, type Registry } from '../src/kernel/registry.js';
import { createApiKey, createMerchant, scopesOfRole } from '../src/modules/merchants/index.js';
import { buildApp, type PlatformApp } from '../src/platform/app.js';
import { eventHandlers, flows, modules } from '../src/platform/modules.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { silentLogger } from './support/platform.js';

/**
 * A new module is a folder and one line in src/platform/modules.ts. This test plays that line:
 * it defines a loyalty module with its own scope, webhook event, setting, route and `bos`
 * command, adds it to the platform's modules, and shows that each reaches the platform's lists
 * (scopes and roles, the webhook catalogue, the configuration, the command line) without a
 * change anywhere else; and that a name declared twice stops the start.
 */
const pointsEarned = defineEvent('loyalty.points_earned', z.object({ member_id: z.string(), points: z.number().int() }));

const loyaltySettings = defineSettings({
  OPENBOS_LOYALTY_POINTS_PER_ORDER: z.coerce.number().int().min(0).max(1_000).default(10).describe('points a member earns per order'),
});

const summaryRoute = defineRoute({
  operationId: 'getLoyaltySummary',
  method: 'get',
  path: '/v1/loyalty/summary',
  tags: ['Loyalty'],
  summary: 'The loyalty programme of this store',
  access: { scope: 'loyalty:read', tenancy: 'merchant' },
  responses: { 200: jsonResponse(z.object({ merchant_id: z.string(), points_per_order: z.number().int() }), 'The programme') },
});

const loyaltyModule = defineModule({
  name: 'loyalty',
  migrations: [],
  routes: (router, { config }) => {
    const { OPENBOS_LOYALTY_POINTS_PER_ORDER } = loyaltySettings.of(config);
    router.route(summaryRoute, (c) => c.json({ merchant_id: c.get('caller').merchant_id, points_per_order: OPENBOS_LOYALTY_POINTS_PER_ORDER }, 200));
  },
  scopes: [
    { name: 'loyalty:read', kind: 'secret', description: 'Read the loyalty programme and members’ points' },
    { name: 'loyalty:write', kind: 'secret', description: 'Award and redeem points' },
  ],
  webhookEvents: [pointsEarned],
  settings: loyaltySettings,
  commands: [
    {
      name: 'loyalty',
      description: 'the loyalty programme',
      register(loyalty, cli) {
        loyalty
          .command('rules')
          .description('print how members earn points')
          .action(() => cli.out(`${loyaltySettings.of(cli.config()).OPENBOS_LOYALTY_POINTS_PER_ORDER} points per order`));
      },
    },
  ],
});

/** The one line a new module adds to src/platform/modules.ts. */
const registry = buildRegistry([...modules, loyaltyModule], flows);

let database: TestDatabase;
let platform: PlatformApp;
let ctx: ModuleContext;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({ LOG_LEVEL: 'silent', OPENBOS_RATE_LIMIT_PER_S: '0', OPENBOS_LOYALTY_POINTS_PER_ORDER: '25' }, registry.settings);
  ctx = { db: database.db, config, logger: silentLogger, registry };
  platform = buildApp(ctx);
});
afterAll(async () => database.drop());

async function aMerchantKey(scopes?: string[]): Promise<{ merchant_id: string; token: string }> {
  const merchant = await createMerchant(database.db, { handle: `loyal-${Math.random().toString(36).slice(2, 10)}`, name: 'Loyal shop', kind: 'retailer', default_currency: 'EUR', country: 'DE' });
  const { token } = await createApiKey(database.db, { merchant_id: merchant.id, kind: 'secret', ...(scopes === undefined ? {} : { scopes }) }, 'test', registry.scopes);
  return { merchant_id: merchant.id, token };
}

async function get(token: string, path: string) {
  const res = await platform.app.request(path, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as any };
}

describe('a module registers itself', () => {
  it('its scopes are listed by GET /v1/scopes, held by new secret keys and owners, and guard its routes', async () => {
    const { token } = await aMerchantKey();
    const scopes = await get(token, '/v1/scopes');
    expect(scopes.status).toBe(200);
    expect(scopes.body.data).toContainEqual({ name: 'loyalty:read', kind: 'secret', module: 'loyalty', description: 'Read the loyalty programme and members’ points' });
    // Every scope a key may hold: all but the platform operator's, which no key holds.
    expect(scopes.body.data.map((s: { name: string }) => s.name)).toEqual(registry.scopes.all().filter((s) => s.kind !== 'platform').map((s) => s.name));

    expect(scopesOfRole('owner', registry.scopes)).toContain('loyalty:write');
    expect(scopesOfRole('admin', registry.scopes)).toContain('loyalty:write');
    // Staff and viewers get a new module's scopes only once their preset names the module.
    expect(scopesOfRole('viewer', registry.scopes)).not.toContain('loyalty:read');

    expect(await get(token, '/v1/loyalty/summary')).toMatchObject({ status: 200, body: { points_per_order: 25 } });
    const narrow = await aMerchantKey(['orders:read']);
    expect((await get(narrow.token, '/v1/loyalty/summary')).status).toBe(403);
    const unknown = await createApiKey(database.db, { merchant_id: narrow.merchant_id, kind: 'secret', scopes: ['loyalty:teleport'] }, 'test', registry.scopes).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ status: 400 });
  });

  it('its webhook events are listed by GET /v1/webhook-event-types, may be subscribed to, and are delivered', async () => {
    const { merchant_id, token } = await aMerchantKey();
    const types = await get(token, '/v1/webhook-event-types');
    expect(types.status).toBe(200);
    expect(types.body.data).toContainEqual({ type: 'loyalty.points_earned', module: 'loyalty' });
    expect(types.body.data.map((e: { type: string }) => e.type)).toContain('order.paid');

    const created = await platform.app.request('/v1/webhook-endpoints', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://loyal.example/hooks', events: ['loyalty.points_earned'] }),
    });
    expect(created.status).toBe(201);
    const endpoint = (await created.json()) as { id: string };

    await inTransaction(database.db, (trx) => publish(trx, pointsEarned, merchant_id, { member_id: 'm-1', points: 25 }));
    const dispatcher = new OutboxDispatcher({ db: database.db, pool: database.pool, handlers: eventHandlers(ctx), logger: silentLogger, poll_ms: 50 });
    await dispatcher.drain();
    const deliveries = await get(token, `/v1/webhook-endpoints/${endpoint.id}/deliveries`);
    expect(deliveries.body.data.map((d: { event_type: string }) => d.event_type)).toEqual(['loyalty.points_earned']);
  });

  it('its settings are validated with the kernel’s and named by bos doctor', () => {
    expect(loyaltySettings.of(ctx.config).OPENBOS_LOYALTY_POINTS_PER_ORDER).toBe(25);
    expect(loyaltySettings.of(loadConfig({}, registry.settings)).OPENBOS_LOYALTY_POINTS_PER_ORDER).toBe(10);
    const bad = (() => {
      try {
        return loadConfig({ OPENBOS_LOYALTY_POINTS_PER_ORDER: 'lots' }, registry.settings);
      } catch (error) {
        return error;
      }
    })();
    expect(bad).toBeInstanceOf(ConfigError);
    expect((bad as ConfigError).problems[0]).toMatch(/OPENBOS_LOYALTY_POINTS_PER_ORDER="lots".*points a member earns per order/);
    expect(describeConfig(registry.settings)).toContainEqual({ name: 'OPENBOS_LOYALTY_POINTS_PER_ORDER', description: 'points a member earns per order' });
    // The platform's own modules declare theirs the same way.
    expect(Object.keys(registry.settings)).toEqual(expect.arrayContaining(['OPENBOS_UNPAID_ORDER_TTL_S', 'OPENBOS_COMMISSION_BPS', 'OPENBOS_CONSOLE_SESSION_TTL_S']));
  });

  it('its command joins the bos command line', async () => {
    const printed: string[] = [];
    const cli: CliContext = {
      config: () => ctx.config,
      withDatabase: (work) => work(ctx),
      out: (line = '') => void printed.push(line),
      err: (line) => void printed.push(line),
      exit: () => undefined,
    };
    const program = buildProgram(registry, () => cli).exitOverride();
    expect(program.commands.map((c) => c.name())).toEqual(expect.arrayContaining(['start', 'keys', 'disputes', 'payouts', 'import', 'loyalty']));
    await program.parseAsync(['loyalty', 'rules'], { from: 'user' });
    expect(printed).toEqual(['25 points per order']);
  });
});

describe('a name declared twice stops the start', () => {
  const another = (parts: Partial<BosModule>): BosModule => defineModule({ name: 'copycat', migrations: [], ...parts });

  it('refuses a scope, webhook event, setting or command that another module (or the kernel) declared', () => {
    const cases: [Partial<BosModule>, RegExp][] = [
      [{ scopes: [{ name: 'loyalty:read', kind: 'secret', description: 'again' }] }, /scope loyalty:read is declared twice: by module loyalty and by module copycat/],
      [{ scopes: [{ name: 'orders:read', kind: 'secret', description: 'again' }] }, /scope orders:read is declared twice: by module orders/],
      [{ webhookEvents: [pointsEarned] }, /webhook event loyalty.points_earned is declared twice/],
      [{ settings: defineSettings({ OPENBOS_LOYALTY_POINTS_PER_ORDER: z.string() }) }, /setting OPENBOS_LOYALTY_POINTS_PER_ORDER is declared twice/],
      [{ settings: defineSettings({ PORT: z.string() }) }, /setting PORT is declared twice: by the kernel/],
      [{ commands: [{ name: 'loyalty', description: 'again', register: () => undefined }] }, /command bos loyalty is declared twice/],
      [{ commands: [{ name: 'start', description: 'mine', register: () => undefined }] }, /command bos start is declared twice: by the command line/],
    ];
    for (const [parts, message] of cases) expect(() => buildRegistry([...modules, loyaltyModule, another(parts)], flows)).toThrow(message);
    expect(() => buildRegistry([...modules, loyaltyModule, loyaltyModule])).toThrow(/module loyalty is listed twice/);
  });

  it('refuses a route that requires a scope no module declares', () => {
    const typo = defineRoute({ ...summaryRoute, operationId: 'getLoyaltyTypo', path: '/v1/loyalty/typo', access: { scope: 'loyalty:raed', tenancy: 'merchant' } });
    const broken = defineModule({ name: 'broken', migrations: [], routes: (router) => router.route(typo, (c) => c.json({ merchant_id: '', points_per_order: 0 }, 200)) });
    const withBroken: Registry = buildRegistry([...modules, broken], flows);
    expect(() => buildApp({ ...ctx, registry: withBroken })).toThrow(/route getLoyaltyTypo requires undeclared scopes loyalty:raed/);
  });
});
