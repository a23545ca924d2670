import { readFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { DemoCredentials } from '../src/kernel/module.js';
import { freePort, runBos, startServer, type RunningServer } from '../test/support/process.js';

export const screenshotDir = path.resolve('test-results/screenshots');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface E2eServer {
  url: string;
  credentials: DemoCredentials;
  /** Runs a `bos` command against this server's database, e.g. `check`. */
  bos(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/** A real server on a fresh embedded PostgreSQL with the demo platform, as `npm start` gives a new user; `extraEnv`: settings for this test's server (e.g. a faster simulated carrier). */
export async function startE2eServer(extraEnv: Record<string, string> = {}): Promise<E2eServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'openbos-e2e-'));
  const [port, pgPort] = [await freePort(), await freePort()];
  let server: RunningServer | undefined;
  const env = { PORT: String(port), HOST: '127.0.0.1', OPENBOS_DATA_DIR: dataDir, OPENBOS_PG_PORT: String(pgPort), OPENBOS_RATE_LIMIT_PER_S: '0', ...extraEnv };
  try {
    // The first start seeds the demos, the forecast demo included (20 weeks of sales history and a forecast run).
    server = await startServer(env, 240_000);
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const running = server;
  const credentials = JSON.parse(await readFile(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredentials;
  return {
    url: `http://127.0.0.1:${port}`,
    credentials,
    bos: (args) => runBos(args, env),
    async stop() {
      running.child.kill('SIGTERM');
      await running.exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** `extraArgs`: more Chromium switches, e.g. `--host-resolver-rules` to give a local server a domain name. */
export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  await mkdir(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // As root Chromium needs --no-sandbox; the rest keeps it from calling out to a closed network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

/**
 * Every form control on the page has a name a screen reader can announce: a label, aria-label
 * or aria-labelledby. Returns the controls that have none.
 */
export async function unlabelledControls(page: Page): Promise<string[]> {
  // Runs in the page; a string, because this file is type-checked without the DOM library.
  return page.evaluate(`[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
    .filter((el) => {
      const labelled = el.labels ? el.labels.length : 0;
      const text = el.tagName === 'BUTTON' ? (el.textContent || '').trim() : '';
      return labelled === 0 && text === '' && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !el.getAttribute('title');
    })
    .map((el) => el.outerHTML.slice(0, 120))`);
}

/** The buttons, links and fields a notice on screen covers, even in part: there must be none. */
export async function controlsUnderNotices(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const notices = [...document.querySelectorAll('.notice')].map((n) => n.getBoundingClientRect());
    const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    return [...document.querySelectorAll('button, a[href], input, select, textarea')]
      .filter((el) => el.getClientRects().length > 0)
      .filter((el) => notices.some((n) => overlaps(n, el.getBoundingClientRect())))
      .map((el) => el.outerHTML.slice(0, 120));
  })()`);
}

/** The JavaScript a browser must load before the first page shows: the entry and what it preloads, gzipped. */
export async function initialJavaScriptGzipBytes(distDir: string): Promise<{ bytes: number; files: string[] }> {
  const html = await readFile(path.join(distDir, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  let bytes = 0;
  for (const file of files) {
    const gz = gzipSync(await readFile(path.join(distDir, file)), { level: 9 });
    expect(gunzipSync(gz).length).toBeGreaterThan(0);
    bytes += gz.length;
  }
  return { bytes, files };
}

export async function api(server: E2eServer, key: string, method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Waits for something the server does by itself (a payment webhook), with a hard limit. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeout_ms = 15_000): Promise<T> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A console tab as the browser tests use it: 1280 × 900, an English browser in Shanghai. */
export async function consolePage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Asia/Shanghai' });
  page.setDefaultTimeout(15_000);
  return page;
}

/** Signs a demo store's console user in through the sign-in page, as a person would. */
export async function signInToConsole(page: Page, server: E2eServer, person: { handle: string; console_email: string; console_password: string }): Promise<void> {
  await page.goto(`${server.url}/console/`);
  await page.getByLabel('Store handle').fill(person.handle);
  await page.getByLabel('Email').fill(person.console_email);
  await page.getByLabel('Password').fill(person.console_password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/**
 * A server with the demo platform, a browser, and a console tab signed in as one of the demo
 * merchants (by handle): what most console tests start from.
 */
export async function signedInConsole(handle: string, extraEnv: Record<string, string> = {}): Promise<{ server: E2eServer; person: E2eServer['credentials']['merchants'][number]; browser: Browser; page: Page }> {
  const server = await startE2eServer(extraEnv);
  const person = server.credentials.merchants.find((m) => m.handle === handle)!;
  const browser = await launchBrowser();
  const page = await consolePage(browser);
  await signInToConsole(page, server, person);
  return { server, person, browser, page };
}
