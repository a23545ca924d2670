import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, screenshot, signedInConsole, unlabelledControls, type E2eServer } from './support.js';

/**
 * A store-chain owner opens the Stores page on the first `npm start` and looks at the demo
 * chain's People's Square store: its twin as a shopper sees it (address, hours, guides, what is
 * in stock), its devices with their health, and the shoppers' messages to its guides, answered
 * from the console. What the page shows is checked against the API.
 */
let server: E2eServer;
let browser: Browser;
let page: Page;
let mart: E2eServer['credentials']['merchants'][number];
let store: { id: string; name: string };

beforeAll(async () => {
  ({ server, person: mart, browser, page } = await signedInConsole('demo-mart'));
  const locations = await api(server, mart.secret_key, 'GET', '/v1/locations?limit=100');
  expect(locations.status).toBe(200);
  store = (locations.body.data as { id: string; name: string; code: string }[]).find((l) => l.code === 'ST-PEOPLES-SQ')!;
  expect(store).toBeDefined();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const rows = (body: any): any[] => (Array.isArray(body) ? body : body.data);

describe('the Stores page of a store chain', () => {
  it('lists the chain’s stores with today’s figures and opens People’s Square on its twin', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Stores' }).click();
    await page.getByRole('heading', { level: 1, name: 'Stores' }).waitFor();
    const list = page.getByTestId('stores-list');
    await list.getByRole('link', { name: store.name }).click();
    await page.getByRole('heading', { level: 1, name: store.name }).waitFor();
    expect(page.url()).toContain(`/console/stores/${store.id}`);

    const twin = await api(server, mart.secret_key, 'GET', `/v1/stores/${store.id}`);
    expect(twin.status).toBe(200);
    await page.getByTestId('twin-address').getByText('200 Nanjing West Road').waitFor();
    await page.getByTestId('twin-open-now').getByText(twin.body.open_now ? 'Open now' : 'Closed now').waitFor();
    await page.getByTestId('twin-hours').waitFor();
    const guides = twin.body.guides as { name: string }[];
    expect(guides.length).toBeGreaterThan(0);
    for (const g of guides) await page.getByTestId('twin-guides').getByText(g.name).waitFor();
    expect(twin.body.stock.total).toBeGreaterThan(0);
    expect(await page.getByTestId('twin-in-stock-count').textContent()).toContain(`${twin.body.stock.total} product(s) in stock`);
    const most = twin.body.stock.items[0] as { title: string; sku: string };
    await page.getByRole('row', { name: new RegExp(most.sku) }).getByText(most.title).first().waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'store-twin');
  });

  it('shows the store’s devices with their health', async () => {
    const listDevices = async () => rows((await api(server, mart.secret_key, 'GET', `/v1/store-devices?location_id=${store.id}`)).body) as { id: string; name: string; health: { online: boolean } }[];
    if ((await listDevices()).length === 0) {
      // Without demo devices at this store, make it unattended and register two as a store would: a gate that calls in, a shelf that has not yet.
      expect((await api(server, mart.secret_key, 'PUT', `/v1/unattended-stores/${store.id}`, { unattended: true })).status).toBe(200);
      const gate = await api(server, mart.secret_key, 'POST', '/v1/store-devices', { location_id: store.id, kind: 'entry_gate', name: 'E2E entry gate' });
      expect(gate.status).toBe(201);
      expect((await api(server, mart.secret_key, 'POST', `/v1/store-devices/${gate.body.id}/heartbeat`, {})).status).toBe(200);
      expect((await api(server, mart.secret_key, 'POST', '/v1/store-devices', { location_id: store.id, kind: 'shelf', name: 'E2E tea shelf' })).status).toBe(201);
    }
    const devices = await listDevices();
    expect(devices.length).toBeGreaterThan(0);
    await page.getByRole('tab', { name: 'Devices' }).click();
    const table = page.getByTestId('store-devices');
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBe(devices.length);
    for (const d of devices) await table.getByRole('row', { name: new RegExp(d.name) }).getByText(d.health.online ? 'Online' : 'Offline', { exact: true }).waitFor();
    const online = devices.filter((d) => d.health.online).length;
    expect(await page.getByTestId('devices-summary').textContent()).toBe(`${online} of ${devices.length} online`);
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'store-devices');
  });

  it('shows shoppers’ messages to the guides and sends a reply', async () => {
    await page.getByRole('tab', { name: 'Messages' }).click();
    const threads = rows((await api(server, mart.secret_key, 'GET', `/v1/store-threads?location_id=${store.id}`)).body) as { id: string }[];
    expect(threads.length).toBeGreaterThan(0);
    const table = page.getByTestId('store-threads');
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBe(threads.length);
    const first = (await api(server, mart.secret_key, 'GET', `/v1/store-threads/${threads[0]!.id}`)).body;
    expect(first.messages.length).toBeGreaterThan(0);
    await table.locator('tbody tr').first().getByRole('button', { name: first.consumer_name }).click();
    const messages = page.getByTestId('thread-messages');
    for (const m of first.messages as { body: string }[]) await messages.getByText(m.body).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'store-messages');

    const answer = 'Yes, the lotus seed mooncakes are on the shelf by the entrance.';
    await page.getByLabel('Your reply').fill(answer);
    await page.getByRole('button', { name: 'Reply', exact: true }).click();
    await messages.getByText(answer).waitFor();
    await expect.poll(async () => JSON.stringify((await api(server, mart.secret_key, 'GET', `/v1/store-threads/${threads[0]!.id}`)).body)).toContain(answer);
  });

  it('opens the live sessions, registers, figures and disputes without an error, and the members under Settings', async () => {
    const settled = async (name: string) => {
      await page.locator('[role="status"]', { hasText: 'Loading' }).first().waitFor({ state: 'detached' });
      expect(await page.getByRole('alert').count(), `an error on ${name}`).toBe(0);
      expect(await unlabelledControls(page), `controls without a name on ${name}`).toEqual([]);
      await screenshot(page, `store-${name}`);
    };
    for (const [tab, name] of [['Live sessions', 'sessions'], ['Registers', 'registers'], ['Disputes', 'disputes']] as const) {
      await page.getByRole('tab', { name: tab }).click();
      await page.getByRole('tabpanel').waitFor();
      await settled(name);
    }

    await page.getByRole('tab', { name: 'Figures' }).click();
    const figures = (await api(server, mart.secret_key, 'GET', `/v1/stores/${store.id}/figures?days=7`)).body;
    const chain = page.getByTestId('store-chain');
    await chain.waitFor();
    for (const s of figures.chain as { name: string; this_store: boolean }[]) await chain.getByText(s.this_store ? `${s.name} (this store)` : s.name, { exact: true }).waitFor();
    expect(await page.getByTestId('figure-orders').textContent()).toBe(String(figures.store.orders));
    await settled('figures');

    await page.goto(`${server.url}/console/settings?tab=membership`);
    await page.getByRole('heading', { name: 'Levels' }).waitFor();
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await settled('membership');
  });
});
