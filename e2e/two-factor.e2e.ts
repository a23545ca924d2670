import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, launchBrowser, screenshot, startE2eServer, unlabelledControls, type E2eServer } from './support.js';

/**
 * Two-factor sign-in in a real Chromium: the demo owner sets up an authenticator in Settings →
 * Security (the test plays the app with otpauth, reading the key shown under the QR code), saves
 * the recovery codes, signs out, and signs back in with the password and then a code.
 */
let server: E2eServer;
let browser: Browser;
let page: Page;
let demo: E2eServer['credentials']['merchants'][number];

beforeAll(async () => {
  server = await startE2eServer();
  demo = server.credentials.merchants.find((m) => m.handle === 'demo-brand')!;
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Asia/Shanghai' });
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const consoleUrl = (p = '') => `${server.url}/console/${p}`;
/** What the authenticator app shows, `steps_ahead` 30-second steps from now. */
const appCode = (secret: string, steps_ahead = 0) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: Date.now() + steps_ahead * 30_000 });

async function passwordStep(email = demo.console_email, password = demo.console_password): Promise<void> {
  await page.goto(consoleUrl());
  await page.waitForURL(/\/console\/sign-in/);
  await page.getByLabel('Store handle').fill('demo-brand');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

let secret: string;
let recoveryCodes: string[];

describe('two-factor sign-in in the console', () => {
  it('sets up an authenticator from Settings → Security with a QR code, and shows ten recovery codes once', async () => {
    await passwordStep();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.goto(consoleUrl('settings?tab=security'));
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    await page.getByRole('img', { name: 'QR code to scan with an authenticator app' }).waitFor();
    secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'two-factor-enrol');

    await page.getByLabel('Code from the app').fill(appCode(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByTestId('recovery-codes').waitFor();
    recoveryCodes = (await page.getByTestId('recovery-codes').locator('li').allTextContents()).map((c) => c.trim());
    expect(recoveryCodes).toHaveLength(10);
    await screenshot(page, 'two-factor-recovery-codes');
    await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    await page.getByText('Recovery codes left: 10').waitFor();
    expect(await page.locator('.badge', { hasText: 'On' }).count()).toBeGreaterThan(0);
  });

  it('after signing out, the password alone is not enough: the session comes after a code from the app', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/sign-in/);
    await passwordStep();
    await page.getByRole('heading', { level: 1, name: 'Two-factor sign-in' }).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'two-factor-sign-in');
    // Without a valid code nothing opens.
    await page.getByLabel('Code', { exact: true }).fill(appCode(secret) === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not right');
    expect((await fetch(`${server.url}/v1/console/session`)).status).toBe(401);
    // The code of the next step: the current one confirmed the enrolment and is spent.
    await page.getByLabel('Code', { exact: true }).fill(appCode(secret, 1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  });

  it('the owner requires it of everyone: a colleague without it sets it up at sign-in; the owner, in with a recovery code, resets it', async () => {
    const colleague = { email: 'packer@lumen-tea.example', password: 'a long packer password' };
    const invited = await api(server, demo.secret_key, 'POST', '/v1/console-users', { ...colleague, name: 'Pat Packer', role: 'staff' });
    expect(invited.status).toBe(201);
    await page.goto(consoleUrl('settings?tab=security'));
    const rule = page.getByLabel('Require two-factor sign-in for everyone at this store');
    await rule.check();
    await expect.poll(() => api(server, demo.secret_key, 'GET', '/v1/two-factor-policy').then((r) => r.body.required)).toBe(true);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/sign-in/);

    await passwordStep(colleague.email, colleague.password);
    await page.getByRole('img', { name: 'QR code to scan with an authenticator app' }).waitFor();
    await screenshot(page, 'two-factor-required-enrol');
    const colleagueSecret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await page.getByLabel('Code', { exact: true }).fill(appCode(colleagueSecret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('recovery-codes').waitFor();
    await page.getByRole('button', { name: /continue/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/sign-in/);

    await passwordStep();
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.goto(consoleUrl('settings?tab=users'));
    await page.getByRole('button', { name: 'Reset two-factor sign-in of Pat Packer' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reset two-factor' }).click();
    await page.getByText('Two-factor sign-in of Pat Packer was reset.').waitFor();
    const audit = await api(server, demo.secret_key, 'GET', '/v1/audit-events?limit=20');
    expect(audit.body.data.some((e: { action: string }) => e.action === 'console_user.two_factor_reset')).toBe(true);
  });
});
