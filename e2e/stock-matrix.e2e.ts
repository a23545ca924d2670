import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type E2eServer, screenshot, signedInConsole, unlabelledControls } from './support.js';

/**
 * A store chain (demo-mart: three stores and a warehouse) reads its stock as a product ×
 * location matrix and on the map, in English and in Chinese, on a 1280 and a 1440 pixel wide
 * screen: the demo's sold-out mooncakes at Lujiazui show red in the matrix and on the map.
 */
let server: E2eServer;
let browser: Browser;
let page: Page;
let mart: E2eServer['credentials']['merchants'][number];

beforeAll(async () => {
  ({ server, person: mart, browser, page } = await signedInConsole('demo-mart'));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function openStock(query = ''): Promise<void> {
  await page.goto(`${server.url}/console/stock${query}`);
  await page.locator('table.stock-matrix').waitFor();
  await page.locator('[role="status"]', { hasText: /Loading|加载/ }).first().waitFor({ state: 'detached' });
}

/** Neither the page nor the matrix scrolls sideways: every column is in view. */
async function nothingClipped(): Promise<{ page: boolean; matrix: boolean }> {
  return page.evaluate(`(() => {
    const wrap = document.querySelector('.stock-matrix-wrap');
    return { page: document.documentElement.scrollWidth <= document.documentElement.clientWidth, matrix: wrap.scrollWidth <= wrap.clientWidth };
  })()`);
}

describe('the stock matrix and map', () => {
  it('shows each product’s stock at each location, with the sold-out and low levels coloured, and every column in view', async () => {
    await openStock();
    expect(await page.getByRole('tab', { name: 'Matrix' }).getAttribute('aria-selected')).toBe('true');
    const locations = (await api(server, mart.secret_key, 'GET', '/v1/locations?limit=100')).body.data as { name: string }[];
    for (const l of locations) await page.getByRole('columnheader', { name: new RegExp(l.name) }).waitFor();
    const soldOut = page.getByRole('button', { name: /^Mooncake box, lotus seed paste at Harbour Mart Lujiazui: 0 available.*\(Out\)$/ });
    await soldOut.waitFor();
    expect(await soldOut.locator('xpath=..').getAttribute('class')).toContain('stock-matrix-out');
    expect(await page.locator('td.stock-matrix-low').count()).toBeGreaterThanOrEqual(2);
    await screenshot(page, 'stock-matrix-1280');
    expect(await nothingClipped()).toEqual({ page: true, matrix: true });
    expect(await unlabelledControls(page)).toEqual([]);
    await page.setViewportSize({ width: 1440, height: 900 });
    expect(await nothingClipped()).toEqual({ page: true, matrix: true });
    await screenshot(page, 'stock-matrix-1440');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('opens a cell’s level with its journal and actions, and filters to what needs attention', async () => {
    await page.getByRole('button', { name: /^Mooncake box, lotus seed paste at Harbour Mart Lujiazui/ }).click();
    await page.getByRole('heading', { name: /Mooncake box, lotus seed paste \(MC-LOTUS\) at Harbour Mart Lujiazui/ }).waitFor();
    await page.getByRole('button', { name: 'Adjust' }).waitFor();
    await page.getByText('demo: sales before the shop moved to OpenBOS').waitFor();
    await screenshot(page, 'stock-matrix-level');
    await page.getByLabel('Show', { exact: true }).selectOption('out');
    await expect.poll(() => page.locator('table.stock-matrix tbody tr').count()).toBe(1);
    expect(await page.locator('table.stock-matrix tbody th').first().textContent()).toContain('Mooncake box');
    await page.getByLabel('Search').fill('water');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('No product matches these filters.').waitFor();
  });

  it('colours each location on the map by its stock, and shows one product’s quantity at each', async () => {
    await openStock();
    const marker = (name: string) => page.locator('g.map-marker', { has: page.locator('text.map-label', { hasText: name }) });
    expect(await marker('Harbour Mart Lujiazui').getAttribute('data-stock-status')).toBe('out');
    expect(await marker('Harbour Mart Xujiahui').getAttribute('data-stock-status')).toBe('low');
    expect(await marker('Pudong distribution centre').getAttribute('data-stock-status')).toBe('ok');
    expect(await marker('Harbour Mart Lujiazui').locator('text.map-stock').textContent()).toMatch(/available · .*1 out/);
    await page.locator('.stock-locations-card').scrollIntoViewIfNeeded();
    await screenshot(page, 'stock-map-levels');
    await page.getByRole('button', { name: 'Show the stock of Spring water 550ml on the map' }).click();
    await page.getByText('The map shows Spring water 550ml').waitFor();
    const waterAtPeoplesSquare = (await api(server, mart.secret_key, 'GET', '/v1/stock/matrix?q=WATER-550')).body;
    const peoples = waterAtPeoplesSquare.locations.find((l: { name: string }) => l.name.includes('People'));
    const cell = waterAtPeoplesSquare.data[0].cells.find((c: { location_id: string }) => c.location_id === peoples.id);
    await expect.poll(() => marker('Harbour Mart People’s Square').locator('text.map-stock').textContent()).toBe(`${cell.available} available`);
    expect(await marker('Harbour Mart People’s Square').getAttribute('data-stock-status')).toBe('low');
    await screenshot(page, 'stock-map-one-product');
  });

  it('speaks Chinese: the products’ Chinese names in the matrix and on the map', async () => {
    await page.getByLabel('Language').first().selectOption('zh-CN');
    await openStock();
    await page.getByRole('tab', { name: '矩阵' }).waitFor();
    await page.getByRole('rowheader', { name: /莲蓉月饼礼盒/ }).waitFor();
    await page.getByRole('button', { name: /^莲蓉月饼礼盒 在 Harbour Mart Lujiazui：可售 0/ }).waitFor();
    expect(await nothingClipped()).toEqual({ page: true, matrix: true });
    await screenshot(page, 'stock-matrix-zh');
    await page.setViewportSize({ width: 1440, height: 900 });
    expect(await nothingClipped()).toEqual({ page: true, matrix: true });
    await page.getByRole('button', { name: '在地图上显示 莲蓉月饼礼盒 的库存' }).click();
    await page.getByText('地图显示：莲蓉月饼礼盒').waitFor();
    await page.locator('.stock-locations-card').scrollIntoViewIfNeeded();
    await screenshot(page, 'stock-map-zh');
    await page.getByRole('tab', { name: '库存明细' }).click();
    await page.getByRole('link', { name: '莲蓉月饼礼盒' }).first().waitFor();
    await screenshot(page, 'stock-levels-zh');
    await page.getByLabel('语言').first().selectOption('en');
  });

  it('leaves every invariant holding (bos check)', async () => {
    const check = await server.bos(['check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
