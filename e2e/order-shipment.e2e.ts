import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type E2eServer, eventually, screenshot, signedInConsole, unlabelledControls } from './support.js';

/**
 * The demo platform ships one of demo-mart's paid orders by carrier at start-up; the seller's
 * order page shows that shipment with its carrier, tracking timeline (moved along by the simulated
 * carrier's signed webhooks) and the routing decision with its candidates. "Ship by carrier" on
 * another paid order routes and ships it. In English and in Chinese; every invariant holds after.
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
  tracking_number: string | null;
  routing: { reason: string; candidates: { carrier: string }[] };
  timeline: { status: string }[];
}

beforeAll(async () => {
  // Every simulated hour of the parcel's journey passes at once, so tracking arrives within seconds.
  ({ server, person: mart, browser, page } = await signedInConsole('demo-mart', { OPENBOS_SIM_CARRIER_HOUR_MS: '0', OPENBOS_SIM_CARRIER_LOSSES: 'none' }));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('shipments on the order page', () => {
  it('shows the demo shipment’s carrier, tracking timeline and routing reason', async () => {
    const shipment = await eventually('the demo shipment to be tracked', async () => {
      const shipments = (await api(server, mart.secret_key, 'GET', '/v1/shipments?limit=10')).body.data as Shipment[];
      return shipments.find((s) => s.timeline.length > 0);
    });
    expect(shipment.routing.reason).not.toBe('');
    expect(shipment.routing.candidates.length).toBeGreaterThan(1);

    await page.goto(`${server.url}/console/orders/${shipment.order_id}`);
    await page.getByTestId('shipment-reason').waitFor();
    await page.locator('[role="status"]', { hasText: 'Loading' }).first().waitFor({ state: 'detached' });
    expect(await page.getByTestId('shipment-carrier').textContent()).toBe(shipment.carrier);
    expect(await page.getByTestId('shipment-reason').textContent()).toBe(shipment.routing.reason);
    expect(await page.getByTestId('shipment-timeline').locator('li').count()).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('shipment-timeline').textContent()).toContain('Picked up');
    const candidates = page.getByRole('table', { name: 'Carriers considered, best first' });
    expect(await candidates.locator('tbody tr').count()).toBe(shipment.routing.candidates.length);
    expect(await candidates.locator('thead').textContent()).toContain('P(on time)');
    // A shipped order offers no second shipment by carrier.
    expect(await page.getByRole('button', { name: 'Ship by carrier…' }).count()).toBe(0);
    await screenshot(page, 'order-shipment');
    expect(await unlabelledControls(page)).toEqual([]);
  });

  it('ships another paid order by carrier from its page, in English and Chinese', async () => {
    const paid = (await api(server, mart.secret_key, 'GET', '/v1/orders?status=paid&limit=100')).body.data as { id: string }[];
    expect(paid.length).toBeGreaterThan(0);
    const order_id = paid[0]!.id;

    await page.goto(`${server.url}/console/orders/${order_id}`);
    await page.getByText('Not shipped by carrier.').waitFor();
    await page.getByRole('button', { name: 'Ship by carrier…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Ship by carrier' });
    // Bad input is refused in the form and nothing is shipped.
    await dialog.getByLabel('Destination latitude').fill('123');
    await dialog.getByLabel('Destination longitude').fill('116.4074');
    await dialog.getByRole('button', { name: 'Ship by carrier' }).click();
    await dialog.getByText('Give a latitude between −90 and 90.').waitFor();
    expect(((await api(server, mart.secret_key, 'GET', `/v1/shipments?order_id=${order_id}`)).body.data as unknown[]).length).toBe(0);

    await dialog.getByLabel('Destination latitude').fill('39.9042');
    await dialog.getByLabel('Weight (grams)').fill('800');
    await screenshot(page, 'order-shipment-dialog');
    await dialog.getByRole('button', { name: 'Ship by carrier' }).click();
    await page.getByTestId('shipment-reason').waitFor();

    const created = (await api(server, mart.secret_key, 'GET', `/v1/shipments?order_id=${order_id}`)).body.data as Shipment[];
    expect(created).toHaveLength(1);
    expect(await page.getByTestId('shipment-reason').textContent()).toBe(created[0]!.routing.reason);
    expect(await page.getByTestId('shipment-carrier').textContent()).toBe(created[0]!.carrier);
    const order = (await api(server, mart.secret_key, 'GET', `/v1/orders/${order_id}`)).body as { status: string; tracking_number: string | null };
    expect(['shipped', 'delivered']).toContain(order.status);
    expect(order.tracking_number).toBe(created[0]!.tracking_number);

    await page.getByLabel('Language').first().selectOption('zh-CN');
    await page.getByText('物流包裹').waitFor();
    await page.getByText('选择此承运商的原因').waitFor();
    await screenshot(page, 'order-shipment-zh');
  });

  it('ships to the delivery address chosen at checkout: the destination comes filled in', async () => {
    const beijing = { latitude: 39.9087, longitude: 116.3975 };
    const levels = (await api(server, mart.secret_key, 'GET', '/v1/stock?limit=100')).body.data as { variant_id: string; available: number }[];
    const items = [{ variant_id: levels.find((l) => l.available >= 1)!.variant_id, quantity: 1 }];
    const quoted = await api(server, mart.publishable_key, 'POST', '/v1/delivery-options', { items, destination: beijing });
    expect(quoted.status).toBe(200);
    const standard = (quoted.body.sellers[0].options as { kind: string; price_minor: number }[]).find((o) => o.kind === 'standard')!;
    expect(standard).toBeDefined();
    const placed = await api(server, mart.publishable_key, 'POST', '/v1/checkouts', {
      currency: 'CNY',
      items,
      buyer_email: 'wang.fang@example.com',
      delivery: { recipient: { name: 'Wang Fang', phone: '+86 139 0000 5678' }, address: { line1: '1 Chang’an Avenue', city: 'Beijing', country: 'CN', ...beijing }, option: { kind: 'standard', expected_price_minor: standard.price_minor } },
    });
    expect(placed.status).toBe(201);
    const order_id = placed.body.orders[0].id as string;
    expect((await api(server, mart.publishable_key, 'POST', `/v1/checkouts/${placed.body.checkout_id as string}/payments`, { payment_method: '4242424242424242' })).status).toBe(202);
    await eventually('the payment to be confirmed', async () => ((await api(server, mart.secret_key, 'GET', `/v1/orders/${order_id}`)).body.status === 'paid' ? true : undefined));

    await page.getByLabel('语言').first().selectOption('en');
    await page.goto(`${server.url}/console/orders/${order_id}`);
    await page.getByRole('button', { name: 'Ship by carrier…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Ship by carrier' });
    expect(await dialog.getByLabel('Destination latitude').inputValue()).toBe(String(beijing.latitude));
    expect(await dialog.getByLabel('Destination longitude').inputValue()).toBe(String(beijing.longitude));
    await dialog.getByRole('button', { name: 'Ship by carrier' }).click();
    await page.getByTestId('shipment-reason').waitFor();
    const created = (await api(server, mart.secret_key, 'GET', `/v1/shipments?order_id=${order_id}`)).body.data as (Shipment & { destination: { latitude: number; longitude: number } })[];
    expect(created).toHaveLength(1);
    expect(created[0]!.destination).toEqual(beijing);
  });

  it('leaves every invariant holding (bos check)', async () => {
    const check = await server.bos(['check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
