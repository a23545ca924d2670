import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, initialJavaScriptGzipBytes, launchBrowser, screenshot, startE2eServer, unlabelledControls, type E2eServer } from './support.js';

/**
 * A merchant runs the demo business from the console in a real Chromium: sign in, look at the
 * overview, create and stock a product, find an order paid through the API, ship and confirm it,
 * see the overview change, erase a consumer. Every page is photographed into
 * test-results/screenshots/ and checked for controls without an accessible name.
 */
let server: E2eServer;
let browser: Browser;
let page: Page;
let demo: E2eServer['credentials']['merchants'][number];

beforeAll(async () => {
  server = await startE2eServer();
  demo = server.credentials.merchants.find((m) => m.handle === 'demo-brand')!;
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Asia/Shanghai' });
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const consoleUrl = (p = '') => `${server.url}/console/${p}`;

async function visit(p: string, shot: string): Promise<void> {
  await page.goto(consoleUrl(p));
  await page.locator('h1').first().waitFor();
  await page.getByRole('status').filter({ hasText: 'Loading' }).waitFor({ state: 'detached' });
  await screenshot(page, shot);
  expect(await unlabelledControls(page), `controls without a name on ${p || 'the overview'}`).toEqual([]);
}

async function overviewFigures(): Promise<{ todayOrders: number; paid: number; completed: number }> {
  const res = await api(server, demo.secret_key, 'GET', '/v1/analytics/overview?time_zone=Asia/Shanghai');
  expect(res.status).toBe(200);
  return { todayOrders: res.body.sales.today.orders, paid: res.body.orders_by_status.paid, completed: res.body.orders_by_status.completed };
}

describe('the merchant console', () => {
  it('loads at most 250 KB of JavaScript, gzipped, before the first page', async () => {
    const { bytes, files } = await initialJavaScriptGzipBytes(path.resolve('packages/console/dist'));
    expect(files.length).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(250 * 1024);
  });

  it('turns a wrong password away and signs a demo owner in', async () => {
    await page.goto(consoleUrl());
    await page.waitForURL(/\/console\/sign-in/);
    await screenshot(page, 'sign-in');
    expect(await unlabelledControls(page)).toEqual([]);
    await page.getByLabel('Store handle').fill('demo-brand');
    await page.getByLabel('Email').fill(demo.console_email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not right');
    await page.getByLabel('Password').fill(demo.console_password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual(['Overview', 'Catalog', 'Stock', 'Orders', 'Consumers', 'Settings']);
  });

  it('shows sales, orders by state, top products, the A-I-P-L funnel and low stock on the overview', async () => {
    await visit('', 'overview');
    for (const heading of ['Sales per day, last 30 days', 'Orders by state', 'Top products, last 30 days', 'Consumers by lifecycle stage (A-I-P-L)', 'Low stock']) {
      await page.getByRole('heading', { name: heading }).waitFor();
    }
    expect(await page.locator('canvas').count()).toBe(2);
    const figures = await overviewFigures();
    expect(await page.getByTestId('status-count-paid').textContent()).toBe(String(figures.paid));
  });

  it('can be used with the keyboard alone: the first Tab reaches "Skip to content"', async () => {
    await page.goto(consoleUrl());
    await page.locator('h1').first().waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('main');
    // Following a link inside the app moves focus to the new page's title for screen readers.
    await page.getByRole('link', { name: 'Orders', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor();
    await expect.poll(() => page.evaluate('document.activeElement && document.activeElement.tagName')).toBe('H1');
  });

  it('speaks Simplified Chinese', async () => {
    await page.goto(consoleUrl());
    await page.getByLabel('Language').first().selectOption('zh-CN');
    await page.getByRole('heading', { level: 1, name: '概览' }).waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
    await screenshot(page, 'overview-zh');
    await page.getByLabel('语言').first().selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  });
});
