import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type E2eServer, eventually, screenshot, signedInConsole, unlabelledControls } from './support.js';

/**
 * Two buyers near one of demo-mart's Shanghai stores order express; the store packs both, and on
 * the Local delivery page the store plans them into one rider's route (ETAs within the promise),
 * dispatches the rider and marks a stop delivered, which delivers the order; in English and Chinese.
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

async function paidExpressOrder(variant_id: string, to: { latitude: number; longitude: number }): Promise<{ order_id: string; store_id: string }> {
  const items = [{ variant_id, quantity: 1 }];
  const quoted = await api(server, mart.publishable_key, 'POST', '/v1/delivery-options', { items, destination: to });
  expect(quoted.status).toBe(200);
  const express = (quoted.body.sellers[0].options as { kind: string; location_id: string; price_minor: number }[]).find((o) => o.kind === 'express')!;
  expect(express).toBeDefined();
  const placed = await api(server, mart.publishable_key, 'POST', '/v1/checkouts', {
    currency: 'CNY',
    items,
    delivery: { recipient: { name: 'Zhang Wei', phone: '+86 138 0000 1234' }, address: { line1: '8 Test Lane', city: 'Shanghai', country: 'CN', ...to }, option: { kind: 'express', location_id: express.location_id, expected_price_minor: express.price_minor } },
  });
  expect(placed.status).toBe(201);
  const order_id = placed.body.orders[0].id as string;
  expect((await api(server, mart.publishable_key, 'POST', `/v1/checkouts/${placed.body.checkout_id as string}/payments`, { payment_method: '4242424242424242' })).status).toBe(202);
  await eventually('the payment to be confirmed', async () => ((await api(server, mart.secret_key, 'GET', `/v1/orders/${order_id}`)).body.status === 'paid' ? true : undefined));
  const fulfilment = (await api(server, mart.secret_key, 'GET', `/v1/orders/${order_id}/fulfilments`)).body.data[0] as { id: string };
  expect((await api(server, mart.secret_key, 'POST', `/v1/fulfilments/${fulfilment.id}/pack`, {})).status).toBe(200);
  return { order_id, store_id: express.location_id };
}

describe('local delivery', () => {
  it('plans two nearby express orders into one rider’s route, dispatches it and delivers a stop', async () => {
    const locations = (await api(server, mart.secret_key, 'GET', '/v1/locations?limit=100')).body.data as { id: string; kind: string; code: string; latitude: number; longitude: number }[];
    const store = locations.find((l) => l.code === 'ST-PEOPLES-SQ')!;
    const levels = (await api(server, mart.secret_key, 'GET', `/v1/stock?location_id=${store.id}&limit=100`)).body.data as { variant_id: string; available: number }[];
    const level = levels.find((l) => l.available >= 2)!;
    expect(level).toBeDefined();
    // About 700 m north of the store, two doors 150 m apart.
    const a = await paidExpressOrder(level.variant_id, { latitude: store.latitude + 0.0063, longitude: store.longitude });
    const b = await paidExpressOrder(level.variant_id, { latitude: store.latitude + 0.0070, longitude: store.longitude + 0.0012 });
    expect(b.store_id).toBe(a.store_id);

    await page.goto(`${server.url}/console/local-delivery?store=${a.store_id}`);
    await page.getByTestId('ld-waiting').getByText(a.order_id).waitFor();
    await page.getByRole('button', { name: 'Plan routes' }).click();
    const route = page.getByTestId('ld-route').filter({ hasText: a.order_id });
    await route.getByRole('button', { name: 'Dispatch' }).waitFor();
    expect(await route.textContent()).toContain(b.order_id);
    expect(await route.locator('.ld-late').count()).toBe(0);
    expect(await page.locator('svg.route-map circle').count()).toBeGreaterThanOrEqual(2);
    await screenshot(page, 'local-delivery-planned');
    expect(await unlabelledControls(page)).toEqual([]);

    await route.getByRole('button', { name: 'Dispatch' }).click();
    await route.getByRole('button', { name: 'Delivered' }).first().waitFor();
    expect((await api(server, mart.secret_key, 'GET', `/v1/orders/${a.order_id}`)).body.status).toBe('shipped');
    const row = route.getByRole('row').filter({ hasText: a.order_id });
    await row.getByRole('button', { name: 'Delivered' }).click();
    await eventually('the order to be delivered', async () => ((await api(server, mart.secret_key, 'GET', `/v1/orders/${a.order_id}`)).body.status === 'delivered' ? true : undefined));
    await row.getByText('Delivered').waitFor();
    await screenshot(page, 'local-delivery-out');

    await page.getByLabel('Language').first().selectOption('zh-CN');
    await page.getByRole('heading', { name: '同城配送' }).waitFor();
    await screenshot(page, 'local-delivery-zh');
    const check = await server.bos(['check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
