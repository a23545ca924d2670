import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type E2eServer, eventually, screenshot, signedInConsole, unlabelledControls } from './support.js';

/**
 * A signed-in buyer orders for pickup at one of demo-mart's stores and pays; the store puts the
 * parcel at the desk, the buyer reads their code in their account, and the desk (the console's
 * Pickup desk) finds the parcel by that code, refuses a wrong one, and hands it over: the order
 * is delivered. In English and in Chinese.
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

describe('the pickup desk', () => {
  it('hands a pickup order over against the buyer’s code', async () => {
    const locations = (await api(server, mart.secret_key, 'GET', '/v1/locations?limit=100')).body.data as { id: string; kind: string; name: string; latitude: number; longitude: number }[];
    const stores = new Map(locations.filter((l) => l.kind === 'store').map((l) => [l.id, l]));
    const levels = (await api(server, mart.secret_key, 'GET', '/v1/stock?limit=100')).body.data as { variant_id: string; location_id: string; available: number }[];
    const level = levels.find((l) => stores.has(l.location_id) && l.available >= 2)!;
    expect(level).toBeDefined();
    const store = stores.get(level.location_id)!;
    const items = [{ variant_id: level.variant_id, quantity: 2 }];
    const quoted = await api(server, mart.publishable_key, 'POST', '/v1/delivery-options', { items, destination: { latitude: store.latitude, longitude: store.longitude } });
    const pickup = (quoted.body.sellers[0].options as { kind: string; location_id?: string; price_minor: number }[]).find((o) => o.kind === 'pickup' && o.location_id === store.id)!;
    expect(pickup).toBeDefined();

    const signedUp = await api(server, mart.publishable_key, 'POST', '/v1/account', { email: 'pickup.buyer@example.com', name: 'Li Na', password: 'a long password 1' });
    expect(signedUp.status).toBe(201);
    const buyer = { 'x-consumer-token': signedUp.body.token as string };
    const placed = await api(server, mart.publishable_key, 'POST', '/v1/checkouts', { currency: 'CNY', items, delivery: { recipient: { name: 'Li Na', phone: '+86 138 0000 5678' }, option: { kind: 'pickup', location_id: store.id, expected_price_minor: pickup.price_minor } } }, buyer);
    expect(placed.status).toBe(201);
    const order_id = placed.body.orders[0].id as string;
    expect((await api(server, mart.publishable_key, 'POST', `/v1/checkouts/${placed.body.checkout_id as string}/payments`, { payment_method: '4242424242424242' }, buyer)).status).toBe(202);
    await eventually('the payment to be confirmed', async () => ((await api(server, mart.secret_key, 'GET', `/v1/orders/${order_id}`)).body.status === 'paid' ? true : undefined));
    const fulfilment_id = (await api(server, mart.secret_key, 'GET', `/v1/orders/${order_id}/fulfilments`)).body.data[0].id as string;
    expect((await api(server, mart.secret_key, 'POST', `/v1/fulfilments/${fulfilment_id}/pack`, {})).status).toBe(200);
    expect((await api(server, mart.secret_key, 'POST', `/v1/fulfilments/${fulfilment_id}/ready`, {})).status).toBe(200);
    const mine = await api(server, mart.publishable_key, 'GET', `/v1/account/orders/${order_id}/pickup`, undefined, buyer);
    const code = mine.body.data[0].code as string;
    expect(code).toMatch(/^[0-9]{6}$/);

    await page.goto(`${server.url}/console/pickup?location=${store.id}`);
    await page.getByRole('link', { name: order_id }).first().waitFor();
    expect(await page.getByRole('row', { name: new RegExp(order_id) }).textContent()).toContain('L* N*');
    await screenshot(page, 'pickup-desk-waiting');

    // A wrong code finds nothing and changes nothing.
    await page.getByRole('textbox', { name: 'Pickup code' }).fill(String((Number(code) + 1) % 1_000_000).padStart(6, '0'));
    await page.getByRole('button', { name: 'Find the parcel' }).click();
    await page.getByText('does not match a parcel waiting here').waitFor();

    await page.getByRole('textbox', { name: 'Pickup code' }).fill(code);
    await page.getByRole('button', { name: 'Find the parcel' }).click();
    await page.getByRole('region', { name: `Parcel for order ${order_id}` }).waitFor();
    expect(await page.getByRole('region', { name: `Parcel for order ${order_id}` }).textContent()).toContain('L* N*');
    await screenshot(page, 'pickup-desk-found');
    expect(await unlabelledControls(page)).toEqual([]);

    await page.getByRole('button', { name: 'Hand over' }).click();
    await page.getByText(`Order ${order_id} handed over`).waitFor();
    expect((await api(server, mart.secret_key, 'GET', `/v1/orders/${order_id}`)).body.status).toBe('delivered');
    expect((await api(server, mart.secret_key, 'GET', `/v1/fulfilments/${fulfilment_id}`)).body.status).toBe('picked_up');
    await page.getByRole('link', { name: order_id }).waitFor({ state: 'detached' });
    await screenshot(page, 'pickup-desk-handed-over');

    await page.getByLabel('Language').first().selectOption('zh-CN');
    await page.getByRole('heading', { name: '自提柜台' }).waitFor();
    await screenshot(page, 'pickup-desk-zh');
    const check = await server.bos(['check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
