import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startE2eServer, unlabelledControls, type E2eServer } from './support.js';

/**
 * A forgotten console password recovered by email, in a real Chromium against a real server
 * with the demo platform and no SMTP server (as `npm start` gives a new user): the request from
 * the sign-in page, the message in the Mail page (the development outbox), the link, the new
 * password, and the old session ended.
 */
let server: E2eServer;
let browser: Browser;
let demo: E2eServer['credentials']['merchants'][number];

beforeAll(async () => {
  server = await startE2eServer();
  demo = server.credentials.merchants.find((m) => m.handle === 'demo-brand')!;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const consoleUrl = (p = '') => `${server.url}/console/${p}`;

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

async function signIn(page: Page, password: string): Promise<void> {
  await page.goto(consoleUrl('sign-in'));
  await page.getByLabel('Store handle').fill(demo.handle);
  await page.getByLabel('Email').fill(demo.console_email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('console password reset by email', () => {
  it('asks for a link from the sign-in page, follows it from the outbox, sets a new password and ends the old session', async () => {
    // The owner is still signed in on another computer.
    const other = await newPage();
    await signIn(other.page, demo.console_password);
    await other.page.getByRole('heading', { name: 'Overview' }).waitFor();

    const forgetful = await newPage();
    const page = forgetful.page;
    await page.goto(consoleUrl('sign-in'));
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await page.getByLabel('Store handle').fill(demo.handle);
    await page.getByLabel('Email').fill(demo.console_email);
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page.getByText('a link is on its way').waitFor();
    await screenshot(page, 'forgot-password');

    // Without SMTP the outbox is the mailbox: the other session reads the message there.
    await other.page.getByRole('link', { name: 'Mail' }).click();
    await other.page.getByText('No SMTP server is configured').waitFor();
    const subject = other.page.getByRole('link', { name: /Reset your .* console password/ }).first();
    // The jobs runner sends (here: records) the message within a few seconds.
    const recorded = async () => {
      await other.page.reload();
      await other.page.locator('table, p.empty').first().waitFor();
      return other.page.locator('td .badge', { hasText: 'Recorded, not sent' }).count();
    };
    await expect.poll(recorded, { timeout: 15_000, interval: 500 }).toBeGreaterThan(0);
    await screenshot(other.page, 'mail');
    expect(await unlabelledControls(other.page)).toEqual([]);
    await subject.click();
    const text = (await other.page.locator('pre.mail-text').textContent()) ?? '';
    await screenshot(other.page, 'mail-message');
    const token = /pwr_[A-Za-z0-9_-]{40,64}/.exec(text)?.[0];
    expect(token, text).toBeDefined();
    expect(text).toContain('/console/reset-password?token=');

    await page.goto(consoleUrl(`reset-password?token=${token!}`));
    await page.getByLabel('New password', { exact: true }).fill('a new demo password');
    await page.getByLabel('Repeat the new password').fill('a new demo password');
    expect(await unlabelledControls(page)).toEqual([]);
    await page.getByRole('button', { name: 'Set the password' }).click();
    await page.getByText('Your password is set').waitFor();
    await screenshot(page, 'reset-password');

    // The link works once.
    await page.goto(consoleUrl(`reset-password?token=${token!}`));
    await page.getByLabel('New password', { exact: true }).fill('yet another password');
    await page.getByLabel('Repeat the new password').fill('yet another password');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await page.getByText('This link does not work').waitFor();

    // The old session has ended; the old password no longer works, the new one does.
    await other.page.reload();
    await other.page.waitForURL(/\/console\/sign-in/);
    await signIn(page, demo.console_password);
    await page.getByText('is not right').waitFor();
    await signIn(page, 'a new demo password');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await other.context.close();
    await forgetful.context.close();
  });
});
