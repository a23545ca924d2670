import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, consolePage, type E2eServer, eventually, launchBrowser, screenshot, signInToConsole, startE2eServer, unlabelledControls } from './support.js';

/**
 * The seller's logistics in the console: every shipment in one list (filtered by status and
 * carrier, each linking to its order, with its recipient), carrier performance with its charts
 * from real tracking, and the express delivery zone drawn around each open store on the
 * locations map. The demo ships one order by carrier at start; the test ships the paid orders left (up to two) through
 * the API, and a buyer's order with a delivery address to that address, and lets the simulated
 * carriers' webhooks deliver them. English and Chinese.
 */
let server: E2eServer;
let browser: Browser;
let page: Page;
let mart: E2eServer['credentials']['merchants'][number];

interface Shipment {
  id: string;
  order_id: string;
  carrier: string;
  status: string;
}

beforeAll(async () => {
  // Every simulated hour of a parcel's journey passes at once: parcels are delivered within seconds.
  server = await startE2eServer({ OPENBOS_SIM_CARRIER_HOUR_MS: '0', OPENBOS_SIM_CARRIER_LOSSES: 'none' });
  mart = server.credentials.merchants.find((m) => m.handle === 'demo-mart')!;
  const paid = (await api(server, mart.secret_key, 'GET', '/v1/orders?status=paid&limit=100')).body.data as { id: string }[];
  for (const [i, order] of paid.slice(0, 2).entries()) {
    const destination = i === 0 ? { latitude: 39.9042, longitude: 116.4074 } : { latitude: 23.1291, longitude: 113.2644 };
    const shipped = await api(server, mart.secret_key, 'POST', `/v1/orders/${order.id}/shipments`, { destination, weight_g: 900 });
    expect(shipped.status).toBe(201);
  }
  // A buyer's order with a delivery address: shipped without a destination, it goes to that address.
  const guangzhou = { latitude: 23.1291, longitude: 113.2644 };
  const levels = (await api(server, mart.secret_key, 'GET', '/v1/stock?limit=100')).body.data as { variant_id: string; available: number }[];
  const items = [{ variant_id: levels.find((l) => l.available >= 1)!.variant_id, quantity: 1 }];
  const quoted = await api(server, mart.publishable_key, 'POST', '/v1/delivery-options', { items, destination: guangzhou });
  const standard = (quoted.body.sellers[0].options as { kind: string; price_minor: number }[]).find((o) => o.kind === 'standard')!;
  const placed = await api(server, mart.publishable_key, 'POST', '/v1/checkouts', {
    currency: 'CNY',
    items,
    buyer_email: 'li.na@example.com',
    delivery: { recipient: { name: 'Li Na', phone: '+86 137 0000 1234' }, address: { line1: '1 Tianhe Road', city: 'Guangzhou', country: 'CN', ...guangzhou }, option: { kind: 'standard', expected_price_minor: standard.price_minor } },
  });
  expect(placed.status).toBe(201);
  const order_id = placed.body.orders[0].id as string;
  expect((await api(server, mart.publishable_key, 'POST', `/v1/checkouts/${placed.body.checkout_id as string}/payments`, { payment_method: '4242424242424242' })).status).toBe(202);
  await eventually('the payment to be confirmed', async () => ((await api(server, mart.secret_key, 'GET', `/v1/orders/${order_id}`)).body.status === 'paid' ? true : undefined));
  const toAddress = await api(server, mart.secret_key, 'POST', `/v1/orders/${order_id}/shipments`, { weight_g: 700 });
  expect(toAddress.status).toBe(201);
  expect(toAddress.body.destination).toEqual(guangzhou);
  expect(toAddress.body.recipient.name).toBe('Li Na');
  await eventually('a shipment to be delivered', async () => {
    const shipments = (await api(server, mart.secret_key, 'GET', '/v1/shipments?status=delivered')).body.data as Shipment[];
    return shipments.length > 0 ? shipments : undefined;
  });
  browser = await launchBrowser();
  page = await consolePage(browser);
  await signInToConsole(page, server, mart);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function settled(): Promise<void> {
  await page.locator('[role="status"]', { hasText: /Loading|加载/ }).first().waitFor({ state: 'detached' });
}

describe('logistics in the console', () => {
  it('lists every shipment, filters them by status and carrier, and links each to its order', async () => {
    const all = (await api(server, mart.secret_key, 'GET', '/v1/shipments?limit=100')).body.data as Shipment[];
    expect(all.length).toBeGreaterThanOrEqual(2);
    await page.getByRole('link', { name: 'Shipments' }).click();
    await page.getByTestId('shipments-table').waitFor();
    await settled();
    expect(await page.getByTestId('shipments-table').locator('tbody tr').count()).toBe(all.length);
    // The seller sees who receives the parcel shipped to the buyer's address.
    await page.getByTestId('shipments-table').getByText('Li Na').waitFor();
    await screenshot(page, 'shipments-list');
    expect(await unlabelledControls(page)).toEqual([]);

    await page.getByLabel('Status').selectOption('delivered');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.url()).toContain('status=delivered');
    const deliveredNow = (await api(server, mart.secret_key, 'GET', '/v1/shipments?status=delivered&limit=100')).body.data as Shipment[];
    await expect.poll(() => page.getByTestId('shipments-table').locator('tbody tr').count()).toBe(deliveredNow.length);
    for (const status of await page.getByTestId('shipments-table').locator('tbody .badge:not(.badge-overdue)').allTextContents()) expect(status).toBe('Delivered');

    const carrier = all[0]!.carrier;
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Carrier').selectOption(carrier);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByTestId('shipments-table').locator('tbody tr').count()).toBe(all.filter((s) => s.carrier === carrier).length);

    await page.getByRole('link', { name: all[0]!.order_id }).click();
    await page.getByTestId('shipment-reason').waitFor();
    expect(page.url()).toContain(`/console/orders/${all[0]!.order_id}`);
  });

  it('shows carrier performance with charts and the figures per lane', async () => {
    const perf = (await api(server, mart.secret_key, 'GET', '/v1/logistics/performance')).body as { data: { lane: string }[]; carriers: { carrier: string }[] };
    await page.goto(`${server.url}/console/shipments/performance`);
    await page.getByTestId('performance-lanes').waitFor();
    await settled();
    for (const chart of ['chart-on-time', 'chart-cost', 'chart-volume', 'chart-lanes']) expect(await page.getByTestId(chart).locator('canvas').count()).toBe(1);
    expect(await page.getByTestId('performance-lanes').locator('tbody tr').count()).toBe(perf.data.length);
    for (const c of perf.carriers) expect(await page.getByText(new RegExp(`On-time rate: .*${c.carrier}`)).count()).toBe(1);
    await screenshot(page, 'carrier-performance');
    expect(await unlabelledControls(page)).toEqual([]);
    await page.getByLabel('Shipments created in the last').selectOption('7');
    await expect.poll(() => page.url()).toContain('days=7');
    await settled();

    await page.getByLabel('Language').first().selectOption('zh-CN');
    await page.getByRole('heading', { name: '承运商表现' }).waitFor();
    await page.getByText('各承运商准时率').waitFor();
    await screenshot(page, 'carrier-performance-zh');
    await page.getByRole('link', { name: '全部运单' }).click();
    await page.getByTestId('shipments-table').waitFor();
    await settled();
    await screenshot(page, 'shipments-list-zh');
    await page.getByLabel('语言').first().selectOption('en');
  });

  it('draws the express delivery zone around each open store on the locations map', async () => {
    const locations = (await api(server, mart.secret_key, 'GET', '/v1/locations?limit=100')).body.data as { kind: string; active: boolean }[];
    const openStores = locations.filter((l) => l.kind === 'store' && l.active).length;
    expect(openStores).toBe(3);
    await page.goto(`${server.url}/console/stock`);
    await page.getByTestId('express-zones').waitFor();
    await settled();
    expect(await page.getByTestId('express-zones').locator('circle').count()).toBe(openStores);
    expect(await page.getByTestId('express-zones').getAttribute('data-radius-m')).toBe('3000');
    await page.getByText('Express zone (3 km)').waitFor();
    await screenshot(page, 'locations-map-zones');
  });

  it('leaves every invariant holding (bos check)', async () => {
    const check = await server.bos(['check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
