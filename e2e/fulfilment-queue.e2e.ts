import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type E2eServer, eventually, screenshot, signedInConsole, unlabelledControls } from './support.js';

/**
 * A store's fulfilment page: the queue of the demo store's paid orders, most urgent first, and
 * its pick list. Packing one short (the shelf had one unit less) confirms the quantities per line
 * in a dialog; the missing unit is re-routed to another location or refunded, which the page
 * and the API both show. In English and Chinese; every invariant holds after.
 */
let server: E2eServer;
let browser: Browser;
let page: Page;
let mart: E2eServer['credentials']['merchants'][number];

interface Fulfilment {
  id: string;
  order_id: string;
  location_id: string;
  status: string;
  lines: { line_no: number; sku: string; quantity: number; picked_quantity: number | null; refunded_quantity: number }[];
}

beforeAll(async () => {
  ({ server, person: mart, browser, page } = await signedInConsole('demo-mart'));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the fulfilment page', () => {
  it('shows a location’s queue and pick list, and packs a fulfilment short', async () => {
    const waiting = await eventually('a demo fulfilment waiting to be picked', async () => {
      const list = (await api(server, mart.secret_key, 'GET', '/v1/fulfilments?status=awaiting_pick&limit=100')).body.data as Fulfilment[] | undefined;
      return list?.find((f) => f.lines.some((l) => l.quantity >= 2)) ?? list?.[0];
    });
    const line = waiting.lines.find((l) => l.quantity >= 2) ?? waiting.lines[0]!;

    await page.goto(`${server.url}/console/fulfilment?location_id=${waiting.location_id}`);
    const row = page.locator(`[data-fulfilment="${waiting.id}"]`);
    await row.waitFor();
    await page.getByTestId('pick-list').waitFor();
    expect(await page.getByTestId('pick-list').textContent()).toContain(line.sku);
    await screenshot(page, 'fulfilment-queue');
    expect(await unlabelledControls(page)).toEqual([]);

    await row.getByRole('button', { name: 'Pack' }).click();
    const dialog = page.getByRole('dialog', { name: 'Pack' });
    // More than ordered is refused in the form, and nothing is packed.
    await dialog.getByLabel(`Picked of ${line.sku}`).fill(String(line.quantity + 1));
    await dialog.getByRole('button', { name: 'Confirm packing' }).click();
    await dialog.getByText(`Between 0 and ${line.quantity}`).waitFor();
    await dialog.getByLabel(`Picked of ${line.sku}`).fill(String(line.quantity - 1));
    await screenshot(page, 'fulfilment-pack-dialog');
    await dialog.getByRole('button', { name: 'Confirm packing' }).click();
    await page.getByText(/Packed 1 short: \d re-routed, \d refunded\./).waitFor();

    const after = (await api(server, mart.secret_key, 'GET', `/v1/fulfilments/${waiting.id}`)).body as Fulfilment;
    expect(['packed', 'cancelled']).toContain(after.status);
    expect(after.lines.find((l) => l.line_no === line.line_no)!.picked_quantity).toBe(line.quantity - 1);
    const all = (await api(server, mart.secret_key, 'GET', `/v1/orders/${waiting.order_id}/fulfilments`)).body.data as (Fulfilment & { transitions: { reason: string | null }[] })[];
    const rerouted = all.filter((f) => f.id !== waiting.id).reduce((s, f) => s + (f.lines.find((l) => l.line_no === line.line_no)?.quantity ?? 0), 0);
    expect(rerouted + after.lines.find((l) => l.line_no === line.line_no)!.refunded_quantity).toBe(1);
    expect(all.find((f) => f.id === waiting.id)!.transitions.some((t) => t.reason?.includes('short pick') === true)).toBe(true);
    if (after.status === 'packed') {
      await eventually('the row to show the packed status', async () => ((await row.getAttribute('data-status')) === 'packed' ? true : undefined));
      expect(await row.textContent()).toContain(`short, ${line.quantity} ordered`);
    }
    await screenshot(page, 'fulfilment-packed-short');

    await page.getByLabel('Language').first().selectOption('zh-CN');
    await page.getByRole('heading', { name: '拣货单' }).waitFor();
    await screenshot(page, 'fulfilment-queue-zh');
    await page.getByLabel('语言').first().selectOption('en');

    const check = await server.bos(['check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
