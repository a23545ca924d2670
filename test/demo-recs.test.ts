import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { runDueJobs } from '../src/kernel/jobs.js';
import type { DemoCredentials } from '../src/kernel/module.js';
import { seedDemo } from '../src/kernel/seed.js';
import { TestPaymentProvider } from '../src/modules/payments/index.js';
import { flushServed } from '../src/modules/attribution/index.js';
import { browseSessions, demoHttp, simulationShoppers } from '../src/modules/recs/index.js';
import { buildApp } from '../src/platform/app.js';
import { demo_recs_categories, demo_recs_products } from '../src/platform/demo-recs-catalog.js';
import { demo_recs_traffic_days, runRecsDemo, type RecsDemo } from '../src/platform/demo-recs.js';
import { eventHandlers, jobHandlers, modules, registry } from '../src/platform/modules.js';
import { createTestPlatform, silentLogger, testConfig, type TestPlatform } from './support/platform.js';

/**
 * Issue 19's demo, as a new user finds it after the first start: the tea brand sells 30
 * products in six categories, its shoppers' planted tastes show in the trained recommendations
 * (a green-tea drinker's "for you" leads with green teas, with reasons), a search with a typo
 * (西湖龙景) finds the Longjing, and the traffic chart has a week of recommendations against search,
 * recommendations ahead on the latest days.
 */
const secret = 'whsec_test_secret_for_the_recs_demo_0123456789';
const overrides = { OPENBOS_DATA_DIR: `/tmp/openbos-recs-demo-${process.pid}`, OPENBOS_TEST_PROVIDER_SECRET: secret };
let platform: TestPlatform;
let demo: DemoCredentials;
let outcome: RecsDemo;
let app: ReturnType<typeof buildApp>['app'];
const brand = () => demo.merchants.find((m) => m.handle === 'demo-brand')!;
const config = testConfig(overrides);

async function get(path: string, key: string, consumer?: string): Promise<{ status: number; body: any }> {
  const res = await platform.app.request(path, { headers: { authorization: `Bearer ${key}`, ...(consumer === undefined ? {} : { 'x-consumer-token': consumer }) } });
  return { status: res.status, body: await res.json() };
}

async function signIn(email: string): Promise<string> {
  const password = demo.consumers!.find((c) => c.email === email)!.password;
  const res = await platform.app.request('/v1/account/sessions', { method: 'POST', headers: { authorization: `Bearer ${brand().publishable_key}`, 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  return ((await res.json()) as { token: string }).token;
}

const tasteOf = (product_id: string) => Object.values(outcome.catalog).find((i) => i.product_id === product_id)?.taste;

beforeAll(async () => {
  platform = await createTestPlatform(overrides);
  const ctx = { db: platform.database.db, config, logger: silentLogger, registry };
  demo = (await seedDemo(ctx, modules))!;
  app = buildApp(ctx).app;
  // What the server does in the background while the demo runs: the payment provider's
  // webhooks, the outbox's event handlers (paid orders into the data bank), durable jobs (training).
  const provider = new TestPaymentProvider(platform.database.db, { secret, deliver: async (body, headers) => (await app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body })).status });
  const dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(ctx), logger: silentLogger, poll_ms: 50 });
  const settle = async () => {
    await provider.deliverDue();
    await dispatcher.drain();
    await runDueJobs(platform.database.db, jobHandlers(ctx), silentLogger);
  };
  outcome = await runRecsDemo(app, ctx, demo, silentLogger, { settle });
  await settle();
}, 240_000);
afterAll(async () => platform.close());

