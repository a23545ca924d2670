import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, screenshot, signedInConsole, unlabelledControls, type E2eServer } from './support.js';

/**
 * A store chain's planner on the first `npm start` (demo-mart, three Shanghai stores and a
 * warehouse) plans from the console (issue 20): runs the forecast and watches it finish, reads
 * next week's demand per store with its interval, opens one product's chart, approves a transfer
 * from the warehouse to a store and a purchase order in the replenishment inbox, receives that
 * purchase order, and reads stock health per store and the product-insight report. What the
 * pages show is checked against the API.
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

const rows = (body: any): any[] => (Array.isArray(body) ? body : body.data);
const secret = (method: string, path: string, body?: unknown) => api(server, mart.secret_key, method, path, body);
const noLoading = () => page.locator('[role="status"]', { hasText: 'Loading' }).first().waitFor({ state: 'detached' });

async function openPage(link: string, heading = link): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  await noLoading();
}

/** A section of a planning area, from the links under its title. */
async function openSection(area: string, link: string, heading: string): Promise<void> {
  await page.getByRole('navigation', { name: area }).getByRole('link', { name: link, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  await noLoading();
}

/** "1,234" as the console writes whole numbers in en-GB. */
const whole = (n: number) => Math.round(n).toLocaleString('en-GB');

describe('planning a store chain from the console', () => {
  it('runs the forecast from the console and follows it to the end', async () => {
    await openPage('Forecasts');
    // The first start ran one already (the demo); the planner runs another.
    const before = rows((await secret('GET', '/v1/forecast/runs')).body)[0]?.id;
    await page.getByRole('button', { name: 'Run forecast' }).click();
    // The run's progress shows while it runs (polled), then its outcome.
    const shown = page.locator(`[data-testid="forecast-run"]:not([data-run="${before as string}"])`);
    await shown.waitFor();
    const id = (await shown.getAttribute('data-run'))!;
    await page.locator(`[data-testid="forecast-run"][data-run="${id}"][data-status="succeeded"]`).waitFor({ timeout: 240_000 });
    const run = (await secret('GET', `/v1/forecast/runs/${id}`)).body;
    expect(run, JSON.stringify(rows((await secret('GET', '/v1/forecast/runs')).body).map((r) => [r.id, r.status, r.reason]))).toMatchObject({ status: 'succeeded', progress: 1 });
    expect(run.series).toBeGreaterThan(0);
    expect(await page.getByTestId('forecast-run').textContent()).toContain(`${whole(run.series)} series`);
    await screenshot(page, 'forecast-run');
  }, 300_000);

  it('shows next week’s demand per store with its interval, and the chain’s total', async () => {
    const summary = await secret('GET', '/v1/forecast/summary?granularity=week');
    expect(summary.status).toBe(200);
    const stores = summary.body.stores as { location_id: string; name: string; mean: number; lower: number; upper: number }[];
    expect(stores.length).toBeGreaterThanOrEqual(3);
    const table = page.getByTestId('forecast-summary');
    await table.waitFor();
    for (const store of stores) {
      const row = table.locator(`tbody tr[data-location="${store.location_id}"]`);
      expect(await row.locator('th').textContent()).toBe(store.name);
      const cells = await row.locator('td').allTextContents();
      expect(cells).toContain(whole(store.mean));
      expect(cells).toContain(`${whole(store.lower)}–${whole(store.upper)}`);
      expect(store.lower).toBeLessThanOrEqual(store.mean);
      expect(store.mean).toBeLessThanOrEqual(store.upper);
    }
    const chain = summary.body.chain as { mean: number; lower: number; upper: number };
    expect(await page.getByTestId('forecast-chain').textContent()).toContain(whole(chain.mean));
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'forecast-summary');
  });

  it('opens one product’s chart: its history, the forecast with its band, the model and class', async () => {
    const series = page.getByTestId('forecast-series');
    await series.waitFor();
    const first = series.locator('tbody tr').first();
    await first.getByRole('button', { name: /^Chart of / }).click();
    await page.getByTestId('forecast-chart').waitFor();
    await page.getByTestId('forecast-band').waitFor();
    const url = new URL(page.url());
    const variant_id = url.searchParams.get('variant')!;
    const location_id = url.searchParams.get('location')!;
    const detail = await secret('GET', `/v1/forecast/series/${variant_id}/${location_id}?granularity=day`);
    expect(detail.status).toBe(200);
    expect(detail.body.forecast.length).toBeGreaterThan(0);
    expect(await page.getByTestId('forecast-model').textContent()).not.toBe('');
    // Out-of-stock days are marked on the chart (the last 56 days of history are drawn).
    expect(await page.getByTestId('censored-day').count()).toBe(detail.body.history.slice(-56).filter((h: { censored: boolean }) => h.censored).length);
    if (detail.body.fallback !== null) expect(await page.getByTestId('forecast-fallback').textContent()).toBe(detail.body.fallback);
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'forecast-chart');
  });

  let transfer: { id: string; to_location_id: string };
  let order: { id: string; purchase_order_id: string | null };

  it('approves a transfer from the warehouse to a store in the replenishment inbox, and the stock moves', async () => {
    await openPage('Replenishment');
    // Plan now (a forecast run plans too; a plan never duplicates an open suggestion).
    await page.getByRole('button', { name: 'Plan now' }).click();
    await page.getByText(/^Planned: /).waitFor({ timeout: 60_000 });
    await noLoading();
    const open = rows((await secret('GET', '/v1/replenishment/suggestions?status=open&kind=transfer')).body);
    expect(open.length, 'the demo data gives a transfer suggestion').toBeGreaterThan(0);
    transfer = open[0];
    const card = page.locator(`[data-testid="suggestion"][data-id="${transfer.id}"]`);
    await card.waitFor();
    // Each line says why: available, on order, reorder point, order-up-to, safety stock.
    for (const header of ['Available', 'On order', 'Reorder point', 'Order-up-to', 'Safety stock']) await card.getByRole('columnheader', { name: header }).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'replenishment-inbox');
    await card.getByRole('button', { name: /^Approve / }).click();
    await card.waitFor({ state: 'detached' });
    const decided = await eventually('the transfer approved', async () => {
      const list = rows((await secret('GET', '/v1/replenishment/suggestions?status=approved&kind=transfer')).body);
      return list.find((s) => s.id === transfer.id);
    });
    expect(decided.transfer_ids.length).toBeGreaterThan(0);
  });

  it('approves a purchase order with an edited quantity, and receives it into stock', async () => {
    let open = rows((await secret('GET', '/v1/replenishment/suggestions?status=open&kind=purchase_order')).body);
    if (open.length === 0 && rows((await secret('GET', '/v1/suppliers')).body).length === 0) {
      // Without a supplier nothing can be bought: the planner adds one in the console, and what it
      // supplies (every forecast product) through the API, then plans again.
      await openSection('Replenishment sections', 'Suppliers', 'Replenishment');
      await page.getByLabel('Name', { exact: true }).fill('Shanghai Fresh Foods');
      await page.getByLabel('Lead time (days)').fill('3');
      await page.getByRole('button', { name: 'Add supplier' }).click();
      await page.getByTestId('suppliers').getByText('Shanghai Fresh Foods').waitFor();
      const supplier = rows((await secret('GET', '/v1/suppliers')).body).find((x) => x.name === 'Shanghai Fresh Foods');
      expect(supplier).toMatchObject({ currency: 'CNY', lead_time_days: 3, status: 'active' });
      const variants = new Set(rows((await secret('GET', '/v1/forecast/series?limit=100')).body).map((x) => x.variant_id as string));
      for (const variant_id of variants) expect((await secret('PUT', `/v1/suppliers/${supplier.id}/items/${variant_id}`, { min_order: 1, pack_size: 1, unit_cost_minor: 500 })).status).toBe(200);
      await openSection('Replenishment sections', 'Inbox', 'Replenishment');
      await page.getByRole('button', { name: 'Plan now' }).click();
      await page.locator('[data-testid="suggestion"][data-kind="purchase_order"]').first().waitFor({ timeout: 60_000 });
      open = rows((await secret('GET', '/v1/replenishment/suggestions?status=open&kind=purchase_order')).body);
    }
    expect(open.length, 'a purchase-order suggestion').toBeGreaterThan(0);
    order = open[0];
    const line = open[0].lines[0] as { variant_id: string; sku: string | null; title: string | null; quantity: number };
    const card = page.locator(`[data-testid="suggestion"][data-id="${order.id}"]`);
    await card.waitFor();
    const edited = line.quantity + 1;
    await card.getByLabel(`Quantity of ${line.title ?? line.sku ?? line.variant_id}`).fill(String(edited));
    await card.getByRole('button', { name: /^Approve / }).click();
    await card.waitFor({ state: 'detached' });
    const approved = await eventually('the purchase order approved', async () => {
      const list = rows((await secret('GET', '/v1/replenishment/suggestions?status=approved&kind=purchase_order')).body);
      return list.find((s) => s.id === order.id && s.purchase_order_id !== null);
    });
    const po = await secret('GET', `/v1/purchase-orders/${approved.purchase_order_id}`);
    expect(po.body.status).toBe('approved');
    // A quantity may be rounded up to a whole pack, never below what was asked.
    expect(po.body.lines.find((l: { variant_id: string }) => l.variant_id === line.variant_id).quantity).toBeGreaterThanOrEqual(edited);

    const onHand = async (variant_id: string): Promise<number> => rows((await secret('GET', `/v1/stock?location_id=${po.body.location_id}&variant_id=${variant_id}`)).body)[0]?.on_hand ?? 0;
    const before = new Map<string, number>();
    for (const l of po.body.lines) before.set(l.variant_id, await onHand(l.variant_id));
    await openSection('Replenishment sections', 'Purchase orders', 'Replenishment');
    await page.getByRole('navigation', { name: 'Replenishment sections' }).locator('a[aria-current="page"]', { hasText: 'Purchase orders' }).waitFor();
    const poCard = page.locator(`[data-testid="purchase-order"][data-id="${approved.purchase_order_id}"]`);
    await poCard.waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await poCard.getByRole('button', { name: /^Receive all/ }).click();
    await page.locator(`[data-testid="purchase-order"][data-id="${approved.purchase_order_id}"][data-status="received"]`).waitFor();
    await screenshot(page, 'purchase-orders');
    const received = await secret('GET', `/v1/purchase-orders/${approved.purchase_order_id}`);
    expect(received.body.status).toBe('received');
    for (const l of received.body.lines) expect(l.received_quantity).toBe(l.quantity);
    // Exactly the ordered units arrived at the purchase order's location.
    for (const l of received.body.lines) expect((await onHand(l.variant_id)) - before.get(l.variant_id)!).toBe(l.quantity);
  });

  it('shows stock health per store: days of cover, expected stock-outs and waste', async () => {
    await openSection('Replenishment sections', 'Stock health', 'Stock health');
    const health = await secret('GET', '/v1/replenishment/health');
    expect(health.status).toBe(200);
    const stores = (health.body.stores ?? health.body) as { name: string; totals: { items: number; at_risk_of_stockout: number } }[];
    expect(stores.length).toBeGreaterThan(0);
    const table = page.getByTestId('health-stores');
    await table.waitFor();
    for (const store of stores) {
      const cells = await table.locator('tbody tr', { has: page.locator('th', { hasText: store.name }) }).first().locator('td').allTextContents();
      expect(cells[0]).toBe(whole(store.totals.items));
      expect(cells[1]).toBe(whole(store.totals.at_risk_of_stockout));
    }
    await page.getByRole('heading', { name: 'Markdown suggestions' }).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'stock-health');
  });

  it('reads the product-insight report, with a CSV of the same findings', async () => {
    await openPage('Forecasts');
    await openSection('Forecast sections', 'Product insight', 'Product insight');
    const report = await secret('GET', '/v1/insight/report?days=30');
    expect(report.status).toBe(200);
    const findings = report.body.findings as { title: string }[];
    if (findings.length > 0) {
      const table = page.getByTestId('insight-findings');
      await table.waitFor();
      expect(await table.locator('tbody tr').count()).toBe(findings.length);
      expect(await table.locator('tbody tr').first().locator('th').textContent()).toContain(findings[0]!.title);
    } else {
      await page.getByText('No findings in this period.').waitFor();
    }
    const href = await page.getByTestId('insight-csv').getAttribute('href');
    expect(href).toBe('/v1/insight/report.csv?days=30');
    const csv = await fetch(`${server.url}${href}`, { headers: { authorization: `Bearer ${mart.secret_key}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'product-insight');
  });

  it('leaves every invariant holding, received purchase orders included (bos check)', async () => {
    const check = await server.bos(['check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
