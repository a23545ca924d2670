import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../test/support/process.js';
import { api, eventually, launchBrowser, screenshot, startE2eServer, unlabelledControls, type E2eServer } from './support.js';

/**
 * Browsers reach the storefront API from the merchant's own origin, in a real Chromium against a
 * real server: a storefront page served from another origin opens a cart and checks out with a
 * demo publishable key, the real Segment browser SDK (@segment/analytics-next) on such a page
 * loads its settings from OpenBOS and sends events that land in the data bank, and the same page
 * from an origin the key does not list is refused.
 *
 * The pages come from a small static server of this test on its own port (another origin than
 * the API's). Chromium resolves `elsewhere.test` to it too, so the same pages also load from an
 * origin no demo key allows.
 */
let server: E2eServer;
let browser: Browser;
let pages: http.Server;
let pagesPort: number;
let brand: E2eServer['credentials']['merchants'][number];
let mart: E2eServer['credentials']['merchants'][number];

const sdkDir = path.resolve('node_modules/@segment/analytics-next/dist/umd');
const pagesDir = path.resolve('e2e/pages');
const allowedOrigin = () => `http://127.0.0.1:${pagesPort}`;
const refusedOrigin = () => `http://elsewhere.test:${pagesPort}`;

/** Serves e2e/pages/*.html and the SDK's browser bundle under /vendor/analytics-next/. */
function servePages(): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://pages');
    const [dir, file] = url.pathname.startsWith('/vendor/analytics-next/') ? [sdkDir, url.pathname.slice('/vendor/analytics-next/'.length)] : [pagesDir, url.pathname.slice(1)];
    if (!/^[\w.-]+\.(html|js)$/.test(file)) return void res.writeHead(404).end();
    readFile(path.join(dir, file)).then(
      (body) => res.writeHead(200, { 'content-type': file.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
}

beforeAll(async () => {
  server = await startE2eServer();
  brand = server.credentials.merchants.find((m) => m.handle === 'demo-brand')!;
  mart = server.credentials.merchants.find((m) => m.handle === 'demo-mart')!;
  pagesPort = await freePort();
  pages = servePages();
  await new Promise<void>((resolve) => pages.listen(pagesPort, '127.0.0.1', resolve));
  browser = await launchBrowser(['--host-resolver-rules=MAP elsewhere.test 127.0.0.1']);
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (pages === undefined ? resolve(undefined) : pages.close(resolve)));
  await server?.stop();
});

interface Visit {
  page: Page;
  /** Every URL the page asked for, to show nothing went to Segment's servers. */
  requested: string[];
  /** The browser's console, where Chromium reports what CORS blocked. */
  consoleLines: string[];
}

async function visit(origin: string, file: string, query: Record<string, string>): Promise<Visit> {
  const page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  const requested: string[] = [];
  const consoleLines: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  page.on('console', (m) => consoleLines.push(m.text()));
  await page.goto(`${origin}/${file}?${new URLSearchParams(query).toString()}`);
  return { page, requested, consoleLines };
}

const statusText = (page: Page) => page.getByRole('status').textContent();

async function profileOf(key: string, userId: string): Promise<string | undefined> {
  const res = await api(server, key, 'GET', `/v1/consumers?user_id=${encodeURIComponent(userId)}`);
  expect(res.status).toBe(200);
  return res.body.data[0]?.id as string | undefined;
}

describe('a storefront on another origin', () => {
  it('opens a cart, adds an item and checks out with the demo publishable key', async () => {
    const { page, consoleLines } = await visit(allowedOrigin(), 'storefront.html', { api: server.url, key: mart.publishable_key });
    await expect.poll(() => statusText(page), { timeout: 15_000 }).toMatch(/^(Order placed|Failed)/);
    await screenshot(page, 'storefront-cross-origin');
    expect(await statusText(page), consoleLines.join('\n')).toMatch(/^Order placed: ord_/);
    const orderId = await page.locator('body').getAttribute('data-order-id');
    // The page read an exposed header, not only the body.
    expect(await page.locator('body').getAttribute('data-request-id')).not.toBe('');
    const order = await api(server, mart.secret_key, 'GET', `/v1/orders/${orderId}`);
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({ id: orderId, status: 'awaiting_payment', buyer_email: 'browser-buyer@example.com' });
    expect(order.body.lines[0].variant_id).toBe(await page.locator('body').getAttribute('data-variant-id'));
    await page.close();
  });

  it('is refused by the browser on an origin the key does not list', async () => {
    const { page, consoleLines } = await visit(refusedOrigin(), 'storefront.html', { api: server.url, key: mart.publishable_key });
    await expect.poll(() => statusText(page), { timeout: 15_000 }).toMatch(/^Failed: TypeError/);
    expect(consoleLines.some((line) => line.includes('blocked by CORS policy')), consoleLines.join('\n')).toBe(true);
    await page.close();
  });
});

describe('the Segment browser SDK on a merchant’s page', () => {
  it('loads its settings from OpenBOS and sends identify, page and track into the data bank', async () => {
    const userId = 'browser-user-1';
    const { page, requested, consoleLines } = await visit(allowedOrigin(), 'analytics.html', { api: server.url, key: brand.publishable_key, user: userId });
    await expect.poll(() => statusText(page), { timeout: 15_000 }).toMatch(/^(Events sent|Failed)/);
    expect(await statusText(page), consoleLines.join('\n')).toBe('Events sent');
    const profileId = await eventually('the browser’s events in the data bank', () => profileOf(brand.secret_key, userId));
    const timeline = await eventually('identify, page and track on the timeline', async () => {
      const res = await api(server, brand.secret_key, 'GET', `/v1/consumers/${profileId}/timeline`);
      const types = (res.body.data as { type: string }[]).map((e) => e.type);
      return ['identify', 'page', 'track'].every((t) => types.includes(t)) ? (res.body.data as { type: string; event: string | null; properties: Record<string, unknown> }[]) : undefined;
    });
    expect(timeline.find((e) => e.type === 'track')).toMatchObject({ event: 'Viewed Tea', properties: { sku: 'TEA-LONGJING', price: 128 } });
    expect(timeline.find((e) => e.type === 'page')?.event).toBe('Home');
    const profile = await api(server, brand.secret_key, 'GET', `/v1/consumers/${profileId}`);
    expect(profile.body.traits).toMatchObject({ name: 'Browser Buyer' });
    // Settings and events went to OpenBOS; nothing went to Segment's own servers.
    expect(requested.some((u) => u.startsWith(`${server.url}/v1/projects/`))).toBe(true);
    expect(requested.filter((u) => !u.startsWith(server.url) && !u.startsWith(allowedOrigin())), 'requests elsewhere').toEqual([]);
    await page.close();
  });

  it('is refused on an origin the key does not list: no settings, and events are refused and stored nowhere', async () => {
    const userId = 'browser-user-elsewhere';
    const loaded = await visit(refusedOrigin(), 'analytics.html', { api: server.url, key: brand.publishable_key, user: userId });
    await expect.poll(() => statusText(loaded.page), { timeout: 15_000 }).toMatch(/^Failed/);
    expect(loaded.consoleLines.some((line) => line.includes('blocked by CORS policy')), loaded.consoleLines.join('\n')).toBe(true);
    await loaded.page.close();

    // With its settings given inline the SDK goes straight to sending: the browser's preflight is
    // answered, the events themselves are refused.
    const inline = await visit(refusedOrigin(), 'analytics.html', { api: server.url, key: brand.publishable_key, user: userId, inline: '1' });
    await expect.poll(() => inline.consoleLines.filter((line) => line.includes('blocked by CORS policy') && line.includes('/v1/')).length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(inline.requested.some((u) => /\/v1\/[tip]$/.test(u))).toBe(true);
    await inline.page.close();
    expect(await profileOf(brand.secret_key, userId)).toBeUndefined();
  });
});

describe('the console', () => {
  it('shows a publishable key’s allowed origins and edits them; a page on the added origin may then shop', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    page.setDefaultTimeout(15_000);
    await page.goto(`${server.url}/console/`);
    await page.getByLabel('Store handle').fill('demo-mart');
    await page.getByLabel('Email').fill(mart.console_email);
    await page.getByLabel('Password').fill(mart.console_password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.goto(`${server.url}/console/settings?tab=keys`);
    const origins = page.getByRole('list', { name: 'Allowed origins of “demo publishable key”' });
    await origins.waitFor();
    expect(await origins.getByRole('listitem').allTextContents()).toEqual(['http://localhost:*', 'http://127.0.0.1:*']);

    await page.getByRole('button', { name: 'Edit the allowed origins of key “demo publishable key”' }).click();
    const field = page.getByRole('textbox', { name: 'Allowed origins' });
    await field.fill('http://localhost:*\nhttp://127.0.0.1:*\nhttps://shop.example/cart');
    await page.getByRole('button', { name: 'Save origins' }).click();
    await expect.poll(() => page.getByRole('alert').allTextContents()).toEqual([expect.stringContaining('https://shop.example/cart')]);
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'settings-key-origins');
    await field.fill(`http://localhost:*\nhttp://127.0.0.1:*\n${refusedOrigin()}`);
    await page.getByRole('button', { name: 'Save origins' }).click();
    await expect.poll(() => origins.getByRole('listitem').allTextContents()).toEqual(['http://localhost:*', 'http://127.0.0.1:*', refusedOrigin()]);

    const keys = await api(server, mart.secret_key, 'GET', '/v1/api-keys?limit=100');
    expect(keys.body.data.find((k: { name: string }) => k.name === 'demo publishable key').allowed_origins).toContain(refusedOrigin());
    const shop = await visit(refusedOrigin(), 'storefront.html', { api: server.url, key: mart.publishable_key });
    await expect.poll(() => statusText(shop.page), { timeout: 15_000 }).toMatch(/^(Order placed|Failed)/);
    expect(await statusText(shop.page), shop.consoleLines.join('\n')).toMatch(/^Order placed: ord_/);
    await shop.page.close();
    await page.close();
  });
});
