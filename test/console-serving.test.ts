import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from './support/platform.js';

let built: TestPlatform;
let missing: TestPlatform;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'openbos-console-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>console</title><div id="root"></div>');
  await writeFile(path.join(dir, 'assets', 'index-abc123.js'), 'console.log("app")');
  built = await createTestPlatform({ OPENBOS_CONSOLE_DIR: dir });
  missing = await createTestPlatform({ OPENBOS_CONSOLE_DIR: path.join(dir, 'nothing-here') });
});
afterAll(async () => {
  await built.close();
  await missing.close();
});

describe('the console is served at /console', () => {
  it('answers every console path with the app, which routes in the browser, under a strict content policy', async () => {
    for (const p of ['/console/', '/console/orders/ord_123', '/console/settings?tab=keys']) {
      const res = await built.app.request(p);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<div id="root">');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
  });

  it('sends /console and / on to /console/', async () => {
    expect((await built.app.request('/console')).headers.get('location')).toBe('/console/');
    expect((await built.app.request('/')).headers.get('location')).toBe('/console/');
  });

  it('serves hashed assets to be cached for good, and nothing outside the build', async () => {
    const asset = await built.app.request('/console/assets/index-abc123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await built.app.request('/console/assets/unknown-1.js')).status).toBe(404);
    expect((await built.app.request('/console/assets/..%2F..%2Fpackage.json')).status).toBe(404);
    expect((await built.app.request('/console/assets/index.html')).status).toBe(404);
  });

  it('says how to build the console when it is not built, without hiding the API', async () => {
    const res = await missing.app.request('/console/');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:console');
    expect((await missing.app.request('/health')).status).toBe(200);
  });
});
