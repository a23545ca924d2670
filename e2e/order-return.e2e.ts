import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type E2eServer, eventually, screenshot, signedInConsole, unlabelledControls } from './support.js';

/**
 * Returns on the order page: the seller approves a refund on condition that the goods come back
 * (the refund dialog's checkbox); the order waits in "Awaiting return" with its money in escrow.
 * With a delivery address the return travels by carrier (a return shipment, tracked like any
 * parcel) and its delivery refunds the order; without one the store receives it by hand
 * ("Receive return"). In English and in Chinese; every invariant holds after.
 */
let server: E2eServer;
let browser: Browser;
let page: Page;
let mart: E2eServer['credentials']['merchants'][number];

beforeAll(async () => {
  ({ server, person: mart, browser, page } = await signedInConsole('demo-mart', { OPENBOS_SIM_CARRIER_HOUR_MS: '0', OPENBOS_SIM_CARRIER_LOSSES: 'none' }));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function stockedItem(): Promise<{ variant_id: string; quantity: number }[]> {
  const levels = (await api(server, mart.secret_key, 'GET', '/v1/stock?limit=100')).body.data as { variant_id: string; available: number }[];
  return [{ variant_id: levels.find((l) => l.available >= 1)!.variant_id, quantity: 1 }];
}

async function pay(placed: { body: { checkout_id: string; orders: { id: string }[] } }): Promise<string> {
  const order_id = placed.body.orders[0]!.id;
  expect((await api(server, mart.publishable_key, 'POST', `/v1/checkouts/${placed.body.checkout_id}/payments`, { payment_method: '4242424242424242' })).status).toBe(202);
  await eventually('the payment to be confirmed', async () => ((await api(server, mart.secret_key, 'GET', `/v1/orders/${order_id}`)).body.status === 'paid' ? true : undefined));
  return order_id;
}

async function approveOnReturn(order_id: string): Promise<void> {
  await page.goto(`${server.url}/console/orders/${order_id}`);
  await page.getByRole('button', { name: 'Approve refund…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Approve the refund' });
  const keep = dialog.getByLabel('The goods must come back first');
  expect(await keep.isChecked()).toBe(true);
  await screenshot(page, 'order-return-dialog');
  await dialog.getByRole('button', { name: 'Approve on return' }).click();
  await page.getByText('Return opened; the refund posts when the goods are back.').waitFor();
}

describe('returns on the order page', () => {
  it('approves a refund on return; the return shipment comes back by carrier and the refund posts', async () => {
    const beijing = { latitude: 39.9087, longitude: 116.3975 };
    const items = await stockedItem();
    const quoted = await api(server, mart.publishable_key, 'POST', '/v1/delivery-options', { items, destination: beijing });
    const standard = (quoted.body.sellers[0].options as { kind: string; price_minor: number }[]).find((o) => o.kind === 'standard')!;
    const placed = await api(server, mart.publishable_key, 'POST', '/v1/checkouts', {
      currency: 'CNY',
      items,
      buyer_email: 'li.lei@example.com',
      delivery: { recipient: { name: 'Li Lei', phone: '+86 139 0000 1234' }, address: { line1: '1 Chang’an Avenue', city: 'Beijing', country: 'CN', ...beijing }, option: { kind: 'standard', expected_price_minor: standard.price_minor } },
    });
    expect(placed.status).toBe(201);
    const order_id = await pay(placed);
    expect((await api(server, mart.secret_key, 'POST', `/v1/orders/${order_id}/shipments`, { destination: beijing, weight_g: 900 })).status).toBe(201);
    await eventually('the parcel to be delivered', async () => ((await api(server, mart.secret_key, 'GET', `/v1/orders/${order_id}`)).body.status === 'delivered' ? true : undefined));
    expect((await api(server, mart.secret_key, 'POST', `/v1/orders/${order_id}/refund-request`, { reason: 'too small' })).status).toBe(200);

    await approveOnReturn(order_id);
    const returns = (await api(server, mart.secret_key, 'GET', `/v1/orders/${order_id}/returns`)).body.data as { shipment_id: string | null }[];
    expect(returns).toHaveLength(1);
    expect(returns[0]!.shipment_id).not.toBeNull();
    await page.getByText('Return to the store').waitFor();
    // The simulated carrier brings it back within seconds: the order is refunded.
    await eventually('the return to be received', async () => ((await api(server, mart.secret_key, 'GET', `/v1/orders/${order_id}`)).body.status === 'refunded' ? true : undefined));
    await page.reload();
    await page.getByTestId('return-status').getByText('Received').waitFor();
    await screenshot(page, 'order-return-received');
    expect(await unlabelledControls(page)).toEqual([]);
  });

  it('receives by hand a return the buyer brings to the store, in English and Chinese', async () => {
    const placed = await api(server, mart.publishable_key, 'POST', '/v1/checkouts', { currency: 'CNY', items: await stockedItem(), buyer_email: 'han.mei@example.com' });
    expect(placed.status).toBe(201);
    const order_id = await pay(placed);
    expect((await api(server, mart.secret_key, 'POST', `/v1/orders/${order_id}/ship`, { tracking_number: 'SF-RETURN-1' })).status).toBe(200);
    expect((await api(server, mart.secret_key, 'POST', `/v1/orders/${order_id}/deliver`, {})).status).toBe(200);
    expect((await api(server, mart.secret_key, 'POST', `/v1/orders/${order_id}/refund-request`, { reason: 'changed my mind' })).status).toBe(200);

    await approveOnReturn(order_id);
    await page.getByText('None: the buyer brings the goods to the store').waitFor();
    expect((await api(server, mart.secret_key, 'GET', `/v1/orders/${order_id}`)).body.status).toBe('awaiting_return');
    await page.getByLabel('Language').first().selectOption('zh-CN');
    await page.getByText('退回途中').waitFor();
    await screenshot(page, 'order-return-zh');
    await page.getByLabel('语言').first().selectOption('en');
    await page.getByRole('button', { name: 'Receive return' }).click();
    await page.getByText(/Return received; the goods are back on the shelf\. The order is refunded\./).waitFor();
    expect((await api(server, mart.secret_key, 'GET', `/v1/orders/${order_id}`)).body.status).toBe('refunded');
    await screenshot(page, 'order-return-by-hand');
  });

  it('leaves every invariant holding (bos check)', async () => {
    const check = await server.bos(['check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