describe('the recommendations demo', () => {
  it('widens the tea brand’s range to 30 products in six categories, titled in Chinese, stocked', async () => {
    expect(outcome.products_added).toBe(demo_recs_products.length);
    const products = await get('/v1/products?status=published&limit=100', brand().secret_key);
    expect(products.body.data).toHaveLength(30);
    for (const p of products.body.data as { title_i18n: Record<string, string>; category_id: string | null }[]) {
      expect(p.title_i18n['zh-CN']).toBeTruthy();
      expect(p.category_id).not.toBeNull();
    }
    expect(new Set((products.body.data as { category_id: string }[]).map((p) => p.category_id)).size).toBe(Object.keys(demo_recs_categories).length);
    const gaiwan = outcome.catalog['TW-GAIWAN']!;
    const stock = await get(`/v1/stock?variant_id=${gaiwan.variant_id}`, brand().secret_key);
    expect(stock.body.data[0].available).toBeGreaterThan(0);
  });

  it('files two weeks of browsing and paid orders in the data bank before training', () => {
    expect(outcome.shoppers).toHaveLength(40);
    expect(outcome.history_events).toBeGreaterThan(500);
    expect(outcome.orders_paid).toBeGreaterThanOrEqual(15);
    expect(outcome.training).toMatchObject({ status: 'succeeded' });
  });

  it('shows a green-tea drinker green teas first, each with a reason', async () => {
    const token = await signIn('li.wei@example.com');
    const forYou = await get('/v1/recommendations/for-you?limit=10', brand().publishable_key, token);
    expect(forYou.status).toBe(200);
    expect(forYou.body.attribution_token).toMatch(/^at1\./);
    const data = forYou.body.data as { product_id: string; reason: { kind: string; text: string } }[];
    expect(data.length).toBeGreaterThanOrEqual(5);
    const top = data.slice(0, 5).map((d) => tasteOf(d.product_id));
    expect(top.filter((t) => t === 'green').length, JSON.stringify(top)).toBeGreaterThanOrEqual(3);
    expect(top[0]).toBe('green');
    for (const d of data) expect(d.reason.text.length).toBeGreaterThan(0);
  });

  it('shows an anonymous oolong shopper oolongs, and a teaware buyer teaware but not the gaiwan she bought', async () => {
    const oolong = outcome.shoppers.find((s) => s.taste === 'oolong')!;
    const forYou = await get(`/v1/recommendations/for-you?anonymous_id=${oolong.anonymous_id}&limit=10`, brand().publishable_key);
    const top = (forYou.body.data as { product_id: string }[]).slice(0, 5).map((d) => tasteOf(d.product_id));
    expect(top.filter((t) => t === 'oolong').length, JSON.stringify(top)).toBeGreaterThanOrEqual(3);
    const token = await signIn('chen.jing@example.com');
    const teaware = await get('/v1/recommendations/for-you?limit=10', brand().publishable_key, token);
    const ids = (teaware.body.data as { product_id: string }[]).map((d) => d.product_id);
    expect(ids.slice(0, 5).filter((id) => tasteOf(id) === 'teaware').length).toBeGreaterThanOrEqual(3);
    expect(ids).not.toContain(outcome.catalog['TW-GAIWAN']!.product_id);
  });

  it('finds the Longjing for a search with a typo, 西湖龙景', async () => {
    const found = await get(`/v1/search?q=${encodeURIComponent('西湖龙景')}`, brand().publishable_key);
    expect(found.status).toBe(200);
    expect(found.body.data[0].product_id).toBe(outcome.catalog['LJ-100']!.product_id);
    expect(found.body.attribution_token).toMatch(/^at1\./);
  });

  it('fills the traffic chart with a week of recommendations against search, recommendations ahead lately', async () => {
    const traffic = outcome.traffic!;
    expect(traffic.days).toHaveLength(demo_recs_traffic_days);
    expect(traffic.errors, traffic.first_errors.join('\n')).toBe(0);
    const today = traffic.days.find((d) => d.days_ago === 0)!;
    expect(today.recommendation.clicks).toBeGreaterThan(0);
    expect(today.search.clicks).toBeGreaterThan(0);
    expect(today.recommendation.orders + today.search.orders).toBeGreaterThan(0);
    // As the console reads it.
    const from = new Date(Date.now() - 8 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const daily = await get(`/v1/attribution/daily?from=${from}&to=${to}`, brand().secret_key);
    expect(daily.status).toBe(200);
    const days = daily.body.data as { day: string; recommendation: { answers: number; clicks: number }; search: { answers: number; clicks: number } }[];
    const withBoth = days.filter((d) => d.recommendation.answers > 0 && d.search.answers > 0);
    expect(withBoth.length).toBeGreaterThanOrEqual(demo_recs_traffic_days - 1);
    const sorted = [...withBoth].sort((a, b) => a.day.localeCompare(b.day));
    expect(sorted[0]!.search.answers).toBeGreaterThan(sorted[0]!.recommendation.answers);
    expect(sorted.at(-1)!.recommendation.answers).toBeGreaterThan(sorted.at(-1)!.search.answers);
    // Clicks too: search brought more traffic at the start of the week, recommendations at its end.
    const clicks = (rows: typeof sorted, source: 'recommendation' | 'search') => rows.reduce((n, d) => n + d[source].clicks, 0);
    expect(clicks(sorted.slice(0, 2), 'search')).toBeGreaterThan(clicks(sorted.slice(0, 2), 'recommendation'));
    expect(clicks(sorted.slice(-2), 'recommendation')).toBeGreaterThan(clicks(sorted.slice(-2), 'search'));
  });

  it('serves and gets clicks on every placement, bought together and trending included, in the console’s placements figures', async () => {
    const placements = await get('/v1/attribution/placements?days=7', brand().secret_key);
    expect(placements.status).toBe(200);
    const rows = new Map((placements.body.data as { placement: string; answers: number; clicks: number }[]).map((r) => [r.placement, r]));
    for (const placement of ['for_you', 'similar', 'bought_together', 'trending', 'search']) {
      expect(rows.get(placement)?.answers, placement).toBeGreaterThan(0);
      expect(rows.get(placement)?.clicks, placement).toBeGreaterThan(0);
    }
  });

  it('has `bos recs simulate`’s buyers open bought together (product pages, the cart) and trending (at a store, near the shopper), and click from them', async () => {
    const figures = async () => {
      const res = await get('/v1/attribution/placements?days=1', brand().secret_key);
      return new Map((res.body.data as { placement: string; answers: number; clicks: number }[]).map((r) => [r.placement, r]));
    };
    const before = await figures();
    // As the command runs a minute: the brand's recent visitors and some newcomers, its stores.
    const http = demoHttp(app);
    const shoppers = await simulationShoppers(platform.database.db, brand().merchant_id, http, brand().secret_key);
    const locations = (await get('/v1/locations?limit=100', brand().secret_key)).body.data as { id: string; kind: string; latitude: number; longitude: number }[];
    const report = await browseSessions({ http, publishable_key: brand().publishable_key, shoppers, locations, sessions: { recommendation: 60, search: 10 }, seed: 7 });
    expect(report.errors, report.first_errors.join('\n')).toBe(0);
    expect(report.by_placement['bought_together']).toBeGreaterThan(0);
    expect(report.by_placement['trending']).toBeGreaterThan(0);
    await flushServed(platform.database.db);
    const after = await figures();
    for (const placement of ['bought_together', 'trending']) {
      expect(after.get(placement)!.answers - before.get(placement)!.answers, placement).toBe(report.by_placement[placement]);
      expect(after.get(placement)!.clicks - before.get(placement)!.clicks, placement).toBeGreaterThan(0);
    }
  });

  it('leaves every invariant holding', async () => {
    const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])], config);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
  });
});
