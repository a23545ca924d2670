import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type E2eServer, screenshot, signedInConsole, unlabelledControls } from './support.js';

/**
 * A buyer picks up at one of demo-mart's stores (checkout with a chosen delivery, through the
 * storefront key); the seller's order page shows the delivery, its promise and price, and the
 * recipient with their phone, in English and in Chinese.
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

describe('an order with a chosen delivery', () => {
  it('shows the seller the pickup store’s promise and the recipient', async () => {
    const locations = (await api(server, mart.secret_key, 'GET', '/v1/locations?limit=100')).body.data as { id: string; kind: string; latitude: number; longitude: number }[];
    const stores = new Map(locations.filter((l) => l.kind === 'store').map((l) => [l.id, l]));
    const levels = (await api(server, mart.secret_key, 'GET', '/v1/stock?limit=100')).body.data as { variant_id: string; location_id: string; available: number }[];
    const level = levels.find((l) => stores.has(l.location_id) && l.available >= 1)!;
    expect(level).toBeDefined();
    const store = stores.get(level.location_id)!;
    const items = [{ variant_id: level.variant_id, quantity: 1 }];
    const quoted = await api(server, mart.publishable_key, 'POST', '/v1/delivery-options', { items, destination: { latitude: store.latitude, longitude: store.longitude } });
    expect(quoted.status).toBe(200);
    const pickup = (quoted.body.sellers[0].options as { kind: string; location_id?: string; price_minor: number }[]).find((o) => o.kind === 'pickup' && o.location_id === store.id)!;
    expect(pickup).toBeDefined();
    const placed = await api(server, mart.publishable_key, 'POST', '/v1/checkouts', {
      currency: 'CNY',
      items,
      delivery: { recipient: { name: 'Zhang Wei', phone: '+86 138 0000 1234' }, option: { kind: 'pickup', location_id: store.id, expected_price_minor: pickup.price_minor } },
    });
    expect(placed.status).toBe(201);
    const order_id = placed.body.orders[0].id as string;

    await page.goto(`${server.url}/console/orders/${order_id}`);
    await page.getByTestId('delivery-recipient').waitFor();
    await page.locator('[role="status"]', { hasText: 'Loading' }).first().waitFor({ state: 'detached' });
    expect(await page.getByTestId('delivery-kind').textContent()).toContain('Pickup at the store');
    // Every fact is legible: no value squeezed into a sliver by a long label.
    expect((await page.getByTestId('delivery-recipient').boundingBox())!.width).toBeGreaterThan(60);
    expect(await page.getByTestId('delivery-recipient').textContent()).toContain('Zhang Wei');
    expect(await page.getByRole('link', { name: '+86 138 0000 1234' }).getAttribute('href')).toBe('tel:+8613800001234');
    await screenshot(page, 'order-delivery');
    expect(await unlabelledControls(page)).toEqual([]);

    await page.getByLabel('Language').first().selectOption('zh-CN');
    await page.getByText('门店自提').waitFor();
    await screenshot(page, 'order-delivery-zh');
  });
});
