import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, launchBrowser, screenshot, startE2eServer, unlabelledControls, type E2eServer } from './support.js';

/**
 * Money in the console on a fresh `npm start`: the store-chain owner requests a payout of the
 * available balance and lands on its statement, and the platform operator (the printed operator
 * sign-in) decides the demo dispute. Both in English and in Simplified Chinese, photographed.
 */
let server: E2eServer;
let browser: Browser;

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const consoleUrl = (p = '') => `${server.url}/console/${p}`;

async function signedIn(store: string, email: string, password: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(consoleUrl());
  await page.getByLabel('Store handle').fill(store);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation').waitFor();
  return page;
}

async function settled(page: Page): Promise<void> {
  await page.locator('h1').first().waitFor();
  await page.locator('[role="status"]', { hasText: /Loading|加载中/ }).first().waitFor({ state: 'detached' });
}

describe('payouts and the platform operator in the console', () => {
  it('the store-chain owner requests a payout of the available balance and sees its statement', async () => {
    const mart = server.credentials.merchants.find((m) => m.handle === 'demo-mart')!;
    // The demo buyer confirmed an order after the first day's payout: its escrow is released to the shop.
    const available = await eventually('a balance to pay out', async () => {
      const cny = ((await api(server, mart.secret_key, 'GET', '/v1/balance')).body.data as { currency: string; available_minor: number }[]).find((b) => b.currency === 'CNY');
      return cny !== undefined && cny.available_minor > 0 ? cny.available_minor : undefined;
    });
    const page = await signedIn('demo-mart', mart.console_email, mart.console_password);
    // No Platform entry for a seller.
    expect(await page.getByRole('navigation').getByRole('link', { name: 'Platform' }).count()).toBe(0);
    await page.goto(consoleUrl('payouts'));
    await settled(page);
    const button = page.getByRole('button', { name: /^Request payout of / });
    await button.click();
    const dialog = page.getByRole('dialog', { name: 'Request a payout' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain((available / 100).toLocaleString('en-GB', { minimumFractionDigits: 2 }));
    await screenshot(page, 'payout-request-dialog');
    expect(await unlabelledControls(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // The same in Chinese, confirmed there.
    await page.getByLabel('Language').first().selectOption('zh-CN');
    await page.getByRole('button', { name: /^申请结算 / }).click();
    const zhDialog = page.getByRole('dialog', { name: '申请结算' });
    await zhDialog.waitFor();
    await screenshot(page, 'payout-request-dialog-zh');
    await zhDialog.getByRole('button', { name: /^结算 / }).click();
    await page.waitForURL(/\/console\/payouts\/po_/);
    await settled(page);
    const payout_id = /payouts\/(po_\w+)/.exec(page.url())![1]!;
    await screenshot(page, 'payout-requested-statement-zh');

    const statement = (await api(server, mart.secret_key, 'GET', `/v1/payouts/${payout_id}`)).body as { amount_minor: number; requested_by: string; items: unknown[] };
    expect(statement.amount_minor).toBe(available);
    expect(statement.requested_by).toMatch(/^user:usr_/);
    expect(statement.items.length).toBeGreaterThan(0);
    const balance = ((await api(server, mart.secret_key, 'GET', '/v1/balance')).body.data as { currency: string; available_minor: number }[]).find((b) => b.currency === 'CNY')!;
    expect(balance.available_minor).toBe(0);

    await page.getByLabel('语言').first().selectOption('en');
    await page.goto(consoleUrl('payouts'));
    await settled(page);
    await page.getByText('Nothing is available to pay out yet.').waitFor();
    expect(await page.getByTestId('payouts-table').textContent()).toContain(payout_id);
    await screenshot(page, 'payouts-after-request');
    await page.context().close();
  });

  it('the platform operator sees every seller’s balance and decides the demo dispute', async () => {
    const operator = server.credentials.operator!;
    const page = await signedIn(operator.handle, operator.console_email, operator.console_password);
    await page.getByRole('navigation').getByRole('link', { name: 'Platform' }).click();
    await settled(page);
    const disputes = page.getByTestId('platform-disputes');
    await disputes.waitFor();
    expect(await disputes.textContent()).toContain('demo-mart');
    expect(await disputes.textContent()).toContain('The box arrived crushed');
    expect(await disputes.textContent()).toContain('Our packing photo shows the jars intact');
    expect(await page.getByTestId('platform-balances').textContent()).toContain('demo-brand');
    await screenshot(page, 'platform-operator');
    expect(await unlabelledControls(page)).toEqual([]);

    const order_id = (await disputes.locator('tr[data-order-id]').first().getAttribute('data-order-id'))!;
    await page.getByLabel('Language').first().selectOption('zh-CN');
    await page.getByRole('link', { name: '平台' }).waitFor();
    await disputes.getByRole('button', { name: /^裁决订单/ }).first().click();
    await page.getByRole('dialog').waitFor();
    await screenshot(page, 'platform-decide-dialog-zh');
    await page.getByRole('dialog').getByRole('button', { name: '取消' }).click();
    await screenshot(page, 'platform-operator-zh');

    await page.getByLabel('语言').first().selectOption('en');
    await disputes.getByRole('button', { name: /^Decide the dispute on order/ }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('radio', { name: /Refund the buyer/ }).check();
    await dialog.getByLabel('Reason').fill('The courier confirmed the box was crushed in transit');
    await screenshot(page, 'platform-decide-dialog');
    await dialog.getByRole('button', { name: 'Decide', exact: true }).click();
    await page.getByText('No disputes are waiting.').waitFor();
    await screenshot(page, 'platform-dispute-decided');

    const mart = server.credentials.merchants.find((m) => m.handle === 'demo-mart')!;
    const order = (await api(server, mart.secret_key, 'GET', `/v1/orders/${order_id}`)).body as { status: string; transitions: { action: string; reason: string }[] };
    expect(order.status).toBe('refunded');
    expect(order.transitions.at(-1)).toMatchObject({ action: 'platform_refund', reason: 'The courier confirmed the box was crushed in transit' });
    await eventually('the refund to reach the payment', async () => {
      const payment = ((await api(server, mart.secret_key, 'GET', `/v1/payments?order_id=${order_id}`)).body.data as { status: string }[])[0];
      return payment?.status === 'refunded' ? true : undefined;
    });
    const check = await server.bos(['check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    await page.context().close();
  });
});
