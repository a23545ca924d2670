import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, launchBrowser, screenshot, startE2eServer, unlabelledControls, type E2eServer } from './support.js';

/**
 * A store-chain owner opens the overview on the first `npm start`: the demo chain's stores are
 * compared on today's figures, each on its own local day, beside the channels and the A-I-P-L
 * with the flow between stages, in English and in Chinese.
 */
let server: E2eServer;
let browser: Browser;
let page: Page;
let mart: E2eServer['credentials']['merchants'][number];

beforeAll(async () => {
  server = await startE2eServer();
  mart = server.credentials.merchants.find((m) => m.handle === 'demo-mart')!;
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, locale: 'en-GB', timezoneId: 'Asia/Shanghai' });
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

interface StoreRow {
  name: string;
  kind: string;
  today: string;
  current: { orders: number; visits: number | null };
}

describe('the overview of a store chain', () => {
  it('compares the demo chain’s stores today, in each store’s time zone, with visits', async () => {
    const res = await api(server, mart.secret_key, 'GET', '/v1/analytics/stores');
    expect(res.status).toBe(200);
    const stores = (res.body.stores as StoreRow[]).filter((s) => s.kind === 'store');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    expect(stores.every((s) => s.today === today)).toBe(true);
    expect(stores.filter((s) => s.current.orders > 0).length).toBeGreaterThanOrEqual(2);
    expect(stores.filter((s) => (s.current.visits ?? 0) > 0).length).toBeGreaterThanOrEqual(2);

    await page.goto(`${server.url}/console/`);
    await page.getByLabel('Store handle').fill('demo-mart');
    await page.getByLabel('Email').fill(mart.console_email);
    await page.getByLabel('Password').fill(mart.console_password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const table = page.getByTestId('stores-table');
    await table.waitFor();
    for (const s of stores) await table.getByText(s.name).waitFor();
    expect(await table.textContent()).toContain('Asia/Shanghai');
    await page.getByTestId('channels-table').getByText('Own storefront').waitFor();
    await page.getByTestId('aipl-flow').waitFor();
    expect(await page.getByTestId('aipl-flow').textContent()).toContain('moved on');
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'overview-stores');
  });

  it('shows the last 7 days and then speaks Chinese', async () => {
    await page.getByRole('button', { name: 'Last 7 days' }).click();
    await page.getByRole('heading', { name: 'Stores, last 7 days' }).waitFor();
    await page.getByRole('button', { name: 'Today' }).click();
    await page.getByLabel('Language').first().selectOption('zh-CN');
    await page.getByRole('heading', { level: 1, name: '概览' }).waitFor();
    await page.getByRole('heading', { name: '各门店今日（按各自时区）' }).waitFor();
    await page.getByTestId('channels-table').getByText('自有店铺').waitFor();
    expect(await page.getByTestId('aipl-flow').textContent()).toContain('进入下一阶段');
    await screenshot(page, 'overview-stores-zh');
  });
});
